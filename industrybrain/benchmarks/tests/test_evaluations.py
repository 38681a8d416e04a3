"""The pandas baselines of the evaluation benchmarks do the engine's work: same scores, ranks, grades and
rank intervals on a small table, so `industrybrain bench` compares equal work."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from industrybrain.analytics.evaluation import uncertainty
from industrybrain.analytics.evaluation.parsing import load_spec
from industrybrain.analytics.evaluation.run import evaluate
from industrybrain.analytics.evaluation.spec import Node
from industrybrain.benchmarks import evaluations as ev


def _text(column: pd.Series) -> np.ndarray:
    return column.where(column.notna(), "").astype(str).to_numpy()


def _same_numbers(ours: pd.Series, theirs: pd.Series, exact: bool = False) -> None:
    a, b = ours.to_numpy(dtype=float), theirs.to_numpy(dtype=float)
    assert np.array_equal(np.isnan(a), np.isnan(b)), ours.name
    if exact:
        assert np.array_equal(a[~np.isnan(a)], b[~np.isnan(b)]), ours.name
    else:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=str(ours.name))


@pytest.fixture(scope="module")
def mu() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    data = ev.mu_table(3_000, seed=5)
    return data, evaluate(load_spec(ev.MU_SPEC), data).table, ev.pandas_mu(data)


def test_mu_workload_exercises_every_rule(mu) -> None:
    data, ours, _theirs = mu
    assert set(ours["population"]) >= set(ev.MU_POPULATIONS)
    assert (data["tax_paid"] < 0).any() and data["emissions"].isna().mean() == pytest.approx(0.2, abs=0.03)
    assert (data["land_area"] == 0).any() and data["land_area"].isna().any()
    assert {"D", "A"} <= set(ours["grade"].dropna()) and (ours["grade_reason"] == ev.NOT_GRADED).any()
    assert data["county"].nunique() == 90 and data["uscc"].is_unique


def test_pandas_mu_gives_the_engines_scores_ranks_and_grades(mu) -> None:
    _data, ours, theirs = mu
    assert _text(ours["id"]).tolist() == _text(theirs["uscc"]).tolist()
    leaves = {leaf for leaves in ev.MU_POPULATIONS.values() for leaf in leaves}
    assert leaves | {"score"} <= set(ours.columns)
    for column in [*sorted(leaves), "score"]:
        _same_numbers(ours[column], theirs[column])
    for column in ("rank", "rank_county"):
        _same_numbers(ours[column], theirs[column], exact=True)
    for column in ("population", "grade", "grade_name", "grade_reason"):
        assert (_text(ours[column]) == _text(theirs[column])).all(), column


def test_pandas_index_and_uncertainty_give_the_engines_results() -> None:
    spec = load_spec(ev.INDEX_SPEC)
    settings = spec.uncertainty
    assert settings is not None
    assert (settings.seed, settings.weight_spread, settings.weight_levels, settings.runs) == (
        ev.SEED, ev.SPREAD, ev.WEIGHT_LEVELS, ev.RUNS
    )  # fmt: skip
    assert list(settings.normalisations) == ev.NORMALISATIONS[1:]
    assert list(settings.aggregations) == ev.AGGREGATIONS[1:] and not settings.missing
    inner = [n for n in spec.nodes() if isinstance(n, Node)]
    assert {(n.zeros, n.floor) for n in inner} == {("floor", ev.GEOMETRIC_FLOOR)}
    data = ev.index_table(seed=5)
    evaluation = evaluate(spec, data)
    ours, theirs = evaluation.table, ev.pandas_index(data)
    numeric = [c for c in ours.columns if c not in ("id", "name", "population")]
    assert len(numeric) == 12 + 6 + 2 * 6  # leaves, nodes, each node's rank in the province and the city
    for column in numeric:
        _same_numbers(ours[column], theirs[column], exact="rank" in column)
    runs = 100
    mine = uncertainty.analyse(evaluation, dataclasses.replace(settings, runs=runs))
    base = ev.pandas_uncertainty(data, theirs, runs=runs, seed=settings.seed)
    assert mine["runs"] == base["runs"] == runs
    for column in ("median_rank", "rank_p5", "rank_p95"):
        np.testing.assert_allclose(mine["entities"][column], base["entities"][column], atol=1e-4)
    sensitivity = {s["factor"]: s["first_order"] for s in mine["sensitivity"]}
    assert sensitivity.keys() == base["sensitivity"].keys()
    for factor, share in sensitivity.items():
        assert share == pytest.approx(base["sensitivity"][factor], abs=1e-6), factor
