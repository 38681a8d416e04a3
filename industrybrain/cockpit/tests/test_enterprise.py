"""The Enterprise 360° page on hand-checkable data: 临海's firm (world's `linhai_firm`, 20 亩) and its neighbours.

Facts landed for 临海's firm:

| indicator   | 2024-01 | 2024-02 | 2024-03 | 2025-01 | 2025-02 | 2025-03 | 2023 year | 2024 year |
|-------------|---------|---------|---------|---------|---------|---------|-----------|-----------|
| value_added | 10      | 20      | 30      | 15      | 20      | 45      |           |           |
| tax_paid    |         |         |         |         |         |         | 100 (1—12月) | 120 (1—12月) |
| land_area   |         |         |         |         |         |         | 20        | 20        |

so the latest month is 2025-03: March grew (45 − 30) / 30 = +50%, February 0%, 1—3月 80 against 60 = +33.3%;
亩均税收 was 100 / 20 = 5 in 2023 and 120 / 20 = 6 in 2024 (+20%). 椒江's firm reported 999 for 2025-03, which
must not show. The 亩均 run over 台州 (three 规上 firms of 10 亩, everything at the benchmark but tax: 30, 20, 10, so
the ratio of sums is 2 万元/亩) scores 临海's firm 70 + 30 × 3 / 2 = 115: rank 1 of 3, grade B (1/3 ≤ 45%). Its
maturity questionnaire (3.5) makes it L3 and its digital level 3.2, credit 3 and 5000 万元 a 未来工厂.
"""

from __future__ import annotations

import pandas as pd
import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from conftest import PASSWORD
from industrybrain.analytics import statistics
from industrybrain.cockpit import enterprise
from industrybrain.datahub.operations import import_facts, import_records
from industrybrain.datahub.periods import Period
from industrybrain.evaluations import operations as evaluations
from industrybrain.registry.models import Region
from industrybrain.servicedesk import operations as desk
from industrybrain.servicedesk.models import Category, Routing
from industrybrain.servicedesk.tests.conftest import local


def land(user, text: str) -> None:
    report = import_facts(text.strip().encode(), "facts.csv", user, dry_run=False)
    assert report.ok, report.errors


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def linhai(world) -> dict:
    cache.clear()
    firm, other = world["linhai_firm"], world["jiaojiang_firm"]
    lines = ["uscc,indicator,period,value"]
    for month, before, now in ((1, 10, 15), (2, 20, 20), (3, 30, 45)):
        lines += [
            f"{firm.uscc},value_added,2024-{month:02d},{before}",
            f"{firm.uscc},value_added,2025-{month:02d},{now}",
        ]
    lines += [f"{firm.uscc},tax_paid,2023年1—12月,100", f"{firm.uscc},tax_paid,2024年1—12月,120"]
    lines += [
        f"{firm.uscc},land_area,2023,20",
        f"{firm.uscc},land_area,2024,20",
        f"{other.uscc},value_added,2025-03,999",
    ]
    land(world["province_admin"], "\n".join(lines))
    return world


def mu_run(world):
    firms = [world["linhai_firm"], world["jiaojiang_firm"], world["commuter_firm"]]
    rows = [
        {"uscc": f.uscc, "name": f.name, "county": f.region_id, "above_scale": 1, "land_area": 10, "tax_paid": tax,
         "value_added": 100, "energy_consumption": 10, "emissions": 10, "employees_avg": 10, "rd_expense": 5,
         "revenue": 100, "electricity": 10, "age_years": 5, "under_major_construction": 0}
        for f, tax in zip(firms, (30, 20, 10), strict=True)
    ]  # fmt: skip
    spec = evaluations.current_spec("mu_efficiency")
    city = Region.objects.get(code="331000")
    return evaluations.run_evaluation(spec, city, 2025, world["city_analyst"], data=pd.DataFrame(rows))


def maturity_run(world):
    answers = {"im_maturity_score": 3.5, "digital_level": 3.2, "im_investment_5y": 5000, "credit_rating": 3}
    records = [
        {"entity": world["linhai_firm"].uscc, "indicator": code, "period": "2025", "value": str(value)}
        for code, value in answers.items()
    ]
    assert import_records(records, world["province_admin"], dry_run=False).ok
    spec = evaluations.current_spec("smart_manufacturing")
    return evaluations.run_evaluation(spec, Region.objects.get(code="331000"), 2025, world["city_analyst"])


@pytest.fixture
def graded(linhai) -> dict:
    return {**linhai, "mu": mu_run(linhai), "maturity": maturity_run(linhai)}


