"""The Imports page: upload, dry-run report, confirmation of exactly the checked file, the batch history and a
batch's page, for each persona, on files small enough to check by hand."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from industrybrain.analytics.engine import store
from industrybrain.datahub.models import ImportBatch


@pytest.fixture(autouse=True)
def english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def stored(uscc: str) -> list[tuple]:
    rows = store().query(
        "SELECT indicator, year, idx, ytd, CAST(value AS DOUBLE) AS v FROM facts WHERE entity_id = ? ORDER BY ALL",
        [uscc],
    )
    return [tuple(r.values()) for r in rows.to_pylist()]


def check(client, name: str, text: str | bytes, **fields):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/datahub/imports/", {"file": SimpleUploadedFile(name, data), **fields})


def token_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"].rstrip("/").split("/")[-1]


def rows_of_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def good(uscc: str, output: int = 300) -> str:
    return f"统一社会信用代码,指标,时期,数值\n{uscc},工业总产值,2024-03,{output}\n{uscc},用电量,2024-03,12.5\n"


def test_a_file_is_checked_then_lands_on_confirmation_as_a_batch(world, client) -> None:
    uscc = world["linhai_firm"].uscc
    client.force_login(world["linhai_analyst"])
    token = token_of(check(client, "march.csv", good(uscc)))
    report = client.get(f"/datahub/imports/check/{token}.json").json()
    assert report["confirmable"] and report["report"]["ok"]
    assert (report["report"]["new"], report["report"]["changed"], report["report"]["rows"]) == (2, 0, 2)
    page = client.get(f"/datahub/imports/check/{token}/").content.decode()
    assert "Would add 2 values, correct 0 and leave 0 unchanged." in page and "Confirm import" in page
    assert stored(uscc) == [] and not ImportBatch.objects.exists()  # the check changed nothing
    done = client.post("/datahub/imports/confirm/", {"token": token})
    batch = ImportBatch.objects.get()
    assert done["Location"] == f"/datahub/batches/{batch.pk}/"
    assert (batch.file_name, batch.source, batch.status, batch.facts_new) == ("march.csv", "web", "landed", 2)
    assert stored(uscc) == [("electricity", 2024, 3, False, 12.5), ("industrial_output", 2024, 3, False, 300.0)]
    again = client.post("/datahub/imports/confirm/", {"token": token}, follow=True)
    assert "no longer pending" in again.content.decode() and ImportBatch.objects.count() == 1
    assert client.get(f"/datahub/imports/check/{token}.json").status_code == 404
    gone = client.get(f"/datahub/imports/check/{token}/", follow=True)
    assert gone.redirect_chain[-1][0] == "/datahub/imports/" and "no longer pending" in gone.content.decode()


def test_the_confirmation_lands_the_checked_bytes_whatever_is_posted_with_it(world, client) -> None:
    uscc = world["linhai_firm"].uscc
    client.force_login(world["linhai_analyst"])
    token = token_of(check(client, "march.csv", good(uscc, output=300)))
    other = SimpleUploadedFile("march.csv", good(uscc, output=999).encode())
    client.post("/datahub/imports/confirm/", {"token": token, "file": other, "period": "2025", "name": "/etc/passwd"})
    assert ("industrial_output", 2024, 3, False, 300.0) in stored(uscc)
    assert ImportBatch.objects.get().file_name == "march.csv"


def test_a_pending_file_belongs_to_its_user_and_expires(world, client, settings) -> None:
    uscc = world["linhai_firm"].uscc
    client.force_login(world["linhai_analyst"])
    token = token_of(check(client, "march.csv", good(uscc)))
    client.force_login(world["city_analyst"])  # may see 临海, but did not upload the file
    assert client.get(f"/datahub/imports/check/{token}.json").status_code == 404
    client.post("/datahub/imports/confirm/", {"token": token})
    assert not ImportBatch.objects.exists()
    client.force_login(world["linhai_analyst"])
    settings.PENDING_UPLOAD_SECONDS = 0  # an hour later
    assert client.get(f"/datahub/imports/check/{token}.json").status_code == 404
    client.post("/datahub/imports/confirm/", {"token": token})
    assert not ImportBatch.objects.exists() and stored(uscc) == []


def test_bad_rows_are_reported_by_row_and_column_and_cannot_be_confirmed(world, client) -> None:
    uscc, other = world["linhai_firm"].uscc, world["jiaojiang_firm"].uscc
    text = f"统一社会信用代码,指标,时期,数值\n{uscc},工业总产值,2024-03,300\n{other},工业总产值,2024-03,1\n{uscc},用电量,2024-03,abc\n"
    client.force_login(world["linhai_analyst"])
    token = token_of(check(client, "bad.csv", text))
    report = client.get(f"/datahub/imports/check/{token}/", {"format": "json"}).json()
    assert not report["confirmable"] and report["report"]["error_count"] == 2
    assert [(r["row"], r["column"], r["value"]) for r in report["errors"]["rows"]] == [
        (3, "统一社会信用代码", other),  # the enterprise's cell, not the value's
        (4, "数值", "abc"),
    ]
    page = client.get(f"/datahub/imports/check/{token}/").content.decode()
    assert "2 errors: nothing can be imported from this file." in page and "/datahub/imports/confirm/" not in page
    refused = client.post("/datahub/imports/confirm/", {"token": token})
    assert refused["Location"] == f"/datahub/imports/check/{token}/"
    assert stored(uscc) == [] and not ImportBatch.objects.exists()
    rows = rows_of_csv(client.get(f"/datahub/imports/check/{token}/", {"err-export": "csv", "err-sort": "-row"}))
    assert [(r["Row"], r["Value"]) for r in rows] == [("4", "abc"), ("3", other)]
    assert "not a number" in rows[0]["Reason"]


def test_an_unreadable_or_unsupported_file_and_a_bad_period_are_refused_on_the_form(world, client) -> None:
    client.force_login(world["linhai_analyst"])
    response = check(client, "notes.txt", "hello")
    assert response.status_code == 400 and "Use a .csv, .xlsx, .parquet or .json file." in response.content.decode()
    response = check(client, "f.csv", "uscc,value_added\n", period="next spring")
    assert response.status_code == 400 and "cannot read" in response.content.decode()
    token = token_of(check(client, "broken.xlsx", b"not a workbook"))
    report = client.get(f"/datahub/imports/check/{token}.json").json()
    assert not report["confirmable"] and "not a readable .xlsx" in report["errors"]["rows"][0]["reason"]
    assert not ImportBatch.objects.exists()


def test_a_wide_file_takes_the_period_option(world, client) -> None:
    uscc = world["linhai_firm"].uscc
    client.force_login(world["linhai_analyst"])
    token = token_of(check(client, "wide.csv", f"uscc,value_added\n{uscc},12.5\n", period="2024年1—3月"))
    assert client.get(f"/datahub/imports/check/{token}.json").json()["period"] == "2024年1—3月"
    client.post("/datahub/imports/confirm/", {"token": token})
    assert stored(uscc) == [("value_added", 2024, 3, True, 12.5)]


def test_a_json_file_of_records_is_imported_like_the_api_body(world, client) -> None:
    uscc = world["linhai_firm"].uscc
    client.force_login(world["linhai_analyst"])
    records = [{"entity": uscc, "indicator": "value_added", "period": "2024-03", "value": 7}]
    token = token_of(check(client, "records.json", json.dumps({"records": records})))
    client.post("/datahub/imports/confirm/", {"token": token})
    assert stored(uscc) == [("value_added", 2024, 3, False, 7.0)]
    assert ImportBatch.objects.get().file_name == "records.json"
    bad = [{"entity": uscc, "period": "2024-04", "value": 1}, {"entity": uscc, "indicator": "x", "value": "1"}]
    report = client.get(f"/datahub/imports/check/{token_of(check(client, 'bad.json', json.dumps(bad)))}.json").json()
    assert [(r["row"], r["column"]) for r in report["errors"]["rows"]] == [(1, "indicator"), (2, "period")]
    report = client.get(f"/datahub/imports/check/{token_of(check(client, 'x.json', '{oops'))}.json").json()
    assert "not readable JSON" in report["errors"]["rows"][0]["reason"]


def test_warnings_are_listed_and_do_not_block(world, client) -> None:
    uscc = world["linhai_firm"].uscc
    text = f"uscc,period,industrial_output,value_added\n{uscc},2024-03,100,150\n"
    client.force_login(world["linhai_analyst"])
    token = token_of(check(client, "wide.csv", text))
    report = client.get(f"/datahub/imports/check/{token}.json").json()
    assert report["confirmable"] and report["warnings"]["count"] == 1
    assert report["warnings"]["rows"][0]["subject"] == "工业增加值不超过工业总产值"
    client.post("/datahub/imports/confirm/", {"token": token})
    batch = ImportBatch.objects.get()
    page = client.get(f"/datahub/batches/{batch.pk}.json").json()
    assert page["warnings"]["rows"][0]["entity"] == uscc


def test_readers_see_the_history_but_may_not_import(world, client) -> None:
    client.force_login(world["clerk"])
    page = client.get("/datahub/imports/")
    assert page.status_code == 200 and 'name="file"' not in page.content.decode()
    assert check(client, "march.csv", good(world["linhai_firm"].uscc)).status_code == 403
    assert client.get("/datahub/imports.json").json()["may_import"] is False


def test_an_enterprise_reports_its_own_figures_only(world, client) -> None:
    client.force_login(world["enterprise_user"])
    token = token_of(check(client, "own.csv", good(world["linhai_firm"].uscc)))
    assert client.get(f"/datahub/imports/check/{token}.json").json()["confirmable"]
    token = token_of(check(client, "other.csv", good(world["commuter_firm"].uscc)))
    report = client.get(f"/datahub/imports/check/{token}.json").json()
    assert not report["confirmable"] and report["errors"]["rows"][0]["reason"].startswith("unknown enterprise")


def land(client, user, name: str, text: str) -> ImportBatch:
    client.force_login(user)
    response = client.post("/datahub/imports/confirm/", {"token": token_of(check(client, name, text))})
    return ImportBatch.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def test_the_history_sorts_filters_exports_and_stays_in_scope(world, client) -> None:
    linhai = land(client, world["linhai_analyst"], "a.csv", good(world["linhai_firm"].uscc))
    jiaojiang = land(client, world["jiaojiang_analyst"], "b.csv", good(world["jiaojiang_firm"].uscc))
    own = land(client, world["enterprise_user"], "own.csv", good(world["linhai_firm"].uscc, output=310))
    seen = {}
    for persona in ("city_analyst", "linhai_analyst", "jiaojiang_analyst", "enterprise_user", "park_analyst"):
        client.force_login(world[persona])
        seen[persona] = [r["id"] for r in client.get("/datahub/imports.json").json()["batches"]["rows"]]
    assert seen == {
        "city_analyst": [own.pk, jiaojiang.pk, linhai.pk],
        "linhai_analyst": [own.pk, linhai.pk],  # the enterprise's own report is in 临海's scope
        "jiaojiang_analyst": [jiaojiang.pk],
        "enterprise_user": [own.pk],  # not the county's batches, which name other firms
        "park_analyst": [],
    }
    client.force_login(world["enterprise_user"])  # the API answers from the same restricted queryset
    assert [b["id"] for b in client.get("/api/batches/").json()["results"]] == [own.pk]
    client.force_login(world["city_analyst"])
    data = client.get("/datahub/imports.json", {"sort": "file_name", "f.username": "jiaojiang_analyst"}).json()
    assert [r["file_name"] for r in data["batches"]["rows"]] == ["b.csv"]
    rows = rows_of_csv(client.get("/datahub/imports/", {"export": "csv", "sort": "file_name"}))
    assert [(r["File"], r["User"], r["New values"], r["Batch status"]) for r in rows] == [
        ("a.csv", "linhai_analyst", "2", "Landed"),
        ("b.csv", "jiaojiang_analyst", "2", "Landed"),
        ("own.csv", "enterprise_user", "0", "Landed"),
    ]
    client.force_login(world["jiaojiang_analyst"])
    assert client.get(f"/datahub/batches/{linhai.pk}/").status_code == 404


def test_a_batch_page_shows_its_values_and_the_corrections_both_ways(world, client) -> None:
    uscc = world["linhai_firm"].uscc
    first = land(client, world["linhai_analyst"], "a.csv", good(uscc, output=300))
    second = land(client, world["linhai_analyst"], "b.csv", good(uscc, output=320))
    data = client.get(f"/datahub/batches/{second.pk}.json").json()
    assert data["batch"]["facts_changed"] == 1 and data["batch"]["data_version"] == second.pk
    assert data["values_total"] == 1  # the unchanged electricity value was not landed again
    (row,) = data["values"]["rows"]
    assert (row["entity_id"], row["indicator_name"], row["period"], row["value"]) == (
        uscc,
        "Gross industrial output",
        "2024-03",
        320.0,
    )
    assert (row["change"], row["previous_value"], row["previous_batch"]) == ("correction", 300.0, first.pk)
    assert row["previous_url"] == f"/datahub/batches/{first.pk}/"
    data = client.get(f"/datahub/batches/{first.pk}.json", {"val-sort": "indicator_name"}).json()
    assert [(r["indicator_name"], r["change"], r["replaced_by"]) for r in data["values"]["rows"]] == [
        ("Electricity consumption", "new", None),
        ("Gross industrial output", "new", second.pk),
    ]
    rows = rows_of_csv(client.get(f"/datahub/batches/{first.pk}/", {"val-export": "csv", "val-q": "output"}))
    assert [(r["Entity"], r["Value"], r["Corrected by batch"]) for r in rows] == [(uscc, "300.0", str(second.pk))]
    page = client.get(f"/datahub/batches/{second.pk}/").content.decode()
    assert world["linhai_firm"].name in page and "b.csv" in page


def test_a_re_import_is_recorded_as_unchanged_with_no_values(world, client) -> None:
    uscc = world["linhai_firm"].uscc
    land(client, world["linhai_analyst"], "a.csv", good(uscc))
    again = land(client, world["linhai_analyst"], "a.csv", good(uscc))
    data = client.get(f"/datahub/batches/{again.pk}.json").json()
    assert data["batch"]["status"] == "unchanged" and data["batch"]["data_version"] is None
    assert (
        data["values"]["rows"] == []
        and "changed no values" in client.get(f"/datahub/batches/{again.pk}/").content.decode()
    )


def test_the_demo_sample_files_can_be_checked_from_the_page(world, client, settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    (tmp_path / "demo-files").mkdir()
    (tmp_path / "demo-files" / "good-2026-11.csv").write_text(good(world["linhai_firm"].uscc), encoding="utf-8")
    client.force_login(world["linhai_analyst"])
    assert client.get("/datahub/imports.json").json()["demo_files"] == ["good-2026-11.csv"]
    download = client.get("/datahub/imports/sample/good-2026-11.csv")
    assert download.status_code == 200 and b"2024-03" in b"".join(download.streaming_content)
    assert client.get("/datahub/imports/sample/..%2Fsecret_key").status_code == 404
    token = token_of(client.post("/datahub/imports/sample/", {"demo_file": "good-2026-11.csv"}))
    assert client.get(f"/datahub/imports/check/{token}.json").json()["confirmable"]
    refused = client.post("/datahub/imports/sample/", {"demo_file": "../secret_key"})
    assert refused["Location"] == "/datahub/imports/"


def test_a_discarded_file_cannot_be_confirmed(world, client) -> None:
    client.force_login(world["linhai_analyst"])
    token = token_of(check(client, "march.csv", good(world["linhai_firm"].uscc)))
    client.post("/datahub/imports/discard/", {"token": token})
    client.post("/datahub/imports/confirm/", {"token": token})
    assert not ImportBatch.objects.exists()
    assert not any(p.suffix == ".bin" for p in settings.PENDING_UPLOADS_DIR.iterdir())


def test_pending_files_are_private_and_old_ones_are_purged(world, client) -> None:
    from industrybrain.core import pending

    client.force_login(world["linhai_analyst"])
    token = token_of(check(client, "march.csv", good(world["linhai_firm"].uscc)))
    stashed = settings.PENDING_UPLOADS_DIR / f"{token}.bin"
    assert stashed.stat().st_mode & 0o077 == 0
    assert pending.purge_expired(now=time.time() + pending.max_age() + 10) == 2 and not stashed.exists()
