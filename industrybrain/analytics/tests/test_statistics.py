"""The bureau's questions on a hand-checkable 台州: two counties, five firms, two years of 1—7月 figures.

临海: A (3911 computers, 规上), B (3670 auto parts, 规上), C (3911, 规下); 椒江: D (3911, 规上), E (2720, 规上).
Class 3911 is digital-economy core manufacturing (01); 3670 and 2720 are not.
"""

from __future__ import annotations

import pytest

from conftest import make_enterprise
from industrybrain.analytics.engine import store
from industrybrain.analytics.statistics import Question, QuestionError, breakdown, slot, top_enterprises, trend
from industrybrain.analytics.targets import progress, straight_line
from industrybrain.datahub.models import Indicator, Target
from industrybrain.datahub.operations import import_facts
from industrybrain.datahub.periods import Period

JULY_YTD = Period("M", 2024, 7)


def land(user, text: str) -> None:
    report = import_facts(text.strip().encode(), "facts.csv", user, dry_run=False)
    assert report.ok, report.errors


@pytest.fixture
def taizhou(world) -> dict:
    firms = {
        "A": make_enterprise("MA2DDDDD", "331082", "A", industry_id="3911", is_above_scale=True),
        "B": make_enterprise("MA2EEEEE", "331082", "B", industry_id="3670", is_above_scale=True),
        "C": make_enterprise("MA2FFFFF", "331082", "C", industry_id="3911", is_above_scale=False),
        "D": make_enterprise("MA2GGGGG", "331002", "D", industry_id="3911", is_above_scale=True),
        "E": make_enterprise("MA2HHHHH", "331002", "E", industry_id="2720", is_above_scale=True),
    }
    rows = {"A": (100, 80), "B": (300, 250), "C": (10, None), "D": (50, 60), "E": (200, 100)}
    lines = ["uscc,indicator,period,value"]
    for key, (now, before) in rows.items():
        lines.append(f"{firms[key].uscc},value_added,2024年1—7月,{now}")
        if before is not None:
            lines.append(f"{firms[key].uscc},value_added,2023年1—7月,{before}")
    land(world["province_admin"], "\n".join(lines))
    return {**world, **firms}


def by_key(answer) -> dict:
    return {row.key: row for row in answer.rows}


def test_core_digital_manufacturing_value_added_per_county_of_the_city(taizhou) -> None:
    answer = breakdown(
        Question("value_added", JULY_YTD, "331000", year_to_date=True, digital_economy="core_manufacturing")
    )
    rows = by_key(answer)
    assert set(rows) == {"331082", "331002"}
    linhai, jiaojiang = rows["331082"], rows["331002"]
    assert (linhai.value, linhai.last_year, linhai.rank) == (110, 80, 1)
    assert linhai.growth == pytest.approx(30 / 80)
    assert linhai.share == pytest.approx(110 / 160)
    assert linhai.share_of_all == pytest.approx(110 / 410)
    assert (jiaojiang.value, jiaojiang.rank) == (50, 2)
    assert jiaojiang.growth == pytest.approx(-10 / 60)
    assert jiaojiang.share_of_all == pytest.approx(50 / 250)
    assert (answer.total.value, answer.total.last_year) == (160, 140)
    assert answer.period_label == "2024年1—7月" and answer.data_as_of is not None


def test_the_above_scale_flag_and_industry_filters(taizhou) -> None:
    above = by_key(
        breakdown(
            Question("value_added", JULY_YTD, "331000", year_to_date=True, digital_economy="core", above_scale=True)
        )
    )
    assert (above["331082"].value, above["331002"].value) == (100, 50)
    manufacturing = breakdown(Question("value_added", JULY_YTD, "331000", year_to_date=True, industry="C"))
    assert manufacturing.total.value == 660
    pharma = breakdown(Question("value_added", JULY_YTD, "331000", year_to_date=True, industry="27"))
    assert pharma.total.value == 200 and by_key(pharma)["331002"].value == 200


