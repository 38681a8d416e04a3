"""An entity's grade page: its explanation (operations.explain) as tables and a contribution chart, its grades
across the runs of the same evaluation, and the interactive what-if (one indicator changed, everything else as
it is: the new score, rank and grade)."""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from industrybrain.analytics.evaluation import explain as explain_module
from industrybrain.core.datatable import Column, DataTable

from . import charts, operations
from .models import EvaluationRun
from .operations import json_safe
from .tables import ChangeColumn, PercentColumn, ValueColumn


# --- the explanation as the page shows it ----------------------------------------------------------------------
def indicators(explained: dict[str, Any]) -> list[dict[str, Any]]:
    """The explanation's leaves with weight and percentile as percentages, and whether the value was filled in."""
    return [
        {
            **leaf,
            "weight_percent": None if leaf.get("weight") is None else leaf["weight"] * 100,
            "percentile_percent": None if leaf.get("percentile") is None else leaf["percentile"] * 100,
            "imputed": leaf.get("raw") is None and leaf.get("value") is not None,
        }
        for leaf in explained.get("indicators", [])
    ]


def _ancestors(nodes: list[dict[str, Any]]) -> dict[str, str]:
    """Every node code → the code of its sub-index (its ancestor just below the root; itself at that depth)."""
    parents = {n["code"]: n["parent"] for n in nodes}
    depth = {n["code"]: n["depth"] for n in nodes}
    found = {}
    for code in parents:
        here = code
        while depth.get(here, 0) > 1:
            here = parents[here]
        if depth.get(here) == 1:
            found[code] = here
    return found


def sub_indices(explained: dict[str, Any]) -> list[dict[str, Any]]:
    """The inner nodes below the root, with their share of the score (the contributions of their leaves)."""
    nodes = explained.get("nodes", [])
    parents = {n["code"]: n["parent"] for n in nodes}
    points: dict[str, float] = {}
    for leaf in explained.get("indicators", []):
        here = parents.get(leaf["code"])
        while here is not None:
            points[here] = points.get(here, 0.0) + (leaf.get("contribution") or 0.0)
            here = parents.get(here)
    return [
        {**n, "percentile_percent": None if n.get("percentile") is None else n["percentile"] * 100,
         "contribution": points.get(n["code"])}
        for n in nodes
        if not n["leaf"] and n["depth"] > 0
    ]  # fmt: skip


def contribution_chart(explained: dict[str, Any]) -> dict[str, Any]:
    """Each indicator's points of the score, coloured by its sub-index (regional indices) or all alike."""
    nodes = explained.get("nodes", [])
    top = _ancestors(nodes)
    groups = [{"code": n["code"], "name": n["name"]} for n in nodes if n["depth"] == 1 and not n["leaf"]]
    bars = [
        {"name": leaf["name"], "value": leaf.get("contribution"), "group": top.get(leaf["code"], "") if groups else ""}
        for leaf in explained.get("indicators", [])
    ]
    return charts.contributions(bars, groups)


def factor_names() -> dict[str, str]:
    """The production factors a class's policies differentiate (浙政发〔2018〕5号)."""
    return {"land": _("Land"), "electricity": _("Electricity"), "water": _("Water"), "gas": _("Gas"),
            "emissions": _("Emissions")}  # fmt: skip


def policies(explained: dict[str, Any]) -> list[dict[str, Any]]:
    names = factor_names()
    return [
        {**p, "factor_name": names.get(str(p.get("factor", "")), str(p.get("factor", "")))}
        for p in explained.get("policies", [])
        if isinstance(p, dict)
    ]


# --- the tables ------------------------------------------------------------------------------------------------
def indicator_table(request: HttpRequest, rows: list[dict[str, Any]]) -> DataTable:
    shown = [r | {"note": _("filled in by the spec") if r["imputed"] else ""} for r in rows]
    columns = [
        Column("name", _("Indicator")),
        ValueColumn("value", _("Value")),
        Column("unit", _("Unit"), searchable=False),
        Column("note", _("Note"), choices=True, searchable=False),
        ValueColumn("population_median", _("Peer median")),
        Column("score", _("Indicator score"), kind="number", digits=3),
        PercentColumn("weight", _("Weight"), digits=1),
        Column("contribution", _("Contribution"), kind="number"),
        PercentColumn("percentile", _("Percentile among peers"), digits=0),
    ]
    return DataTable(request, columns, shown, name="indicators", prefix="i-", per_page=100, caption=_("Indicators"))


def sub_index_table(request: HttpRequest, rows: list[dict[str, Any]]) -> DataTable:
    columns = [
        Column("name", _("Name")),
        Column("score", _("Score"), kind="number"),
        Column("contribution", _("Contribution"), kind="number"),
        PercentColumn("percentile", _("Percentile among peers"), digits=0),
    ]
    return DataTable(request, columns, rows, name="sub-indices", prefix="n-", per_page=100, caption=_("Sub-indices"))


def policy_table(request: HttpRequest, rows: list[dict[str, Any]]) -> DataTable:
    columns = [
        Column("name", _("Policy")),
        Column("factor_name", _("Factor"), choices=True),
        ValueColumn("rate", _("Rate")),
        Column("unit", _("Unit"), searchable=False),
    ]
    return DataTable(request, columns, rows, name="policies", prefix="p-", per_page=100, caption=_("Policies"))


