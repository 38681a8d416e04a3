"""The ranking of a run as the cockpit shows it, and the latest ranking of every evaluation.

A run's rows are those the user may see (`exports.ranking`), narrowed by the API's filters
(`exports.RankingFilter`: population, grade, tier, group, search, ordering — links from other pages use them),
with each row's rank change since the previous run of the same spec over the same region. The shared table
then sorts by any column (sub-indices included), searches, filters by choice (grade, group, population, tier),
pages and exports; the distribution chart counts what the table keeps, and the interval chart draws the
uncertainty analysis' 5–95% ranks of the page shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db.models.functions import Length
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from industrybrain.analytics.evaluation.spec import Spec
from industrybrain.core.datatable import Column, DataTable

from . import charts, exports, operations
from .models import EvaluationRun
from .operations import EvaluationError
from .tables import NEW, ChangeColumn, FrameTable, PercentColumn

FILTERS = ("population", "grade", "tier", "reserve_tier", "search")


# --- labels --------------------------------------------------------------------------------------------------
def group_label(group: str) -> str:
    return {"county": _("County"), "city": _("City")}.get(group, group)


def class_label(code: str, name: str) -> str:
    """A class as the table and its filter show it: "C 调控帮扶类"."""
    return f"{code} {name}".strip()


def is_graded(spec: Spec) -> bool:
    return any(p.grading for p in spec.populations)


# --- the rows ------------------------------------------------------------------------------------------------
def previous_results(run: EvaluationRun) -> tuple[EvaluationRun | None, pd.DataFrame | None]:
    """The previous run of the spec over the region and its results (none when its files are gone)."""
    before = operations.previous_run(run)
    if before is None:
        return None, None
    try:
        return before, operations.results(before)
    except EvaluationError:
        return None, None


def _text(table: pd.DataFrame, column: str) -> pd.Series:
    if column not in table.columns:
        return pd.Series("", index=table.index, dtype=object)
    return table[column].fillna("").astype(str)


def _named(codes: pd.Series, names: dict[str, str]) -> pd.Series:
    """Codes replaced by their names (a vectorised dict lookup; unknown codes stay as they are)."""
    return codes.map(names).fillna(codes)


def _change_cells(table: pd.DataFrame) -> pd.Series:
    """The number for entities ranked in both runs, "new" for those ranked only now, None otherwise."""
    change = table["rank_change"].astype(object).where(table["rank_change"].notna(), None)
    change[table["rank"].notna() & table["previous_rank"].isna()] = NEW
    return change


def _intervals(table: pd.DataFrame) -> list[str]:
    return [
        "" if pd.isna(low) or pd.isna(high) else f"{low:g}–{high:g}"
        for low, high in zip(table["rank_p5"], table["rank_p95"], strict=True)
    ]


def flat_frame(run: EvaluationRun, spec: Spec, table: pd.DataFrame) -> pd.DataFrame:
    """One column per table column (named as the Column keys) plus what the charts need (population and grade
    codes, previous rank), same index as `table`."""
    labels = exports.Labels.of(spec)
    ids = _text(table, "id")
    flat = pd.DataFrame(
        {"rank": table["rank"].astype(float), "id": ids, "name": _text(table, "name"),
         "url": reverse("evaluation-run", args=[run.pk]) + ids + "/", "score": table["score"].astype(float),
         "population": _text(table, "population"), "grade": _text(table, "grade")},
        index=table.index,
    )  # fmt: skip
    flat["population_name"] = _named(flat["population"], labels.populations)
    if "rank_change" in table.columns:
        flat["rank_change"] = _change_cells(table)
        flat["previous_rank"] = table["previous_rank"]
    for group in spec.rank_within:
        if f"rank_{group}" in table.columns:
            flat[f"rank_{group}"] = table[f"rank_{group}"].astype(float)
        flat[f"group_{group}_name"] = _text(table, f"group_{group}_name")
    for code, _name in labels.inner_nodes:
        flat[f"node_{code}"] = table[code].astype(float) if code in table.columns else np.nan
    if is_graded(spec):
        named = (flat["grade"] + " " + _text(table, "grade_name")).str.strip()
        flat["grade_label"] = named.where(flat["grade"] != "", _text(table, "grade_reason"))
    if "rank_p5" in table.columns:
        flat["median_rank"] = table["median_rank"]
        flat["rank_interval"] = _intervals(table)
    if spec.tiers:
        flat["tier_name"] = _named(_text(table, "tier"), labels.tiers)
        flat["reserve_tier_name"] = _named(_text(table, "reserve_tier"), labels.tiers)
    return flat


def columns(spec: Spec, has_change: bool, has_uncertainty: bool) -> list[Column]:
    region = spec.entity == "region"
    found = [Column("rank", _("Rank"), kind="integer")]
    if has_change:
        found.append(ChangeColumn("rank_change", _("Change since the previous run"), kind="integer"))
    found += [Column(f"rank_{g}", _("Rank in %(group)s") % {"group": group_label(g)}, kind="integer")
              for g in spec.rank_within]  # fmt: skip
    found += [
        Column("id", _("Region code") if region else _("Unified social credit code"), kind="code", link="url"),
        Column("name", _("Name"), link="url"),
    ]
    found += [Column(f"group_{g}_name", group_label(g), choices=True) for g in spec.rank_within]
    if len(spec.populations) > 1:
        found.append(Column("population_name", _("Population"), choices=True))
    found.append(Column("score", _("Score"), kind="number"))
    found += [Column(f"node_{code}", name, kind="number") for code, name in exports.Labels.of(spec).inner_nodes]
    if is_graded(spec):
        found.append(Column("grade_label", _("Grade"), choices=True))
    if has_uncertainty:
        found += [Column("median_rank", _("Median rank"), kind="number", digits=1),
                  Column("rank_interval", _("Rank 5–95%"), sortable=False, searchable=False)]  # fmt: skip
    if spec.tiers:
        found += [Column("tier_name", _("Recommended tier"), choices=True),
                  Column("reserve_tier_name", _("Reserve tier"), choices=True)]  # fmt: skip
    return found


def table_name(run: EvaluationRun) -> str:
    """The table's id on the page and its file name: ASCII, as the 公示名单's."""
    return exports.filename(run, "x").removesuffix(".x") + "-ranking"


@dataclass
class Ranking:
    table: FrameTable
    records: pd.DataFrame  # the rows the API filters keep, every result column (for the JSON rows)
    visible: int  # rows the user may see before any filter
    previous: EvaluationRun | None


def ranking_table(request: HttpRequest, run: EvaluationRun, chosen: exports.RankingFilter, per_page: int) -> Ranking:
    spec = run.spec.parsed
    before, earlier = previous_results(run)
    visible = exports.with_previous(exports.ranking(run, request.user), earlier)
    records = exports.filter_ranking(visible, chosen)
    table = FrameTable(
        request, columns(spec, before is not None, "rank_p5" in records.columns), flat_frame(run, spec, records),
        name=table_name(run), per_page=per_page, caption=_("Ranking"),
    )  # fmt: skip
    return Ranking(table, records, len(visible), before)


# --- rows of the JSON ----------------------------------------------------------------------------------------
def table_row(spec: Spec, inner: tuple[tuple[str, str], ...], row: dict[str, Any]) -> dict[str, Any]:
    """A result row with lists in column order (group ranks, sub-index scores and ranks), as the JSON has
    always carried them."""
    return {
        **row,
        "group_ranks": [row["ranks_within"].get(g) for g in spec.rank_within],
        "group_name_list": [row["group_names"].get(g, "") for g in spec.rank_within],
        "sub_indices": [
            {"score": row["nodes"].get(code), "rank": row["node_ranks"].get(code, {}).get("rank")}
            for code, _name in inner
        ],
    }


def _whole(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def page_rows(spec: Spec, records: pd.DataFrame, table: FrameTable) -> list[dict[str, Any]]:
    """The full rows of the page the table shows, with the rank change (None and movement "new" for an entity
    the previous run did not rank; movement "" when there is no previous run)."""
    labels = exports.Labels.of(spec)
    found = []
    for record in records.loc[table.page_index()].to_dict("records"):
        row = table_row(spec, labels.inner_nodes, exports.row_dict(spec, labels, record))
        if "previous_rank" in record:
            previous = _whole(record["previous_rank"])
            row |= {"previous_rank": previous, "rank_change": _whole(record["rank_change"]),
                    "movement": exports.movement(row["rank"], previous)}  # fmt: skip
        else:
            row |= {"previous_rank": None, "rank_change": None, "movement": ""}
        found.append(row)
    return found


# --- the distribution ----------------------------------------------------------------------------------------
def _grade_distribution(spec: Spec, table: FrameTable) -> dict[str, Any]:
    frame = table.shown()
    counts = frame.groupby(["population", "grade"]).size().to_dict()
    classes = [{"code": c.code, "name": c.name, "label": class_label(c.code, c.name)} for c in spec.classes]
    for c in classes:
        c["url"] = table.link(f__grade_label=c["label"], page=None)
    if (frame["grade"] == "").any():
        classes.append({"code": "", "name": _("Not graded"), "label": _("Not graded"), "url": None})
    present = set(frame["population"])
    populations = [{"code": p.code, "name": p.name} for p in spec.populations if p.code in present]
    rows = []
    for c in classes:
        per_population = {f"p_{p['code']}": counts.get((p["code"], c["code"]), 0) for p in populations}
        count = sum(per_population.values())
        rows.append({"grade": c["label"], "code": c["code"], "name": c["name"], "url": c["url"], "count": count,
                     "share": count / len(frame) if len(frame) else None, **per_population})  # fmt: skip
    option = charts.grade_distribution(classes, populations, counts)
    return {"kind": "grades", "classes": classes, "populations": populations, "rows": rows, "option": option}


def _score_distribution(table: FrameTable) -> dict[str, Any]:
    frame = table.shown()
    bands = charts.histogram(frame["score"].tolist())
    total = sum(b["count"] for b in bands)
    rows = [{"grade": b["label"], "code": "", "name": b["label"], "url": None, "count": b["count"],
             "share": b["count"] / total if total else None}
            for b in bands]  # fmt: skip
    return {"kind": "scores", "bands": bands, "populations": [], "rows": rows, "option": charts.score_histogram(bands)}


def distribution(spec: Spec, table: FrameTable) -> dict[str, Any]:
    """Entities per class (graded specs) or per score band (indices) among the rows the table keeps."""
    return _grade_distribution(spec, table) if is_graded(spec) else _score_distribution(table)


def distribution_table(request: HttpRequest, spec: Spec, found: dict[str, Any], name: str) -> DataTable:
    """The chart's numbers as a table beside it (the accessible path, and the fallback without ECharts)."""
    label = _("Grade") if found["kind"] == "grades" else _("Score")
    per_population = [Column(f"p_{p['code']}", p["name"], kind="integer") for p in found["populations"]]
    cols = [
        Column("grade", label, link="url"),
        *(per_population if len(per_population) > 1 else []),
        Column("count", _("Entities"), kind="integer"),
        PercentColumn("share", _("Share"), digits=1),
    ]
    return DataTable(request, cols, found["rows"], name=name, prefix="d-", per_page=100, caption=_("Distribution"))