def test_breakdown_by_industry_and_by_digital_economy_category(taizhou) -> None:
    divisions = by_key(breakdown(Question("value_added", JULY_YTD, "331082", year_to_date=True, by="division")))
    assert {k: r.value for k, r in divisions.items()} == {"39": 110, "36": 300}
    assert divisions["36"].name == "汽车制造业"
    categories = by_key(breakdown(Question("value_added", JULY_YTD, "331000", year_to_date=True, by="digital_economy")))
    assert {k: r.value for k, r in categories.items()} == {"01": 160}


def test_a_month_alone_is_derived_from_consecutive_year_to_date_figures(taizhou) -> None:
    land(taizhou["province_admin"], f"uscc,indicator,period,value\n{taizhou['A'].uscc},value_added,2024年1—6月,70")
    july = breakdown(Question("value_added", JULY_YTD, "331082", by="class"))
    assert by_key(july)["3911"].value == 30  # A: 100 - 70; C reported no June, so its July alone is unknown


def test_derived_indicators_divide_the_sums_not_average_the_ratios(taizhou) -> None:
    a, b = taizhou["A"].uscc, taizhou["B"].uscc
    land(
        taizhou["province_admin"],
        f"""
uscc,indicator,period,value
{a},tax_paid,2024年1—12月,30
{b},tax_paid,2024年1—12月,10
{a},land_area,2024,10
{b},land_area,2024,30
""",
    )
    answer = breakdown(Question("tax_per_mu", Period("Y", 2024, 1), "331000"))
    assert by_key(answer)["331082"].value == pytest.approx(40 / 40)  # not (3 + 1/3) / 2


def test_region_level_figures_use_the_reported_value_or_sum_the_counties(taizhou) -> None:
    land(taizhou["province_admin"], "区划代码,指标,时期,数值\n331082,gdp,2024Q1,200\n331002,gdp,2024Q1,300")
    answer = breakdown(Question("gdp", Period("Q", 2024, 1), "331000"))
    assert answer.total.value == 500 and by_key(answer)["331002"].value == 300
    land(taizhou["province_admin"], "区划代码,指标,时期,数值\n331000,gdp,2024Q1,520")
    assert breakdown(Question("gdp", Period("Q", 2024, 1), "331000")).total.value == 520


def test_statistics_are_identical_after_a_correction_a_move_and_a_full_rebuild(taizhou) -> None:
    land(taizhou["province_admin"], f"uscc,indicator,period,value\n{taizhou['A'].uscc},value_added,2024年1—7月,120")
    taizhou["C"].region_id = "331002"
    taizhou["C"].save()
    question = Question("value_added", JULY_YTD, "331000", year_to_date=True, digital_economy="core")
    incremental = breakdown(question)
    assert (by_key(incremental)["331082"].value, by_key(incremental)["331002"].value) == (120, 60)
    store().rebuild_cube()
    assert breakdown(question).rows == incremental.rows


def test_a_quarter_or_year_of_a_monthly_flow_folds_its_months() -> None:
    flow = Indicator(code="x", periodicity="M", aggregation="sum")
    stock = Indicator(code="y", periodicity="Y", aggregation="last")
    assert slot(flow, Period("Y", 2024, 1), False).indexes == (12,)
    assert slot(flow, Period("Q", 2024, 2), False).indexes == (4, 5, 6)
    assert slot(flow, Period("Q", 2024, 2), True).column == "ytd_sum"
    assert slot(stock, Period("M", 2024, 5), False).pkind == "Y"
    assert slot(Indicator(code="z", periodicity="Y", aggregation="sum"), Period("M", 2024, 5), False) is None


def test_unknown_groupings_and_indicators_are_clear_errors(taizhou) -> None:
    with pytest.raises(QuestionError):
        breakdown(Question("value_added", JULY_YTD, "331000", by="colour"))
    with pytest.raises(QuestionError):
        breakdown(Question("nonsense", JULY_YTD, "331000"))


