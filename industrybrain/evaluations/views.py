"""Evaluation pages: specs and runs, a run's ranking, an entity's grade with its explanation, the 公示名单.

Each page builds one JSON-safe context and renders it as HTML, or as JSON when the path ends with `.json` or
the query says `?format=json` (DESIGN §2). Runs come from `visible_to(request.user)` and rows from
`operations.visible_results`: what a page shows is what the API answers.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from industrybrain.analytics.evaluation.spec import Spec
from industrybrain.core.datatable import Column, DataTable
from industrybrain.core.times import local_minute
from industrybrain.registry.choices import RegionLevel
from industrybrain.registry.models import Region

from . import charts, exports, grade, operations, ranking
from .choices import EntityKind
from .models import EvaluationRun, EvaluationSpec
from .operations import EvaluationError, json_safe

PAGE_SIZE = 50


# --- answering as HTML or JSON -----------------------------------------------------------------------------
def _answer(request: HttpRequest, template: str, data: dict[str, Any], as_json: bool, **extra: Any) -> HttpResponse:
    """The page, or its context as JSON (`extra` holds what only the template needs, such as a form)."""
    if as_json or request.GET.get("format") == "json":
        return JsonResponse(json_safe(data), json_dumps_params={"ensure_ascii": False})
    return render(request, template, {**data, **extra})


def _visible_run(request: HttpRequest, pk: int) -> EvaluationRun:
    runs = EvaluationRun.objects.visible_to(request.user).select_related("spec", "region", "created_by")
    return get_object_or_404(runs, pk=pk)


def _read(compute: Any, *args: Any) -> Any:
    """A stored run whose files are gone is a 404 with the reason, not a server error."""
    try:
        return compute(*args)
    except EvaluationError as exc:
        raise Http404(str(exc)) from exc


# --- plain dicts for the context -----------------------------------------------------------------------------
def spec_dict(spec: Spec, row: EvaluationSpec | None = None) -> dict[str, Any]:
    labels = exports.Labels.of(spec)
    found = {
        "code": spec.code, "name": spec.name, "name_en": spec.name_en, "version": spec.version,
        "entity": spec.entity, "entity_label": str(EntityKind(spec.entity).label), "digest": spec.digest,
        "rank_within": list(spec.rank_within),
        "populations": [{"code": p.code, "name": p.name} for p in spec.populations],
        "classes": [{"code": c.code, "name": c.name, "name_en": c.name_en} for c in spec.classes],
        "tiers": [{"code": t.code, "name": t.name} for t in spec.tiers],
        "inner_nodes": [{"code": code, "name": name} for code, name in labels.inner_nodes],
        "graded": any(p.grading for p in spec.populations),
    }  # fmt: skip
    if row is not None:
        found["is_shipped"] = row.is_shipped
    return found


def run_dict(run: EvaluationRun) -> dict[str, Any]:
    return {
        "id": run.pk, "spec": run.spec.code, "spec_name": run.spec.name, "spec_version": run.spec.version,
        "spec_digest": run.spec_digest, "entity": run.spec.entity, "period": run.period,
        "region": run.region_id, "region_name": run.region.name, "source": run.source,
        "data_version": run.data_version, "data_as_of": run.data_as_of, "engine_version": run.engine_version,
        "created": run.created.isoformat(), "entities": run.entities,
        "created_local": local_minute(run.created),
    }  # fmt: skip


# --- the index: specs, runs, and a form to start a run -------------------------------------------------------
def runnable_regions(user: Any) -> list[Region]:
    levels = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY)
    regions = Region.objects.visible_to(user).filter(level__in=levels, is_active=True).order_by("path")
    return [r for r in regions if operations.may_run(user, r)]


class RunForm(forms.Form):
    spec = forms.ChoiceField(label=gettext_lazy("Evaluation"))
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1990, max_value=2100)
    region = forms.ChoiceField(
        label=gettext_lazy("Region"),
        required=False,
        help_text=gettext_lazy("Empty: your region, or the whole province for a regional index."),
    )
    uncertainty = forms.BooleanField(label=gettext_lazy("Uncertainty analysis"), required=False, initial=True)

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["spec"].choices = [(s.code, f"{s.name} ({s.version})") for s in operations.newest_specs()]
        self.fields["region"].choices = [("", "—")] + [(r.code, f"{r.name} ({r.code})") for r in runnable_regions(user)]


def _start_run(request: HttpRequest, form: RunForm) -> EvaluationRun | None:
    """Run the evaluation the form asks for; a problem with the data is shown on the form."""
    data = form.cleaned_data
    spec = operations.current_spec(data["spec"])
    region = (
        Region.objects.get(code=data["region"])
        if data["region"]
        else operations.default_region(spec.parsed, request.user)
    )
    try:
        return operations.run_evaluation(spec, region, data["year"], request.user, with_uncertainty=data["uncertainty"])
    except (EvaluationError, PermissionDenied) as exc:
        form.add_error(None, str(exc))
        return None


def _spec_row(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        **spec,
        "populations_text": "、".join(p["name"] for p in spec["populations"]),
        "classes_text": "、".join(f"{c['code']} {c['name']}" for c in spec["classes"]) or "—",
        "runs_url": "?spec=" + spec["code"],
        "digest_short": spec["digest"][:12],
    }


def _spec_table(request: HttpRequest, specs: list[dict[str, Any]]) -> DataTable:
    columns = [
        Column("name", _("Name")),
        Column("code", _("Code"), kind="code", link="runs_url"),
        Column("version", _("Version")),
        Column("entity_label", _("Evaluates"), choices=True),
        Column("populations_text", _("Populations")),
        Column("classes_text", _("Classes")),
        Column("digest_short", _("Content digest"), kind="code", sortable=False),
    ]
    rows = [_spec_row(s) for s in specs]
    return DataTable(request, columns, rows, name="specs", prefix="specs-", caption=_("Evaluation methods"))


def _runs_table(request: HttpRequest, runs: list[dict[str, Any]]) -> DataTable:
    columns = [
        Column("id", "#", kind="integer", link="url"),
        Column("spec_name", _("Evaluation"), link="url", choices=True),
        Column("period", _("Year"), choices=True),
        Column("region_name", _("Region"), choices=True),
        Column("entities", _("Entities"), kind="integer"),
        Column("data_version", _("Data version")),
        Column("created_local", _("Run at")),
    ]
    return DataTable(request, columns, runs, name="runs", prefix="runs-", per_page=PAGE_SIZE, caption=_("Stored runs"))


def _first_export(*tables: DataTable) -> HttpResponse | None:
    """The file one of the page's tables was asked for (?export= with its prefix), if any."""
    return next((r for t in tables if (r := t.export_response()) is not None), None)


