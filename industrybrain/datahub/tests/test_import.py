"""Importing facts: long and wide layouts, every kind of bad row, all-or-nothing, no-op re-imports and
corrections, on files small enough to check by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from industrybrain.analytics.engine import store
from industrybrain.datahub.models import ImportBatch
from industrybrain.datahub.operations import import_facts


def csv(text: str) -> bytes:
    return text.strip().encode("utf-8")


def stored(uscc: str, indicator: str) -> list[tuple]:
    rows = store().query(
        "SELECT pkind, year, idx, ytd, value, batch_id FROM facts WHERE entity_id = ? AND indicator = ? ORDER BY ALL",
        [uscc, indicator],
    )
    return [tuple(r.values()) for r in rows.to_pylist()]


@pytest.fixture
def firms(world) -> dict:
    return {**world, "linhai": world["linhai_firm"].uscc, "jiaojiang": world["jiaojiang_firm"].uscc}


def test_it_lands_a_long_file_with_chinese_headers_and_periods(firms) -> None:
    data = csv(f"""
统一社会信用代码,指标,时期,数值
{firms["linhai"]},工业总产值,2024年1—2月,"1,200.5"
{firms["linhai"]},industrial_output,2024-03,300
""")
    report = import_facts(data, "long.csv", firms["linhai_analyst"], dry_run=False)
    assert report.ok and report.applied and (report.new, report.changed) == (2, 0)
    assert stored(firms["linhai"], "industrial_output") == [
        ("M", 2024, 2, True, Decimal("1200.5"), report.batch_id),
        ("M", 2024, 3, False, Decimal("300"), report.batch_id),
    ]
    assert ImportBatch.objects.get(pk=report.batch_id).status == "landed"


def test_it_reports_every_bad_row_and_lands_nothing(firms) -> None:
    data = csv(f"""
统一社会信用代码,指标,时期,数值
{firms["linhai"]},工业总产值,2024-03,300
{firms["jiaojiang"]},工业总产值,2024-03,10
{firms["linhai"]},不存在的指标,2024-03,1
{firms["linhai"]},工业总产值,2024-13,1
{firms["linhai"]},用电量,2024-03,abc
{firms["linhai"]},用电量,2024-04,-5
{firms["linhai"]},工业总产值,2024-03,301
{firms["linhai"]},亩均税收,2024,1
{firms["linhai"]},用地面积,2024-03,20
91331082MA2AAAAA0Y,工业总产值,2024-03,1
""")
    report = import_facts(data, "bad.csv", firms["linhai_analyst"], dry_run=False)
    reasons = {(e.row, e.column): e.reason for e in report.errors}
    assert not report.applied and report.error_count == 9
    assert reasons[(3, "统一社会信用代码")].startswith("unknown enterprise")  # another county's firm: not visible
    assert reasons[(4, "指标")] == "unknown indicator"
    assert reasons[(5, "时期")].startswith("not a period")
    assert reasons[(6, "数值")] == "not a number"
    assert reasons[(7, "数值")] == "below the indicator's valid range"
    assert reasons[(8, "数值")].endswith("also on row 2")
    assert reasons[(9, "指标")].startswith("a derived indicator")
    assert reasons[(10, "数值")] == "the indicator is reported for another kind of period"
    assert reasons[(11, "统一社会信用代码")] == "not a valid unified social credit code"
    values = {(e.row, e.column): e.value for e in report.errors}
    assert values[(4, "指标")] == "不存在的指标" and values[(5, "时期")] == "2024-13"
    assert values[(11, "统一社会信用代码")] == "91331082MA2AAAAA0Y"
    assert store().query("SELECT count(*) AS n FROM facts").to_pylist() == [{"n": 0}]
    assert not ImportBatch.objects.exists()


def test_a_wide_report_with_title_row_merged_header_and_units_converts_values(firms) -> None:
    data = csv(f"""
2024年3月规上工业企业主要指标,,,,
统一社会信用代码,企业名称,工业总产值（亿元）,,用电量（万千瓦时）
,,本月,1—本月累计,本月
{firms["linhai"]},临海市恒达汽车零部件有限公司,0.05,0.12,30
""")
    report = import_facts(data, "wide.csv", firms["linhai_analyst"], dry_run=False, period="2024-03")
    assert report.ok, report.errors
    assert report.layout == "wide" and report.new == 3
    assert stored(firms["linhai"], "industrial_output") == [
        ("M", 2024, 3, False, Decimal("500"), report.batch_id),
        ("M", 2024, 3, True, Decimal("1200"), report.batch_id),
    ]


def test_a_bad_enterprise_in_a_wide_row_is_one_error_at_its_own_cell(firms) -> None:
    data = csv(f"""
