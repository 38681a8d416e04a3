"""ECharts options of the evaluation pages, built in Python from the numbers the page's tables show (so the
JSON, the tables and the charts agree and a test can check a chart). charts.js draws them; a data item's
`url` makes its bar a link."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

PALETTE = ["#0b6bcb", "#2e9e6a", "#f0a202", "#d1495b", "#6f4ea8", "#00798c", "#8c6d46", "#5c677d"]
HISTOGRAM_BINS = 10


def _base(**extra: Any) -> dict[str, Any]:
    return {"color": PALETTE, "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "grid": {"left": 8, "right": 24, "top": 40, "bottom": 8, "containLabel": True}, **extra}  # fmt: skip


def grade_distribution(
    classes: Sequence[dict[str, Any]], populations: Sequence[dict[str, Any]], counts: dict[tuple[str, str], int]
) -> dict[str, Any]:
    """Entities per class (x), one stacked series per population. `classes`: code, label, url (a link to the
    ranking filtered to the class); `populations`: code, name; `counts`: (population, class) → entities."""
    series = [
        {"name": p["name"], "type": "bar", "stack": "grades", "barMaxWidth": 56,
         "data": [{"value": counts.get((p["code"], c["code"]), 0), "url": c.get("url")} for c in classes]}
        for p in populations
    ]  # fmt: skip
    option = _base(
        xAxis={"type": "category", "data": [c["label"] for c in classes]},
        yAxis={"type": "value", "name": _("Entities"), "minInterval": 1},
        series=series,
    )
    if len(populations) > 1:
        option["legend"] = {"bottom": 0, "left": 8, "right": 8, "type": "scroll"}
        option["grid"]["bottom"] = 32
    return option


def histogram(scores: Sequence[float], bins: int = HISTOGRAM_BINS) -> list[dict[str, Any]]:
    """Score bands of equal width between whole numbers around the scores, with the entities in each (the last
    band includes its upper bound)."""
    known = np.array([s for s in scores if s is not None and math.isfinite(s)], dtype=float)
    if not len(known):
        return []
    low, high = math.floor(known.min()), math.ceil(known.max())
    if high == low:
        high = low + 1
    counts, edges = np.histogram(known, bins=bins, range=(low, high))
    return [
        {"low": float(edges[i]), "high": float(edges[i + 1]), "count": int(counts[i]),
         "label": f"{_short(edges[i])}–{_short(edges[i + 1])}"}
        for i in range(len(counts))
    ]  # fmt: skip


def _short(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def score_histogram(bands: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return _base(
        xAxis={"type": "category", "data": [b["label"] for b in bands], "name": _("Score")},
        yAxis={"type": "value", "name": _("Entities"), "minInterval": 1},
        series=[{"name": _("Entities"), "type": "bar", "barCategoryGap": "8%", "data": [b["count"] for b in bands]}],
    )


def rank_intervals(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Each row's 5–95% rank interval as a bar from p5 to p95 (stacked on an invisible bar up to p5), its median
    rank and its rank in this run as points; rank 1 on the left, rows top to bottom as the table lists them."""
    names = [r["name"] or r["id"] for r in rows]
    p5 = [r.get("rank_p5") for r in rows]
    p95 = [r.get("rank_p95") for r in rows]
    width = [None if a is None or b is None else b - a for a, b in zip(p5, p95, strict=True)]
    return _base(
        tooltip={"trigger": "axis", "axisPointer": {"type": "shadow"}},
        legend={"top": 4, "left": 8, "data": [_("Rank 5–95%"), _("Median rank"), _("Rank")]},
        xAxis={"type": "value", "name": _("Rank"), "min": 1, "minInterval": 1},
        yAxis={"type": "category", "data": names, "inverse": True},
        series=[
            {"name": "p5", "type": "bar", "stack": "interval", "silent": True, "data": p5,
             "itemStyle": {"color": "transparent"}, "tooltip": {"show": False}},
            {"name": _("Rank 5–95%"), "type": "bar", "stack": "interval", "data": width, "barMaxWidth": 14,
             "itemStyle": {"color": "#9ec5ef"}},
            {"name": _("Median rank"), "type": "scatter", "symbol": "diamond", "symbolSize": 9,
             "data": _points(rows, "median_rank")},
            {"name": _("Rank"), "type": "scatter", "symbolSize": 7, "data": _points(rows, "rank")},
        ],
    )  # fmt: skip


def _points(rows: Sequence[dict[str, Any]], key: str) -> list[list[Any]]:
    """[x, row position] pairs: a scatter on a category axis needs both coordinates."""
    return [[r.get(key), i] for i, r in enumerate(rows) if r.get(key) is not None]


def contributions(bars: Sequence[dict[str, Any]], groups: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Each indicator's points of the score as a horizontal bar, largest first, coloured by its sub-index (one
    series per sub-index, so the legend names them). `bars`: name, value, group (a code of `groups`, or "")."""
    ordered = sorted(bars, key=lambda b: -(b["value"] or 0))
    names = [b["name"] for b in ordered]
    series = []
    for group in groups or [{"code": "", "name": _("Contribution")}]:
        values = [b["value"] if b["group"] == group["code"] else None for b in ordered]
        series.append({"name": group["name"], "type": "bar", "stack": "parts", "barMaxWidth": 22, "data": values})
    option = _base(
        xAxis={"type": "value", "name": _("Points"), "nameLocation": "middle", "nameGap": 26},
        yAxis={"type": "category", "data": names, "inverse": True},
        series=series,
    )
    option["grid"]["bottom"] = 28  # room for the axis name below
    if len(series) > 1:
        option["legend"] = {"top": 4, "left": 8, "right": 48, "type": "scroll"}
    return option


def history(points: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Score per period as a line, each point labelled with its grade (or rank where there is no grade);
    `points`: period, score, label, url (the grade page of that run)."""
    return _base(
        tooltip={"trigger": "axis"},
        xAxis={"type": "category", "data": [p["period"] for p in points]},
        yAxis={"type": "value", "name": _("Score"), "scale": True},
        series=[{
            "name": _("Score"), "type": "line", "symbolSize": 10,
            "label": {"show": True, "position": "top"},
            "data": [{"value": p["score"], "url": p.get("url"), "label": {"formatter": p["label"]}} for p in points],
        }],
    )  # fmt: skip
