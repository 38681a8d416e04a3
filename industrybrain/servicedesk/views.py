"""Service-desk pages: the queue, filing a request, one request with the actions its reader may take, the board.

Each page builds one context and answers as HTML, or as JSON when the path ends with `.json` or the query says
`?format=json` (DESIGN §2). Requests come from `ServiceRequest.objects.visible_to(user)`: one the user may not
see is a 404. Every change is made by `operations`; a refused action is shown on the form that asked for it
and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.forms import Form
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from industrybrain.accounts.choices import Role
from industrybrain.core.datatable import DataTable
from industrybrain.core.tabular import write_csv, write_xlsx
from industrybrain.core.times import local_minute

from . import board as board_data
from . import forms, queues, tables, workdays
from .attachments import add_attachment
from .choices import DONE_STATUSES, OPEN_STATUSES, Action, Channel, Satisfaction, Status
from .models import Category, ServiceRequest
from .operations import file_request
from .queues import late, request_rows, visible
from .transitions import TransitionError, available, check

PAGE_SIZE = 50
BOARD_PAGE_SIZE = 25  # a department's queue on the board
# Clerks too: the board shows them their department's queue first, and figures only over what they see.
BOARD_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR, Role.ANALYST, Role.CLERK)
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
RATES = (
    ("signed_in_time_rate", gettext_lazy("Signed in time")),
    ("closed_rate", gettext_lazy("Closure rate")),
    ("on_time_rate", gettext_lazy("On-time rate")),
    ("return_rate", gettext_lazy("Return rate")),
    ("redo_rate", gettext_lazy("Redo rate")),
    ("satisfaction_rate", gettext_lazy("Satisfaction rate")),
)


# --- answering as HTML or JSON -----------------------------------------------------------------------------
def _answer(
    request: HttpRequest, template: str, data: dict[str, Any], as_json: bool, status: int = 200, **extra: Any
) -> HttpResponse:
    """The page, or its context as JSON (`extra` holds what only the template needs, such as forms)."""
    if as_json or request.GET.get("format") == "json":
        return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    return render(request, template, {**data, **extra}, status=status)


def _download(data: bytes, filename: str, file_format: str) -> HttpResponse:
    response = HttpResponse(data, content_type=EXPORT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the queue ---------------------------------------------------------------------------------------------
def _queue(request: HttpRequest, now: dt.datetime) -> tuple[forms.QueueFilterForm, QuerySet]:
    """The user's requests after the filters, as rows: for staff overdue first, then by deadline; enterprises
    newest first."""
    user = request.user
    form = forms.QueueFilterForm(user, request.GET)
    requests = visible(user)
    if form.is_valid():
        data = form.cleaned_data
        if text := data["q"].strip():
            requests = requests.filter(
                Q(number__icontains=text) | Q(title__icontains=text) | Q(enterprise__name__icontains=text)
                | Q(enterprise__uscc=text.upper())
            )  # fmt: skip
        if data["status"]:
            requests = requests.filter(status__in=OPEN_STATUSES if data["status"] == "open" else [data["status"]])
        if data["category"]:
            requests = requests.filter(category__code=data["category"])
        if data.get("department"):
            requests = requests.filter(lead_department__code=data["department"])
        if data["overdue"]:
            requests = requests.filter(late(now))
    rows = request_rows(requests, now)
    if user.role == Role.ENTERPRISE:
        return form, rows.order_by("-created", "-number")
    return form, rows.order_by("-late", "done", F("deadline").asc(nulls_last=True), "-created", "-number")


def _queue_table(request: HttpRequest, rows: QuerySet) -> DataTable:
    """Sorting and pages by the table; searching and choosing by the queue's own filter form."""
    columns = tables.request_columns(department=request.user.role != Role.ENTERPRISE, search=False)
    table = DataTable(request, columns, rows, name="service-requests", per_page=PAGE_SIZE)
    for row in table.page_rows:
        row["url"] = tables.request_url(row)
    return table


