"""Registry pages: the region tree, industries, the digital-economy classification, enterprises, imports.

Every queryset starts from `visible_to(request.user)`; views only choose what to show. Every table is a
`DataTable` (sort, search, filters, pages, Excel/CSV export; see `tables.py`), and every page also answers as
JSON with `?format=json` (DESIGN §2). Imports check a file first and keep it on the server until the person
confirms (`core.pending`): what lands is exactly the file that was checked.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from industrybrain.accounts.choices import Role
from industrybrain.core import pending
from industrybrain.core.bulk_import import ImportReport
from industrybrain.core.datatable import DataTable
from industrybrain.core.models import ObjectChange
from industrybrain.core.tabular import TableError, read_table

from . import tables
from .filtersets import EnterpriseFilterSet
from .forms import KIND_LABELS, DigitalEconomyImportForm, ImportForm
from .models import DigitalEconomyVersion, Enterprise, Industry, Park, Region
from .operations import (
    IMPORTERS,
    current_digital_economy_version,
    export_file,
    import_digital_economy_classification,
    import_table,
)

PRIMARY_FILTERS = ("region", "park", "industry", "is_above_scale", "status")
# Table parameters the filter form keeps when it is submitted (the table's own form keeps the filters).
TABLE_PARAMS = ("q", "sort", "per_page")
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
REGISTRY_IMPORT = "registry"  # the kind of pending upload (core.pending) of this page
CLASSIFICATION_REPORT = "digital_economy"


def _wants_json(request: HttpRequest) -> bool:
    return request.GET.get("format") == "json"


def _json(data: dict[str, Any]) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _exported(*tables_: DataTable) -> HttpResponse | None:
    """The file one of the page's tables was asked to export (?export= with its prefix), if any."""
    for table in tables_:
        if (response := table.export_response()) is not None:
            return response
    return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Start at the top of the user's scope; an enterprise user starts at their enterprise."""
    if request.user.role == Role.ENTERPRISE and request.user.enterprise_id:
        return redirect("enterprise-detail", uscc=request.user.enterprise.uscc)
    path = request.user.scope_path
    if path is None:
        return render(request, "registry/no_scope.html")
    return redirect("region-detail", code=path.strip("/").split("/")[-1])


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    region = get_object_or_404(Region.objects.visible_to(user), code=code)
    enterprises = Enterprise.objects.visible_to(user).in_region(region)
    parks = Park.objects.visible_to(user).filter(region__path__startswith=region.path).order_by("code")
    children = tables.children_table(request, region, user, enterprises)
    park_table = tables.park_table(request, parks)
    divisions = tables.division_table(request, region, enterprises)
    if (response := _exported(children, park_table, divisions)) is not None:
        return response
    summary = enterprises.summary()
    if _wants_json(request):
        return _json(
            {
                "region": {"code": region.code, "name": region.name, "level": region.level},
                "summary": {k: (float(v) if isinstance(v, Decimal) else v) for k, v in summary.items()},
                "subdivisions": children.as_dict(),
                "parks": park_table.as_dict(),
                "divisions": divisions.as_dict(),
            }
        )
    context = {
        "region": region,
        "ancestors": Region.objects.visible_to(user).filter(code__in=region.ancestor_codes()).order_by("code"),
        "summary": summary,
        "children": children,
        "parks": park_table,
        "divisions": divisions,
    }
    return render(request, "registry/region_detail.html", context)


@login_required
def industry_list(request: HttpRequest) -> HttpResponse:
    """One level of the GB/T 4754 tree at a time, with how many visible enterprises fall under each node."""
    parent_code = request.GET.get("parent") or None
    parent = get_object_or_404(Industry, code=parent_code) if parent_code else None
    table = tables.industry_table(request, list(Industry.objects.filter(parent=parent).order_by("code")), request.user)
    if (response := table.export_response()) is not None:
        return response
    trail = []
    node = parent
    while node is not None:
        trail.insert(0, node)
        node = node.parent
    if _wants_json(request):
        return _json({"parent": parent.code if parent else None, "trail": [n.code for n in trail], **table.as_dict()})
    return render(request, "registry/industry_list.html", {"parent": parent, "table": table, "trail": trail})


