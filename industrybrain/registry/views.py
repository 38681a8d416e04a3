"""Registry pages: the region tree, industries, the digital-economy classification, enterprises, imports.

Every queryset starts from `visible_to(request.user)`; views only choose what to show.
"""

from __future__ import annotations

import secrets
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from industrybrain.accounts.choices import Role
from industrybrain.core.bulk_import import ImportReport
from industrybrain.core.models import ObjectChange
from industrybrain.core.tabular import TableError, read_table

from .choices import IndustryLevel
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

PAGE_SIZE = 50
PRIMARY_FILTERS = ("q", "region", "park", "industry", "is_above_scale", "status")
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _page(request: HttpRequest, queryset: object) -> object:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


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
    children = [
        (child, enterprises.in_region(child).count()) for child in region.children.visible_to(user).order_by("code")
    ]
    parks = Park.objects.visible_to(user).filter(region__path__startswith=region.path).select_related("region")
    by_division = Counter[str]()
    for class_code, n in enterprises.count_by_industry().items():
        by_division[class_code[:2]] += n
    divisions = Industry.objects.in_bulk([c for c, _n in by_division.most_common(10)])
    context = {
        "region": region,
        "ancestors": Region.objects.visible_to(user).filter(code__in=region.ancestor_codes()).order_by("code"),
        "summary": enterprises.summary(),
        "children": children,
        "parks": parks.order_by("code")[:100],
        "top_divisions": [(divisions[c], n) for c, n in by_division.most_common(10) if c in divisions],
    }
    return render(request, "registry/region_detail.html", context)


@login_required
def industry_list(request: HttpRequest) -> HttpResponse:
    """One level of the GB/T 4754 tree at a time, with how many visible enterprises fall under each node."""
    parent_code = request.GET.get("parent") or None
    parent = get_object_or_404(Industry, code=parent_code) if parent_code else None
    nodes = list(Industry.objects.filter(parent=parent).order_by("code"))
    counts = Enterprise.objects.visible_to(request.user).count_by_industry()
    sections = dict(Industry.objects.filter(level=IndustryLevel.CLASS).values_list("code", "section"))
    rows = [(node, sum(n for c, n in counts.items() if node.covers(c, sections.get(c, "")))) for node in nodes]
    trail = []
    node = parent
    while node is not None:
        trail.insert(0, node)
        node = node.parent
    return render(request, "registry/industry_list.html", {"parent": parent, "rows": rows, "trail": trail})


@login_required
def digital_economy(request: HttpRequest) -> HttpResponse:
    versions = DigitalEconomyVersion.objects.all()
    chosen = request.GET.get("version")
    if chosen and not chosen.isdigit():
        raise Http404
    version = get_object_or_404(versions, pk=chosen) if chosen else current_digital_economy_version()
    categories = version.categories.prefetch_related("mappings__industry") if version else []
    upload_form, report = DigitalEconomyImportForm(), None
    if request.method == "POST":
        upload_form, report = _import_classification(request)
        if report is not None and report.applied:
            name = upload_form.cleaned_data["version_name"]
            messages.success(request, _("Loaded %(name)s as the current version.") % {"name": name})
            return redirect("digital-economy")
    context = {
        "versions": versions,
        "version": version,
        "categories": categories,
        "upload_form": upload_form,
        "report": report,
    }
    return render(request, "registry/digital_economy.html", context)


def _import_classification(request: HttpRequest) -> tuple[DigitalEconomyImportForm, ImportReport | None]:
    if not request.user.can_manage_reference_data:
        raise PermissionDenied
    form = DigitalEconomyImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return form, None
    upload = form.cleaned_data["file"]
    try:
        table = read_table(upload.read(), upload.name, settings.IMPORT_MAX_ROWS)
    except TableError as exc:
        form.add_error("file", str(exc))
        return form, None
    report = import_digital_economy_classification(
        table, form.cleaned_data["version_name"], source=form.cleaned_data["source"]
    )
    return form, report


def _filtered_enterprises(request: HttpRequest) -> EnterpriseFilterSet:
    queryset = Enterprise.objects.visible_to(request.user).select_related("region", "park", "industry")
    return EnterpriseFilterSet(request.GET, queryset=queryset.order_by("uscc"), request=request)


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    filterset = _filtered_enterprises(request)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/enterprise_list.html",
        {
            "filter": filterset,
            "page": _page(request, filterset.qs),
            "query": query.urlencode(),
            "primary_filters": PRIMARY_FILTERS,
        },
    )


@login_required
def enterprise_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise = get_object_or_404(
        Enterprise.objects.visible_to(request.user).select_related("region", "park__region", "industry"), uscc=uscc
    )
    changes = ObjectChange.objects.visible_to(request.user).filter(
        content_type__model="enterprise", object_id=str(enterprise.pk)
    )[:20]
    return render(request, "registry/enterprise_detail.html", {"enterprise": enterprise, "changes": changes})


def _download(data: bytes, filename: str, file_format: str) -> HttpResponse:
    response = HttpResponse(data, content_type=EXPORT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def export(request: HttpRequest, kind: str, file_format: str) -> HttpResponse:
    """Download what the user may see; the enterprise export follows the list's filters."""
    if kind not in IMPORTERS or file_format not in EXPORT_TYPES:
        raise Http404
    queryset = _filtered_enterprises(request).qs if kind == "enterprises" else None
    data = export_file(kind, request.user, file_format, queryset)
    return _download(data, f"{kind}.{file_format}", file_format)


def _stash_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "pending-imports"


@login_required
def registry_import(request: HttpRequest) -> HttpResponse:
    """Upload → dry-run report → confirm. The confirmed file is the very bytes that were checked."""
    if not request.user.can_edit_master_data:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            table = read_table(data, upload.name, settings.IMPORT_MAX_ROWS)
        except TableError as exc:
            form.add_error("file", str(exc))
        else:
            report = import_table(form.cleaned_data["kind"], table, request.user, dry_run=True)
            if report.ok:
                token = secrets.token_hex(16)
                _stash_dir().mkdir(parents=True, exist_ok=True)
                (_stash_dir() / token).write_bytes(data)
                request.session["pending_import"] = {
                    "token": token,
                    "kind": form.cleaned_data["kind"],
                    "name": upload.name,
                }
    return render(request, "registry/import.html", {"form": form, "report": report, "kind_labels": KIND_LABELS})


@login_required
@require_POST
def registry_import_confirm(request: HttpRequest) -> HttpResponse:
    pending = request.session.pop("pending_import", None)
    if not request.user.can_edit_master_data:
        raise PermissionDenied
    if not pending or pending["token"] != request.POST.get("token"):
        messages.error(request, _("That import is no longer pending; upload the file again."))
        return redirect("registry-import")
    stashed = _stash_dir() / pending["token"]
    table = read_table(stashed.read_bytes(), pending["name"], settings.IMPORT_MAX_ROWS)
    stashed.unlink(missing_ok=True)
    report = import_table(pending["kind"], table, request.user, dry_run=False)
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
    return render(request, "registry/import.html", {"form": ImportForm(), "report": report})


@login_required
def change_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_administrator:
        raise PermissionDenied
    changes = ObjectChange.objects.visible_to(request.user).select_related("content_type")
    return render(request, "registry/change_list.html", {"page": _page(request, changes)})
