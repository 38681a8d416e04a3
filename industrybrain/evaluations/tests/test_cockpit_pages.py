"""The evaluation pages as the cockpit uses them: the ranking through the shared table (sort by any column,
choice filters, pages, Excel/CSV), rank-change arrows against the previous run, the distribution and interval
charts, the latest ranking of every evaluation, and the grade page's contribution chart, history and what-if.

Numbers are the hand-checked ones of conftest.py. The 亩均 run of 2024 built here leaves out 临海's second firm
and has 椒江's commuter firm paying 30 and 临海's firm 10: the 规上 ratio of sums is (10 + 20 + 30 + 20) / 40 = 2,
so 2024 scores are 85 (临海 firm), 100 (椒江 firm), 115 (commuter): ranks 3, 2, 1. In 2025 they rank 1, 2, 3 and
the second 临海 firm, absent in 2024, ranks 3:

| firm            | 2024 | 2025 | change |
|-----------------|------|------|--------|
| linhai_firm     | 3    | 1    | ▲2     |
| jiaojiang_firm  | 2    | 2    | —      |
| commuter_firm   | 1    | 3    | ▼2     |
| linhai_second   | —    | 3    | new    |
| linhai_small    | 1    | 1    | — (alone in 规下 ≥ 3 亩) |
| startup         | —    | —    | (not ranked either year) |
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import pandas as pd
import pytest
from django.conf import settings
from openpyxl import load_workbook

from industrybrain.analytics.evaluation import explain
from industrybrain.core.datatable import Column
from industrybrain.evaluations import charts, operations
from industrybrain.evaluations.models import EvaluationRun
from industrybrain.evaluations.tables import ChangeColumn, FrameTable, PercentColumn
from industrybrain.registry.models import Region

from .conftest import mu_table


def english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def get_json(client, url: str, **params: str) -> dict[str, Any]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


@pytest.fixture
def two_years(mu) -> dict[str, Any]:
    """The 2025 run (mu) and a 2024 run without 临海's second firm, as in the module's table."""
    table = mu_table(mu, {"commuter_firm": 30, "linhai_firm": 10})
    table = table[table["uscc"] != mu["linhai_second"].uscc]
    city = Region.objects.get(code="331000")
    before = operations.run_evaluation(mu["spec"], city, 2024, mu["city_analyst"], data=table)
    return {**mu, "before": before}


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in rows}


# --- rank changes ------------------------------------------------------------------------------------------
def test_the_ranking_shows_the_rank_change_since_the_previous_run(two_years, client) -> None:
    client.force_login(two_years["city_analyst"])
    body = get_json(client, f"/evaluations/runs/{two_years['run'].pk}.json")
    assert body["previous_run"] == {"id": two_years["before"].pk, "period": "2024"}
    rows = {r["id"]: r for r in body["rows"]}
    expected = {
        "linhai_firm": (3, 2, "up"),
        "jiaojiang_firm": (2, 0, "same"),
        "commuter_firm": (1, -2, "down"),
        "linhai_second": (None, None, "new"),
        "linhai_small": (1, 0, "same"),
        "startup": (None, None, ""),
    }
    for key, (previous, change, movement) in expected.items():
        row = rows[two_years[key].uscc]
        assert (row["previous_rank"], row["rank_change"], row["movement"]) == (previous, change, movement), key
    # The table's cells: the number, or "new" for an entity the previous run did not rank.
    cells = {r["id"]: r["rank_change"] for r in body["table"]["rows"]}
    assert cells[two_years["linhai_firm"].uscc] == 2 and cells[two_years["commuter_firm"].uscc] == -2
    assert cells[two_years["linhai_second"].uscc] == "new" and cells[two_years["startup"].uscc] is None


def test_the_arrows_are_on_the_page(two_years, client) -> None:
    client.force_login(two_years["city_analyst"])
    english(client)
    html = client.get(f"/evaluations/runs/{two_years['run'].pk}/").content.decode()
    assert '<td class="num">▲2</td>' in html and '<td class="num">▼2</td>' in html
    assert '<td class="num">—</td>' in html and '<td class="num">new</td>' in html
    assert "Change since the previous run" in html
    assert f'href="/evaluations/runs/{two_years["before"].pk}/"' in html  # "compared with the run of 2024"


def test_sorting_by_change_puts_the_climbers_first_and_the_new_ones_last(two_years, client) -> None:
    client.force_login(two_years["city_analyst"])
    rows = get_json(client, f"/evaluations/runs/{two_years['run'].pk}.json", sort="-rank_change")["table"]["rows"]
    changes = [r["rank_change"] for r in rows]
    assert changes[0] == 2 and changes[1:3] == [0, 0] and changes[3] == -2
    assert sorted(changes[4:], key=str) == [None, "new"]


def test_the_first_run_has_no_change_column(mu, client) -> None:
    client.force_login(mu["city_analyst"])
    body = get_json(client, f"/evaluations/runs/{mu['run'].pk}.json")
    assert body["previous_run"] is None
    assert "rank_change" not in {c["key"] for c in body["table"]["columns"]}
    assert {r["movement"] for r in body["rows"]} == {""}


# --- the shared table: sorting, choice filters, search, pages, exports ---------------------------------------
def test_the_table_sorts_by_a_sub_index(index_run, client) -> None:
    client.force_login(index_run.created_by)
    url = f"/evaluations/runs/{index_run.pk}.json"
    body = get_json(client, url, sort="node_infrastructure")
    assert "node_infrastructure" in {c["key"] for c in body["table"]["columns"]}
    scores = [r["node_infrastructure"] for r in body["table"]["rows"]]
    assert scores == sorted(scores) and body["table"]["rows"][0]["name"] == "临海市"  # worst on every indicator
    assert [r["name"] for r in body["rows"]] == [r["name"] for r in body["table"]["rows"]]  # the same rows
    assert get_json(client, url, sort="-node_infrastructure")["table"]["rows"][0]["name"] == "西湖区"


def test_choice_filters_search_and_pages(mu, client) -> None:
    client.force_login(mu["city_analyst"])
    url = f"/evaluations/runs/{mu['run'].pk}.json"
    only_c = get_json(client, url, **{"f.grade_label": "C 调控帮扶类"})
    assert sorted(r["rank"] for r in only_c["table"]["rows"]) == [2, 3, 3]
    assert only_c["page"]["count"] == 3 and only_c["visible_rows"] == 6
    linhai = get_json(client, url, **{"f.group_county_name": "临海市"})
    assert {r["name"] for r in linhai["rows"]} == {mu["linhai_firm"].name, mu["linhai_second"].name,
                                                   mu["linhai_small"].name}  # fmt: skip
    assert [r["name"] for r in get_json(client, url, q="光伏")["rows"]] == ["椒江区跨区光伏有限公司"]
    second = get_json(client, url, per_page="4", page="2")
    assert second["page"] == {"number": 2, "pages": 2, "count": 6} and len(second["rows"]) == 2
    choices = {c["key"] for c in second["table"]["columns"]}
    assert {"grade_label", "group_county_name", "population_name"} <= choices


def test_a_filter_given_the_api_way_is_shown_and_can_be_removed(mu, client) -> None:
    client.force_login(mu["city_analyst"])
    english(client)
    html = client.get(f"/evaluations/runs/{mu['run'].pk}/", {"grade": "C", "county": "331082"}).content.decode()
    assert "Filtered by" in html and "Grade: C" in html and "County: 331082" in html
    assert 'href="?county=331082"' in html and 'href="?grade=C"' in html  # each chip removes its own filter


def test_the_table_exports_what_it_shows(mu, client) -> None:
    client.force_login(mu["city_analyst"])
    english(client)
    url = f"/evaluations/runs/{mu['run'].pk}/"
    response = client.get(url, {"f.grade_label": "C Regulated and assisted", "export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    # Class labels are the spec's names (Chinese): the English label filters nothing.
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 and rows[0][:3] == ["Rank", "Rank in County", "Unified social credit code"]
    response = client.get(url, {"f.grade_label": "C 调控帮扶类", "sort": "-score", "export": "xlsx"})
    assert response.status_code == 200 and 'filename="mu_efficiency-2025-331000-run' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    uscc, score, grade = header.index("Unified social credit code"), header.index("Score"), header.index("Grade")
    lines = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [line[score] for line in lines] == pytest.approx([100, 85, 85]) and {line[grade] for line in lines} == {
        "C 调控帮扶类"
    }
    assert lines[0][uscc] == mu["jiaojiang_firm"].uscc and sheet.cell(2, uscc + 1).data_type == "s"


def test_an_enterprise_exports_only_itself_and_the_public_list_still_works(mu, client) -> None:
    client.force_login(mu["enterprise_user"])
    response = client.get(f"/evaluations/runs/{mu['run'].pk}/", {"export": "csv"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and mu["linhai_firm"].uscc in lines[1]
    public = client.get(f"/evaluations/runs/{mu['run'].pk}/export.csv").content.decode("utf-8-sig")
    assert len(public.splitlines()) == 2 and mu["linhai_firm"].uscc in public


def test_the_frame_table_sorts_missing_and_text_last_both_ways(rf) -> None:
    frame = pd.DataFrame(
        {"name": ["a", "b", "c", "d", "e"], "change": [1, None, -2, "new", 0]}, index=[10, 11, 12, 13, 14]
    )
    columns = [Column("name", "Name"), ChangeColumn("change", "Change", kind="integer")]
    down = FrameTable(rf.get("/t?sort=-change"), columns, frame)
    assert [r["name"] for r in down.page_rows] == ["a", "e", "c", "b", "d"]
    up = FrameTable(rf.get("/t?sort=change&per_page=2&page=2"), columns, frame)
    assert [r["name"] for r in up.page_rows] == ["a", "b"] and list(up.page_index()) == [10, 11]
    assert [c["text"] for c in FrameTable(rf.get("/t"), columns, frame).body()[0]] == ["a", "▲1"]
    assert [columns[1].display(v) for v in (-2, 0, "new", None)] == ["▼2", "—", "new", ""]
    assert [PercentColumn("w", "W", digits=1).display(v) for v in (0.3, 0.125, 1.0, 0.0)] == [
        "30%",
        "12.5%",
        "100%",
        "0%",
    ]


# --- charts ------------------------------------------------------------------------------------------------
def test_the_grade_distribution_chart_counts_the_rows_shown(mu, client) -> None:
    client.force_login(mu["city_analyst"])
    body = get_json(client, f"/evaluations/runs/{mu['run'].pk}.json")
    option = body["charts"]["distribution"]
    assert option["xAxis"]["data"] == [
        "A 优先发展类",
        "B 提升发展类",
        "C 调控帮扶类",
        "D 倒逼整治类",
        "未定级",
    ]  # pages default to 简体中文
    series = {s["name"]: [d["value"] for d in s["data"]] for s in option["series"]}
    assert series == {"规上工业企业": [0, 1, 3, 0, 1], "规下工业企业（用地 ≥ 3 亩）": [0, 0, 0, 1, 0]}
    assert [r["count"] for r in body["distribution"]["rows"]] == [0, 1, 3, 1, 1]  # the table beside it
    # A bar links to the ranking filtered to its class, which keeps exactly the bar's rows.
    link = option["series"][0]["data"][2]["url"]
    assert link.startswith("?") and "f.grade_label=" in link
    filtered = get_json(client, f"/evaluations/runs/{mu['run'].pk}.json" + link)
    assert filtered["page"]["count"] == 3
    assert [r["count"] for r in filtered["distribution"]["rows"]] == [0, 0, 3, 0]


def test_the_distribution_of_an_index_is_a_score_histogram_and_intervals_are_drawn(index_run, client) -> None:
    client.force_login(index_run.created_by)
    body = get_json(client, f"/evaluations/runs/{index_run.pk}.json")
    bands = body["distribution"]["bands"]
    assert body["distribution"]["kind"] == "scores" and sum(b["count"] for b in bands) == 5
    scores = [r["score"] for r in body["rows"]]
    assert bands[0]["low"] <= min(scores) and bands[-1]["high"] >= max(scores)
    assert body["charts"]["distribution"]["series"][0]["data"] == [b["count"] for b in bands]
    intervals = body["charts"]["intervals"]
    assert intervals["yAxis"]["data"] == [r["name"] for r in body["rows"]]
    low, width = intervals["series"][0]["data"], intervals["series"][1]["data"]
    assert low == [r["rank_p5"] for r in body["rows"]]
    assert [a + b for a, b in zip(low, width, strict=True)] == [r["rank_p95"] for r in body["rows"]]
    html = client.get(f"/evaluations/runs/{index_run.pk}/").content.decode()
    assert 'data-option-id="chart-intervals"' in html and 'id="chart-distribution"' in html


def test_the_histogram_bands_cover_every_score() -> None:
    bands = charts.histogram([12.5, 40, 40, 99.2, None, float("nan")], bins=4)
    assert [(b["low"], b["high"]) for b in bands] == [(12, 34), (34, 56), (56, 78), (78, 100)]
    assert [b["count"] for b in bands] == [1, 2, 0, 1] and bands[0]["label"] == "12–34"
    assert charts.histogram([50.0], bins=2)[0]["count"] == 1 and charts.histogram([]) == []


# --- the latest rankings -------------------------------------------------------------------------------------
def test_the_index_leads_to_the_latest_ranking_of_every_evaluation(two_years, linhai_run, index_run, client) -> None:
    client.force_login(two_years["city_analyst"])
    latest = {r["spec"]: r for r in get_json(client, "/evaluations/index.json")["latest"]}
    mu_row = latest["mu_efficiency"]
    # 2025 over 台州 beats 2025 over 临海 (the wider region) and 2024.
    assert (mu_row["run"], mu_row["period"], mu_row["region"], mu_row["runs"]) == (two_years["run"].pk, "2025",
                                                                                   "331000", 3)  # fmt: skip
    assert mu_row["grades"] == "B 1 · C 3 · D 1" and mu_row["url"] == f"/evaluations/runs/{two_years['run'].pk}/"
    assert latest["digital_economy_index"]["run"] == index_run.pk
    client.force_login(two_years["jiaojiang_analyst"])  # does not see 临海's own run
    latest = {r["spec"]: r for r in get_json(client, "/evaluations/index.json")["latest"]}
    assert (latest["mu_efficiency"]["run"], latest["mu_efficiency"]["runs"]) == (two_years["run"].pk, 2)
    english(client)
    html = client.get("/evaluations/").content.decode()
    assert "Latest rankings" in html and f'<td><a href="/evaluations/runs/{two_years["run"].pk}/"' in html


# --- the grade page ----------------------------------------------------------------------------------------
def test_the_contribution_chart_adds_up_to_the_score(mu, index_run, client) -> None:
    client.force_login(mu["city_analyst"])
    body = get_json(client, f"/evaluations/runs/{mu['run'].pk}/{mu['jiaojiang_firm'].uscc}.json")
    option = body["charts"]["contributions"]
    assert len(option["series"]) == 1 and option["yAxis"]["data"][0] == "亩均税收"  # largest first: 30 points
    assert sum(option["series"][0]["data"]) == pytest.approx(100)
    client.force_login(index_run.created_by)
    body = get_json(client, f"/evaluations/runs/{index_run.pk}/331002.json")
    option = body["charts"]["contributions"]
    assert [s["name"] for s in option["series"]][:2] == ["基础设施", "数字产业化"]
    total = sum(v for s in option["series"] for v in s["data"] if v is not None)
    assert total == pytest.approx(body["entity"]["score"])
    # Every indicator is in exactly one sub-index's series.
    assert all(
        sum(s["data"][i] is not None for s in option["series"]) == 1 for i in range(len(option["yAxis"]["data"]))
    )
    parts = {n["name"]: n["contribution"] for n in body["sub_indices"]}
    assert sum(parts.values()) == pytest.approx(body["entity"]["score"])


def test_the_grade_page_shows_the_grades_across_runs(mu, mu_2024, client) -> None:
    client.force_login(mu["city_analyst"])
    body = get_json(client, f"/evaluations/runs/{mu['run'].pk}/{mu['commuter_firm'].uscc}.json")
    history = [(h["period"], h["rank"], h["grade"], h["rank_change"], h["current"]) for h in body["history"]]
    assert history == [("2024", 1, "B", None, False), ("2025", 3, "C", -2, True)]
    assert body["charts"]["history"]["xAxis"]["data"] == ["2024", "2025"]
    assert [d["label"]["formatter"] for d in body["charts"]["history"]["series"][0]["data"]] == ["B", "C"]
    html = client.get(f"/evaluations/runs/{mu['run'].pk}/{mu['commuter_firm'].uscc}/").content.decode()
    assert f'href="/evaluations/runs/{mu_2024.pk}/{mu["commuter_firm"].uscc}/"' in html and "▼2" in html


def test_the_grade_page_tables_export(mu, client) -> None:
    client.force_login(mu["enterprise_user"])
    url = f"/evaluations/runs/{mu['run'].pk}/{mu['linhai_firm'].uscc}/"
    response = client.get(url, {"i-export": "csv"})
    assert response.status_code == 200 and response["Content-Disposition"].endswith('indicators.csv"')
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(lines) == 7 and lines[1][0] == "亩均税收"  # six indicators of the 规上 tree
    assert client.get(url, {"p-export": "xlsx"}).status_code == 200


# --- what if -----------------------------------------------------------------------------------------------
def test_score_if_at_the_current_value_reproduces_the_run(mu) -> None:
    evaluation = operations.evaluation_of(mu["run"])
    tax_per_mu = {"linhai_firm": 4.0, "jiaojiang_firm": 2.0, "commuter_firm": 1.0, "linhai_small": 1.0}
    for key, value in tax_per_mu.items():
        same = explain.score_if(evaluation, mu[key].uscc, "tax_per_mu", value)
        assert same["score"] == pytest.approx(same["before"]["score"])
        assert (same["rank"], same["grade"]) == (same["before"]["rank"], same["before"]["grade"])


def test_score_if_grades_by_the_population_s_rules(mu, index_run) -> None:
    evaluation = operations.evaluation_of(mu["run"])
    firm = mu["jiaojiang_firm"].uscc
    lower = explain.score_if(evaluation, firm, "tax_per_mu", 0.5)  # 70 + 30 × 0.25: last of four → D
    assert (lower["score"], lower["rank"], lower["grade"]) == (pytest.approx(77.5), 4, "D")
    capped = explain.score_if(evaluation, firm, "tax_per_mu", 100)  # the benchmark's cap is 3×: 70 + 90
    assert (capped["score"], capped["rank"], capped["grade"]) == (pytest.approx(160), 1, "B")
    startup = explain.score_if(evaluation, mu["startup"].uscc, "tax_per_mu", 10)  # a rule: never graded
    assert startup["rank"] is None and startup["grade"] is None and startup["score"] == pytest.approx(70 + 90)
    with pytest.raises(KeyError):
        explain.score_if(evaluation, firm, "tax_per_electricity", 1)  # a 规下 indicator
    region = explain.score_if(operations.evaluation_of(index_run), "331082", "fiveg_per_10k", 80)
    assert region["grade"] is None and region["score"] > region["before"]["score"]
    assert region["nodes"]["infrastructure"] > 14.583333


def test_the_what_if_round_trip_through_the_page(mu, client) -> None:
    client.force_login(mu["jiaojiang_analyst"])
    english(client)
    page = client.get(f"/evaluations/runs/{mu['run'].pk}/{mu['jiaojiang_firm'].uscc}/").content.decode()
    url = f"/evaluations/runs/{mu['run'].pk}/{mu['jiaojiang_firm'].uscc}/what-if/"
    assert f'hx-get="{url}"' in page and 'name="indicator"' in page and 'hx-target="#what-if-result"' in page
    assert f'{url}?indicator=tax_per_mu&amp;value=4"' in page  # "Try it" beside "Raise 亩均税收 … to 4.00"
    fragment = client.get(url, {"indicator": "tax_per_mu", "value": "4"}, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in html
    assert "130.00" in html and "+30.00" in html and "1 / 4" in html and "▲1" in html and "was C" in html
    body = client.get(url.removesuffix("/") + ".json", {"indicator": "tax_per_mu", "value": "4"}).json()
    result = body["result"]
    assert (result["score"], result["rank"], result["grade"], result["grade_name"]) == (
        pytest.approx(130), 1, "B", "提升发展类")  # fmt: skip
    assert result["score_change"] == pytest.approx(30) and result["rank_change"] == 1 and result["grade_changed"]
    whole = client.get(url, {"indicator": "tax_per_mu", "value": "4"}).content.decode()  # without JavaScript
    assert "<html" in whole and "130.00" in whole and "Back to the grade" in whole


def test_the_what_if_says_what_is_wrong_with_the_question(mu, client) -> None:
    client.force_login(mu["jiaojiang_analyst"])
    english(client)
    base = f"/evaluations/runs/{mu['run'].pk}/{mu['jiaojiang_firm'].uscc}/what-if"
    bad = client.get(base + ".json", {"indicator": "tax_per_mu", "value": "lots"})
    assert bad.status_code == 400 and bad.json()["error"] == "Enter a number." and bad.json()["result"] is None
    assert client.get(base + ".json", {"indicator": "tax_per_mu", "value": "inf"}).status_code == 400
    unknown = client.get(base + ".json", {"indicator": "secret", "value": "1"})
    assert unknown.status_code == 400 and "not one of this entity" in unknown.json()["error"]
    fragment = client.get(base + "/", {"indicator": "tax_per_mu", "value": "x"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and 'role="alert"' in fragment.content.decode()  # htmx swaps 2xx only
    assert client.get(base + ".json", {"indicator": "tax_per_mu", "value": "1,000"}).json()["result"]["rank"] == 1


@pytest.mark.parametrize(
    ("persona", "firm"), [("jiaojiang_analyst", "linhai_firm"), ("enterprise_user", "jiaojiang_firm")]
)
def test_the_what_if_of_another_scope_is_a_404(mu, client, persona: str, firm: str) -> None:
    client.force_login(mu[persona])
    base = f"/evaluations/runs/{mu['run'].pk}/{mu[firm].uscc}/what-if"
    assert client.get(base + ".json", {"indicator": "tax_per_mu", "value": "4"}).status_code == 404
    assert client.get(base + "/", {"indicator": "tax_per_mu", "value": "4"}).status_code == 404


def test_an_enterprise_asks_its_own_what_if(mu, client) -> None:
    client.force_login(mu["enterprise_user"])
    base = f"/evaluations/runs/{mu['run'].pk}/{mu['linhai_firm'].uscc}/what-if.json"
    result = client.get(base, {"indicator": "tax_per_mu", "value": "2"}).json()["result"]
    # 70 + 30 × 2 / 2 = 100: tied with 椒江's firm, nobody above, so still first (1/4 → B)
    assert (result["score"], result["rank"], result["grade"], result["rank_change"]) == (pytest.approx(100), 1, "B", 0)


def test_what_if_runs_are_not_stored(mu, client) -> None:
    client.force_login(mu["city_analyst"])
    before = EvaluationRun.objects.count()
    client.get(f"/evaluations/runs/{mu['run'].pk}/{mu['linhai_firm'].uscc}/what-if.json", {"indicator": "tax_per_mu",
                                                                                           "value": "1"})  # fmt: skip
    assert EvaluationRun.objects.count() == before
    assert np.isclose(operations.results(mu["run"]).set_index("id").loc[mu["linhai_firm"].uscc, "score"], 130)