统一社会信用代码,时期,工业总产值（万元）,工业增加值（万元）,用电量（万千瓦时）
{firms["linhai"]},2024-03,500,200,30
91331082MA2AAAAA0Y,2024-03,500,200,30
{firms["linhai"]},2024年13月,500,200,30
""")
    report = import_facts(data, "wide.csv", firms["linhai_analyst"], dry_run=True)
    assert [(e.row, e.column, e.value) for e in report.errors] == [
        (3, "统一社会信用代码", "91331082MA2AAAAA0Y"),
        (4, "时期", "2024年13月"),
    ]
    assert report.error_count == 2


def test_an_incompatible_unit_is_an_error(firms) -> None:
    data = csv(f"""
统一社会信用代码,工业总产值（吨）
{firms["linhai"]},5
""")
    report = import_facts(data, "unit.csv", firms["linhai_analyst"], dry_run=False, period="2024-03")
    assert [e.reason for e in report.errors] == ["the unit does not match the indicator's unit"]


def test_reimport_is_a_noop_and_a_correction_supersedes_with_history(firms) -> None:
    first = csv(f"uscc,industrial_output,value_added\n{firms['linhai']},100,30\n")
    fixed = csv(f"uscc,industrial_output,value_added\n{firms['linhai']},100,32\n")
    user = firms["linhai_analyst"]
    one = import_facts(first, "a.csv", user, dry_run=False, period="2024-03")
    two = import_facts(first, "a.csv", user, dry_run=False, period="2024-03")
    dry = import_facts(fixed, "b.csv", user, dry_run=True, period="2024-03")
    three = import_facts(fixed, "b.csv", user, dry_run=False, period="2024-03")
    assert (one.new, two.new, two.changed, two.unchanged) == (2, 0, 0, 2) and not two.applied
    assert (dry.changed, dry.unchanged, dry.applied) == (1, 1, False)
    assert (three.changed, three.unchanged) == (1, 1)
    assert stored(firms["linhai"], "value_added") == [("M", 2024, 3, False, Decimal(32), three.batch_id)]
    history = store().history(firms["linhai"], "value_added").select(["batch_id", "value"]).to_pylist()
    assert history == [{"batch_id": one.batch_id, "value": Decimal(30)}, {"batch_id": three.batch_id, "value": 32}]
    assert ImportBatch.objects.get(pk=two.batch_id).status == "unchanged"


def test_a_blocking_rule_refuses_the_batch_and_a_warning_rule_does_not(firms) -> None:
    user = firms["linhai_analyst"]
    warn = csv(f"uscc,industrial_output,value_added\n{firms['linhai']},100,130\n")
    report = import_facts(warn, "w.csv", user, dry_run=False, period="2024-03")
    assert report.applied and [w["rule"] for w in report.warnings if w["kind"] == "rule"] == ["value_added_le_output"]
    block = csv(f"uscc,key_processes,key_processes_nc\n{firms['linhai']},10,12\n")
    report = import_facts(block, "b.csv", user, dry_run=False, period="2024")
    assert not report.applied and "nc_le_processes" in report.errors[0].reason


def test_a_rule_is_checked_against_stored_values_of_the_same_period(firms) -> None:
    user = firms["linhai_analyst"]
    import_facts(csv(f"uscc,key_processes\n{firms['linhai']},10\n"), "a.csv", user, dry_run=False, period="2024")
    report = import_facts(
        csv(f"uscc,key_processes_nc\n{firms['linhai']},11\n"), "b.csv", user, dry_run=False, period="2024"
    )
    assert not report.applied and report.error_count == 1


def test_an_enterprise_user_may_report_only_for_itself(firms) -> None:
    data = csv(f"uscc,industrial_output\n{firms['linhai']},5\n{firms['jiaojiang']},5\n")
    report = import_facts(data, "e.csv", firms["enterprise_user"], dry_run=True, period="2024-03")
    assert [(e.row, e.reason.split(",")[0]) for e in report.errors] == [(3, "unknown enterprise or region")]


def test_region_facts_are_accepted_for_the_users_own_subtree_only(firms) -> None:
    data = csv("区划代码,指标,时期,数值\n331082,gdp,2024Q1,120.5\n331002,gdp,2024Q1,99\n")
    report = import_facts(data, "r.csv", firms["linhai_analyst"], dry_run=True)
    assert [e.row for e in report.errors] == [3]


def test_warnings_read_as_sentences(firms) -> None:
    from industrybrain.datahub.operations import describe_warning

    rule = {
        "kind": "rule",
        "name": "增加值≤总产值",
        "entity": "X",
        "period": "2024年3月",
        "left": 130.0,
        "right": 100.0,
    }
    assert describe_warning(rule) == "rule 增加值≤总产值 does not hold for X in 2024年3月: 130.0 vs 100.0"
    outlier = {
        "kind": "outlier",
        "entity": "X",
        "indicator": "value_added",
        "period": "2024年3月",
        "value": 1200.0,
        "z": None,
        "last_year_value": 100.0,
    }
    assert (
        describe_warning(outlier) == "unusual value 1,200.00 of value_added for X in 2024年3月 (a year earlier 100.00)"
    )