# --- grades across runs ------------------------------------------------------------------------------------------
def history(run: EvaluationRun, entity_id: str, user: Any) -> list[dict[str, Any]]:
    """The entity in every run of this evaluation over the same region the user may see, oldest first, with
    the rank change from one run to the next. (Whether the user may see the entity was checked by the page.)"""
    runs = (
        EvaluationRun.objects.visible_to(user)
        .filter(spec__code=run.spec.code, region=run.region)
        .select_related("spec", "region")
        .order_by("period", "created", "id")
    )
    found: list[dict[str, Any]] = []
    for grade in operations.enterprise_grades(entity_id, runs):
        before = found[-1]["rank"] if found else None
        label = f"{grade['grade']} {grade['grade_name']}".strip() if grade["grade"] else grade["grade_reason"]
        found.append({
            **grade, "grade_label": label, "current": grade["run"] == run.pk,
            "rank_change": None if before is None or grade["rank"] is None else before - grade["rank"],
            "url": reverse("evaluation-entity", args=[grade["run"], entity_id]),
        })  # fmt: skip
    return found


def history_table(request: HttpRequest, rows: list[dict[str, Any]], graded: bool) -> DataTable:
    columns = [
        Column("period", _("Year"), link="url"),
        Column("run", _("Run no."), kind="integer", link="url"),
        Column("score", _("Score"), kind="number"),
        Column("rank", _("Rank"), kind="integer"),
        ChangeColumn("rank_change", _("Rank change"), kind="integer"),
        Column("ranked", _("Entities ranked"), kind="integer"),
        *([Column("grade_label", _("Grade"), choices=True)] if graded else []),
    ]
    return DataTable(request, columns, rows, name="history", prefix="h-", per_page=100, caption=_("Across runs"))


def history_chart(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Score per run, labelled with the grade (or the rank); None with fewer than two runs."""
    if len(rows) < 2:
        return None
    points = [{"period": f"{r['period']} #{r['run']}" if _repeated(rows, r["period"]) else r["period"],
               "score": r["score"], "label": r["grade"] or (f"#{r['rank']}" if r["rank"] else ""), "url": r["url"]}
              for r in rows]  # fmt: skip
    return charts.history(points)


def _repeated(rows: list[dict[str, Any]], period: str) -> bool:
    return sum(1 for r in rows if r["period"] == period) > 1


# --- what if -----------------------------------------------------------------------------------------------------
class WhatIfError(ValueError):
    """The question cannot be answered as asked (shown beside the form)."""


def parse_value(text: str) -> float:
    """A number as people type it (1,234.5 or 1 234.5); finite."""
    try:
        value = float((text or "").replace(",", "").replace(" ", "").replace("，", ""))
    except ValueError:
        raise WhatIfError(_("Enter a number.")) from None
    if not math.isfinite(value):
        raise WhatIfError(_("Enter a number."))
    return value


def what_if(run: EvaluationRun, entity_id: str, indicator: str, value: float, user: Any) -> dict[str, Any]:
    """The entity's score, rank and grade with `indicator` at `value`, everything else as in the run; with the
    differences from the run. LookupError for an entity the user may not see; WhatIfError for an indicator
    that is not one of the entity's."""
    table = operations.visible_results(run, user)
    if entity_id not in set(table["id"]):
        raise LookupError(entity_id)
    try:
        found = explain_module.score_if(operations.evaluation_of(run), entity_id, indicator, value)
    except KeyError:
        raise WhatIfError(_("That is not one of this entity's indicators.")) from None
    before = found["before"]
    score_change = None if found["score"] is None or before["score"] is None else found["score"] - before["score"]
    if score_change is not None and abs(score_change) < 1e-9:  # the same value typed back: no change, not +0.00
        score_change = 0.0
    rank_change = None if found["rank"] is None or before["rank"] is None else int(before["rank"] - found["rank"])
    changes = {
        "score_change": score_change,
        "rank_change": rank_change,
        "value_text": number_text(value),
        "grade_changed": found["grade"] != before["grade"],
        "score_changed": score_change is not None and abs(score_change) >= 0.005,
    }  # score_changed: as the page shows it, to two decimals
    return json_safe(found | changes)


def number_text(value: float, digits: int = 6) -> str:
    """A number as typed: no grouping, no trailing zeros (1.1, 40, 0.035)."""
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") or "0"


def lift_options(run: EvaluationRun, entity_id: str, explained: dict[str, Any]) -> list[dict[str, Any]]:
    """The explanation's "what would lift the grade" options, each with the value the page offers to try: the
    shortest rounding of the value needed that still reaches the class (the search that found it stops on a
    grid, so 4.0002 where 4 does)."""
    found = explained.get("what_if") or {}
    options = found.get("options", [])
    if not options:
        return []
    target = found["target"]["grade"]
    evaluation = operations.evaluation_of(run)
    return [
        {**option, "percent": option["change"] * 100, "raise": option["change"] >= 0,
         "try_value": _shortest(evaluation, entity_id, option, target)}
        for option in options
    ]  # fmt: skip


def _shortest(evaluation: Any, entity_id: str, option: dict[str, Any], target: str) -> str:
    for digits in range(5):
        candidate = round(option["needed"], digits)
        if explain_module.score_if(evaluation, entity_id, option["code"], candidate)["grade"] == target:
            return f"{candidate:.{digits}f}"
    scale = 10**4  # not reached by rounding: four decimals, rounded towards the change
    rounded = (math.ceil if option["change"] >= 0 else math.floor)(option["needed"] * scale) / scale
    return f"{rounded:.4f}"


def what_if_choices(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The indicators the form offers, with the value the run used (the form's starting point)."""
    return [{"code": r["code"], "name": r["name"], "unit": r["unit"], "value": r.get("value")} for r in rows]