@login_required
def queue(request: HttpRequest, as_json: bool = False) -> HttpResponse:
    form, rows = _queue(request, timezone.now())
    table = _queue_table(request, rows)
    query = table.link(page=None)
    exports = [(f".{kind}", reverse("servicedesk-export", args=[kind]) + query) for kind in ("xlsx", "csv")]
    data = {
        "requests": [tables.request_json(r) for r in table.page_rows],
        "page": {"number": table.page, "pages": table.pages, "count": table.count},
        "sort": table.sort,
        "filters": {name: form.data.get(name, "") for name in form.fields},
        "may_file": forms.may_file(request.user),
        "may_see_board": may_see_board(request.user),
        "warn_hours": settings.SERVICEDESK_WARN_HOURS,
    }
    shown = tables.shown(table, search=False, exports=exports, empty=_("No requests match."))
    return _answer(request, "servicedesk/queue.html", data, as_json, form=form, requests_table=shown,
                   query=query.removeprefix("?"))  # fmt: skip


def _export_columns() -> list[str]:
    return [_("Number"), _("Received"), _("Enterprise"), _("Unified social credit code"), _("Category"),
            _("Title"), _("Channel"), _("Request status"), _("Lead department"), _("Deadline"), _("Overdue"),
            _("Answered at"), _("Closed at"), _("Satisfaction")]  # fmt: skip


@login_required
def export(request: HttpRequest, file_format: str) -> HttpResponse:
    """The queue as filtered and sorted, every page of it."""
    _form, rows = _queue(request, timezone.now())
    table = _queue_table(request, rows)
    channels, ratings, local = dict(Channel.choices), dict(Satisfaction.choices), local_minute
    lines = [
        [r["number"], local(r["created"]), r["enterprise_name"], r["uscc"], r["category_name"], r["title"],
         str(channels.get(r["channel"], r["channel"])), r["status_label"], r["department_name"] or "",
         local(r["deadline"]), _("Yes") if r["late"] else "", local(r["answered_at"]), local(r["closed_at"]),
         str(ratings.get(r["satisfaction"], ""))]
        for r in table.rows
    ]  # fmt: skip
    columns = _export_columns()
    if file_format == "xlsx":
        data = write_xlsx(columns, lines, text_columns=[columns[0], columns[3]])
    else:
        data = write_csv(columns, lines)
    return _download(data, f"service-requests.{file_format}", file_format)


# --- filing ------------------------------------------------------------------------------------------------
def _category_dict(category: Category) -> dict[str, Any]:
    return {
        "code": category.code, "name": forms.localized_name(category), "group": category.group,
        "group_label": category.get_group_display(), "description": category.description,
        "complexity": category.complexity, "attributes": category.attributes,
    }  # fmt: skip


def _file(form: forms.NewRequestForm, user: Any) -> ServiceRequest | None:
    """The request and its attachments, all or nothing; a refusal goes on the form."""
    try:
        with transaction.atomic():
            created = file_request(form.new_request(), user)
            for upload in form.cleaned_data["attachments"]:
                add_attachment(created, user, upload)
    except ValidationError as exc:
        form.operation_error(exc)
        return None
    except (PermissionDenied, TransitionError) as exc:
        form.add_error(None, str(exc))
        return None
    return created


@login_required
def new(request: HttpRequest, as_json: bool = False) -> HttpResponse:
    """Choose a category (the page reloads with its attributes as fields), then fill in and send."""
    user = request.user
    if not forms.may_file(user):
        raise PermissionDenied
    categories = Category.objects.filter(is_active=True)
    code = (request.POST if request.method == "POST" else request.GET).get("category", "")
    category = categories.filter(code=code).first() if code else None
    form = forms.NewRequestForm(user, category, request.POST or None, request.FILES or None) if category else None
    status = 200
    if request.method == "POST":
        if form is not None and form.is_valid() and (created := _file(form, user)) is not None:
            messages.success(request, _("Request %(number)s is filed.") % {"number": created.number})
            return redirect("servicedesk-request", number=created.number)
        if form is None:
            messages.error(request, _("Choose a category."))
        status = 400
    data = {
        "categories": [_category_dict(c) for c in categories],
        "category": _category_dict(category) if category else None,
        "registrar": form is not None and "uscc" in form.fields,
        "errors": form.errors.get_json_data() if form is not None and form.is_bound else {},
    }
    return _answer(
        request, "servicedesk/new.html", data, as_json, status=status, form=form,
        attachment_types=" ".join(settings.SERVICEDESK_ATTACHMENT_TYPES),
        max_attachment_mb=settings.SERVICEDESK_MAX_ATTACHMENT_MB,
    )  # fmt: skip


