"""Which requests a user sees, flagged against their deadlines, and the open ones queued per lead department.

The queue page reads the flags in the database (it pages through every request the user sees); the board reads
every open request once (`open_requests`) and groups them in Python (`department_queues`), so that its counts
and its per-department lists come from one query, not one per department.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation

from industrybrain.accounts.choices import Role
from industrybrain.accounts.models import Department

from .choices import DONE_STATUSES, OPEN_STATUSES, Status
from .models import ServiceRequest

RUNNING = (Status.RECEIVED, Status.DISPATCHED, Status.HANDLING)  # the clock runs towards the deadline
UNDISPATCHED = "-"  # in URLs: the queue of requests no department leads yet (new, returned or escalated)

# What a row of a request table holds (the queue page, the board's department queues, the exports).
ROW_FIELDS = ("number", "title", "enterprise_name", "uscc", "category_code", "category_name", "status",
              "status_label", "level", "department_code", "department_name", "created", "deadline", "late", "soon",
              "channel", "answered_at", "closed_at", "satisfaction")  # fmt: skip


def visible(user: Any) -> QuerySet[ServiceRequest]:
    """Distinct: a clerk sees requests through their parts, a to-many relation."""
    return ServiceRequest.objects.visible_to(user).distinct()


def late(now: dt.datetime) -> Q:
    """Open and past the deadline (a suspended request's clock stopped when it was suspended)."""
    return Q(status__in=RUNNING, deadline__lt=now) | Q(status=Status.SUSPENDED, suspended_at__gt=F("deadline"))


def due_soon(now: dt.datetime) -> Q:
    soon = now + dt.timedelta(hours=settings.SERVICEDESK_WARN_HOURS)
    return Q(status__in=RUNNING, deadline__gte=now, deadline__lt=soon)


def flagged(requests: QuerySet[ServiceRequest], now: dt.datetime) -> QuerySet[ServiceRequest]:
    def flag(condition: Q) -> Case:
        return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())

    done = Case(When(status__in=[*DONE_STATUSES, Status.MERGED], then=1), default=0, output_field=IntegerField())
    return requests.annotate(late=flag(late(now)), soon=flag(due_soon(now)), done=done)


def _labelled(requests: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """The category's name and the status's label in the page's language, as columns a table can sort on."""
    english = (translation.get_language() or "").startswith("en")
    category = Coalesce(NullIf("category__name_en", Value("")), "category__name") if english else F("category__name")
    status = Case(*[When(status=value, then=Value(str(label))) for value, label in Status.choices],
                  default=F("status"), output_field=CharField())  # fmt: skip
    return requests.annotate(category_name=category, status_label=status)


def request_rows(requests: QuerySet[ServiceRequest], now: dt.datetime) -> QuerySet:
    """The requests as table rows (dicts of ROW_FIELDS), flagged; the caller orders them."""
    return (
        _labelled(flagged(requests, now))
        .values(
            "number", "title", "category_name", "status", "status_label", "level", "created", "deadline", "late",
            "soon", "done", "channel", "answered_at", "closed_at", "satisfaction",
            enterprise_name=F("enterprise__name"), uscc=F("enterprise__uscc"), category_code=F("category__code"),
            department_code=F("lead_department__code"), department_name=F("lead_department__name"),
        )
    )  # fmt: skip


def queue_order(row: dict[str, Any]) -> tuple[Any, ...]:
    """Overdue first, then due soon, then by deadline (none last), oldest first among equals."""
    deadline = row["deadline"]
    return (not row["late"], not row["soon"], deadline is None, deadline or row["created"], row["created"])


def open_requests(user: Any, now: dt.datetime) -> list[dict[str, Any]]:
    """Every open request the user sees, in queue order: one query."""
    rows = list(request_rows(visible(user).filter(status__in=OPEN_STATUSES), now).order_by())
    return sorted(rows, key=queue_order)


def scope_departments(user: Any) -> list[tuple[str, str]]:
    """Departments whose (possibly empty) queue the user is shown: the scope's, for those who see a region's
    requests (as `ServiceRequest.visibility_filter` decides); for anyone else only those leading a request they
    see, since a count of nothing would claim what they cannot see."""
    if not user.is_superuser and (user.role in (Role.CLERK, Role.ENTERPRISE) or user.scope_path is None
                                  or user.scope_park_id):  # fmt: skip
        return []
    return list(Department.objects.visible_to(user).order_by("code").values_list("code", "name"))


def own_department(user: Any) -> str | None:
    return user.department.code if user.role == Role.CLERK and user.department_id else None


def department_queues(
    rows: Iterable[dict[str, Any]], departments: Iterable[tuple[str, str]] = (), own: str | None = None
) -> list[dict[str, Any]]:
    """Open, overdue and due-soon counts per lead department ("" = not dispatched yet): the user's own department
    first, then the most overdue, the most due soon, the most open."""
    counts: dict[str, dict[str, Any]] = {
        code: {"code": code, "name": name, "open": 0, "overdue": 0, "due_soon": 0} for code, name in departments
    }
    if own is not None:
        counts.setdefault(own, {"code": own, "name": "", "open": 0, "overdue": 0, "due_soon": 0})
    for row in rows:
        code = row["department_code"] or ""
        entry = counts.setdefault(code, {"code": code, "name": "", "open": 0, "overdue": 0, "due_soon": 0})
        entry["name"] = entry["name"] or row["department_name"] or ""
        entry["open"] += 1
        entry["overdue"] += bool(row["late"])
        entry["due_soon"] += bool(row["soon"])
    if own is not None and not counts[own]["name"]:
        counts[own]["name"] = Department.objects.filter(code=own).values_list("name", flat=True).first() or own
    found = [{**entry, "own": entry["code"] == own} for entry in counts.values()]
    return sorted(found, key=lambda q: (not q["own"], -q["overdue"], -q["due_soon"], -q["open"], q["code"]))


def in_queue(rows: Iterable[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    """One department's open requests ("" = those not dispatched yet), keeping the queue order."""
    return [row for row in rows if (row["department_code"] or "") == code]
