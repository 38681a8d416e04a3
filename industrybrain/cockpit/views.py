"""The cockpit's pages: each builds one context and answers as HTML or, with `.json`, as JSON (DESIGN §2)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from industrybrain.accounts.choices import Role
from industrybrain.registry.models import Enterprise, Region

from . import enterprise, geo, overview
from . import map as choropleth


def _region(request: HttpRequest) -> Region:
    """The region asked for (?region=), within the user's scope; by default the top of the scope."""
    user = request.user
    if user.role == Role.ENTERPRISE or user.scope_path is None or user.scope_park_id:
        raise PermissionDenied(_("The cockpit shows regions; this account has no region to show."))
    code = request.GET.get("region") or user.scope_path.strip("/").split("/")[-1]
    region = get_object_or_404(Region, code=code[:6])
    if not region.path.startswith(user.scope_path):
        raise PermissionDenied(_("That region is outside your scope."))
    return region


def _percent(value: float | None, signed: bool = False) -> str:
    if value is None:
        return ""
    return f"{value * 100:+.1f}%" if signed else f"{value * 100:.1f}%"


def _display(card: dict[str, Any]) -> dict[str, Any]:
    """The card with its numbers as the page shows them (the JSON keeps the raw values)."""
    value = card["value"]
    if card["unit"] == "%":
        text, unit = _percent(value) or "—", ""
    else:
        text, unit = ("—" if value is None else f"{value:,.2f}"), card["unit"]
    return {**card, "value_text": text, "unit_text": unit, "growth_text": _percent(card.get("growth"), signed=True),
            "share_text": _percent(card.get("share_of_all"))}  # fmt: skip


@login_required
def home(request: HttpRequest, as_json: bool = False) -> HttpResponse:
    region = _region(request)
    data: dict[str, Any] = overview.cached(region)
    if as_json or request.GET.get("format") == "json":
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    children = list(region.children.filter(is_active=True).order_by("code").values("code", "name"))
    page = {**data, "cards": [_display(c) for c in data["cards"]]}
    return render(request, "cockpit/overview.html", {"data": page, "children": children})


@login_required
def enterprise_360(request: HttpRequest, uscc: str, as_json: bool = False) -> HttpResponse:
    """One enterprise's registry record, trends, grades and requests; 404 outside the user's scope."""
    visible = Enterprise.objects.visible_to(request.user).select_related("region", "park__region", "industry")
    firm = get_object_or_404(visible, uscc=uscc)
    data = enterprise.build(firm, request.user)
    if as_json or request.GET.get("format") == "json":
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    parts = enterprise.page(request, data)
    for table in parts["tables"]:
        if (exported := table.export_response()) is not None:
            return exported
    return render(request, "cockpit/enterprise.html", {"data": data, **parts})


def _up_link(code: str, region: Region, user: Any, choice: choropleth.Choice) -> str | None:
    """A link up to an ancestor's map when the ancestor lies inside the user's scope (else only its name)."""
    parts = region.path.strip("/").split("/")
    path = "/".join(parts[: parts.index(code) + 1]) + "/"
    return choropleth.map_url(code, choice) if path.startswith(user.scope_path or "") else None


@login_required
def region_map(request: HttpRequest, as_json: bool = False) -> HttpResponse:
    """The choropleth of a region's parts for an indicator or an evaluation, with its ranked list."""
    region = _region(request)
    choice = choropleth.choice_from(request.GET)
    try:
        data = choropleth.cached(region, choice, request.user)
    except choropleth.MapError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    if as_json or request.GET.get("format") == "json":
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    table = choropleth.table(request, data)
    if (exported := table.export_response()) is not None:
        return exported
    crumbs = [{**a, "url": _up_link(a["code"], region, request.user, choice)} for a in data["ancestors"]]
    parts = {"crumbs": crumbs, "table": table, "county_line": choropleth.county_line(data)}
    return render(request, "cockpit/map.html", {"data": data, **parts})


@login_required
def boundaries(request: HttpRequest, key: str) -> HttpResponse:
    """The GeoJSON a map is drawn on, from the package files copied at set-up (never fetched at run time)."""
    found = geo.features(key)
    if found is None:
        raise Http404(_("The map boundaries are not installed: run `industrybrain assets`."))
    codes = [f["properties"]["code"] for f in found]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    response = JsonResponse(geo.collection(key, names), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, max-age=86400"  # the URL carries the files' stamp (?v=…)
    return response
