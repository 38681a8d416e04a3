"""Why an entity has its score and grade: contributions, peers, change since the last run, what-if.

- Contribution of a leaf: the root score split down the tree in proportion to weight × child score at each
  node. For arithmetic nodes this is exact (the parts add up to the score); below a geometric or TOPSIS node
  it is an approximation and is flagged as such.
- Strengths and weaknesses: the leaves where the entity's score is in the top or bottom 40% of its
  population (percentile = share of the population with a lower score, ties counting half).
- What-if: for each leaf, the smallest improvement of that one value (others unchanged, the population's
  fitted yardsticks held fixed) that lifts the score to the next class's threshold: a band's lower bound, or
  for rank-share classes the lowest score now in the better class.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .model import LeafModel, NodeModel, what_if_column
from .run import Evaluation, PopulationRun
from .spec import Leaf, Node

STRONG, WEAK, SHOWN = 0.6, 0.4, 3
_GRID = np.geomspace(1.0001, 100.0, 240)  # factors tried on a value, then refined between neighbours


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def contributions(run: PopulationRun, row: int) -> tuple[dict[str, float], bool]:
    """Leaf code → its part of the entity's root score; and whether any part is approximate."""
    scores = {code: values[row] for code, values in run.outputs.scores.items()}
    parts: dict[str, float] = {}
    approximate = False

    def allocate(model: NodeModel, amount: float) -> None:
        nonlocal approximate
        if model.aggregation != "arithmetic":
            approximate = True
        shares = np.array(
            [w * np.nan_to_num(scores[c.code]) for c, w in zip(model.children, model.weights, strict=True)]
        )
        total = shares.sum()
        for child, share in zip(model.children, shares, strict=True):
            part = amount * (share / total if total else 1 / len(shares))
            if isinstance(child, NodeModel):
                allocate(child, part)
            else:
                parts[child.code] = float(part)

    root = scores[run.model.code]
    allocate(run.model, float(root) if not np.isnan(root) else 0.0)
    return parts, approximate


def _effective_weights(model: NodeModel, factor: float = 1.0) -> dict[str, float]:
    found: dict[str, float] = {}
    for child, weight in zip(model.children, model.weights, strict=True):
        if isinstance(child, NodeModel):
            found.update(_effective_weights(child, factor * weight))
        else:
            found[child.code] = float(factor * weight)
    return found


def percentile(values: np.ndarray, value: float) -> float | None:
    known = values[~np.isnan(values)]
    if np.isnan(value) or not len(known):
        return None
    return float(((known < value).sum() + 0.5 * (known == value).sum() - 0.5) / max(len(known) - 1, 1))


def _leaf_rows(run: PopulationRun, row: int) -> list[dict[str, Any]]:
    parts, _approximate = contributions(run, row)
    weights = _effective_weights(run.model)
    rows = []
    for model in run.model.walk():
        if not isinstance(model, LeafModel):
            continue
        leaf, code = model.leaf, model.code
        scores = run.outputs.scores[code]
        rows.append(
            {
                "code": code,
                "name": leaf.name,
                "unit": leaf.unit,
                "polarity": leaf.polarity,
                "raw": _number(run.outputs.raw[code][row]),
                "value": _number(run.outputs.values[code][row]),
                "score": _number(scores[row]),
                "weight": weights[code],
                "contribution": parts.get(code),
                "percentile": percentile(scores, scores[row]),
                "population_median": _number(np.nanmedian(run.outputs.values[code])) if len(scores) else None,
            }
        )
    return rows


def _nodes(tree: Node, run: PopulationRun, row: int) -> list[dict[str, Any]]:
    def visit(node: Node | Leaf, depth: int, parent: str | None) -> list[dict[str, Any]]:
        score = run.outputs.scores[node.code]
        here = [{"code": node.code, "name": node.name, "depth": depth, "parent": parent, "leaf": isinstance(node, Leaf),
                 "score": _number(score[row]), "percentile": percentile(score, score[row])}]  # fmt: skip
        for child in node.children:
            here.extend(visit(child, depth + 1, node.code))
        return here

    return visit(tree, 0, None)


