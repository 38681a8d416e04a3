"""The evaluations API: specs, runs, results, explanations, checks, comparisons and the 公示名单, each answer
kept to what the persona may see. Numbers are those of the tables in conftest.py, checked by hand."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from industrybrain.evaluations import operations
from industrybrain.evaluations.models import EvaluationRun, EvaluationSpec

SHIPPED = {"digital_economy_index", "digital_economy_index_topsis", "mu_efficiency", "smart_manufacturing"}


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response) -> list[str]:
    return [row["id"] for row in results(response)]


def uscc(world, *keys: str) -> list[str]:
    return [world[k].uscc for k in keys]


# --- specs -------------------------------------------------------------------------------------------------
def test_it_lists_the_newest_version_of_every_spec_with_its_tree(world, api) -> None:
    client = api("enterprise_user")  # methods are public to every signed-in user
    assert {s["code"] for s in results(client.get("/api/evaluations/specs/"))} == SHIPPED
    spec = client.get("/api/evaluations/specs/mu_efficiency/").json()
    assert spec["version"] == "2025.1" and spec["entity"] == "enterprise" and len(spec["digest"]) == 64
    assert "code: mu_efficiency" in spec["text"]
    assert [c["code"] for c in spec["classes"]] == ["A", "B", "C", "D"]
    tree = spec["populations"][0]["tree"]
    assert (tree["code"], tree["aggregation"], tree["weighting"]) == ("score", "arithmetic", "fixed")
    tax = tree["children"][0]
    assert (tax["code"], tax["column"], tax["per"], tax["weight"]) == ("tax_per_mu", "tax_paid", "land_area", 30)
    assert tax["normalise"]["method"] == "benchmark" and tax["normalise"]["cap"] == 3
    index = client.get("/api/evaluations/specs/digital_economy_index/").json()["populations"][0]["tree"]
    assert [c["code"] for c in index["children"]][:2] == ["infrastructure", "digital_industrialisation"]
    assert index["children"][0]["children"][0]["normalise"]["high"] == 80
    assert client.get("/api/evaluations/specs/no_such_spec/").status_code == 404


def test_a_county_copies_a_shipped_spec_under_its_own_code_and_versions_it(world, api) -> None:
    client = api("linhai_analyst")
    shipped = operations.current_spec("mu_efficiency").text
    changed = shipped.replace('version: "2025.1"', 'version: "2025.2-临海"')
    refused = client.post("/api/evaluations/specs/", {"text": changed}, format="json")
    assert refused.status_code == 403 and "new code" in refused.json()["detail"]
    copy = changed.replace("code: mu_efficiency", "code: mu_efficiency_linhai", 1)
    created = client.post("/api/evaluations/specs/", {"text": copy}, format="json")
    assert created.status_code == 201, created.content
    again = client.post("/api/evaluations/specs/", {"text": copy}, format="json")
    assert again.status_code == 200 and EvaluationSpec.objects.filter(code="mu_efficiency_linhai").count() == 1
    newer = copy.replace('version: "2025.2-临海"', 'version: "2025.3-临海"')
    assert client.post("/api/evaluations/specs/", {"text": newer}, format="json").status_code == 201
    assert client.get("/api/evaluations/specs/mu_efficiency_linhai/").json()["version"] == "2025.3-临海"
    other = api("jiaojiang_analyst").post(
        "/api/evaluations/specs/", {"text": newer.replace("2025.3", "2025.4")}, format="json"
    )
    assert other.status_code == 403  # only the code's publisher (or the province) versions it
    province = api("province_admin").post("/api/evaluations/specs/", {"text": changed}, format="json")
    assert province.status_code == 201
    assert client.get("/api/evaluations/specs/mu_efficiency/").json()["version"] == "2025.2-临海"


def test_a_spec_with_problems_gets_a_400_listing_each_with_its_place(world, api) -> None:
    text = """
