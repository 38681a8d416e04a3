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
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from industrybrain.analytics.evaluation.spec import Spec
from industrybrain.registry.choices import RegionLevel
from industrybrain.registry.models import Region

from . import exports, operations
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


def _page_info(page: Page) -> dict[str, Any]:
    return {"number": page.number, "pages": page.paginator.num_pages, "count": page.paginator.count}


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
        "created_local": timezone.localtime(run.created).strftime("%Y-%m-%d %H:%M"),
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


@login_required
def index(request: HttpRequest, as_json: bool = False) -> HttpResponse:
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
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    data = {
        "specs": [spec_dict(s.parsed, s) for s in operations.newest_specs()],
        "runs": [run_dict(r) for r in page],
        "page": _page_info(page),
        "may_run": may_run,
        "spec_filter": spec_filter,
    }
    return _answer(request, "evaluations/index.html", data, as_json, form=form, page_obj=page)


def _default_year() -> int:
    return timezone.localdate().year - 1  # evaluations grade the year just closed


# --- a run: the ranking ------------------------------------------------------------------------------------
FILTERS = ("population", "grade", "tier", "reserve_tier", "search")


def _chosen(request: HttpRequest, spec: Spec) -> exports.RankingFilter:
    get = request.GET
    groups = tuple((g, get.get(g, "").strip()) for g in spec.rank_within)
    values = {f: get.get(f, "").strip()[:100] for f in FILTERS}
    ordering = get.get("ordering", "rank")
    return exports.RankingFilter(
        **values, ordering=ordering if ordering in exports.ORDERINGS else "rank", groups=groups
    )


def _group_choices(spec: Spec, table: Any) -> list[dict[str, Any]]:
    """For each group the spec ranks within, its values among the rows shown (code, name), for the filter."""
    found = []
    for group in spec.rank_within:
        column = f"group_{group}"
        if column in table.columns:
            pairs = sorted(set(zip(table[column], table[f"{column}_name"], strict=True)) - {("", "")})
            found.append({"group": group, "label": group_label(group), "values": [list(p) for p in pairs]})
    return found


def group_label(group: str) -> str:
    return {"county": _("County"), "city": _("City")}.get(group, group)


def _orderings() -> list[tuple[str, str]]:
    return [("rank", _("Rank, first to last")), ("-rank", _("Rank, last to first")),
            ("-score", _("Score, highest first")), ("score", _("Score, lowest first"))]  # fmt: skip


def _table_row(spec: Spec, inner: tuple[tuple[str, str], ...], row: dict[str, Any]) -> dict[str, Any]:
    """A result row with lists in column order, for the table (templates cannot look up keys by variable)."""
    return {
        **row,
        "group_ranks": [row["ranks_within"].get(g) for g in spec.rank_within],
        "group_name_list": [row["group_names"].get(g, "") for g in spec.rank_within],
        "sub_indices": [
            {"score": row["nodes"].get(code), "rank": row["node_ranks"].get(code, {}).get("rank")}
            for code, _name in inner
        ],
    }


def _summary_rows(spec: Spec, summary: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for population in (summary.get("populations") or {}).values():
        if population.get("entities"):
            grades = population.get("grades") or {}
            counts = [grades.get(c.code, 0) for c in spec.classes]
            rows.append({"name": population["name"], "entities": population["entities"], "counts": counts})
    return rows


def _tier_counts(spec: Spec, counts: dict[str, int] | None) -> list[dict[str, Any]]:
    names = {t.code: t.name for t in spec.tiers}
    return [{"code": t, "name": names.get(t, t), "count": n} for t, n in (counts or {}).items()]


@login_required
def run_detail(request: HttpRequest, pk: int, as_json: bool = False) -> HttpResponse:
    run = _visible_run(request, pk)
    spec = run.spec.parsed
    table = _read(exports.ranking, run, request.user)
    chosen = _chosen(request, spec)
    rows = exports.result_rows(spec, exports.filter_ranking(table, chosen))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    inner = exports.Labels.of(spec).inner_nodes
    groups = _group_choices(spec, table)
    for group in groups:
        group["chosen"] = dict(chosen.groups).get(group["group"], "")
    data = {
        "run": run_dict(run),
        "spec": spec_dict(spec),
        "summary": run.summary,
        "summary_rows": _summary_rows(spec, run.summary),
        "tier_counts": _tier_counts(spec, run.summary.get("tiers")),
        "reserve_counts": _tier_counts(spec, run.summary.get("reserve_tiers")),
        "filters": {**{f: getattr(chosen, f) for f in FILTERS}, "ordering": chosen.ordering, **dict(chosen.groups)},
        "groups": groups,
        "rank_groups": [{"group": g, "label": group_label(g)} for g in spec.rank_within],
        "has_uncertainty": "rank_p5" in table.columns,
        "rows": [_table_row(spec, inner, row) for row in page.object_list],
        "page": _page_info(page),
        "visible_rows": len(table),
    }
    return _answer(
        request, "evaluations/run_detail.html", data, as_json,
        page_obj=page, query=query.urlencode(), orderings=_orderings(),
    )  # fmt: skip


# --- an entity: its grade and why --------------------------------------------------------------------------
def _indicators(explained: dict[str, Any]) -> list[dict[str, Any]]:
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


def _what_if(explained: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**option, "percent": option["change"] * 100, "raise": option["change"] >= 0}
        for option in (explained.get("what_if") or {}).get("options", [])
    ]


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


def _sub_indices(explained: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**n, "percentile_percent": None if n.get("percentile") is None else n["percentile"] * 100}
        for n in explained.get("nodes", [])
        if not n["leaf"] and n["depth"] > 0
    ]


def _factor_names() -> dict[str, str]:
    """The production factors a class's policies differentiate (浙政发〔2018〕5号)."""
    return {"land": _("Land"), "electricity": _("Electricity"), "water": _("Water"), "gas": _("Gas"),
            "emissions": _("Emissions")}  # fmt: skip


def _policies(explained: dict[str, Any]) -> list[dict[str, Any]]:
    names = _factor_names()
    return [
        {**p, "factor_name": names.get(str(p.get("factor", "")), str(p.get("factor", "")))}
        for p in explained.get("policies", [])
        if isinstance(p, dict)
    ]


def _names(explained: dict[str, Any], codes: list[str]) -> list[str]:
    names = {leaf["code"]: leaf["name"] for leaf in explained.get("indicators", [])}
    return [names.get(code, code) for code in codes]


@login_required
def entity_detail(request: HttpRequest, pk: int, entity_id: str, as_json: bool = False) -> HttpResponse:
    run = _visible_run(request, pk)
    spec = run.spec.parsed
    try:
        explained = _read(operations.explain, run, entity_id, request.user)
    except LookupError as exc:
        raise Http404(_("No such entity in this run.")) from exc
    tiers = {t.code: t.name for t in spec.tiers}
    data = {
        "run": run_dict(run),
        "spec": spec_dict(spec),
        "entity": explained,
        "indicators": _indicators(explained),
        "sub_indices": _sub_indices(explained),
        "strength_names": _names(explained, explained.get("strengths", [])),
        "weakness_names": _names(explained, explained.get("weaknesses", [])),
        "what_if": _what_if(explained),
        "what_if_note": _what_if_note(explained),
        "policies": _policies(explained),
        "tier_name": tiers.get(explained.get("tier") or "", ""),
        "reserve_tier_name": tiers.get(explained.get("reserve_tier") or "", ""),
    }
    return _answer(request, "evaluations/entity_detail.html", data, as_json)


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