def what_if(evaluation: Evaluation, run: PopulationRun, row: int, position: int) -> dict[str, Any]:
    """The smallest one-leaf improvement to the next class, per leaf, best (smallest relative change) first."""
    table = evaluation.table.iloc[position]
    grade = table.get("grade")
    order = [band.grade for band in run.population.grading.classes] if run.population.grading else []
    if grade is None or pd.isna(grade) or grade not in order:
        return {"target": None, "options": [], "note": "not graded"}
    if table.get("grade_reason"):
        return {"target": None, "options": [], "note": f"grade set by rule: {table['grade_reason']}"}
    if order.index(grade) == 0:
        return {"target": None, "options": [], "note": "already in the best class"}
    thresholds = dict(run.thresholds)  # rank-share classes nobody is in have no threshold
    better = [g for g in order[: order.index(grade)] if g in thresholds]
    if not better:
        return {"target": None, "options": [], "note": "no entity is in a better class"}
    target_grade, target_score = better[-1], thresholds[better[-1]]
    frame = evaluation.frame.iloc[[run.rows[row]]].reset_index(drop=True)
    options = []
    for model in run.model.walk():
        if isinstance(model, LeafModel):
            found = _smallest_factor(run.model, frame, model, float(run.outputs.values[model.code][row]), target_score)
            if found is not None:
                options.append(found)
    options.sort(key=lambda o: abs(o["change"]))
    return {"target": {"grade": target_grade, "score": target_score}, "options": options, "note": ""}


def _scores_with(root: NodeModel, frame: pd.DataFrame, leaf: LeafModel, values: np.ndarray) -> np.ndarray:
    trial = frame.loc[np.zeros(len(values), dtype=int)].reset_index(drop=True)
    trial[what_if_column(leaf.code)] = values
    return root.apply(trial).scores[root.code]


def _smallest_factor(
    root: NodeModel, frame: pd.DataFrame, leaf: LeafModel, value: float, target: float
) -> dict[str, Any] | None:
    if np.isnan(value) or value <= 0:
        return None
    grid = 1 / _GRID if leaf.negative else _GRID
    reached = np.flatnonzero(_scores_with(root, frame, leaf, value * grid) >= target - 1e-9)
    if not len(reached):
        return None
    first = reached[0]
    low = 1.0 if first == 0 else grid[first - 1]
    fine = np.linspace(low, grid[first], 200)
    hits = np.flatnonzero(_scores_with(root, frame, leaf, value * fine) >= target - 1e-9)
    factor = float(fine[hits[0]]) if len(hits) else float(grid[first])
    return {"code": leaf.code, "name": leaf.leaf.name, "unit": leaf.leaf.unit, "current": value,
            "needed": value * factor, "change": factor - 1}  # fmt: skip