code: broken
name: 坏的规格
version: "1"
tree:
  code: score
  name: 得分
  weighting: fixed
  children:
    - {code: a, name: A, value: x, weight: 1, polarity: upwards}
    - {code: b, name: B, value: y}
"""
    response = api("linhai_analyst").post("/api/evaluations/specs/", {"text": text}, format="json")
    assert response.status_code == 400
    problems = {(p["place"], p["message"]) for p in response.json()["problems"]}
    assert ("populations[0].tree.children[0].polarity", "must be one of positive, negative, not 'upwards'") in problems
    assert ("populations[0].tree.children[1].weight", "fixed weighting needs a weight ≥ 0") in problems
    assert response.json()["detail"] == "The spec has 2 problems."
    assert not EvaluationSpec.objects.filter(code="broken").exists()


@pytest.mark.parametrize("text", ["code: x\nlists: [1]", "code: x\nrank_within: 5", "- not\n- a mapping", "a: [b"])
def test_a_spec_of_the_wrong_shape_is_a_400_not_a_server_error(world, api, text: str) -> None:
    response = api("linhai_analyst").post("/api/evaluations/specs/", {"text": text}, format="json")
    assert response.status_code == 400 and response.json()["problems"]


# --- who may do what ---------------------------------------------------------------------------------------
def test_it_answers_401_without_credentials(mu, api) -> None:
    anonymous = api(None)
    run = mu["run"].pk
    for url in ("/api/evaluations/specs/", "/api/evaluations/runs/", f"/api/evaluations/runs/{run}/results/",
                f"/api/evaluations/runs/{run}/export.xlsx", f"/api/evaluations/compare/?a={run}&b={run}"):  # fmt: skip
        assert anonymous.get(url).status_code == 401, url
    assert anonymous.post("/api/evaluations/runs/", {"spec": "mu_efficiency", "period": 2025}).status_code == 401


@pytest.mark.parametrize("persona", ["clerk", "enterprise_user"])
def test_clerks_and_enterprises_may_not_run_evaluations_or_add_specs(mu, api, persona: str) -> None:
    client = api(persona)
    body = {"spec": "mu_efficiency", "period": 2025, "region": "331082"}
    assert client.post("/api/evaluations/runs/", body, format="json").status_code == 403
    text = mu["spec"].text.replace("2025.1", "9")
    assert client.post("/api/evaluations/specs/", {"text": text}, format="json").status_code == 403
    assert EvaluationRun.objects.count() == 1


def test_a_county_analyst_may_not_run_over_another_county(maturity_facts, api) -> None:
    body = {"spec": "smart_manufacturing", "period": 2025, "region": "331082"}
    response = api("jiaojiang_analyst").post("/api/evaluations/runs/", body, format="json")
    assert response.status_code == 403 and "临海" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"spec": "no_such_spec", "period": 2025}, "detail"),
        ({"spec": "mu_efficiency", "period": 2025, "region": "999999"}, "region"),
        ({"spec": "mu_efficiency", "period": "last year"}, "period"),
        ({"period": 2025}, "spec"),
    ],
)
def test_bad_run_requests_get_a_400_saying_why(world, api, body: dict, field: str) -> None:
    response = api("city_analyst").post("/api/evaluations/runs/", body, format="json")
    assert response.status_code == 400 and field in response.json()


def test_a_run_with_nothing_to_read_is_a_400(world, api) -> None:
    body = {"spec": "mu_efficiency", "period": 2025, "region": "331003"}  # 黄岩: no enterprises registered
    response = api("city_analyst").post("/api/evaluations/runs/", body, format="json")
    assert response.status_code == 400 and "nothing to evaluate" in response.json()["detail"]


# --- runs --------------------------------------------------------------------------------------------------
def test_it_runs_an_evaluation_over_the_data_hub_and_stores_it(maturity_facts, api) -> None:
    client = api("city_analyst")
    body = {"spec": "smart_manufacturing", "period": 2025, "region": "331000", "uncertainty": False}
    response = client.post("/api/evaluations/runs/", body, format="json")
    assert response.status_code == 201, response.content
    run = response.json()
    # Every 台州 firm is read (6); the three without a questionnaire are not evaluated.
    assert (run["spec"], run["period"], run["region"], run["entities"], run["source"]) == (
        "smart_manufacturing", "2025", "331000", 6, "hub",
    )  # fmt: skip
    assert run["summary"]["not_evaluated"] == 3
    assert run["data_version"] and run["engine_version"] == operations.ENGINE_VERSION
    assert run["summary"]["tiers"] == {"digital_workshop": 1, "future_factory": 1}
    stored = EvaluationRun.objects.get(pk=run["id"])
    assert stored.created_by == maturity_facts["city_analyst"]
    rows = results(client.get(f"/api/evaluations/runs/{run['id']}/results/"))
    assert [(r["grade"], r["tier"], r["reserve_tier"]) for r in rows] == [
        ("L3", "future_factory", ""), ("L2", "digital_workshop", "smart_factory"), ("L1", "", "digital_workshop"),
    ]  # fmt: skip
    assert rows[1]["tier_name"] == "数字化车间" and rows[1]["reserve_tier_name"] == "智能工厂"


def test_a_run_shows_its_metadata(mu, api) -> None:
    run = api("jiaojiang_analyst").get(f"/api/evaluations/runs/{mu['run'].pk}/").json()
    assert run["spec_name"] == "工业企业亩均效益综合评价" and run["spec_version"] == "2025.1"
    assert run["spec_digest"] == mu["spec"].digest and run["data_version"].startswith("table:")
    assert run["summary"]["populations"]["above_scale"]["grades"] == {"B": 1, "C": 3, "—": 1}
    assert run["weights"]["above_scale"]["score"]["tax_per_mu"] == pytest.approx(0.3)
    assert run["audit"]["above_scale"]["entities"] == 5 and run["uncertainty"] == {}


def test_runs_are_listed_for_their_region_and_the_regions_inside_it(mu, linhai_run, api) -> None:
    linhai_only, city_run = linhai_run, mu["run"].pk
    assert {r["id"] for r in results(api("linhai_analyst").get("/api/evaluations/runs/"))} == {
        city_run,
        linhai_only.pk,
    }
    assert {r["id"] for r in results(api("jiaojiang_analyst").get("/api/evaluations/runs/"))} == {city_run}
    assert api("jiaojiang_analyst").get(f"/api/evaluations/runs/{linhai_only.pk}/").status_code == 404
    assert results(api("unscoped").get("/api/evaluations/runs/")) == []
    city = api("city_analyst")
    assert [r["id"] for r in results(city.get("/api/evaluations/runs/", {"region": "331082"}))] == [linhai_only.pk]
    assert len(results(city.get("/api/evaluations/runs/", {"spec": "mu_efficiency", "period": "2025"}))) == 2
    assert results(city.get("/api/evaluations/runs/", {"period": "2024"})) == []


# --- results -----------------------------------------------------------------------------------------------
def test_results_are_by_rank_with_unranked_last(mu, api) -> None:
    rows = results(api("city_analyst").get(f"/api/evaluations/runs/{mu['run'].pk}/results/"))
    keys = ["linhai_firm", "linhai_small", "jiaojiang_firm", "commuter_firm", "linhai_second", "startup"]
    assert [r["id"] for r in rows] == uscc(mu, *keys)
    first = rows[0]
    assert (first["score"], first["rank"], first["grade"], first["grade_name"]) == (
        pytest.approx(130), 1, "B", "提升发展类",
    )  # fmt: skip
    assert first["ranks_within"] == {"county": 1} and first["groups"] == {"county": "331082"}
    assert first["group_names"] == {"county": "临海市"} and first["population_name"] == "规上工业企业"
    assert first["nodes"]["tax_per_mu"] == pytest.approx(2.0) and first["nodes"]["rd_intensity"] == pytest.approx(1)
    startup = rows[-1]
    assert startup["rank"] is None and startup["grade"] is None and startup["grade_reason"].startswith("新办企业")


def test_results_filter_by_population_grade_group_and_search(mu, api) -> None:
    client, url = api("city_analyst"), f"/api/evaluations/runs/{mu['run'].pk}/results/"
    assert ids(client.get(url, {"population": "below_scale_large"})) == uscc(mu, "linhai_small")
    assert ids(client.get(url, {"grade": "C"})) == uscc(mu, "jiaojiang_firm", "commuter_firm", "linhai_second")
    assert ids(client.get(url, {"county": "331082", "population": "above_scale"})) == uscc(
        mu, "linhai_firm", "linhai_second"
    )
    assert ids(client.get(url, {"search": "第二机械"})) == uscc(mu, "linhai_second")
    assert ids(client.get(url, {"search": mu["startup"].uscc[-6:].lower()})) == uscc(mu, "startup")
    assert ids(client.get(url, {"grade": "A"})) == []
    assert client.get(url, {"ordering": "name; DROP TABLE"}).status_code == 400


def test_results_order_by_score_either_way(mu, api) -> None:
    client, url = api("city_analyst"), f"/api/evaluations/runs/{mu['run'].pk}/results/"
    scores = [r["score"] for r in results(client.get(url, {"ordering": "-score"}))]
    assert scores == pytest.approx([130, 100, 100, 100, 85, 85])
    assert [r["score"] for r in results(client.get(url, {"ordering": "score"}))] == pytest.approx(scores[::-1])
    page = client.get(url, {"ordering": "-rank", "page_size": 2}).json()
    assert page["count"] == 6 and [r["rank"] for r in page["results"]] == [3, 3] and page["next"]


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("enterprise_user", ["linhai_firm"]),
        ("jiaojiang_analyst", ["jiaojiang_firm", "commuter_firm", "startup"]),
        ("linhai_analyst", ["linhai_firm", "linhai_small", "commuter_firm", "linhai_second"]),  # commuter: 临海's park
        ("park_analyst", ["commuter_firm"]),
    ],
)
def test_each_persona_sees_only_its_own_rows(mu, api, persona: str, visible: list[str]) -> None:
    rows = results(api(persona).get(f"/api/evaluations/runs/{mu['run'].pk}/results/"))
    assert [r["id"] for r in rows] == uscc(mu, *visible)


def test_a_regional_index_lists_every_county_to_a_county_analyst(index_run, api) -> None:
    rows = results(api("jiaojiang_analyst").get(f"/api/evaluations/runs/{index_run.pk}/results/"))
    assert [r["id"] for r in rows] == ["330106", "330102", "331003", "331002", "331082"]
    linhai = rows[-1]
    # 5G 10 of 80 → 12.5 and gigabit 0.1 of 0.6 → 16.67: 基础设施 14.58; the index is the mean of five dimensions.
    assert linhai["nodes"]["infrastructure"] == pytest.approx(14.583333)
    assert linhai["score"] == pytest.approx((14.583333 + 17.222222 + 20 + 34.583333 + 65) / 5)
    assert linhai["ranks_within"] == {"city": 3} and linhai["group_names"] == {"city": "台州市"}
    assert linhai["node_ranks"]["new_models"] == {"rank": 1, "city": 1}
    assert linhai["rank_p5"] is not None and linhai["rank_p5"] <= linhai["median_rank"] <= linhai["rank_p95"]
    only_taizhou = results(api("jiaojiang_analyst").get(f"/api/evaluations/runs/{index_run.pk}/results/?city=331000"))
    assert [r["id"] for r in only_taizhou] == ["331003", "331002", "331082"]


# --- explanations ------------------------------------------------------------------------------------------
def test_the_explanation_adds_up_to_the_score(mu, api) -> None:
    body = (
        api("jiaojiang_analyst")
        .get(f"/api/evaluations/runs/{mu['run'].pk}/results/{mu['jiaojiang_firm'].uscc}/")
        .json()
    )
    assert (body["score"], body["rank"], body["population_size"], body["grade"]) == (pytest.approx(100), 2, 4, "C")
    contributions = {i["code"]: i["contribution"] for i in body["indicators"]}
    assert sum(contributions.values()) == pytest.approx(body["score"])
    assert contributions["tax_per_mu"] == pytest.approx(30) and contributions["value_added_per_mu"] == pytest.approx(20)
    assert sum(i["weight"] for i in body["indicators"]) == pytest.approx(1) and not body["contributions_approximate"]
    assert body["strengths"] == ["tax_per_mu"]
    best = body["what_if"]["options"][0]
    # To B (130 points): 亩均税收 from 2 to 4 万元/亩 adds 30 × (4 − 2) / 2 = 30.
    assert (body["what_if"]["target"]["grade"], best["code"]) == ("B", "tax_per_mu")
    assert best["current"] == pytest.approx(2) and best["needed"] == pytest.approx(4, rel=1e-3)
    assert [p["name"] for p in body["policies"]] == ["差别化电价加价", "差别化水价加价"]


def test_the_explanation_says_what_changed_since_the_previous_year(mu, mu_2024, api) -> None:
    body = api("city_analyst").get(f"/api/evaluations/runs/{mu['run'].pk}/results/{mu['commuter_firm'].uscc}/").json()
    # 2024: the commuter firm (tax 30) was first; 2025: third.
    assert body["previous_run"] == mu_2024.pk
    assert body["change"] == {"previous_rank": 1, "rank_change": -2, "previous_grade": "B", "grade_changed": True}


@pytest.mark.parametrize(
    ("persona", "firm"),
    [("jiaojiang_analyst", "linhai_firm"), ("enterprise_user", "jiaojiang_firm"), ("linhai_analyst", "startup")],
)
def test_an_explanation_outside_the_scope_is_a_404(mu, api, persona: str, firm: str) -> None:
    response = api(persona).get(f"/api/evaluations/runs/{mu['run'].pk}/results/{mu[firm].uscc}/")
    assert response.status_code == 404


def test_an_enterprise_reads_its_own_explanation(mu, api) -> None:
    url = f"/api/evaluations/runs/{mu['run'].pk}/results/{mu['linhai_firm'].uscc}/"
    body = api("enterprise_user").get(url).json()
    assert body["grade"] == "B" and body["what_if"]["options"] == []  # B is the best class anyone reached
    assert api("enterprise_user").get(f"/api/evaluations/runs/{mu['run'].pk}/results/NOSUCHFIRM/").status_code == 404


# --- verification and comparison ---------------------------------------------------------------------------
def test_a_stored_run_verifies(mu, api) -> None:
    body = api("enterprise_user").get(f"/api/evaluations/runs/{mu['run'].pk}/verify/").json()
    assert body["identical"] is True and body["differing_columns"] == []
    assert body["engine_version_then"] == body["engine_version_now"]


def test_two_years_compare_side_by_side(mu, mu_2024, api) -> None:
    url = f"/api/evaluations/compare/?a={mu_2024.pk}&b={mu['run'].pk}"
    rows = {r["id"]: r for r in results(api("jiaojiang_analyst").get(url))}
    assert set(rows) == set(uscc(mu, "jiaojiang_firm", "commuter_firm", "startup"))
    commuter = rows[mu["commuter_firm"].uscc]
    assert (commuter["rank_a"], commuter["rank_b"], commuter["rank_change"]) == (1, 3, -2)
    assert (commuter["grade_a"], commuter["grade_b"], commuter["grade_changed"]) == ("B", "C", True)


def test_comparing_different_evaluations_is_a_400(mu, index_run, api) -> None:
    client = api("linhai_analyst")
    response = client.get(f"/api/evaluations/compare/?a={mu['run'].pk}&b={index_run.pk}")
    assert response.status_code == 400 and "same evaluation" in response.json()["detail"]
    assert client.get("/api/evaluations/compare/?a=1").status_code == 400
    assert client.get(f"/api/evaluations/compare/?a={mu['run'].pk}&b=999999").status_code == 404


def test_two_runs_of_an_ungraded_index_compare(index_run, api) -> None:
    response = api("linhai_analyst").get(f"/api/evaluations/compare/?a={index_run.pk}&b={index_run.pk}")
    assert response.status_code == 200 and len(response.json()["results"]) == 5


# --- the 公示名单 ----------------------------------------------------------------------------------------
def sheet_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [tuple(c for c in row if c is not None) for row in sheet.iter_rows(values_only=True)]


def test_the_public_list_is_a_titled_workbook_with_a_block_per_population(mu, api) -> None:
    response = api("city_analyst").get(f"/api/evaluations/runs/{mu['run'].pk}/export.xlsx")
    assert response.status_code == 200 and "run" in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    assert rows[0] == ("2025年度工业企业亩均效益综合评价结果公示名单",)
    header = ("序号", "统一社会信用代码", "企业名称", "所属县(市、区)", "综合得分", "排名", "评价等级")
    assert rows[1] == () and rows[2] == ("一、规上工业企业（5）",) and rows[3] == header
    assert rows[4] == (1, mu["linhai_firm"].uscc, "临海市恒达汽车零部件有限公司", "临海市", 130, 1, "B（提升发展类）")
    assert rows[8] == (
        5,
        mu["startup"].uscc,
        "椒江区新创科技有限公司",
        "椒江区",
        100,
        "新办企业或重大项目在建，不定等级",
    )
    assert rows[10][0].startswith("二、规下工业企业") and rows[11] == header
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["E5"].number_format == "0.00" and sheet["B5"].number_format == "@"


def test_the_public_list_holds_only_the_rows_the_user_may_see(mu, api) -> None:
    content = api("enterprise_user").get(f"/api/evaluations/runs/{mu['run'].pk}/export/?format=xlsx").content
    rows = sheet_rows(content)
    assert len(rows) == 5 and rows[4][1] == mu["linhai_firm"].uscc
    text = api("jiaojiang_analyst").get(f"/api/evaluations/runs/{mu['run'].pk}/export.csv").content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "序号,评价类别,统一社会信用代码,企业名称,所属县(市、区),综合得分,排名,评价等级"
    assert (
        lines[1]
        == f"1,规上工业企业,{mu['jiaojiang_firm'].uscc},台州市椒江海正医药有限公司,椒江区,100.00,2,C（调控帮扶类）"
    )
    assert len(lines) == 4 and mu["linhai_firm"].uscc not in text


def test_a_name_that_looks_like_a_formula_stays_text(firms, run_mu, api) -> None:
    firms["linhai_firm"].name = '=HYPERLINK("http://example.com","点此")'
    firms["linhai_firm"].save()
    run = run_mu(2025)
    content = api("city_analyst").get(f"/api/evaluations/runs/{run.pk}/export.xlsx").content
    cell = load_workbook(io.BytesIO(content)).active["C5"]
    assert cell.value == firms["linhai_firm"].name and cell.data_type == "s"


def test_the_maturity_list_shows_levels_and_tiers(maturity, api) -> None:
    rows = sheet_rows(api("city_analyst").get(f"/api/evaluations/runs/{maturity['run'].pk}/export.xlsx").content)
    assert rows[1][-4:] == ("排名", "成熟度等级", "推荐梯度", "储备梯度")
    assert rows[2][-3:] == (1, "L3（集成级）", "未来工厂")
    assert rows[3][-3:] == ("L2（规范级）", "数字化车间", "智能工厂")
    assert len(rows) == 5  # title, header and the three assessed firms


def test_an_unknown_export_format_is_a_400(mu, api) -> None:
    client = api("city_analyst")
    assert client.get(f"/api/evaluations/runs/{mu['run'].pk}/export/?format=pdf").status_code == 400
    assert client.get(f"/api/evaluations/runs/{mu['run'].pk}/export.pdf").status_code == 404
    assert client.get("/api/evaluations/runs/999999/export.xlsx").status_code == 404