# --- one request ---------------------------------------------------------------------------------------------
def _clock(r: ServiceRequest, now: dt.datetime) -> dict[str, Any]:
    """Where the request stands against its deadline: running (working days left), overdue, stopped, done."""
    overdue = r.is_overdue(now)
    left = None
    if r.deadline is None or r.status == Status.MERGED:
        state = "none"
    elif r.status in (Status.ANSWERED, *DONE_STATUSES):
        state = "late" if overdue else "on_time"
    elif r.status == Status.SUSPENDED:
        state = "stopped"
    elif overdue:
        state = "overdue"
    else:
        state, left = "running", round(workdays.working_days_taken(now, r.deadline), 1)
    return {"state": state, "overdue": overdue, "working_days_left": left}


def _attribute_rows(r: ServiceRequest) -> list[dict[str, Any]]:
    rows = []
    for attribute in r.category.attributes:
        value = r.attributes.get(attribute["code"])
        if value in (None, "", []):
            continue
        names = {str(v["key"]): forms.localized_name(v) for v in attribute.get("values", [])}
        shown = (
            "、".join(names.get(str(v), str(v)) for v in value)
            if isinstance(value, list)
            else names.get(str(value), f"{value:g}" if isinstance(value, float) else str(value))
        )
        rows.append({"code": attribute["code"], "name": forms.localized_name(attribute), "value": value,
                     "shown": shown})  # fmt: skip
    return rows