def test_top_enterprises_show_only_what_the_user_may_see(taizhou) -> None:
    question = Question("value_added", JULY_YTD, "331000", year_to_date=True)
    city = top_enterprises(question, taizhou["city_analyst"], limit=3)
    assert [(r["name"], r["value"], r["rank"]) for r in city["rows"]] == [("B", 300, 1), ("E", 200, 2), ("A", 100, 3)]
    county = top_enterprises(question, taizhou["linhai_analyst"], limit=3)
    assert [r["name"] for r in county["rows"]] == ["B", "A", "C"]


def test_a_trend_lists_the_totals_of_consecutive_periods(taizhou) -> None:
    land(taizhou["province_admin"], f"uscc,indicator,period,value\n{taizhou['A'].uscc},value_added,2024年1—6月,70")
    points = trend(Question("value_added", JULY_YTD, "331082", year_to_date=True), periods=3)["points"]
    assert [(p["period"], p["value"]) for p in points] == [("2024-05", None), ("2024-06", 70), ("2024-07", 410)]


def test_target_progress_runs_the_year_so_far_at_the_same_pace(taizhou) -> None:
    target = Target.objects.create(
        region=taizhou["linhai"], indicator=Indicator.objects.get(code="value_added"), year=2024, value=1000
    )
    result = progress(target, today_year=2024)
    assert (result.actual, result.actual_period) == (410, "2024年1—7月")
    assert result.progress == pytest.approx(0.41)
    assert result.projected == pytest.approx(410 * 12 / 7) and result.on_track is False


def test_a_straight_line_through_yearly_values() -> None:
    assert straight_line([(2020, 1.0), (2021, 2.0), (2022, 3.0)], 2025) == pytest.approx(6.0)
    assert straight_line([(2022, 5.0)], 2025) == 5.0
    assert straight_line([], 2025) is None


def test_a_rate_counts_the_enterprises_that_answered(taizhou) -> None:
    a, b, d = taizhou["A"].uscc, taizhou["B"].uscc, taizhou["D"].uscc
    land(
        taizhou["province_admin"],
        f"uscc,indicator,period,value\n{a},cloud_adoption,2024,1\n{b},cloud_adoption,2024,0\n{d},cloud_adoption,2024,1",
    )
    answer = breakdown(Question("cloud_rate", Period("Y", 2024, 1), "331000"))
    assert (by_key(answer)["331082"].value, by_key(answer)["331002"].value) == (0.5, 1.0)
    assert answer.total.value == pytest.approx(2 / 3)
    top = top_enterprises(Question("cloud_rate", Period("Y", 2024, 1), "331082"), taizhou["linhai_analyst"])
    assert [(r["name"], r["value"]) for r in top["rows"]] == [("A", 1.0), ("B", 0.0)]


def test_exports_by_enterprise_type(taizhou) -> None:
    for key, ownership in (("A", "foreign"), ("B", "private"), ("D", "foreign"), ("E", "state")):
        taizhou[key].ownership = ownership
        taizhou[key].save()
    rows = "\n".join(f"{taizhou[k].uscc},export_value,2024年1—7月,{v}" for k, v in (("A", 40), ("B", 60), ("D", 30)))
    land(taizhou["province_admin"], "uscc,indicator,period,value\n" + rows)
    by_type = by_key(breakdown(Question("export_value", JULY_YTD, "331000", year_to_date=True, by="ownership")))
    assert {k: r.value for k, r in by_type.items()} == {"foreign": 70, "private": 60}
    assert by_type["foreign"].name == "Foreign, Hong Kong, Macao and Taiwan invested"
    assert by_type["foreign"].share == pytest.approx(70 / 130)
    foreign = by_key(breakdown(Question("export_value", JULY_YTD, "331000", year_to_date=True, ownership="foreign")))
    assert (foreign["331082"].value, foreign["331082"].share_of_all) == (40, pytest.approx(40 / 100))
