"""The data-hub and statistics API: uploads and JSON records through the import pipeline, scoped reads."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch, as a client sets it
    return client


def test_it_imports_a_file_and_lists_the_batch(world) -> None:
    uscc = world["linhai_firm"].uscc
    upload = SimpleUploadedFile("f.csv", f"uscc,value_added\n{uscc},12.5\n".encode(), content_type="text/csv")
    client = client_for(world["linhai_analyst"])
    response = client.post("/api/facts/import/", {"file": upload, "period": "2024年1—3月"}, format="multipart")
    assert response.status_code == 200 and response.json()["new"] == 1
    batches = client.get("/api/batches/").json()["results"]
    assert [(b["id"], b["status"], b["facts_new"]) for b in batches] == [(response.json()["batch_id"], "landed", 1)]
    assert client_for(world["jiaojiang_analyst"]).get("/api/batches/").json()["results"] == []


def test_reasons_are_in_chinese_by_default(world) -> None:
    records = [{"entity": world["linhai_firm"].uscc, "indicator": "value_added", "period": "2024-13", "value": "7"}]
    client = APIClient()
    client.force_authenticate(world["linhai_analyst"])
    response = client.post("/api/facts/records/", {"records": records}, format="json")
    assert response.json()["errors"][0]["reason"].startswith("不是有效的时期")


def test_bad_records_get_a_400_with_row_errors_and_land_nothing(world) -> None:
    uscc = world["linhai_firm"].uscc
    records = [
        {"entity": uscc, "indicator": "value_added", "period": "2024-03", "value": "7"},
        {"entity": uscc, "indicator": "value_added", "period": "2024-13", "value": "7"},
    ]
    client = client_for(world["linhai_analyst"])
    response = client.post("/api/facts/records/", {"records": records}, format="json")
    assert response.status_code == 400
    assert [(e["row"], e["reason"].split(" (")[0]) for e in response.json()["errors"]] == [(2, "not a period")]
    assert client.get("/api/batches/").json()["results"] == []


def test_a_clerk_may_not_import_and_statistics_stay_inside_the_scope(world) -> None:
    records = [{"entity": world["linhai_firm"].uscc, "indicator": "value_added", "period": "2024-03", "value": "7"}]
    assert (
        client_for(world["clerk"]).post("/api/facts/records/", {"records": records}, format="json").status_code == 403
    )
    analyst = client_for(world["linhai_analyst"])
    assert analyst.post("/api/facts/records/", {"records": records}, format="json").status_code == 200
    ok = analyst.get("/api/statistics/breakdown/", {"indicator": "value_added", "period": "2024-03", "by": "class"})
    assert ok.status_code == 200 and ok.json()["total"]["value"] == 7.0 and ok.json()["data_as_of"]
    city = analyst.get(
        "/api/statistics/breakdown/", {"indicator": "value_added", "period": "2024-03", "region": "331000"}
    )
    assert city.status_code == 403
    bad = analyst.get("/api/statistics/breakdown/", {"indicator": "value_added", "period": "someday"})
    assert bad.status_code == 400 and "period" in bad.json()
    assert (
        client_for(world["enterprise_user"])
        .get("/api/statistics/trend/", {"indicator": "value_added", "period": "2024-03"})
        .status_code
        == 403
    )


def test_only_catalogue_administrators_change_indicators(world) -> None:
    body = {"code": "patents", "name": "专利授权数", "unit": "件", "aggregation": "sum", "periodicity": "Y"}
    assert client_for(world["linhai_admin"]).post("/api/indicators/", body, format="json").status_code == 403
    created = client_for(world["province_admin"]).post("/api/indicators/", body, format="json")
    assert created.status_code == 201
    bad = dict(body, code="bad_formula", formula="value_added / nonsense")
    response = client_for(world["province_admin"]).post("/api/indicators/", bad, format="json")
    assert response.status_code == 400 and "formula" in response.json()


def test_targets_are_scoped_and_report_progress(world) -> None:
    client = client_for(world["linhai_analyst"])
    body = {"region": "331082", "indicator": "value_added", "year": 2024, "value": "100"}
    created = client.post("/api/targets/", body, format="json")
    assert created.status_code == 201
    assert client.post("/api/targets/", dict(body, region="331002"), format="json").status_code == 403
    park_user = client_for(world["park_analyst"])  # a park's analyst does not set the county's targets
    assert park_user.post("/api/targets/", dict(body, year=2025), format="json").status_code == 403
    progress = client.get(f"/api/targets/{created.json()['id']}/progress/")
    assert progress.status_code == 200 and progress.json()["target"] == 100 and progress.json()["actual"] is None