@login_required
def index(request: HttpRequest, as_json: bool = False) -> HttpResponse:
    """The latest ranking of every evaluation (one click from here to any of them), the methods, the stored
    runs, and — for analysts — the form that starts a run."""
    user = request.user
    may_run = bool(user.can_edit_master_data)
    form = RunForm(user, request.POST or None, initial={"year": _default_year()}) if may_run else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        run = _start_run(request, form) if form.is_valid() else None
        if run is not None:
            messages.success(request, _("Evaluation run %(id)s is stored.") % {"id": run.pk})
            return redirect("evaluation-run", pk=run.pk)
    runs = EvaluationRun.objects.visible_to(user).select_related("spec", "region")
    spec_filter = request.GET.get("spec", "").replace("\x00", "")
    if spec_filter:
        runs = runs.filter(spec__code=spec_filter)
    specs = [spec_dict(s.parsed, s) for s in operations.newest_specs()]
    latest_rows = ranking.latest_rows(user)
    latest = DataTable(request, ranking.latest_columns(), latest_rows, name="latest",
                       prefix="latest-", per_page=100, caption=_("Latest rankings"))  # fmt: skip
    runs_table = _runs_table(request, [run_dict(r) | {"url": reverse("evaluation-run", args=[r.pk])} for r in runs])
    spec_table = _spec_table(request, specs)
    if (response := _first_export(latest, runs_table, spec_table)) is not None:
        return response
    data = {
        "latest": latest_rows,
        "specs": specs,
        "runs": runs_table.page_rows,
        "page": _table_page(runs_table),
        "may_run": may_run,
        "spec_filter": spec_filter,
        "tables": {"latest": latest.as_dict(), "runs": runs_table.as_dict(), "specs": spec_table.as_dict()},
    }
    context = {"form": form, "latest_table": latest, "runs_table": runs_table, "spec_table": spec_table}
    return _answer(request, "evaluations/index.html", data, as_json, **context)


