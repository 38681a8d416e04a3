"""Bulk import and export of regions, parks and enterprises: dry run, upsert by natural key, row-level
errors, all-or-nothing, scope, and export that re-imports unchanged."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import make_user
from industrybrain.core.models import ObjectChange
from industrybrain.core.tabular import TableError, read_table, write_csv, write_xlsx
from industrybrain.registry.models import Enterprise, Park
from industrybrain.registry.operations import export_file, import_table
from industrybrain.registry.uscc import make_uscc

HEADER = "uscc,name,region,park,industry,is_above_scale,land_area_mu,employees"
NEW_A = make_uscc("9", "1", "331082", "MA2DDDDD")
NEW_B = make_uscc("9", "1", "331082", "MA2EEEEE")


def csv_table(text: str, name: str = "firms.csv"):
    return read_table(text.encode("utf-8"), name)


def good_file() -> str:
    return (
        f"{HEADER}\n"
        f"{NEW_A},临海市新材料有限公司,331082,331082-P01,2929,是,12.5,40\n"
        f"{NEW_B},临海市眼镜有限公司,331082,,3587,否,,8\n"
    )


def test_it_creates_rows_and_a_second_import_is_a_no_op(world) -> None:
    report = import_table("enterprises", csv_table(good_file()), world["linhai_analyst"])
    assert (report.ok, report.applied, report.created, report.updated) == (True, True, 2, 0)
    firm = Enterprise.objects.get(uscc=NEW_A)
    assert (firm.park.code, firm.industry_id, firm.is_above_scale, str(firm.land_area_mu)) == (
        "331082-P01",
        "2929",
        True,
        "12.50",
    )
    changes_before = ObjectChange.objects.count()
    again = import_table("enterprises", csv_table(good_file()), world["linhai_analyst"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert ObjectChange.objects.count() == changes_before


def test_it_updates_only_the_changed_rows_and_logs_before_and_after(world) -> None:
    import_table("enterprises", csv_table(good_file()), world["linhai_analyst"])
    edited = good_file().replace("临海市眼镜有限公司,331082,,3587,否,,8", "临海市眼镜有限公司,331082,,3587,否,,9")
    report = import_table("enterprises", csv_table(edited), world["linhai_analyst"])
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    change = ObjectChange.objects.filter(object_repr="临海市眼镜有限公司", action="update").get()
    assert change.changed_fields() == [("employees", 8, 9)]


def test_a_dry_run_reports_and_changes_nothing(world) -> None:
    count = Enterprise.objects.count()
    report = import_table("enterprises", csv_table(good_file()), world["linhai_analyst"], dry_run=True)
    assert (report.ok, report.applied, report.created) == (True, False, 2)
    assert Enterprise.objects.count() == count


def test_one_bad_row_means_nothing_lands_and_every_error_is_reported(world) -> None:
    bad = (
        f"{HEADER}\n"
        f"{NEW_A},好公司,331082,,2929,是,1,1\n"
        "91330100716105852G,坏校验码,331082,,2929,否,1,1\n"
        f"{NEW_B},,331082,,2929,否,1,1\n"
        f"{make_uscc('9', '1', '331082', 'MA2FFFFF')},未知行业,331082,,9999,否,1,1\n"
        f"{make_uscc('9', '1', '331082', 'MA2GGGGG')},负面积,331082,,2929,否,-3,1\n"
        f"{make_uscc('9', '1', '331082', 'MA2HHHHH')},规上写错,331082,,2929,maybe,1,1\n"
        f"{NEW_A},重复,331082,,2929,是,1,1\n"
    )
    count = Enterprise.objects.count()
    report = import_table("enterprises", csv_table(bad), world["linhai_analyst"])
    assert not report.applied and Enterprise.objects.count() == count
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(3, "uscc"), (4, "name"), (5, "industry"), (6, "land_area_mu"), (7, "is_above_scale"), (8, "uscc")}
    by_row = {e.row: e for e in report.errors}
    assert by_row[3].file == "firms.csv" and by_row[3].value == "91330100716105852G"
    assert "expected F" in by_row[3].reason
    assert "row 2" in by_row[8].reason  # the duplicate names the row it repeats


def test_it_reports_missing_and_unknown_columns(world) -> None:
    report = import_table("enterprises", csv_table("uscc,name,colour\nX,Y,Z\n"), world["linhai_analyst"])
    assert {(e.row, e.column, e.reason) for e in report.errors} == {
        (1, "region", "required column is missing"),
        (1, "industry", "required column is missing"),
        (1, "colour", "unknown column"),
    }


def test_a_county_user_cannot_import_into_or_take_over_another_county(world) -> None:
    into_other = f"{HEADER}\n{NEW_A},越界公司,331002,,2929,否,1,1\n"
    report = import_table("enterprises", csv_table(into_other), world["linhai_analyst"])
    assert [(e.column, e.reason) for e in report.errors] == [("region", "outside your scope")]
    takeover = f"{HEADER}\n{world['jiaojiang_firm'].uscc},改名,331082,,2720,否,1,1\n"
    report = import_table("enterprises", csv_table(takeover), world["linhai_analyst"])
    assert [(e.column, e.reason) for e in report.errors] == [("uscc", "outside your scope")]
    assert Enterprise.objects.get(pk=world["jiaojiang_firm"].pk).name == "台州市椒江海正医药有限公司"


def test_it_imports_parks_and_regions_in_scope(world) -> None:
    parks = "code,name,kind,region,planned_area_mu\n331082-P02,临海小微企业园,small_micro_park,331082,800\n"
    assert import_table("parks", csv_table(parks), world["linhai_analyst"]).applied
    assert Park.objects.get(code="331082-P02").planned_area_mu == 800
    other = "code,name,kind,region,planned_area_mu\n331002-P09,椒江园,other,331002,1\n"
    assert [e.reason for e in import_table("parks", csv_table(other), world["linhai_analyst"]).errors] == [
        "outside your scope"
    ]
    unknown = other.replace("331002,1", "339999,1")
    assert [e.reason for e in import_table("parks", csv_table(unknown), world["linhai_analyst"]).errors] == [
        "unknown code"
    ]
    regions = "code,name,level,parent\n331099,新设县,county,331000\n"
    assert not import_table("regions", csv_table(regions), world["linhai_admin"]).ok  # not in 临海's subtree
    assert import_table("regions", csv_table(regions), world["province_admin"]).applied


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("persona", ["province_admin", "linhai_analyst", "park_analyst"])
def test_an_export_reimports_unchanged(world, file_format: str, persona: str) -> None:
    import_table("enterprises", csv_table(good_file()), world["linhai_analyst"])
    for kind in ("regions", "parks", "enterprises"):
        data = export_file(kind, world[persona], file_format)
        table = read_table(data, f"{kind}.{file_format}")
        report = import_table(kind, table, world[persona])
        assert report.ok, report.errors
        assert (report.created, report.updated) == (0, 0)
        assert report.unchanged == len(table.rows) > 0


def test_a_county_may_edit_a_firm_operating_in_its_park_but_not_move_it_away(world) -> None:
    commuter = world["commuter_firm"]
    line = f"{commuter.uscc},新名字,331002,331082-P01,3825,否,20,100"
    assert import_table("enterprises", csv_table(f"{HEADER}\n{line}\n"), world["linhai_analyst"]).applied
    moved = line.replace(",331082-P01,", ",,")
    report = import_table("enterprises", csv_table(f"{HEADER}\n{moved}\n"), world["linhai_analyst"])
    assert [(e.column, e.reason) for e in report.errors] == [("region", "outside your scope")]


def test_an_export_holds_only_what_the_user_may_see(world) -> None:
    table = read_table(export_file("enterprises", world["jiaojiang_analyst"], "csv"), "e.csv")
    assert {r["uscc"] for r in table.rows} == {world["jiaojiang_firm"].uscc, world["commuter_firm"].uscc}
    table = read_table(export_file("enterprises", world["enterprise_user"], "xlsx"), "e.xlsx")
    assert [r["uscc"] for r in table.rows] == [world["linhai_firm"].uscc]


def test_it_reads_gb18030_csv_and_xlsx_with_a_blank_line_above_the_header() -> None:
    table = read_table("名称,代码\n临海,331082\n".encode("gb18030"), "a.csv")
    assert table.rows == [{"名称": "临海", "代码": "331082"}]
    xlsx = write_xlsx(["code", "n"], [["0111", 12.0]], text_columns=["code"])
    assert read_table(xlsx, "b.xlsx").rows == [{"code": "0111", "n": "12"}]
    assert read_table(b"\n\na\n1\n\n2\n", "c.csv").row_numbers == [4, 6]  # blank lines keep their numbers
    assert read_table(write_csv(["a", "b"], [["x", None]]), "d.csv").rows == [{"a": "x", "b": ""}]
    with pytest.raises(TableError):
        read_table(b"a,a\n1,2\n", "dup.csv")
    with pytest.raises(TableError):
        read_table(b"not a workbook", "x.xlsx")
    with pytest.raises(TableError):
        read_table(b"", "x.json")


def test_the_commands_import_and_export(world, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "firms.csv"
    source.write_text(good_file(), encoding="utf-8")
    call_command("import_registry", "enterprises", str(source), "--dry-run", "--user", "linhai_analyst")
    assert "would create 2" in capsys.readouterr().out
    assert not Enterprise.objects.filter(uscc=NEW_A).exists()
    call_command("import_registry", "enterprises", str(source), "--user", "linhai_analyst")
    assert Enterprise.objects.filter(uscc=NEW_A).exists()
    change = ObjectChange.objects.get(
        content_type__model="enterprise", object_id=str(Enterprise.objects.get(uscc=NEW_A).pk), action="create"
    )
    assert (change.user_name, change.source) == ("linhai_analyst", "cli")
    out = tmp_path / "out.xlsx"
    call_command("export_registry", "enterprises", str(out), "--user", "linhai_analyst")
    assert NEW_A in {r["uscc"] for r in read_table(out.read_bytes(), "out.xlsx").rows}
    source.write_text(f"{HEADER}\nbad,,,,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("import_registry", "enterprises", str(source), "--user", "linhai_analyst")
    assert "firms.csv:2: uscc='bad'" in capsys.readouterr().err


def test_the_web_import_checks_then_lands_on_confirmation(world, client) -> None:
    client.force_login(world["linhai_analyst"])
    upload = io.BytesIO(good_file().encode())
    upload.name = "firms.csv"
    checked = client.post("/import/", {"kind": "enterprises", "file": upload})
    assert checked.status_code == 302 and not Enterprise.objects.filter(uscc=NEW_A).exists()
    token = checked["Location"].rstrip("/").split("/")[-1]
    page = client.get(checked["Location"])
    assert page.status_code == 200 and token in page.content.decode()
    done = client.post("/import/confirm/", {"token": token}, follow=True)
    assert done.status_code == 200
    assert Enterprise.objects.filter(uscc__in=[NEW_A, NEW_B]).count() == 2
    assert client.post("/import/confirm/", {"token": token}).status_code == 302  # a token works once
    assert client.get(checked["Location"])["Location"] == "/import/"  # with a message: upload it again


def test_the_web_import_shows_row_errors_and_offers_no_confirmation(world, client) -> None:
    client.force_login(world["linhai_analyst"])
    upload = io.BytesIO(f"{HEADER}\n91330100716105852G,x,331082,,2929,否,1,1\n".encode())
    upload.name = "bad.csv"
    checked = client.post("/import/", {"kind": "enterprises", "file": upload})
    page = client.get(checked["Location"]).content.decode()
    assert "91330100716105852G" in page and "expected F" in page
    assert "/import/confirm/" not in page
    token = checked["Location"].rstrip("/").split("/")[-1]
    refused = client.post("/import/confirm/", {"token": token})
    assert refused["Location"] == checked["Location"]
    assert not Enterprise.objects.filter(uscc="91330100716105852G").exists()
    export = client.get(checked["Location"] + "?export=csv")
    assert export.status_code == 200 and "91330100716105852G" in export.content.decode("utf-8-sig")


def test_a_pending_import_belongs_to_the_user_who_checked_it(world, client) -> None:
    client.force_login(world["linhai_analyst"])
    upload = io.BytesIO(good_file().encode())
    upload.name = "firms.csv"
    location = client.post("/import/", {"kind": "enterprises", "file": upload})["Location"]
    token = location.rstrip("/").split("/")[-1]
    client.force_login(world["city_analyst"])
    assert client.get(location, {"format": "json"}).status_code == 404
    client.post("/import/confirm/", {"token": token})
    assert not Enterprise.objects.filter(uscc=NEW_A).exists()
    client.force_login(world["linhai_analyst"])
    client.post("/import/confirm/", {"token": "../" * 5 + "etc/passwd"})
    client.post("/import/confirm/", {"token": token})
    assert Enterprise.objects.filter(uscc=NEW_A).exists()


def test_an_unreadable_file_is_refused_on_the_form(world, client) -> None:
    client.force_login(world["linhai_analyst"])
    upload = io.BytesIO(b"")
    upload.name = "empty.csv"
    response = client.post("/import/", {"kind": "enterprises", "file": upload})
    assert response.status_code == 400


def test_readers_cannot_import(world, client) -> None:
    for persona in ("clerk", "enterprise_user"):
        client.force_login(world[persona])
        assert client.get("/import/").status_code == 403


def test_a_new_superuser_can_import_everywhere(db) -> None:
    root = make_user("root", "administrator", is_superuser=True)
    text = f"{HEADER}\n{NEW_A},杭州公司,330106,,2929,否,1,1\n"
    assert import_table("enterprises", csv_table(text), root).applied
