"""The cockpit's pages: each builds one context and answers as HTML or, with `.json`, as JSON (DESIGN §2)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from industrybrain.accounts.choices import Role
from industrybrain.registry.models import Region

from . import overview


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
