"""Running a spec over a wide table: populations, scores, ranks, grades and tiers.

The table has one row per entity: the spec's id column, optional group columns, one column per input.
`evaluate` returns an `Evaluation`: the results table (one row per entity: every node's score, ranks within
the population and within each `rank_within` group, grade, tier) plus the fitted models that explanations
and what-ifs need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from .methods import min_rank
from .model import EvaluationError, NodeModel, Outputs, Variant
from .spec import Grading, Node, Population, Spec


@dataclass
class PopulationRun:
    population: Population
    model: NodeModel
    rows: np.ndarray  # positions in the evaluation's frame
    outputs: Outputs
    thresholds: list[tuple[str, float]] = field(default_factory=list)  # (grade, lowest score in it), best first


@dataclass
class Evaluation:
    spec: Spec
    frame: pd.DataFrame  # the inputs, one row per entity, in the order given
    table: pd.DataFrame  # the results, same order
    populations: dict[str, PopulationRun]

    @property
    def root_codes(self) -> dict[str, str]:
        return {code: run.population.tree.code for code, run in self.populations.items()}

    def position(self, entity_id: str) -> int:
        found = np.flatnonzero(self.table["id"].to_numpy() == str(entity_id))
        if not len(found):
            raise KeyError(entity_id)
        return int(found[0])


def prepare(spec: Spec, data: pd.DataFrame) -> pd.DataFrame:
    """The input table checked: id column present and unique, every column the spec reads present, numbers
    numeric. Problems are reported together, naming rows and columns."""
    if spec.id_column not in data.columns:
        raise EvaluationError(_("the data has no id column %(column)s") % {"column": repr(spec.id_column)})
    problems = []
    absent = sorted(spec.input_columns - set(data.columns))
    if absent:
        problems.append(_("missing column(s): %(columns)s") % {"columns": ", ".join(absent)})
    ids = data[spec.id_column].astype(str).str.strip()
    if (ids == "").any() or data[spec.id_column].isna().any():
        problems.append(_("some rows have no id"))
    duplicated = sorted(set(ids[ids.duplicated()]))
    if duplicated:
        problems.append(_("duplicate ids: %(ids)s") % {"ids": ", ".join(duplicated[:10])})
    frame = data.copy()
    frame[spec.id_column] = ids
    numeric = {c for p in spec.populations for leaf in p.tree.leaves() for c in leaf.columns} & set(data.columns)
    for column in sorted(numeric):
        if pd.api.types.is_numeric_dtype(frame[column]):
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = frame[column].notna() & (frame[column].astype(str).str.strip() != "") & values.isna()
        for position in np.flatnonzero(bad.to_numpy())[:10]:
            # Files read by `files.read_data` carry their spreadsheet row numbers as the index.
            row = frame.index[position] if frame.index.name == "row" else position + 2
            problems.append(
                _("row %(row)s, column %(column)s: %(value)s is not a number")
                % {"row": row, "column": column, "value": repr(frame[column].iloc[position])}
            )
        frame[column] = values
    if problems:
        raise EvaluationError("; ".join(problems))
    return frame.reset_index(drop=True)


class _Columns:
    """The results, column by column as arrays (one DataFrame is built at the end: assigning into a frame
    population by population costs more than the scoring)."""

    TEXT = {"population": "", "grade": None, "grade_name": "", "grade_reason": ""}

    def __init__(self, size: int) -> None:
        self.size = size
        self.arrays: dict[str, np.ndarray] = {}

    def put(self, name: str, rows: np.ndarray, values: Any) -> None:
        if name not in self.arrays:
            text = name in self.TEXT
            self.arrays[name] = (
                np.full(self.size, self.TEXT.get(name), dtype=object) if text else np.full(self.size, np.nan)
            )
        self.arrays[name][rows] = values

    def frame(self, first: dict[str, np.ndarray]) -> pd.DataFrame:
        return pd.DataFrame({**first, **self.arrays})


def evaluate(spec: Spec, data: pd.DataFrame, variant: Variant | None = None) -> Evaluation:
    frame = prepare(spec, data)
    variant = variant or Variant()
    first = {"id": frame[spec.id_column].to_numpy(dtype=object)}
    if spec.name_column and spec.name_column in frame.columns:
        first["name"] = frame[spec.name_column].astype(str).to_numpy(dtype=object)
    columns = _Columns(len(frame))
    columns.put("population", np.arange(len(frame)), "")
    unassigned = np.ones(len(frame), dtype=bool)
    runs: dict[str, PopulationRun] = {}
    for population in spec.populations:
        member = unassigned & (population.when.evaluate(frame) if population.when else True)
        unassigned &= ~member
        rows = np.flatnonzero(member)
        columns.put("population", rows, population.code)
        runs[population.code] = _run_population(spec, population, frame, rows, columns, variant)
    table = columns.frame(first)
    _tiers(spec, frame, table)
    return Evaluation(spec, frame, table, runs)


def _run_population(
    spec: Spec, population: Population, frame: pd.DataFrame, rows: np.ndarray, columns: _Columns, variant: Variant
) -> PopulationRun:
    model = NodeModel(population.tree, variant)
    part = frame.iloc[rows].reset_index(drop=True)
    outputs = model.fit(part) if len(rows) else Outputs()
    run = PopulationRun(population, model, rows, outputs)
    if not len(rows):
        return run
    for code, scores in outputs.scores.items():
        columns.put(code, rows, scores)
    ranked = np.ones(len(rows), dtype=bool)
    forced: list[tuple[np.ndarray, str | None, str]] = []
    for override in population.grading.overrides if population.grading else ():
        hit = override.when.evaluate(part)
        if not override.rank:
            ranked &= ~hit
        forced.append((hit, override.grade, override.reason))
    score = outputs.scores[population.tree.code]
    rank = min_rank(np.where(ranked, score, np.nan))
    columns.put("rank", rows, rank)
    _group_ranks(spec, population.tree, part, outputs, ranked, columns, rows)
    if population.grading:
        grades, reasons, run.thresholds = _grade(population.grading, score, rank)
        taken = np.zeros(len(rows), dtype=bool)
        for hit, grade, reason in forced:  # the first matching override wins
            apply = hit & ~taken
            grades[apply] = grade
            reasons[apply] = reason
            taken |= hit
        names = {c.code: c.name for c in spec.classes}
        columns.put("grade", rows, grades)
        columns.put("grade_name", rows, np.array([names.get(g, g or "") for g in grades], dtype=object))
        columns.put("grade_reason", rows, reasons)
    return run


def _group_ranks(
    spec: Spec, tree: Node, part: pd.DataFrame, outputs: Outputs, ranked: np.ndarray, columns: _Columns,
    rows: np.ndarray,
) -> None:  # fmt: skip
    """Ranks of the root within each group column, and of every inner node in the population and groups."""
    inner = [n for n in tree.walk() if isinstance(n, Node)]
    for node in inner:
        scores = pd.Series(np.where(ranked, outputs.scores[node.code], np.nan))
        if node is not tree:
            columns.put(f"{node.code}_rank", rows, min_rank(scores.to_numpy()))
        for group in spec.rank_within:
            keys = part[group].astype(str).to_numpy()
            grouped = scores.groupby(keys).rank(method="min", ascending=False).to_numpy()
            columns.put(f"rank_{group}" if node is tree else f"{node.code}_rank_{group}", rows, grouped)


def _grade(grading: Grading, score: np.ndarray, rank: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
    """Each entity's class by score bands or by rank share; (grades, reasons, (grade, lowest score) best first)."""
    grades = np.full(len(score), None, dtype=object)
    reasons = np.full(len(score), "", dtype=object)
    known = ~np.isnan(rank)
    reasons[np.isnan(score)] = "missing data"
    position = score if grading.method == "bands" else rank / max(int(known.sum()), 1)
    taken = ~known
    for band in grading.classes:
        if grading.method == "bands":
            limit = band.min_score
            hit = ~taken & (position >= limit) if limit is not None else ~taken
        else:
            hit = ~taken & (position <= band.top + 1e-12) if band.top is not None else ~taken
        grades[hit] = band.grade
        taken |= hit
    thresholds = []
    for band in grading.classes:
        members = score[(grades == band.grade) & known]
        if grading.method == "bands" and band.min_score is not None:
            thresholds.append((band.grade, band.min_score))
        elif len(members):
            thresholds.append((band.grade, float(members.min())))
    return grades, reasons, thresholds


def _tiers(spec: Spec, frame: pd.DataFrame, table: pd.DataFrame) -> None:
    """The highest tier each entity meets (recommended), and the next one up whose reserve rule it meets."""
    if not spec.tiers:
        return
    combined = pd.concat([frame.reset_index(drop=True), table.drop(columns=["id"], errors="ignore")], axis=1)
    combined = combined.loc[:, ~combined.columns.duplicated(keep="last")]
    met = [t.requires.evaluate(combined) for t in spec.tiers]
    tier = np.full(len(frame), "", dtype=object)
    level = np.full(len(frame), -1)
    for i, hit in enumerate(met):
        tier[hit] = spec.tiers[i].code
        level[hit] = i
    reserve = np.full(len(frame), "", dtype=object)
    for i in range(len(spec.tiers) - 1, -1, -1):  # the nearest tier above wins, so go top-down
        candidate = spec.tiers[i]
        if candidate.reserve is None:
            continue
        hit = (level < i) & candidate.reserve.evaluate(combined) & ~met[i]
        reserve[hit] = candidate.code
    table["tier"] = tier
    table["reserve_tier"] = reserve
