"""The registry pages' tables: every one sorts, searches, filters, pages and exports (core.datatable), stays in
the user's scope, and the page answers as JSON too."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from openpyxl import load_workbook

from conftest import make_enterprise
from industrybrain.registry.models import Enterprise


@pytest.fixture(autouse=True)
def english(client) -> None:
    """Labels in English, as the user who switched the language sees them."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def rows_of_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def usccs(data: dict) -> list[str]:
    return [row["uscc"] for row in data["rows"]]


def test_the_enterprise_list_sorts_by_any_column_and_keeps_the_filters(world, client) -> None:
    client.force_login(world["city_analyst"])
    linhai, jiaojiang, commuter = (world[k] for k in ("linhai_firm", "jiaojiang_firm", "commuter_firm"))
    Enterprise.objects.filter(pk=jiaojiang.pk).update(employees=500)
    Enterprise.objects.filter(pk=commuter.pk).update(employees=None)
    data = client.get("/enterprises/", {"format": "json", "sort": "-employees"}).json()
    # largest first, the firm without a figure last
    assert usccs(data) == [jiaojiang.uscc, linhai.uscc, commuter.uscc] and data["count"] == 3
    data = client.get("/enterprises/", {"format": "json", "sort": "employees", "region": "331002"}).json()
    assert usccs(data) == [jiaojiang.uscc, commuter.uscc]  # the filter set's region filter still applies
    assert data["filters"] == {} and data["sort"] == "employees"


def test_the_enterprise_list_searches_pages_and_filters_by_choice(world, client) -> None:
    client.force_login(world["linhai_analyst"])
    for n in range(3):
        make_enterprise(f"MA2F{n}AAA", "331082", f"临海市测试{n}有限公司", is_above_scale=True)
    data = client.get("/enterprises/", {"format": "json", "q": "测试", "per_page": 2, "page": 2}).json()
    assert (data["count"], data["pages"], data["page"], len(data["rows"])) == (3, 2, 2, 1)
    assert client.get("/enterprises/", {"format": "json", "is_above_scale": "true"}).json()["count"] == 3
    page = client.get("/enterprises/", {"q": "测试", "sort": "name"}).content.decode()
    assert 'name="q" value="测试"' in page and 'name="sort" value="name"' in page  # kept by the filter form
    assert "/export/enterprises.xlsx?q=%E6%B5%8B%E8%AF%95" in page  # the re-import export follows the filters


def test_the_enterprise_table_exports_what_the_page_shows_and_only_the_users_part(world, client) -> None:
    client.force_login(world["jiaojiang_analyst"])
    rows = rows_of_csv(client.get("/enterprises/", {"export": "csv", "sort": "-name"}))
    assert [r["Unified social credit code"] for r in rows] == [
        world["commuter_firm"].uscc,
        world["jiaojiang_firm"].uscc,
    ]
    assert rows[0]["Park"] == "临海经济开发区" and rows[0]["Status"] == "Operating"
    book = load_workbook(io.BytesIO(client.get("/enterprises/", {"export": "xlsx"}).content))
    codes = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert world["linhai_firm"].uscc not in codes and len(codes) == 2
    # the export for re-import is unchanged
    assert "uscc" in client.get("/export/enterprises.csv").content.decode("utf-8-sig").splitlines()[0]


def test_the_region_page_has_three_tables_each_with_its_own_parameters(world, client) -> None:
    client.force_login(world["city_analyst"])
    data = client.get("/regions/331000/", {"format": "json", "sub-sort": "-enterprises"}).json()
    assert [(r["code"], r["enterprises"]) for r in data["subdivisions"]["rows"]][:2] == [
        ("331002", 2),
        ("331082", 2),
    ]
    assert data["parks"]["rows"] == [
        {
            "code": "331082-P01",
            "name": "临海经济开发区",
            "kind_label": "Economic development zone",
            "county": "临海市",
            "planned_area": None,
            "list_url": "/enterprises/?park=331082-P01",
        }
    ]
    assert {r["code"]: r["enterprises"] for r in data["divisions"]["rows"]} == {"36": 1, "27": 1, "38": 1}
    assert data["summary"]["enterprises"] == 3
    rows = rows_of_csv(client.get("/regions/331000/", {"div-export": "csv", "div-sort": "code"}))
    assert [r["Code"] for r in rows] == ["27", "36", "38"]
    page = client.get("/regions/331000/", {"park-q": "开发区"}).content.decode()
    assert 'name="park-q"' in page and "临海经济开发区" in page