def _table_page(table: DataTable) -> dict[str, Any]:
    return {"number": table.page, "pages": table.pages, "count": table.count}


def _default_year() -> int:
    return timezone.localdate().year - 1  # evaluations grade the year just closed


# --- a run: the ranking ------------------------------------------------------------------------------------
@login_required
def run_detail(request: HttpRequest, pk: int, as_json: bool = False) -> HttpResponse:
    """The ranking (every column sortable, choice filters, pages, Excel/CSV), rank changes since the previous
    run, the distribution of grades or scores, and the rank intervals of the uncertainty analysis."""
    run = _visible_run(request, pk)
    spec = run.spec.parsed
    chosen = ranking.chosen_filter(request, spec)
    found = _read(ranking.ranking_table, request, run, chosen, PAGE_SIZE)
    table = found.table
    spread = ranking.distribution(spec, table)
    spread_table = ranking.distribution_table(request, spec, spread, name=f"{table.name}-distribution")
    if (response := _first_export(table, spread_table)) is not None:
        return response
    rows = ranking.page_rows(spec, found.records, table)
    has_uncertainty = "rank_p5" in found.records.columns
    before = found.previous
    data = {
        "run": run_dict(run),
        "spec": spec_dict(spec),
        "summary": run.summary,
        "summary_rows": ranking.summary_rows(spec, run.summary),
        "tier_counts": ranking.tier_counts(spec, run.summary.get("tiers")),
        "reserve_counts": ranking.tier_counts(spec, run.summary.get("reserve_tiers")),
        "filters": {
            **{f: getattr(chosen, f) for f in ranking.FILTERS},
            "ordering": chosen.ordering,
            **dict(chosen.groups),
        },
        "active_filters": ranking.active_filters(request, spec, chosen),
        "rank_groups": [{"group": g, "label": ranking.group_label(g)} for g in spec.rank_within],
        "has_uncertainty": has_uncertainty,
        "previous_run": None if before is None else {"id": before.pk, "period": before.period},
        "rows": rows,
        "page": _table_page(table),
        "visible_rows": found.visible,
        "table": table.as_dict(),
        "distribution": {k: v for k, v in spread.items() if k != "option"},
        "charts": {
            "distribution": spread["option"],
            "intervals": charts.rank_intervals(rows) if has_uncertainty and rows else None,
        },
    }
    context = {"table": table, "distribution_table": spread_table, "interval_rows": len(rows)}
    return _answer(request, "evaluations/run_detail.html", data, as_json, **context)


# --- an entity: its grade and why --------------------------------------------------------------------------
def _what_if_note(explained: dict[str, Any]) -> str:
    """The explanation's note on why there is no what-if, in the page's language."""
    note = (explained.get("what_if") or {}).get("note") or ""
    if note.startswith("grade set by rule"):
        return _("The grade is set by a rule: %(reason)s") % {"reason": explained.get("grade_reason", "")}
    notes = {
        "not graded": _("Not graded."),
        "already in the best class": _("Already in the best class."),
        "no entity is in a better class": _("No entity is in a better class."),
    }
    return notes.get(note, note)


