"""The demo's evaluation inputs: the digital-economy index inputs of every Zhejiang county, and the 未来工厂 /
maturity inputs of the firms (docs/demo-data.md)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from industrybrain.accounts.models import User
from industrybrain.analytics.statistics import Question, breakdown
from industrybrain.datahub import demo
from industrybrain.datahub.demo import DEMO_END, build_demo_facts, demo_batches
from industrybrain.datahub.demo_evaluations import REGION_INDICATORS, REGION_SPECS, region_values
from industrybrain.datahub.models import ImportBatch, Indicator
from industrybrain.datahub.periods import Period
from industrybrain.registry.demo import build_demo_region
from industrybrain.registry.models import Enterprise, Region

COMPLETE_YEARS = [DEMO_END.year - 2, DEMO_END.year - 1]  # county scale: three years, the last one incomplete
MATURITY = ("im_maturity_score", "digital_level", "im_investment_5y", "credit_rating", "under_major_construction")


@pytest.fixture
def county(db) -> User:
    build_demo_region("county", seed=7)
    return User.objects.get(username="demo_admin")


@pytest.fixture
def batches(county) -> dict[str, pa.Table]:
    return {name: table for name, table in demo_batches("county", 7) if "de-index" in name or "maturity" in name}


def _wide(table: pa.Table) -> dict[str, dict[str, float]]:
    """indicator -> entity -> value."""
    result: dict[str, dict[str, float]] = {}
    columns = (table.column(c).to_pylist() for c in ("__entity", "__indicator", "__value"))
    for entity, code, value in zip(*columns, strict=True):
        result.setdefault(code, {})[entity] = value
    return result


def test_it_gives_every_zhejiang_county_the_index_inputs_for_each_complete_year(batches) -> None:
    counties = set(Region.objects.filter(level="county", path__startswith="330000/").values_list("code", flat=True))
    assert len(counties) == 90
    assert sorted(n for n in batches if "de-index" in n) == [f"demo-de-index-{y}.csv" for y in COMPLETE_YEARS]
    for year in COMPLETE_YEARS:
        table = batches[f"demo-de-index-{year}.csv"]
        assert set(table.column("__period").to_pylist()) == {str(year)}
        wide = _wide(table)
        assert set(wide) == set(REGION_INDICATORS) and len(REGION_INDICATORS) == 12
        assert all(set(values) == counties for values in wide.values())


def test_index_inputs_lie_in_their_documented_ranges_and_look_like_zhejiang(batches) -> None:
    catalogue = {i.code: i for i in Indicator.objects.filter(code__in=REGION_INDICATORS)}
    for year in COMPLETE_YEARS:
        wide = _wide(batches[f"demo-de-index-{year}.csv"])
        for code, values in wide.items():
            low, high = (REGION_SPECS[code].low, REGION_SPECS[code].high) if code in REGION_SPECS else (0, 400)
            assert all(low <= v <= high for v in values.values()), code
            assert catalogue[code].min_value is None or min(values.values()) >= catalogue[code].min_value
            assert catalogue[code].max_value is None or max(values.values()) <= catalogue[code].max_value
        assert all(v == int(v) for v in wide["smart_factories"].values())
        share = wide["de_core_va_share"]
        hangzhou = np.mean([v for k, v in share.items() if k.startswith("3301")])
        assert hangzhou > 1.5 * np.mean([v for k, v in share.items() if not k.startswith("3301")])
        assert np.median(list(wide["fiveg_per_10k"].values())) > 15
        assert min(wide["de_manufacturing_growth"].values()) < 0.03  # growth is volatile: some counties stall


def test_rankings_move_a_little_from_year_to_year(county) -> None:
    counties = sorted(Region.objects.filter(level="county", path__startswith="330000/").values_list("code", flat=True))
    _, first = region_values(7, 2024, counties)
    _, second = region_values(7, 2025, counties)
    for code in ("fiveg_per_10k", "de_core_va_share", "industrial_cloud_rate", "gov_online_rate"):
        ranks = [np.argsort(np.argsort(v[code])) for v in (first, second)]
        assert np.corrcoef(*ranks)[0, 1] > 0.85, code  # stable …
        assert (ranks[0] != ranks[1]).sum() > 10, code  # … but not frozen
        assert np.mean(second[code]) > np.mean(first[code]), code  # and improving
    # A county's figures do not depend on which other counties are generated with it.
    _, some = region_values(7, 2025, counties[40:50])
    assert all(np.array_equal(some[c], second[c][40:50]) for c in REGION_INDICATORS if c != "smart_factories")


def test_firms_answer_the_maturity_questionnaire_as_described(batches) -> None:
    makers = set(Enterprise.objects.filter(industry__section="C").values_list("uscc", flat=True))
    for year in COMPLETE_YEARS:
        wide = _wide(batches[f"demo-maturity-{year}.csv"])
        assert set(wide) == set(MATURITY)
        answered = wide["im_maturity_score"]
        assert set(answered) <= makers and 0.5 < len(answered) / len(makers) < 0.75
        scores = np.array(list(answered.values()))
        assert 0.8 < np.median(scores) < 2.5 and 0 < (scores > 3.5).sum() < 0.05 * len(scores)
        assert set(wide["digital_level"]) == set(answered) == set(wide["im_investment_5y"])
        levels = np.array([wide["digital_level"][u] for u in answered])
        assert np.corrcoef(scores, levels)[0, 1] > 0.7
        investment = np.array(list(wide["im_investment_5y"].values()))
        assert 500 < np.median(investment) < 1200 and (investment > 4000).sum() > 10
        credit = np.array(list(wide["credit_rating"].values()))
        assert set(credit) <= {1, 2, 3, 4} and np.mean(credit == 3) > 0.5 and 0 < np.mean(credit == 1) < 0.05
        flags = np.array(list(wide["under_major_construction"].values()))
        assert set(flags) <= {0, 1} and 0.01 < flags.mean() < 0.03
        for code in MATURITY:
            indicator = Indicator.objects.get(code=code)
            assert indicator.min_value is None or min(wide[code].values()) >= indicator.min_value
            assert indicator.max_value is None or max(wide[code].values()) <= indicator.max_value


def test_some_firms_clear_the_future_factory_pyramid_thresholds_every_year(batches) -> None:
    for year in COMPLETE_YEARS:
        wide = _wide(batches[f"demo-maturity-{year}.csv"])
        level, investment, credit = (wide[c] for c in ("digital_level", "im_investment_5y", "credit_rating"))
        future = [u for u in level if level[u] >= 3.0 and credit[u] >= 3]
        smart = [u for u in level if level[u] >= 2.0 and investment[u] >= 4000 and credit[u] >= 2]
        workshop = [u for u in level if level[u] >= 2.0 and investment[u] >= 2000 and credit[u] >= 2]
        assert len(future) >= 3 and len(smart) >= 4 and len(workshop) >= 10
        # The county's published count of 智能工厂和数字化车间 is the number of its firms that qualify.
        published = _wide(batches[f"demo-de-index-{year}.csv"])["smart_factories"]
        assert published["331082"] == len(workshop)


def test_the_same_seed_gives_the_same_evaluation_inputs(batches) -> None:
    again = {name: t for name, t in demo_batches("county", 7) if name in batches}
    other = {name: t for name, t in demo_batches("county", 8) if name in batches}
    assert all(again[name].equals(table) for name, table in batches.items())
    assert not any(other[name].column("__value").equals(t.column("__value")) for name, t in batches.items())


def test_the_province_figures_land_as_the_province_feed_not_as_the_county(county, batches, monkeypatch) -> None:
    from industrybrain.datahub.demo import _land

    name = f"demo-de-index-{COMPLETE_YEARS[-1]}.csv"
    with pytest.raises(RuntimeError, match="outside your scope"):  # the county administrator may not
        _land(name, batches[name], county)
    monkeypatch.setattr(demo, "demo_batches", lambda scale, seed: iter(batches.items()))
    summary = build_demo_facts("county", 7, county)
    assert summary.batches == 4 and all(r.new > 0 for r in summary.reports)
    province = ImportBatch.objects.get(file_name=name)
    assert (province.user, province.scope_path) == (None, "330000/")
    assert ImportBatch.objects.get(file_name=f"demo-maturity-{COMPLETE_YEARS[-1]}.csv").user == county
    assert not User.objects.filter(username="demo_province_feed").exists()  # no account was created
    # Region facts outside the demo's county are usable: the province's 软件业务收入 adds up its 90 counties.
    answer = breakdown(Question("software_revenue", Period("Y", COMPLETE_YEARS[-1], 1), "330000"))
    published = _wide(batches[name])["software_revenue"]
    assert len(answer.rows) == 11 and answer.total.value == pytest.approx(sum(published.values()))