def explain(evaluation: Evaluation, entity_id: str, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the grade page shows for one entity. `previous`: its row of the previous run, if any."""
    position = evaluation.position(entity_id)
    record = evaluation.table.iloc[position]
    code = record["population"]
    base = {
        "id": str(entity_id),
        "name": record.get("name", ""),
        "population": code,
        "grade": None if pd.isna(record.get("grade")) else record.get("grade"),
        "grade_name": record.get("grade_name") or "",
        "grade_reason": record.get("grade_reason") or "",
        "rank": _number(record.get("rank")),
        "tier": record.get("tier") or "",
        "reserve_tier": record.get("reserve_tier") or "",
    }
    if not code:
        return {**base, "evaluated": False}
    run = evaluation.populations[code]
    row = int(np.flatnonzero(run.rows == position)[0])
    leaves = _leaf_rows(run, row)
    strengths = sorted((r for r in leaves if (r["percentile"] or 0) >= STRONG), key=lambda r: -r["percentile"])
    weaknesses = sorted((r for r in leaves if r["percentile"] is not None and r["percentile"] <= WEAK),
                        key=lambda r: r["percentile"])  # fmt: skip
    _parts, approximate = contributions(run, row)
    grade = base["grade"]
    return {
        **base,
        "evaluated": True,
        "population_name": run.population.name,
        "population_size": int((~np.isnan(evaluation.table["rank"].to_numpy()[run.rows])).sum()),
        "score": _number(run.outputs.scores[run.model.code][row]),
        "nodes": _nodes(run.population.tree, run, row),
        "indicators": leaves,
        "contributions_approximate": approximate,
        "strengths": [r["code"] for r in strengths[:SHOWN]],
        "weaknesses": [r["code"] for r in weaknesses[:SHOWN]],
        "change": _change(base, previous),
        "what_if": what_if(evaluation, run, row, position),
        "policies": evaluation.spec.policies.get(grade, []) if grade else [],
    }


def _change(now: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any] | None:
    if not previous:
        return None
    before = _number(previous.get("rank"))
    return {
        "previous_rank": before,
        "rank_change": None if before is None or now["rank"] is None else before - now["rank"],  # > 0: moved up
        "previous_grade": previous.get("grade"),
        "grade_changed": previous.get("grade") != now["grade"],
    }


def score_if(evaluation: Evaluation, entity_id: str, leaf_code: str, value: float) -> dict[str, Any]:
    """The entity's score, rank and grade had one indicator's value been `value`, as `what_if` assumes:
    everyone else and the population's fitted yardsticks unchanged, graded by the population's own rules (a
    grade set by a rule stays). KeyError for an unknown entity, an unevaluated one, or a leaf not in its tree."""
    position = evaluation.position(entity_id)
    record = evaluation.table.iloc[position]
    if not record["population"]:
        raise KeyError(entity_id)
    run = evaluation.populations[record["population"]]
    leaf = next((m for m in run.model.walk() if isinstance(m, LeafModel) and m.code == leaf_code), None)
    if leaf is None:
        raise KeyError(leaf_code)
    row = int(np.flatnonzero(run.rows == position)[0])
    trial = evaluation.frame.iloc[[position]].reset_index(drop=True)
    trial[what_if_column(leaf_code)] = [float(value)]
    outputs = run.model.apply(trial)
    score = _number(outputs.scores[run.model.code][0])
    ranked = ~np.isnan(evaluation.table["rank"].to_numpy(dtype=float)[run.rows])
    others = ranked.copy()
    others[row] = False
    rank = None
    if ranked[row] and score is not None:
        # min rank, as runs rank: 1 + those strictly better; a typed value seldom reproduces a score to the last
        # bit (2.0 typed vs 20 / 10 computed), so scores within a billionth of each other tie
        better = run.outputs.scores[run.model.code][others] > score + 1e-9 * max(1.0, abs(score))
        rank = 1 + int(better.sum())
    grade = _grade_if(run, record, score, rank, int(ranked.sum()))
    names = {c.code: c.name for c in evaluation.spec.classes}
    return {
        "id": str(entity_id), "indicator": leaf_code, "name": leaf.leaf.name, "unit": leaf.leaf.unit,
        "value": float(value), "current": _number(run.outputs.values[leaf_code][row]),
        "score": score, "rank": rank, "population_size": int(ranked.sum()),
        "grade": grade, "grade_name": names.get(grade, "") if grade else "",
        "grade_reason": record.get("grade_reason") or "",
        "nodes": {m.code: _number(outputs.scores[m.code][0]) for m in run.model.walk() if isinstance(m, NodeModel)},
        "before": {"score": _number(run.outputs.scores[run.model.code][row]), "rank": _number(record.get("rank")),
                   "grade": None if pd.isna(record.get("grade")) else record.get("grade")},
    }  # fmt: skip


def _grade_if(run: PopulationRun, record: pd.Series, score: float | None, rank: int | None, ranked: int) -> Any:
    """The class `score` (at `rank` among `ranked`) falls in: by bands, or by rank share as runs grade."""
    grading = run.population.grading
    if grading is None:
        return None
    if record.get("grade_reason") not in (None, "", "missing data"):  # set by a rule (a start-up, a violation)
        return None if pd.isna(record.get("grade")) else record.get("grade")
    if score is None:
        return None
    for band in grading.classes:
        if grading.method == "bands":
            if band.min_score is None or score >= band.min_score:
                return band.grade
        elif rank is not None and (band.top is None or rank / max(ranked, 1) <= band.top + 1e-12):
            return band.grade
    return None