@login_required
def digital_economy(request: HttpRequest) -> HttpResponse:
    versions = DigitalEconomyVersion.objects.all()
    chosen = request.GET.get("version")
    if chosen and not chosen.isdigit():
        raise Http404
    version = get_object_or_404(versions, pk=chosen) if chosen else current_digital_economy_version()
    if request.method == "POST":
        return _import_classification(request)
    categories = version.categories.prefetch_related("mappings") if version else []
    table = tables.category_table(request, categories)
    report = pending.find(request.GET.get("report", ""), request.user, CLASSIFICATION_REPORT)
    errors = tables.error_table(request, report.report["errors"], prefix="err-") if report else None
    if (response := _exported(table, *([errors] if errors else []))) is not None:
        return response
    if _wants_json(request):
        data = {"version": version.name if version else None, "versions": [v.name for v in versions]}
        return _json({**data, "categories": table.as_dict(), "errors": errors.as_dict() if errors else None})
    context = {
        "versions": versions,
        "version": version,
        "table": table,
        "upload_form": DigitalEconomyImportForm(),
        "report": report.report if report else None,
        "errors": errors,
    }
    return render(request, "registry/digital_economy.html", context)


def _import_classification(request: HttpRequest) -> HttpResponse:
    """Load an official edition; on errors, show them (kept as a report, so the table sorts and exports)."""
    if not request.user.can_manage_reference_data:
        raise PermissionDenied
    form = DigitalEconomyImportForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            table = read_table(upload.read(), upload.name, settings.IMPORT_MAX_ROWS)
        except TableError as exc:
            form.add_error("file", str(exc))
        else:
            report = import_digital_economy_classification(
                table, form.cleaned_data["version_name"], source=form.cleaned_data["source"]
            )
    if report is not None and report.applied:
        name = form.cleaned_data["version_name"]
        messages.success(request, _("Loaded %(name)s as the current version.") % {"name": name})
        return redirect("digital-economy")
    if report is not None:
        kept = pending.stash(request.user, CLASSIFICATION_REPORT, report.file, report.as_dict(), None)
        messages.error(request, _("The table was not loaded: see the errors below."))
        return redirect(reverse("digital-economy") + f"?report={kept.token}")
    version = current_digital_economy_version()
    table = tables.category_table(request, version.categories.prefetch_related("mappings") if version else [])
    context = {"versions": DigitalEconomyVersion.objects.all(), "version": version, "table": table}
    return render(request, "registry/digital_economy.html", {**context, "upload_form": form}, status=400)


def _filtered_enterprises(request: HttpRequest) -> EnterpriseFilterSet:
    queryset = Enterprise.objects.visible_to(request.user).select_related("region", "park", "industry")
    return EnterpriseFilterSet(request.GET, queryset=queryset.order_by("uscc"), request=request)


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    filterset = _filtered_enterprises(request)
    table = tables.enterprise_table(request, filterset.qs)
    if (response := table.export_response()) is not None:
        return response
    if _wants_json(request):
        return _json({"filters": {k: v for k, v in request.GET.items() if k in filterset.filters}, **table.as_dict()})
    query = request.GET.copy()
    for name in ("page", "export", "format"):
        query.pop(name, None)
    context = {
        "filter": filterset,
        "table": table,
        "query": query.urlencode(),
        "primary_filters": PRIMARY_FILTERS,
        "kept_params": [(k, request.GET[k]) for k in TABLE_PARAMS if request.GET.get(k)],
    }
    return render(request, "registry/enterprise_list.html", context)


@login_required
def enterprise_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise = get_object_or_404(
        Enterprise.objects.visible_to(request.user).select_related("region", "park__region", "industry"), uscc=uscc
    )
    changes = None
    if request.user.is_administrator:
        history = ObjectChange.objects.visible_to(request.user).filter(
            content_type__model="enterprise", object_id=str(enterprise.pk)
        )
        changes = tables.change_table(request, history, name="enterprise-changes", prefix="chg-")
        if (response := changes.export_response()) is not None:
            return response
    if _wants_json(request):
        row = tables.enterprise_rows(Enterprise.objects.filter(pk=enterprise.pk)).get()
        return _json({"enterprise": row, "changes": changes.as_dict() if changes else None})
    return render(request, "registry/enterprise_detail.html", {"enterprise": enterprise, "changes": changes})