def _names(explained: dict[str, Any], codes: list[str]) -> list[str]:
    names = {leaf["code"]: leaf["name"] for leaf in explained.get("indicators", [])}
    return [names.get(code, code) for code in codes]


@login_required
def entity_detail(request: HttpRequest, pk: int, entity_id: str, as_json: bool = False) -> HttpResponse:
    """An entity's grade: score, ranks, the contribution of each indicator, strengths and weaknesses, what would
    lift the grade and an interactive what-if, the policies of its class, and its grades across runs."""
    run = _visible_run(request, pk)
    spec = run.spec.parsed
    try:
        explained = _read(operations.explain, run, entity_id, request.user)
    except LookupError as exc:
        raise Http404(_("No such entity in this run.")) from exc
    tiers = {t.code: t.name for t in spec.tiers}
    leaves = grade.indicators(explained)
    nodes = grade.sub_indices(explained)
    rules = grade.policies(explained)
    past = grade.history(run, entity_id, request.user)
    tables = {
        "indicators": grade.indicator_table(request, leaves),
        "sub_indices": grade.sub_index_table(request, nodes),
        "policies": grade.policy_table(request, rules),
        "history": grade.history_table(request, past, ranking.is_graded(spec)),
    }
    if (response := _first_export(*tables.values())) is not None:
        return response
    evaluated = bool(explained.get("evaluated"))
    data = {
        "run": run_dict(run),
        "spec": spec_dict(spec),
        "entity": explained,
        "indicators": leaves,
        "sub_indices": nodes,
        "strength_names": _names(explained, explained.get("strengths", [])),
        "weakness_names": _names(explained, explained.get("weaknesses", [])),
        "what_if": grade.lift_options(run, entity_id, explained),
        "what_if_note": _what_if_note(explained),
        "what_if_choices": grade.what_if_choices(leaves),
        "policies": rules,
        "history": past,
        "tier_name": tiers.get(explained.get("tier") or "", ""),
        "reserve_tier_name": tiers.get(explained.get("reserve_tier") or "", ""),
        "charts": {
            "contributions": grade.contribution_chart(explained) if evaluated else None,
            "history": grade.history_chart(past),
        },
        "tables": {name: t.as_dict() for name, t in tables.items()},
    }
    context = {f"{name}_table": t for name, t in tables.items()}
    return _answer(request, "evaluations/entity_detail.html", data, as_json, **context)


@login_required
def what_if(request: HttpRequest, pk: int, entity_id: str, as_json: bool = False) -> HttpResponse:
    """The grade page's what-if: ?indicator=CODE&value=N → the score, rank and grade with that one value.
    htmx asks for the fragment that replaces the form's result; without JavaScript it is a page of its own."""
    run = _visible_run(request, pk)
    indicator = request.GET.get("indicator", "")[:100]
    result, error = None, ""
    try:
        value = grade.parse_value(request.GET.get("value", ""))
        result = _read(grade.what_if, run, entity_id, indicator, value, request.user)
    except LookupError as exc:
        raise Http404(_("No such entity in this run.")) from exc
    except grade.WhatIfError as exc:
        error = str(exc)
    data = {"run": run_dict(run), "entity_id": entity_id, "indicator": indicator, "result": result, "error": error}
    status = 400 if error else 200
    if as_json or request.GET.get("format") == "json":
        return JsonResponse(json_safe(data), status=status, json_dumps_params={"ensure_ascii": False})
    if request.headers.get("HX-Request"):  # htmx swaps only 2xx answers: the error is shown in the fragment
        return render(request, "evaluations/_what_if.html", data)
    return render(request, "evaluations/what_if.html", data, status=status)


# --- the 公示名单 ------------------------------------------------------------------------------------------
@login_required
def export(request: HttpRequest, pk: int, file_format: str) -> HttpResponse:
    if file_format not in exports.EXPORT_TYPES:
        raise Http404
    run = _visible_run(request, pk)
    data = _read(exports.export, run, request.user, file_format)
    response = HttpResponse(data, content_type=exports.EXPORT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(run, file_format)}"'
    return response