# --- filters given in the query (the API's) ------------------------------------------------------------------
def chosen_filter(request: HttpRequest, spec: Spec) -> exports.RankingFilter:
    get = request.GET
    groups = tuple((g, get.get(g, "").strip()) for g in spec.rank_within)
    values = {f: get.get(f, "").strip()[:100] for f in FILTERS}
    ordering = get.get("ordering", "rank")
    return exports.RankingFilter(
        **values, ordering=ordering if ordering in exports.ORDERINGS else "rank", groups=groups
    )


def active_filters(request: HttpRequest, spec: Spec, chosen: exports.RankingFilter) -> list[dict[str, str]]:
    """The API-style filters a link set (e.g. ?grade=C&county=331082), each with a link that removes it."""
    labels = {"population": _("Population"), "grade": _("Grade"), "tier": _("Recommended tier"),
              "reserve_tier": _("Reserve tier"), "search": _("Name or code")}  # fmt: skip
    given = [(f, getattr(chosen, f)) for f in FILTERS] + list(chosen.groups)
    found = []
    for key, value in given:
        if value:
            query = request.GET.copy()
            query.pop(key, None)
            query.pop("page", None)
            label = labels.get(key) or group_label(key)
            found.append({"key": key, "label": label, "value": value, "remove_url": "?" + query.urlencode()})
    return found