def test_the_region_page_stays_in_scope(world, client) -> None:
    client.force_login(world["jiaojiang_analyst"])
    data = client.get("/regions/331000/", {"format": "json"}).json()
    assert [r["code"] for r in data["subdivisions"]["rows"]] == ["331002"]
    assert data["parks"]["rows"] == []  # 临海's park is outside 椒江's scope


def test_the_industry_list_counts_visible_enterprises_per_node(world, client) -> None:
    client.force_login(world["linhai_analyst"])
    data = client.get("/industries/", {"format": "json", "sort": "-enterprises"}).json()
    assert data["rows"][0]["code"] == "C" and data["rows"][0]["enterprises"] == 2
    assert data["rows"][0]["url"] == "/industries/?parent=C"
    rows = rows_of_csv(client.get("/industries/", {"parent": "36", "export": "csv"}))
    assert [r["Code"] for r in rows if r["Enterprises"] != "0"] == ["367"]


def test_the_digital_economy_table_filters_by_level_and_exports(world, client) -> None:
    client.force_login(world["linhai_analyst"])
    data = client.get("/digital-economy/", {"format": "json", "f.level": "Category (大类)"}).json()
    assert [r["code"] for r in data["categories"]["rows"]] == ["01", "02", "03", "04", "05"]
    assert data["categories"]["rows"][0]["core"] == "yes" and data["categories"]["rows"][4]["core"] == "no"
    rows = rows_of_csv(client.get("/digital-economy/", {"export": "csv", "q": "计算机"}))
    assert rows and all("计算机" in r["Name"] or "计算机" in r["Code"] for r in rows)


def test_the_change_log_sorts_filters_and_exports_the_differences(world, client) -> None:
    firm = world["linhai_firm"]
    firm.employees = 150
    firm.save()
    client.force_login(world["linhai_admin"])
    data = client.get("/changes/", {"format": "json", "f.action_label": "Updated"}).json()
    assert [r["object_repr"] for r in data["rows"]] == [firm.name]
    assert "employees: 100 → 150" in data["rows"][0]["changes"]
    rows = rows_of_csv(client.get("/changes/", {"export": "csv", "f.action_label": "Updated"}))
    assert len(rows) == 1 and "employees: 100 → 150" in rows[0]["Changes"]
    assert client.get("/changes/", {"sort": "object_repr"}).status_code == 200
    client.force_login(world["linhai_analyst"])
    assert client.get("/changes/").status_code == 403


def test_the_enterprise_page_shows_its_change_history_to_administrators(world, client) -> None:
    firm = world["linhai_firm"]
    client.force_login(world["linhai_admin"])
    data = client.get(f"/enterprises/{firm.uscc}/", {"format": "json"}).json()
    assert data["enterprise"]["uscc"] == firm.uscc and data["changes"]["count"] == 1
    client.force_login(world["linhai_analyst"])
    assert client.get(f"/enterprises/{firm.uscc}/", {"format": "json"}).json()["changes"] is None


def test_a_failed_classification_load_keeps_its_errors_as_a_table(world, client) -> None:
    client.force_login(world["province_admin"])
    bad = io.BytesIO(b"de_code,de_name,gbt4754_code\n010101,Z,3911\n0102,,\n")
    bad.name = "bad.csv"
    response = client.post("/digital-economy/", {"version_name": "v3", "file": bad})
    assert response.status_code == 302 and "report=" in response["Location"]
    rows = rows_of_csv(client.get(response["Location"] + "&err-export=csv"))
    assert {r["Value"] for r in rows} >= {"010101"}
    client.force_login(world["linhai_admin"])
    assert client.get(response["Location"], {"format": "json"}).json()["errors"] is None  # not theirs