def file(world, category: str, at, title: str = "政策咨询"):
    new = desk.NewRequest(enterprise=world["linhai_firm"], category=Category.objects.get(code=category),
                          title=title, description="想了解今年的技改补助政策。")  # fmt: skip
    return desk.file_request(new, world["enterprise_user"], at=at)


@pytest.fixture
def requests(linhai) -> dict:
    """Three requests of 临海's firm: a policy question answered in time and rated satisfied, one never answered
    (overdue), both routed to the clerk's department; and a tax-rebate one nobody has dispatched yet."""
    Routing.objects.create(category=Category.objects.get(code="policy"), region=linhai["linhai"],
                           department=linhai["department"])  # fmt: skip
    clerk = linhai["clerk"]
    done = file(linhai, "policy", local(2025, 9, 26), "技改补助")
    desk.sign(done, clerk, at=local(2025, 9, 26, 11))
    desk.answer(done, clerk, "符合条件，请于十月申报。", at=local(2025, 9, 26, 14))
    desk.close(done, clerk, at=local(2025, 9, 26, 16))
    desk.rate(done, linhai["enterprise_user"], "satisfied", "", at=local(2025, 9, 27))
    late = file(linhai, "policy", local(2025, 10, 20), "人才补贴")
    waiting = file(linhai, "tax_rebate", local(2025, 11, 3), "出口退税")
    return {**linhai, "done": done, "late": late, "waiting": waiting}


# --- the facade ----------------------------------------------------------------------------------------------
def test_the_facade_reads_one_enterprise_stored_and_derived(linhai) -> None:
    firm = linhai["linhai_firm"].uscc
    march, year = Period("M", 2025, 3), Period("Y", 2024, 1)
    found = statistics.enterprise_trend(firm, ["value_added", "tax_per_mu"], [march, year])
    assert found["value_added"][march] == (45.0, 80.0)  # the month alone, and 1—3月
    assert found["tax_per_mu"][year].value == pytest.approx(6.0)  # 120 / 20
    assert found["tax_per_mu"][march] == (None, None)  # land is known per year, tax for March is not reported
    other = statistics.enterprise_trend(linhai["jiaojiang_firm"].uscc, ["value_added"], [march])
    assert other["value_added"][march].value == 999


# --- the content ---------------------------------------------------------------------------------------------
def test_the_trends_match_the_landed_facts(linhai) -> None:
    data = enterprise.build(linhai["linhai_firm"], linhai["linhai_analyst"], now=local(2026, 1, 5))
    trends = data["trends"]
    assert trends["period"] == "2025-03" and trends["period_label"] == "2025年1—3月"
    assert [s["code"] for s in trends["monthly"]] == ["value_added"]  # tax_paid has no month alone to show
    series = trends["monthly"][0]
    assert series["year_to_date"]["value"] == 80 and series["year_to_date"]["growth"] == pytest.approx(1 / 3)
    points = {p["period"]: p for p in series["points"]}
    assert len(series["points"]) == 24 and series["points"][-1]["period"] == "2025-03"
    assert (points["2025-03"]["value"], points["2025-03"]["last_year"]) == (45, 30)
    assert points["2025-03"]["growth"] == pytest.approx(0.5) and points["2025-02"]["growth"] == 0
    assert points["2024-03"]["value"] == 30 and points["2024-03"]["last_year"] is None
    assert trends["years"] == [2023, 2024]  # from the first year reported; 2025 is still running
    yearly = {row["code"]: row for row in trends["yearly"]}
    assert set(yearly) == {"tax_per_mu", "land_area"}
    assert yearly["tax_per_mu"]["values"]["2023"] == pytest.approx(5) and yearly["tax_per_mu"]["values"]["2024"] == 6
    assert yearly["tax_per_mu"]["growth"] == pytest.approx(0.2)


def test_the_registry_record_names_the_industry_and_links_back(linhai) -> None:
    record = enterprise.build(linhai["commuter_firm"], linhai["linhai_admin"])["enterprise"]
    assert record["region"] == {"code": "331002", "name": "椒江区"}
    assert record["park"]["name"] == "临海经济开发区" and record["industry"]["code"] == "3825"
    assert record["links"]["registry"] == f"/enterprises/{linhai['commuter_firm'].uscc}/"
    assert record["links"]["changes"].endswith(f"?model=enterprise&object_id={linhai['commuter_firm'].pk}")
    analyst_view = enterprise.build(linhai["commuter_firm"], linhai["linhai_analyst"])["enterprise"]
    assert "changes" not in analyst_view["links"]  # the change log is for administrators


