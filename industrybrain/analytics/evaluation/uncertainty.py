"""Uncertainty and sensitivity of ranks to the spec's assumptions (Saisana, Saltelli & Tarantola 2005).

Every assumption is a discrete factor: each inner node's weights (the nominal set and `weight_levels - 1`
sets with every weight multiplied by a factor drawn from [1 - spread, 1 + spread]), and the normalisation,
aggregation and imputation alternatives the spec lists (beside the spec's own choice). Each Monte Carlo run
draws one level of every factor independently and ranks the population again.

Results per entity: the nominal rank, the median rank and the 5-95% interval. Sensitivity per factor: the
first-order variance share S = Σ_e Var(E[rank_e | factor]) / Σ_e Var(rank_e), estimated from the same
runs by grouping them on the factor's level; S near 1 means that assumption alone moves ranks.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .methods import min_rank
from .model import EvaluationError, NodeModel, Variant
from .run import Evaluation
from .spec import Node, Spec, Uncertainty


@dataclass
class Factor:
    name: str
    levels: list[Any]  # a Variant ingredient per level; level 0 is the spec's own choice


def _factors(spec: Spec, settings: Uncertainty) -> list[Factor]:
    rng = np.random.default_rng(settings.seed)
    factors = []
    inner = {n.code: n for p in spec.populations for n in p.tree.walk() if isinstance(n, Node)}
    for code, node in sorted(inner.items()):
        if len(node.children) < 2 or settings.weight_spread <= 0:
            continue
        spread = settings.weight_spread
        draws = [rng.uniform(1 - spread, 1 + spread, len(node.children)) for _ in range(settings.weight_levels - 1)]
        factors.append(Factor(f"weights:{code}", [np.ones(len(node.children)), *draws]))
    for name, options in (("normalisation", settings.normalisations), ("aggregation", settings.aggregations),
                          ("missing", settings.missing)):  # fmt: skip
        if options:
            factors.append(Factor(name, [None, *options]))
    return factors


def _variant(factors: list[Factor], levels: np.ndarray) -> Variant:
    weights = {
        f.name.split(":", 1)[1]: f.levels[i]
        for f, i in zip(factors, levels, strict=True)
        if f.name.startswith("weights:")
    }
    chosen = {f.name: f.levels[i] for f, i in zip(factors, levels, strict=True) if not f.name.startswith("weights:")}
    return Variant(weights, chosen.get("normalisation"), chosen.get("aggregation"), chosen.get("missing"))


def _ranks(evaluation: Evaluation, variant: Variant) -> np.ndarray:
    """Every entity's rank within its population under the variant (NaN: not ranked)."""
    ranks = np.full(len(evaluation.table), np.nan)
    nominal = evaluation.table["rank"].to_numpy(dtype=float)
    for run in evaluation.populations.values():
        if not len(run.rows):
            continue
        part = evaluation.frame.iloc[run.rows].reset_index(drop=True)
        scores = NodeModel(run.population.tree, variant).fit(part).scores[run.population.tree.code]
        ranked = ~np.isnan(nominal[run.rows])  # entities left out by rule stay out
        ranks[run.rows] = min_rank(np.where(ranked, scores, np.nan))
    return ranks


def analyse(evaluation: Evaluation, settings: Uncertainty | None = None) -> dict[str, Any]:
    settings = settings or evaluation.spec.uncertainty or Uncertainty()
    factors = _factors(evaluation.spec, settings)
    rng = np.random.default_rng(settings.seed + 1)
    draws = (
        np.column_stack([rng.integers(0, len(f.levels), settings.runs) for f in factors])
        if factors
        else np.zeros((settings.runs, 0), dtype=int)
    )
    ranks = np.full((settings.runs, len(evaluation.table)), np.nan, dtype=np.float32)
    failed = 0
    for run, levels in enumerate(draws):
        try:
            ranks[run] = _ranks(evaluation, _variant(factors, levels))
        except EvaluationError:
            failed += 1  # e.g. geometric aggregation over z-scores: that combination has no answer
    usable = ~np.isnan(ranks).all(axis=1)
    ranks, draws = ranks[usable], draws[usable]
    return {
        "runs": int(usable.sum()),
        "failed_runs": failed,
        "factors": [{"name": f.name, "levels": len(f.levels)} for f in factors],
        "entities": _intervals(evaluation, ranks),
        "sensitivity": _sensitivity(factors, draws, ranks),
    }


def _intervals(evaluation: Evaluation, ranks: np.ndarray) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # entities never ranked: all-NaN columns give NaN
        low, median, high = np.nanpercentile(ranks, [5, 50, 95], axis=0) if len(ranks) else (np.nan,) * 3
    return pd.DataFrame({"id": evaluation.table["id"], "rank": evaluation.table["rank"], "median_rank": median,
                         "rank_p5": low, "rank_p95": high})  # fmt: skip


def _sensitivity(factors: list[Factor], draws: np.ndarray, ranks: np.ndarray) -> list[dict[str, Any]]:
    if not len(ranks):
        return []
    ranks = ranks[:, ~np.isnan(ranks).all(axis=0)]  # entities never ranked (left out by rule) carry no variance
    filled = np.where(np.isnan(ranks), np.nanmean(ranks, axis=0), ranks)
    total = filled.var(axis=0).sum()
    result = []
    for column, factor in enumerate(factors):
        levels = draws[:, column]
        explained = 0.0
        for level in np.unique(levels):
            chosen = levels == level
            explained += chosen.mean() * ((filled[chosen].mean(axis=0) - filled.mean(axis=0)) ** 2).sum()
        result.append({"factor": factor.name, "first_order": float(explained / total) if total else 0.0})
    return sorted(result, key=lambda r: -r["first_order"])