def _named(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def _request_dict(r: ServiceRequest, now: dt.datetime) -> dict[str, Any]:
    times = ("created", "dispatched_at", "sign_deadline", "signed_at", "deadline", "suspended_at", "answered_at",
             "closed_at", "rated_at")  # fmt: skip
    counts = ("returned_count", "transferred_count", "reopened_count", "escalated_count", "suspended_days",
              "extended_days")  # fmt: skip
    return {
        "number": r.number, "title": r.title, "description": r.description,
        "status": r.status, "status_label": r.get_status_display(), "level": r.level,
        "level_label": r.get_level_display(), "channel": r.channel, "channel_label": r.get_channel_display(),
        "complexity": r.complexity, "complexity_label": r.get_complexity_display(),
        "enterprise": {"uscc": r.enterprise.uscc, "name": r.enterprise.name},
        "category": {"code": r.category.code, "name": forms.localized_name(r.category)},
        "region": _named(r.region), "handling_region": _named(r.handling_region),
        "lead_department": _named(r.lead_department), "attributes": _attribute_rows(r),
        "contact_name": r.contact_name, "contact_phone": r.contact_phone, "address": r.address,
        **{name: getattr(r, name) for name in times}, **{name: getattr(r, name) for name in counts},
        "answer": r.answer, "satisfaction": r.satisfaction, "satisfaction_label": r.get_satisfaction_display(),
        "rating_comment": r.rating_comment, "clock": _clock(r, now),
        "merged_into": r.merged_into.number if r.merged_into else "",
        "merged": list(r.merged.values_list("number", flat=True)),
    }  # fmt: skip


def _detail_data(r: ServiceRequest, actions: list[str]) -> dict[str, Any]:
    now = timezone.now()
    return {
        "service_request": _request_dict(r, now),
        "parts": [
            {"department": _named(p.department), "role": p.role, "role_label": p.get_role_display(),
             "task": p.task, "result": p.result, "assigned_at": p.assigned_at, "done_at": p.done_at}
            for p in r.parts.select_related("department")
        ],
        "extensions": [
            {"working_days": e.working_days, "reason": e.reason, "status": e.status,
             "status_label": e.get_status_display(), "requested_at": e.requested_at,
             "requested_by": e.requested_by.get_username() if e.requested_by else "",
             "decided_at": e.decided_at, "decided_by": e.decided_by.get_username() if e.decided_by else ""}
            for e in r.extensions.select_related("requested_by", "decided_by")
        ],
        "attachments": [
            {"id": a.pk, "name": a.name, "size": a.size, "content_type": a.content_type, "uploaded_at": a.uploaded_at,
             "uploaded_by": a.uploaded_by.get_username() if a.uploaded_by else ""}
            for a in r.attachments.select_related("uploaded_by")
        ],
        "events": [
            {"time": e.time, "action": e.action, "action_label": e.get_action_display(), "by": e.actor_name,
             "department": e.department.name if e.department else "", "from_status": e.from_status,
             "to_status": e.to_status, "to_label": e.get_to_status_display(), "note": e.note}
            for e in r.events.select_related("department")
        ],
        "actions": [{"action": a, "title": str(forms.ACTION_FORMS[a].title)} for a in actions],
    }  # fmt: skip


def _perform(request: HttpRequest, r: ServiceRequest) -> HttpResponse | Form:
    """Take the posted action; the redirect on success, else the form with the reason it was refused.
    An action the user may never take on this request is a 403."""
    action = request.POST.get("action", "")
    if action == "attach":
        return _attach(request, r)
    form_class = forms.ACTION_FORMS.get(action)
    if form_class is None:
        raise BadRequest("unknown action")
    form = form_class(r, request.user, request.POST, request.FILES)
    try:
        check(r, action, request.user)
        if form.is_valid():
            form.perform()
            messages.success(request, _("Done: %(action)s.") % {"action": Action(action).label})
            return _after(request, r)
    except TransitionError as exc:
        form.add_error(None, str(exc))
    except ValidationError as exc:
        forms.add_operation_error(form, exc)
    return form


def _attach(request: HttpRequest, r: ServiceRequest) -> HttpResponse | forms.AttachForm:
    if Action.COMMENT not in available(r, request.user):  # those who take part in an open request
        raise PermissionDenied
    form = forms.AttachForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            with transaction.atomic():
                for upload in form.cleaned_data["files"]:
                    add_attachment(r, request.user, upload)
        except ValidationError as exc:
            forms.add_operation_error(form, exc, {"file": "files"})
        except (PermissionDenied, TransitionError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Attachments added."))
            return _after(request, r)
    return form


def _after(request: HttpRequest, r: ServiceRequest) -> HttpResponse:
    """Back to the request, or to the queue when the action took it out of the user's sight (a return)."""
    if visible(request.user).filter(pk=r.pk).exists():
        return redirect("servicedesk-request", number=r.number)
    messages.info(request, _("Request %(number)s is no longer with your department.") % {"number": r.number})
    return redirect("servicedesk-queue")


@login_required
def detail(request: HttpRequest, number: str, as_json: bool = False) -> HttpResponse:
    related = ("enterprise", "category", "region__parent__parent", "lead_department", "merged_into")
    r = get_object_or_404(visible(request.user).select_related(*related), number=number)
    posted = None
    if request.method == "POST":
        outcome = _perform(request, r)
        if isinstance(outcome, HttpResponse):
            return outcome
        posted = outcome
    actions = available(r, request.user)
    action_forms = [
        posted if posted is not None and getattr(posted, "action", "") == a else forms.ACTION_FORMS[a](r, request.user)
        for a in actions
    ]
    refused = posted if isinstance(posted, forms.ActionForm) and posted.action not in actions else None
    attach_form = posted if isinstance(posted, forms.AttachForm) else forms.AttachForm()
    return _answer(
        request, "servicedesk/request_detail.html", _detail_data(r, actions), as_json,
        status=400 if posted is not None else 200, action_forms=action_forms, refused=refused,
        attach_form=attach_form if Action.COMMENT in actions else None,
    )  # fmt: skip


@login_required
def attachment(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    r = get_object_or_404(visible(request.user), number=number)
    found = get_object_or_404(r.attachments, pk=pk)
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


# --- the board ---------------------------------------------------------------------------------------------
def may_see_board(user: Any) -> bool:
    return user.is_superuser or user.role in BOARD_ROLES


def _board_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "rates": [{"key": key, "label": label, "percent": board_data.percent(row[key])}
                             for key, label in RATES]}  # fmt: skip


def _board(request: HttpRequest) -> tuple[forms.BoardForm, board_data.Period, dict[str, Any]]:
    if not may_see_board(request.user):
        raise PermissionDenied
    form = forms.BoardForm(request.GET)
    period = board_data.Period(*form.chosen())
    return form, period, board_data.cached(request.user, period)


def _chosen_queue(request: HttpRequest, found: dict[str, Any]) -> dict[str, Any] | None:
    """The department whose queue is open (?dept=): as asked if it is on the board, else the first one (the
    clerk's own department, or the most overdue)."""
    wanted = request.GET.get("dept") or None  # "dept=" (an emptied form field) asks for nothing in particular
    code = "" if wanted == queues.UNDISPATCHED else wanted
    summary = found["queues"]
    return next((q for q in summary if q["code"] == code), summary[0] if summary else None)


def _board_tables(
    request: HttpRequest, found: dict[str, Any], chosen: dict[str, Any] | None, by_label: str
) -> dict[str, DataTable]:
    """Every table of the board; each reads its own prefixed parameters, so that they sort and page apart."""
    rows = queues.in_queue(found["open_requests"], chosen["code"]) if chosen else []
    caption = _("Open requests of %(department)s") % {"department": chosen["name"]} if chosen else ""
    return {
        "summary": DataTable(request, tables.queue_summary_columns(), found["queues"], name="department-queues",
                             prefix="dq-", per_page=15, caption=_("Open requests per department")),
        "queue": DataTable(request, tables.request_columns(department=False), tables.with_local_times(rows),
                           name="department-queue", prefix="q-", per_page=BOARD_PAGE_SIZE, caption=caption),
        "month": DataTable(request, tables.chart_columns(_("Month"), link=False), found["by_month"],
                           name="service-desk-months", prefix="mm-", per_page=60),
        "department": DataTable(request, tables.chart_columns(_("Department")), found["by_department"],
                                name="service-desk-departments", prefix="md-", per_page=100),
        "category": DataTable(request, tables.chart_columns(_("Category")), found["by_category"],
                              name="service-desk-categories", prefix="mc-", per_page=100),
        "metrics": DataTable(request, tables.metrics_columns(by_label, RATES), found["rows"],
                             name=f"service-desk-{found['by']}", prefix="m-", per_page=100),
    }  # fmt: skip


@login_required
def board(request: HttpRequest, as_json: bool = False) -> HttpResponse:
    form, period, found = _board(request)
    chosen = _chosen_queue(request, found)
    by_label = str(dict(form.fields["by"].choices)[period.by])
    board_tables = _board_tables(request, found, chosen, by_label)
    for table in board_tables.values():
        if (response := table.export_response()) is not None:
            return response
    query = request.GET.copy()
    query.pop("format", None)
    data = {
        **{key: found[key] for key in ("by", "as_of", "start", "end", "as_of_time", "queues", "by_month",
                                       "by_department", "by_category", "charts")},
        "by_label": by_label,
        "rows": [_board_row(row) for row in found["rows"]],
        "total": _board_row(found["total"]),
        "department": {"code": chosen["code"], "name": chosen["name"]} if chosen else None,
        "queue": board_tables["queue"].as_dict(),
    }  # fmt: skip
    shown = {key: tables.shown(table) for key, table in board_tables.items()}
    heights = {
        "departments": board_data.chart_height(len(found["by_department"])),
        "categories": board_data.chart_height(len(found["by_category"])),
    }
    return _answer(request, "servicedesk/board.html", data, as_json, form=form, query=query.urlencode(),
                   tables=shown, chosen=chosen, heights=heights, period_query=period.query())  # fmt: skip


@login_required
def board_export(request: HttpRequest, file_format: str) -> HttpResponse:
    """The chosen grouping's figures with the total, rates in per cent (the board's own tables export too)."""
    form, period, found = _board(request)
    by_label = dict(form.fields["by"].choices)[period.by]
    columns = [by_label, _("Volume"), _("Closed or rated"), _("Open"), _("Open and overdue"),
               *[f"{label} (%)" for _key, label in RATES], _("Mean working days"),
               _("90th percentile working days")]  # fmt: skip

    def line(name: str, row: dict[str, Any]) -> list[Any]:
        return [name, row["volume"], row["closed"], row["open"], row["open_overdue"],
                *[board_data.percent(row[key]) for key, _label in RATES],
                *[None if row[k] is None else round(row[k], 2) for k in ("mean_days", "p90_days")]]  # fmt: skip

    rows = [line(row["name"], row) for row in found["rows"]] + [line(_("Total"), found["total"])]
    data = write_xlsx(columns, rows) if file_format == "xlsx" else write_csv(columns, rows)
    return _download(data, f"service-desk-{period.by}-{period.start}-{period.end}.{file_format}", file_format)