def test_a_digital_economy_firm_shows_its_category(world) -> None:
    # 3911 计算机整机制造 is 01 数字产品制造业
    categories = enterprise.digital_economy("3911")
    assert categories and all(c["major"] == "01" and c["is_core"] for c in categories)
    assert categories[0]["major_name"] == "数字产品制造业"
    assert enterprise.digital_economy("3670") == []  # 汽车零部件 is not in the classification


def test_grades_come_from_every_stored_run(graded) -> None:
    grades = enterprise.build(graded["linhai_firm"], graded["linhai_analyst"])["grades"]
    by_spec = {g["spec"]: g for g in grades}
    mu = by_spec["mu_efficiency"]
    assert (mu["period"], mu["grade"], mu["grade_name"], mu["rank"], mu["ranked"]) == ("2025", "B", "提升发展类", 1, 3)
    assert mu["score"] == pytest.approx(115) and mu["ranks_within"] == {"county": 1}
    assert mu["url"] == f"/evaluations/runs/{graded['mu'].pk}/{graded['linhai_firm'].uscc}/"
    level = by_spec["smart_manufacturing"]
    assert (level["grade"], level["grade_name"], level["tier"], level["tier_name"]) == (
        "L3",
        "集成级",
        "future_factory",
        "未来工厂",
    )
    commuter = enterprise.build(graded["commuter_firm"], graded["linhai_analyst"])["grades"]
    assert [(g["spec"], g["grade"], g["rank"]) for g in commuter] == [("mu_efficiency", "D", 3)]  # no questionnaire


def test_a_new_run_is_shown_at_once_despite_the_cache(linhai) -> None:
    firm, analyst = linhai["linhai_firm"], linhai["linhai_analyst"]
    assert enterprise.build(firm, analyst)["grades"] == []
    mu_run(linhai)
    assert [g["grade"] for g in enterprise.build(firm, analyst)["grades"]] == ["B"]


def test_requests_are_listed_with_deadlines_and_ratings(requests) -> None:
    data = enterprise.build(requests["linhai_firm"], requests["linhai_analyst"], now=local(2026, 1, 5))
    listed = {r["title"]: r for r in data["requests"]}
    assert [r["title"] for r in data["requests"]] == ["出口退税", "人才补贴", "技改补助"]  # newest first
    assert listed["技改补助"]["satisfaction"] == "satisfied" and not listed["技改补助"]["overdue"]
    assert listed["人才补贴"]["overdue"] and listed["人才补贴"]["open"]
    assert listed["出口退税"]["deadline"] is None and not listed["出口退税"]["overdue"]
    assert listed["技改补助"]["url"] == f"/servicedesk/{requests['done'].number}/"
    assert data["requests_summary"] == {"total": 3, "open": 2, "overdue": 1}
    clerk = enterprise.build(requests["linhai_firm"], requests["clerk"], now=local(2026, 1, 5))
    assert sorted(r["title"] for r in clerk["requests"]) == ["人才补贴", "技改补助"]  # their department's only


# --- the page ---------------------------------------------------------------------------------------------------
def test_who_may_see_the_page(graded) -> None:
    firm = graded["linhai_firm"]
    url = f"/cockpit/enterprise/{firm.uscc}/"
    for persona in ("linhai_analyst", "city_analyst", "province_admin", "enterprise_user", "clerk"):
        assert client_for(graded[persona]).get(url).status_code == 200, persona
    for persona in ("jiaojiang_analyst", "park_analyst", "unscoped"):
        assert client_for(graded[persona]).get(url).status_code == 404, persona
    neighbour = f"/cockpit/enterprise/{graded['jiaojiang_firm'].uscc}/"
    assert client_for(graded["enterprise_user"]).get(neighbour).status_code == 404  # only their own enterprise
    assert (
        client_for(graded["park_analyst"]).get(f"/cockpit/enterprise/{graded['commuter_firm'].uscc}/").status_code
        == 200
    )
    assert Client().get(url).status_code == 302  # to the login page


def test_the_enterprise_user_sees_their_grades_and_requests(graded, requests) -> None:
    body = client_for(graded["enterprise_user"]).get(f"/cockpit/enterprise/{graded['linhai_firm'].uscc}.json").json()
    assert {g["grade"] for g in body["grades"]} == {"B", "L3"}
    assert len(body["requests"]) == 3