def _download(data: bytes, filename: str, file_format: str) -> HttpResponse:
    response = HttpResponse(data, content_type=EXPORT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def export(request: HttpRequest, kind: str, file_format: str) -> HttpResponse:
    """Download what the user may see, in the layout the import reads back; the enterprise export follows the
    list's filters."""
    if kind not in IMPORTERS or file_format not in EXPORT_TYPES:
        raise Http404
    queryset = _filtered_enterprises(request).qs if kind == "enterprises" else None
    data = export_file(kind, request.user, file_format, queryset)
    return _download(data, f"{kind}.{file_format}", file_format)


# --- the two-step import -------------------------------------------------------------------------------------
def _require_editor(request: HttpRequest) -> None:
    if not request.user.can_edit_master_data:
        raise PermissionDenied


def _keep(request: HttpRequest, report: ImportReport, data: bytes | None) -> HttpResponse:
    """Keep the report (and, when it passed, the checked bytes) and show it at its own address."""
    kept = pending.stash(
        request.user, REGISTRY_IMPORT, report.file, report.as_dict(), data if report.ok else None, {"kind": report.kind}
    )
    return redirect("registry-import-check", token=kept.token)


@login_required
def registry_import(request: HttpRequest) -> HttpResponse:
    """Upload → dry-run report → confirm. The confirmed file is the very bytes that were checked."""
    _require_editor(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            table = read_table(data, upload.name, settings.IMPORT_MAX_ROWS)
        except TableError as exc:
            form.add_error("file", str(exc))
        else:
            return _keep(request, import_table(form.cleaned_data["kind"], table, request.user, dry_run=True), data)
    status = 400 if request.method == "POST" else 200
    return render(request, "registry/import.html", {"form": form, "kind_labels": KIND_LABELS}, status=status)


@login_required
def registry_import_check(request: HttpRequest, token: str) -> HttpResponse:
    """The report of a checked file, with the confirmation button when nothing is wrong."""
    _require_editor(request)
    kept = pending.find(token, request.user, REGISTRY_IMPORT)
    if kept is None:
        message = _("That import is no longer pending; upload the file again.")
        if _wants_json(request):
            return JsonResponse({"error": message}, status=404)
        messages.error(request, message)
        return redirect("registry-import")
    errors = tables.error_table(request, kept.report["errors"])
    if (response := errors.export_response()) is not None:
        return response
    report = {**kept.report, "ok": not kept.report["errors"], "confirmable": kept.confirmable}
    if _wants_json(request):
        return _json({**report, "errors": errors.as_dict()})
    context = {"form": ImportForm(), "report": report, "errors": errors, "token": kept.token}
    return render(request, "registry/import.html", {**context, "kind_labels": KIND_LABELS})


@login_required
@require_POST
def registry_import_confirm(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    taken = pending.take_for_confirmation(request, REGISTRY_IMPORT, "registry-import-check", "registry-import")
    if not isinstance(taken, tuple):
        return taken
    kept, data = taken
    table = read_table(data, kept.name, settings.IMPORT_MAX_ROWS)
    report = import_table(kept.options["kind"], table, request.user, dry_run=False)
    if report.applied:
        messages.success(
            request,
            _("Imported %(file)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {
                "file": report.file,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            },
        )
        return redirect("registry-import")
    # Something changed since the dry run (e.g. another user's import); show why, nothing was written.
    messages.error(request, _("The file no longer passes the checks; nothing was imported."))
    return _keep(request, report, None)


@login_required
def change_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_administrator:
        raise PermissionDenied
    changes = ObjectChange.objects.visible_to(request.user).select_related("content_type")
    table = tables.change_table(request, changes)
    if (response := table.export_response()) is not None:
        return response
    if _wants_json(request):
        return _json(table.as_dict())
    return render(request, "registry/change_list.html", {"table": table})
