"""The Imports page for statistics: upload a file, read the dry-run report, confirm; the batch history and one
batch's page. Each page also answers as JSON (`.json`, or `?format=json`; DESIGN §2).

The pipeline is `operations.import_facts` / `import_records`, as the CLI and the API call it. Between the check
and the confirmation the checked bytes wait on the server (`core.pending`), under a random token bound to the
user, expiring, and usable once: the confirmation lands exactly the file whose report the person read, and a
file with blocking errors is never kept, so it cannot be confirmed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from industrybrain.analytics.batches import MAX_ROWS, batch_values
from industrybrain.analytics.engine import StoreBusy
from industrybrain.core import pending
from industrybrain.core.datatable import DataTable
from industrybrain.core.times import local_minute

from . import pages
from .choices import BatchStatus
from .forms import DemoFileForm, FactImportForm
from .models import ImportBatch
from .operations import may_import_facts
from .uploads import demo_files, import_upload

PENDING_KIND = "facts"


def _answer(request: HttpRequest, as_json: bool, data: dict[str, Any], template: str, **extra: Any) -> HttpResponse:
    if as_json or request.GET.get("format") == "json":
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    return render(request, template, {**data, **extra})


def _exported(*tables: DataTable) -> HttpResponse | None:
    for table in tables:
        if (response := table.export_response()) is not None:
            return response
    return None


def _gone(request: HttpRequest, as_json: bool, page: str) -> HttpResponse:
    """A check that was confirmed, discarded, expired or is someone else's: say so on the upload page."""
    message = _("That import is no longer pending; upload the file again.")
    if as_json or request.GET.get("format") == "json":
        return JsonResponse({"error": message}, status=404)
    messages.error(request, message)
    return redirect(page)


def _require_importer(request: HttpRequest) -> None:
    if not may_import_facts(request.user):
        raise PermissionDenied(_("You may not import statistics."))


# --- upload and history --------------------------------------------------------------------------------------
@login_required
def imports(request: HttpRequest, as_json: bool = False) -> HttpResponse:
    """The upload form (for those who may import) and the history of the batches the user may see."""
    form = FactImportForm()
    samples = demo_files()
    status = 200
    if request.method == "POST":
        _require_importer(request)
        form = FactImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            checked = _check(request, upload.read(), upload.name, form.cleaned_data["period"])
            if checked is not None:
                return checked
            form.add_error(None, _("The statistics store is busy (another process holds it); try again shortly."))
        status = 400
    history = pages.history_table(request, request.user)
    if (response := history.export_response()) is not None:
        return response
    data = {"may_import": may_import_facts(request.user), "demo_files": list(samples), "batches": history.as_dict()}
    pages.show_history(history)
    demo_form = DemoFileForm(names=list(samples)) if samples else None
    response = _answer(request, as_json, data, "datahub/imports.html", form=form, history=history, demo_form=demo_form)
    response.status_code = status
    return response


@login_required
@require_POST
def check_demo_file(request: HttpRequest) -> HttpResponse:
    """Check one of the demo's sample files, read on the server by its listed name (never a posted path)."""
    _require_importer(request)
    samples = demo_files()
    form = DemoFileForm(request.POST, names=list(samples))
    if not form.is_valid():
        messages.error(request, _("Choose one of the sample files."))
        return redirect("fact-imports")
    name = form.cleaned_data["demo_file"]
    checked = _check(request, samples[name].read_bytes(), name, "")
    if checked is None:
        messages.error(request, _("The statistics store is busy (another process holds it); try again shortly."))
        return redirect("fact-imports")
    return checked


def _check(request: HttpRequest, data: bytes, name: str, period: str) -> HttpResponse | None:
    """Dry-run the file and keep its report (and, when nothing blocks it, its bytes) for the report page."""
    try:
        report = import_upload(data, name, request.user, dry_run=True, period=period)
    except StoreBusy:
        return None
    kept = pending.stash(
        request.user, PENDING_KIND, name, report.as_dict(), data if report.ok else None, {"period": period}
    )
    return redirect("fact-import-check", token=kept.token)