def test_the_json_shape(graded) -> None:
    uscc = graded["linhai_firm"].uscc
    client = client_for(graded["linhai_analyst"])
    body = client.get(f"/cockpit/enterprise/{uscc}.json").json()
    assert set(body) == {"enterprise", "trends", "grades", "latest_grades", "requests", "requests_summary",
                         "data_version", "data_as_of"}  # fmt: skip
    assert body["enterprise"]["uscc"] == uscc and body["enterprise"]["name"] == "临海市恒达汽车零部件有限公司"
    assert set(body["trends"]) == {"period", "period_label", "monthly", "years", "yearly"}
    assert set(body["trends"]["monthly"][0]["points"][-1]) == {"period", "label", "value", "last_year", "growth"}
    assert {g["spec"] for g in body["latest_grades"]} == {"mu_efficiency", "smart_manufacturing"}
    assert client.get(f"/cockpit/enterprise/{uscc}/?format=json").json() == body


def test_the_html_page_draws_charts_and_tables(graded, requests) -> None:
    uscc = graded["linhai_firm"].uscc
    page = client_for(graded["linhai_analyst"]).get(f"/cockpit/enterprise/{uscc}/")
    html = page.content.decode()
    assert page.status_code == 200 and "临海市恒达汽车零部件有限公司" in html
    assert 'data-option-id="chart-value_added"' in html and 'id="chart-value_added"' in html
    assert f'id="dt-{uscc}-value_added"' in html and f'id="dt-{uscc}-grades"' in html
    assert f'id="dt-{uscc}-requests"' in html and f'id="dt-{uscc}-yearly"' in html
    assert "+33.3%" in html  # 1—3月 value added against last year
    assert f"/evaluations/runs/{graded['mu'].pk}/{uscc}/" in html and f"/servicedesk/{requests['late'].number}/" in html
    option = page.context["monthly"][0]["option"]
    assert option["xAxis"]["data"][-1] == "2025-03" and option["series"][0]["data"][-1] == 45
    assert option["series"][1]["data"][-1] == 30  # the same month a year before


def test_every_table_exports(graded, requests) -> None:
    uscc = graded["linhai_firm"].uscc
    client = client_for(graded["linhai_analyst"])
    monthly = client.get(f"/cockpit/enterprise/{uscc}/?value_added-export=csv")
    assert monthly["Content-Disposition"] == f'attachment; filename="{uscc}-value_added.csv"'
    text = monthly.content.decode("utf-8-sig")
    assert "2025-03,45.0,30.0,0.5" in text
    grades = client.get(f"/cockpit/enterprise/{uscc}/?grades-export=xlsx")
    assert grades["Content-Type"].startswith("application/vnd.openxmlformats")
    requests_csv = client.get(f"/cockpit/enterprise/{uscc}/?requests-export=csv&requests-f.overdue_text=Overdue")
    assert "人才补贴" in requests_csv.content.decode("utf-8-sig") and "技改补助" not in requests_csv.content.decode(
        "utf-8-sig"
    )


def test_an_enterprise_without_statistics_still_has_a_page(world) -> None:
    cache.clear()
    page = client_for(world["linhai_analyst"]).get(f"/cockpit/enterprise/{world['linhai_firm'].uscc}/")
    assert page.status_code == 200 and "No monthly statistics for this enterprise yet." in page.content.decode()


def test_a_repeat_view_is_served_from_the_cache_until_new_data_lands(linhai, monkeypatch) -> None:
    firm, analyst = linhai["linhai_firm"], linhai["linhai_analyst"]
    assert enterprise.build(firm, analyst)["trends"]["monthly"][0]["year_to_date"]["value"] == 80

    def no_store(*args, **kwargs):
        raise AssertionError("the store was asked again")

    monkeypatch.setattr(statistics, "enterprise_trend", no_store)
    assert enterprise.build(firm, analyst)["trends"]["monthly"][0]["year_to_date"]["value"] == 80
    monkeypatch.undo()
    land(linhai["province_admin"], f"uscc,indicator,period,value\n{firm.uscc},value_added,2025-03,55")
    assert enterprise.build(firm, analyst)["trends"]["monthly"][0]["year_to_date"]["value"] == 90  # a new version


def test_the_registry_page_links_to_the_360_view(world) -> None:
    uscc = world["linhai_firm"].uscc
    page = client_for(world["linhai_analyst"]).get(f"/enterprises/{uscc}/")
    assert f'href="/cockpit/enterprise/{uscc}/"' in page.content.decode()
