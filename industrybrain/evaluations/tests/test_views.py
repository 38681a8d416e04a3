"""The evaluation pages: in Chinese by default and English on request, as JSON at the same path, and never
showing a row, an explanation or a file line the persona may not see."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from openpyxl import load_workbook

from industrybrain.evaluations import views
from industrybrain.evaluations.models import EvaluationRun


def page(client, url: str, **params: str) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


# --- the index ---------------------------------------------------------------------------------------------
def test_it_lists_specs_and_runs_in_chinese_and_in_english(mu, client) -> None:
    client.force_login(mu["jiaojiang_analyst"])
    html = page(client, "/evaluations/")
    assert 'lang="zh-hans"' in html and "工业企业亩均效益综合评价" in html and "A 优先发展类" in html
    assert f'href="/evaluations/runs/{mu["run"].pk}/"' in html and "台州市" in html
    english(client)
    html = page(client, "/evaluations/")
    assert 'lang="en"' in html and "Evaluation methods" in html and "Stored runs" in html
    assert "Run an evaluation" in html  # analysts may start runs


def test_the_index_answers_as_json(mu, client) -> None:
    client.force_login(mu["city_analyst"])
    for url in ("/evaluations/index.json", "/evaluations/?format=json"):
        body = client.get(url).json()
        assert {s["code"] for s in body["specs"]} >= {"mu_efficiency", "smart_manufacturing"}
        assert [r["id"] for r in body["runs"]] == [mu["run"].pk] and body["may_run"] is True
    assert client.get("/evaluations/index.json", {"spec": "digital_economy_index"}).json()["runs"] == []


def test_pages_need_a_sign_in(mu, client) -> None:
    for url in ("/evaluations/", f"/evaluations/runs/{mu['run'].pk}/", f"/evaluations/runs/{mu['run'].pk}.json"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_analyst_starts_a_run_from_the_form(maturity_facts, client) -> None:
    client.force_login(maturity_facts["linhai_analyst"])
    form = {"spec": "smart_manufacturing", "year": "2025", "region": "331082", "uncertainty": ""}
    response = client.post("/evaluations/", form)
    run = EvaluationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/evaluations/runs/{run.pk}/"
    assert (run.region_id, run.period, run.created_by) == ("331082", "2025", maturity_facts["linhai_analyst"])
    html = page(client, response["Location"])
    assert "临海市恒达汽车零部件有限公司" in html and "未来工厂" in html


def test_the_form_says_why_a_run_cannot_be_made(world, client) -> None:
    client.force_login(world["city_analyst"])
    english(client)
    html = client.post("/evaluations/", {"spec": "mu_efficiency", "year": "2025", "region": "331003"}).content
    assert "nothing to evaluate" in html.decode() and not EvaluationRun.objects.exists()
    # Only regions the analyst may run over are offered.
    choices = dict(views.RunForm(world["jiaojiang_analyst"]).fields["region"].choices)
    assert "331002" in choices and "331000" in choices and "331082" not in choices


@pytest.mark.parametrize("persona", ["clerk", "enterprise_user"])
def test_clerks_and_enterprises_get_no_form_and_may_not_post(world, client, persona: str) -> None:
    client.force_login(world[persona])
    english(client)
    assert "Run an evaluation" not in page(client, "/evaluations/")
    assert client.post("/evaluations/", {"spec": "mu_efficiency", "year": "2025"}).status_code == 403
    assert not EvaluationRun.objects.exists()


# --- a run's ranking ---------------------------------------------------------------------------------------
def test_the_ranking_shows_only_visible_rows_with_grades_and_county_ranks(mu, client) -> None:
    client.force_login(mu["jiaojiang_analyst"])
    html = page(client, f"/evaluations/runs/{mu['run'].pk}/")
    assert "台州市椒江海正医药有限公司" in html and "椒江区新创科技有限公司" in html
    assert "临海市恒达汽车零部件有限公司" not in html and mu["linhai_firm"].uscc not in html
    assert "<b>C</b> 调控帮扶类" in html and "新办企业或重大项目在建，不定等级" in html
    assert f'href="/evaluations/runs/{mu["run"].pk}/{mu["jiaojiang_firm"].uscc}/"' in html
    assert f"/evaluations/runs/{mu['run'].pk}/export.xlsx" in html
    english(client)
    html = page(client, f"/evaluations/runs/{mu['run'].pk}/")
    assert "Rank in" in html and "Public list (.xlsx)" in html and "3 visible to you" in html


def test_the_ranking_filters_and_pages_through_get(mu, client, monkeypatch) -> None:
    client.force_login(mu["city_analyst"])
    url = f"/evaluations/runs/{mu['run'].pk}.json"
    names = [r["name"] for r in client.get(url, {"grade": "C", "county": "331082"}).json()["rows"]]
    assert names == ["临海市第二机械有限公司"]
    assert [r["grade"] for r in client.get(url, {"population": "below_scale_large"}).json()["rows"]] == ["D"]
    assert [r["name"] for r in client.get(url, {"search": "光伏"}).json()["rows"]] == ["椒江区跨区光伏有限公司"]
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    second = client.get(url, {"page": "2"}).json()
    assert second["page"] == {"number": 2, "pages": 3, "count": 6}
    assert [r["rank"] for r in second["rows"]] == [2, 3]
    html = page(client, f"/evaluations/runs/{mu['run'].pk}/", grade="C", page="1")
    assert "grade=C&amp;page=2" in html


def test_the_ranking_answers_as_json_with_the_same_context(mu, client) -> None:
    client.force_login(mu["enterprise_user"])
    body = client.get(f"/evaluations/runs/{mu['run'].pk}/", {"format": "json"}).json()
    assert body["run"]["spec"] == "mu_efficiency" and body["visible_rows"] == 1
    assert [r["id"] for r in body["rows"]] == [mu["linhai_firm"].uscc]
    assert body["spec"]["classes"][0] == {"code": "A", "name": "优先发展类", "name_en": "Priority development"}


def test_the_index_ranking_shows_sub_indices_and_the_uncertainty_interval(index_run, client) -> None:
    client.force_login(index_run.created_by)
    html = page(client, f"/evaluations/runs/{index_run.pk}/")
    assert "基础设施" in html and "数字产业化" in html and "5–95%" in html
    assert "上城区" in html and "杭州市" in html  # a county analyst sees every county of a regional index
    row = client.get(f"/evaluations/runs/{index_run.pk}.json").json()["rows"][-1]
    assert row["name"] == "临海市" and row["group_ranks"] == [3]
    assert row["sub_indices"][0]["score"] == pytest.approx(14.583333) and row["sub_indices"][0]["rank"] == 5


def test_the_maturity_ranking_shows_tiers_and_reserves(maturity, client) -> None:
    client.force_login(maturity["city_analyst"])
    html = page(client, f"/evaluations/runs/{maturity['run'].pk}/")
    assert "未来工厂" in html and "数字化车间" in html and "智能工厂" in html and "L3</b> 集成级" in html
    only = client.get(f"/evaluations/runs/{maturity['run'].pk}.json", {"reserve_tier": "smart_factory"}).json()
    assert [r["name"] for r in only["rows"]] == ["台州市椒江海正医药有限公司"]


def test_a_run_outside_the_scope_is_a_404(mu, linhai_run, client) -> None:
    client.force_login(mu["jiaojiang_analyst"])
    assert client.get(f"/evaluations/runs/{linhai_run.pk}/").status_code == 404
    assert client.get(f"/evaluations/runs/{linhai_run.pk}/export.xlsx").status_code == 404
    assert client.get(f"/evaluations/runs/{linhai_run.pk}/{mu['linhai_firm'].uscc}/").status_code == 404


# --- an entity's grade -------------------------------------------------------------------------------------
def test_the_grade_page_explains_the_grade(mu, client) -> None:
    client.force_login(mu["jiaojiang_analyst"])
    url = f"/evaluations/runs/{mu['run'].pk}/{mu['jiaojiang_firm'].uscc}/"
    html = page(client, url)
    assert 'lang="zh-hans"' in html and "台州市椒江海正医药有限公司" in html
    assert "<b>100.00</b>" in html and "<b>2 / 4</b>" in html and "调控帮扶类" in html
    assert "亩均税收" in html and "万元/亩" in html and "30.00" in html and "30%" in html
    assert "差别化电价加价" in html
    english(client)
    html = page(client, url)
    assert "Raise 亩均税收 from 2.00 to 4.00 万元/亩 (+100%) → B" in html
    assert "Strengths" in html and "Policies for class C (调控帮扶类)" in html


def test_the_grade_page_answers_as_json(mu, client) -> None:
    client.force_login(mu["enterprise_user"])
    body = client.get(f"/evaluations/runs/{mu['run'].pk}/{mu['linhai_firm'].uscc}.json").json()
    assert body["entity"]["grade"] == "B" and body["entity"]["rank"] == 1
    contributions = [i["contribution"] for i in body["indicators"]]
    assert sum(contributions) == pytest.approx(body["entity"]["score"]) == pytest.approx(130)
    assert body["indicators"][0]["weight_percent"] == pytest.approx(30)
    assert body["strength_names"] == ["亩均税收"]


def test_the_grade_page_shows_the_change_since_the_previous_run(mu, mu_2024, client) -> None:
    client.force_login(mu["city_analyst"])
    english(client)
    html = page(client, f"/evaluations/runs/{mu['run'].pk}/{mu['commuter_firm'].uscc}/")
    assert "Rank before: 1" in html and "↓2" in html and "Grade before: B" in html
    assert f'href="/evaluations/runs/{mu_2024.pk}/{mu["commuter_firm"].uscc}/"' in html


def test_a_firm_without_a_questionnaire_is_shown_as_not_evaluated(maturity, client) -> None:
    client.force_login(maturity["linhai_analyst"])
    english(client)
    html = page(client, f"/evaluations/runs/{maturity['run'].pk}/{maturity['linhai_second'].uscc}/")
    assert "临海市第二机械有限公司" in html and "This entity was not evaluated" in html
    ranking = client.get(f"/evaluations/runs/{maturity['run'].pk}.json").json()
    assert maturity["linhai_second"].uscc not in {r["id"] for r in ranking["rows"]}


@pytest.mark.parametrize(
    ("persona", "firm"),
    [("jiaojiang_analyst", "linhai_firm"), ("enterprise_user", "jiaojiang_firm"), ("clerk", "jiaojiang_firm")],
)
def test_another_scope_s_grade_page_is_a_404(mu, client, persona: str, firm: str) -> None:
    client.force_login(mu[persona])
    assert client.get(f"/evaluations/runs/{mu['run'].pk}/{mu[firm].uscc}/").status_code == 404
    assert client.get(f"/evaluations/runs/{mu['run'].pk}/{mu[firm].uscc}.json").status_code == 404


def test_a_regional_grade_page_shows_sub_indices(index_run, client) -> None:
    client.force_login(index_run.created_by)
    html = page(client, f"/evaluations/runs/{index_run.pk}/331002/")
    assert "椒江区" in html and "基础设施" in html and "每万人拥有5G基站数" in html


# --- the 公示名单 and the admin ------------------------------------------------------------------------------
def test_the_page_exports_the_public_list(mu, client) -> None:
    client.force_login(mu["enterprise_user"])
    response = client.get(f"/evaluations/runs/{mu['run'].pk}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "2025年度工业企业亩均效益综合评价结果公示名单"
    assert [sheet.cell(5, c).value for c in (2, 3, 5, 7)] == [mu["linhai_firm"].uscc, mu["linhai_firm"].name, 130,
                                                               "B（提升发展类）"]  # fmt: skip
    assert sheet.max_row == 5
    csv = client.get(f"/evaluations/runs/{mu['run'].pk}/export.csv").content.decode("utf-8-sig")
    assert len(csv.splitlines()) == 2


def test_names_are_escaped_on_the_pages(firms, run_mu, client) -> None:
    client.force_login(firms["city_analyst"])
    firm = firms["linhai_second"]
    firm.name = '<script>alert("x")</script>'
    firm.save()
    run = run_mu(2025)
    for url in (f"/evaluations/runs/{run.pk}/", f"/evaluations/runs/{run.pk}/{firm.uscc}/"):
        html = page(client, url)
        assert '<script>alert("x")</script>' not in html and "&lt;script&gt;" in html


def test_the_admin_shows_runs_and_specs_read_only(mu, client) -> None:
    client.force_login(mu["province_admin"])
    assert client.get("/admin/evaluations/evaluationrun/").status_code == 200
    assert client.get(f"/admin/evaluations/evaluationrun/{mu['run'].pk}/change/").status_code == 200
    assert client.get("/admin/evaluations/evaluationrun/add/").status_code == 403
    assert client.get("/admin/evaluations/evaluationspec/").status_code == 200
    assert client.post(f"/admin/evaluations/evaluationrun/{mu['run'].pk}/delete/", {"post": "yes"}).status_code == 403
    assert EvaluationRun.objects.filter(pk=mu["run"].pk).exists()