# --- the run's summary (every entity of the run, as stored) --------------------------------------------------
def summary_rows(spec: Spec, summary: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for population in (summary.get("populations") or {}).values():
        if population.get("entities"):
            grades = population.get("grades") or {}
            counts = [grades.get(c.code, 0) for c in spec.classes]
            rows.append(
                {
                    "name": population["name"],
                    "entities": population["entities"],
                    "counts": counts,
                    "classes": [{"code": c.code, "count": n} for c, n in zip(spec.classes, counts, strict=True)],
                }
            )
    return rows


def tier_counts(spec: Spec, counts: dict[str, int] | None) -> list[dict[str, Any]]:
    names = {t.code: t.name for t in spec.tiers}
    return [{"code": t, "name": names.get(t, t), "count": n} for t, n in (counts or {}).items()]


def grade_counts_text(spec: Spec, summary: dict[str, Any]) -> str:
    """ "A 12 · B 40 · C 30 · D 5" over every population of a run (empty for an index)."""
    totals: dict[str, int] = {}
    for population in (summary.get("populations") or {}).values():
        for grade, n in (population.get("grades") or {}).items():
            totals[grade] = totals.get(grade, 0) + n
    return " · ".join(f"{c.code} {totals[c.code]}" for c in spec.classes if totals.get(c.code))


# --- the latest ranking of every evaluation ------------------------------------------------------------------
def latest_runs(user: Any) -> list[tuple[EvaluationRun, int]]:
    """For every spec code with a run the user may see: its newest run (latest period, then the widest region,
    then the most recent) and how many runs of it the user may see."""
    runs = (
        EvaluationRun.objects.visible_to(user)
        .select_related("spec", "region")
        .annotate(depth=Length("region__path"))
        .order_by("spec__code", "-period", "depth", "-created", "-id")
    )
    newest: dict[str, EvaluationRun] = {}
    counts: dict[str, int] = {}
    for run in runs:
        newest.setdefault(run.spec.code, run)
        counts[run.spec.code] = counts.get(run.spec.code, 0) + 1
    return [(run, counts[code]) for code, run in sorted(newest.items(), key=lambda item: item[1].spec.name)]


def latest_rows(user: Any) -> list[dict[str, Any]]:
    found = []
    for run, count in latest_runs(user):
        spec = run.spec.parsed
        found.append({
            "spec": spec.code, "spec_name": spec.name, "run": run.pk, "period": run.period,
            "region": run.region_id, "region_name": run.region.name, "entities": run.entities,
            "grades": grade_counts_text(spec, run.summary), "runs": count,
            "url": reverse("evaluation-run", args=[run.pk]),
            "runs_url": reverse("evaluation-index") + "?spec=" + spec.code,
        })  # fmt: skip
    return found


def latest_columns() -> list[Column]:
    return [
        Column("spec_name", _("Evaluation"), link="url"),
        Column("period", _("Year"), choices=True),
        Column("region_name", _("Region"), choices=True),
        Column("entities", _("Entities"), kind="integer"),
        Column("grades", _("Grades"), sortable=False),
        Column("runs", _("Runs"), kind="integer", link="runs_url"),
    ]
