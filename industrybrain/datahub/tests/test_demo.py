"""The demo statistics: reproducible, realistic in shape, and carrying the planted problems."""

from __future__ import annotations

import pytest

from industrybrain.accounts.models import User
from industrybrain.analytics.statistics import Question, breakdown
from industrybrain.datahub.demo import DEMO_END, build_demo_facts, create_demo_targets, demo_batches
from industrybrain.datahub.periods import Period
from industrybrain.registry.demo import build_demo_region


@pytest.fixture
def county(db) -> User:
    build_demo_region("county", seed=7)
    return User.objects.get(username="demo_admin")


def test_the_same_seed_gives_the_same_batches(county) -> None:
    first = [(name, table.num_rows, table.column("__value")[:50]) for name, table in demo_batches("county", 7)]
    again = [(name, table.num_rows, table.column("__value")[:50]) for name, table in demo_batches("county", 7)]
    other = [table.column("__value")[:50] for _name, table in demo_batches("county", 8)]
    assert first == again and [v for *_r, v in first] != other


def test_demo_statistics_land_with_their_planted_problems_and_look_like_a_county(county) -> None:
    summary = build_demo_facts("county", 7, county)
    warnings = [w for r in summary.reports for w in r.warnings]
    assert {"value_added_le_output"} <= {w["rule"] for w in warnings if w["kind"] == "rule"}
    assert any(w["kind"] == "outlier" and w["indicator"] == "industrial_output" for w in warnings)
    assert summary.reports[-2].changed == 40  # the correction batch revises 20 firms × 2 indicators
    july = breakdown(Question("industrial_output", Period("M", DEMO_END.year, 7), "331082", year_to_date=True))
    february = breakdown(Question("industrial_output", Period("M", DEMO_END.year, 2), "331082", year_to_date=True))
    assert 0.02 < july.total.growth < 0.15  # a few per cent a year, as Zhejiang manufacturing grows
    assert february.total.value / july.total.value < 2 / 7  # the Spring Festival dip
    assert {t.indicator.code for t in create_demo_targets(county.scope_region)} == {"value_added", "industrial_output"}
