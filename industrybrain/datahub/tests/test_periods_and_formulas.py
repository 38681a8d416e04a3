"""Periods as Chinese statistics write them, and the formulas of derived indicators."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from industrybrain.datahub.formulas import FormulaError, parse_formula
from industrybrain.datahub.periods import Period, PeriodError, parse_period


@pytest.mark.parametrize(
    ("text", "kind", "year", "index", "ytd"),
    [
        ("2024", "Y", 2024, 1, False),
        ("2024年", "Y", 2024, 1, False),
        ("2024Q1", "Q", 2024, 1, False),
        ("2024-q3", "Q", 2024, 3, False),
        ("2024年一季度", "Q", 2024, 1, False),
        ("2024年第4季度", "Q", 2024, 4, False),
        ("2024年1-3季度", "Q", 2024, 3, True),
        ("2024-03", "M", 2024, 3, False),
        ("202403", "M", 2024, 3, False),
        ("2024/3", "M", 2024, 3, False),
        ("2024年3月", "M", 2024, 3, False),
        ("2024年1—7月", "M", 2024, 7, True),
        ("2024年1-7月", "M", 2024, 7, True),
        ("2024年1至12月", "M", 2024, 12, True),
        (" 2024年1——2月 ", "M", 2024, 2, True),
    ],
)
def test_it_reads_the_period_forms_of_chinese_tables(text, kind, year, index, ytd) -> None:
    parsed = parse_period(text)
    assert (parsed.period, parsed.year_to_date) == (Period(kind, year, index), ytd)


@pytest.mark.parametrize("text", ["", "2024-13", "202400", "2024Q5", "24-03", "2024年2—7月", "三月", "2024-03-01"])
def test_it_refuses_what_is_not_a_period(text) -> None:
    with pytest.raises(PeriodError):
        parse_period(text)


@given(st.sampled_from(["M", "Q", "Y"]), st.integers(1990, 2060), st.integers(1, 12), st.integers(-40, 40))
def test_labels_read_back_and_shifts_add_up(kind, year, index, steps) -> None:
    index = min(index, {"M": 12, "Q": 4, "Y": 1}[kind])
    period = Period(kind, year, index)
    assert parse_period(period.label).period == period
    assert period.shifted(steps).shifted(-steps) == period
    assert (period.shifted(steps) > period) == (steps > 0) or steps == 0


def test_chinese_labels() -> None:
    assert Period("M", 2024, 7).label_zh(year_to_date=True) == "2024年1—7月"
    assert Period("M", 2024, 1).label_zh(year_to_date=True) == "2024年1月"
    assert Period("Q", 2024, 2).label_zh() == "2024年第2季度"


def test_formulas_evaluate_arithmetic_and_guard_division() -> None:
    formula = parse_formula("industrial_robots / employees_avg * 10000")
    assert formula.names == {"industrial_robots", "employees_avg"}
    assert formula.evaluate({"industrial_robots": 3, "employees_avg": 200}) == pytest.approx(150)
    assert formula.evaluate({"industrial_robots": 3, "employees_avg": 0}) is None
    assert formula.evaluate({"industrial_robots": 3}) is None


def test_count_gives_rates_over_the_enterprises_that_answered() -> None:
    formula = parse_formula("digital_design_tools / count(digital_design_tools)")
    assert formula.names == {"digital_design_tools"}
    assert formula.evaluate({"digital_design_tools": 3}, {"digital_design_tools": 4}) == pytest.approx(0.75)


@pytest.mark.parametrize(
    "text", ["__import__('os')", "a.b", "a ** 2", "count(a, b)", "max(a)", "a if b else c", "'text'", "a[0]", "1 +"]
)
def test_anything_but_arithmetic_is_refused(text) -> None:
    with pytest.raises(FormulaError):
        parse_formula(text)