@login_required
def demo_file(request: HttpRequest, name: str) -> HttpResponse:
    """Download a demo sample file, to look at it or to try the upload with it."""
    _require_importer(request)
    samples = demo_files()
    if name not in samples:
        raise Http404
    return FileResponse(samples[name].open("rb"), as_attachment=True, filename=name)


# --- the dry-run report and the confirmation -----------------------------------------------------------------
@login_required
def check(request: HttpRequest, token: str, as_json: bool = False) -> HttpResponse:
    _require_importer(request)
    kept = pending.find(token, request.user, PENDING_KIND)
    if kept is None:
        return _gone(request, as_json, "fact-imports")
    report = kept.report
    errors = pages.error_table(request, report["errors"])
    warnings = pages.warning_table(request, report["warnings"])
    if (response := _exported(errors, warnings)) is not None:
        return response
    data = {
        "token": kept.token,
        "file": kept.name,
        "period": kept.options.get("period", ""),
        "confirmable": kept.confirmable,
        "expires": datetime.fromtimestamp(kept.expires, tz=UTC).isoformat(),
        "listed_errors": len(report["errors"]),
        "warning_count": len(report["warnings"]),
        "report": {k: v for k, v in report.items() if k not in ("errors", "warnings")},
        "layout_label": pages.layouts().get(report.get("layout", ""), ""),
        "errors": errors.as_dict(),
        "warnings": warnings.as_dict(),
    }
    expires_at = local_minute(datetime.fromisoformat(data["expires"]))
    return _answer(
        request, as_json, data, "datahub/check.html", error_table=errors, warning_table=warnings, expires_at=expires_at
    )


@login_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    taken = pending.take_for_confirmation(request, PENDING_KIND, "fact-import-check", "fact-imports")
    if not isinstance(taken, tuple):
        return taken
    kept, data = taken
    try:
        report = import_upload(data, kept.name, request.user, dry_run=False, period=kept.options.get("period", ""))
    except StoreBusy:
        messages.error(request, _("The statistics store is busy (another process holds it); try again shortly."))
        return redirect("fact-imports")
    if report.ok and report.batch_id:
        messages.success(
            request,
            _("Imported %(file)s as batch %(batch)s: %(new)d new, %(changed)d corrected, %(unchanged)d unchanged.")
            % {
                "file": report.file,
                "batch": report.batch_id,
                "new": report.new,
                "changed": report.changed,
                "unchanged": report.unchanged,
            },
        )
        return redirect("fact-batch", pk=report.batch_id)
    # Something changed since the check (another batch, an edited rule): show why; nothing landed.
    refused = pending.stash(request.user, PENDING_KIND, kept.name, report.as_dict(), None, kept.options)
    messages.error(request, _("The file no longer passes the checks; nothing was imported."))
    return redirect("fact-import-check", token=refused.token)


@login_required
@require_POST
def discard(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    if pending.discard(request.POST.get("token", ""), request.user, PENDING_KIND):
        messages.info(request, _("The checked file was discarded; nothing was imported."))
    return redirect("fact-imports")


# --- one batch -----------------------------------------------------------------------------------------------
@login_required
def batch_detail(request: HttpRequest, pk: int, as_json: bool = False) -> HttpResponse:
    batch = get_object_or_404(ImportBatch.objects.visible_to(request.user).select_related("user"), pk=pk)
    found = batch_values(batch.pk) if batch.status == BatchStatus.LANDED else None
    values = pages.value_table(request, pages.value_rows(found.rows if found else [], request.user))
    warnings = pages.warning_table(request, batch.warnings)
    if (response := _exported(values, warnings)) is not None:
        return response
    data = {
        "batch": pages.batch_dict(batch),
        "values_total": found.total if found else 0,
        "values_truncated": found.truncated if found else False,
        "warnings": warnings.as_dict(),
        "values": values.as_dict(),
    }
    return _answer(
        request,
        as_json,
        data,
        "datahub/batch.html",
        batch=batch,
        started=local_minute(batch.started),
        finished=local_minute(batch.finished),
        data_version=data["batch"]["data_version"],
        value_limit=MAX_ROWS,
        value_table=values,
        warning_table=warnings,
    )
