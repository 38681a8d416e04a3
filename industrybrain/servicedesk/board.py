"""The service-desk board (issue 6: "queues per department, overdue first; metrics charts") as plain data.

Two reads of the requests make the whole board: every open request the viewer sees (grouped per lead department
in Python), and the requests received in the period with their hand-overs (`metrics_by`, grouped four ways).
The result is cached for `COCKPIT_CACHE_SECONDS` per (what the viewer sees, language, period, last change), so a
big screen refreshing every few seconds costs two small queries; a change to any request shows at once, and the
overdue flags, which move with the clock, are at most that many seconds old. Charts are ECharts options built
here from the same rows the tables beside them show, so the page's JSON, its charts and its tables agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from industrybrain.accounts.choices import Role
from industrybrain.core.caching import remembered

from . import queues
from .forms import localized_name
from .metrics import metrics_by
from .models import Category, ServiceRequest

CHART_GROUPINGS = ("month", "department", "category")


@dataclass(frozen=True)
class Period:
    """Requests received from `start` to `end` (both included), and the grouping of the full table."""

    by: str
    start: dt.date
    end: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        zone = timezone.get_current_timezone()
        since = timezone.make_aware(dt.datetime.combine(self.start, dt.time()), zone)
        until = timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time()), zone)
        return since, until

    def query(self) -> dict[str, str]:
        return {"by": self.by, "start": self.start.isoformat(), "end": self.end.isoformat()}


def percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def department_key(code: str) -> str:
    """A department's code as the board's `dept` parameter says it ("" — not dispatched yet — has a sign)."""
    return code or queues.UNDISPATCHED


def queue_url(period: Period, code: str) -> str:
    return f"{reverse('servicedesk-board')}?{urlencode({**period.query(), 'dept': department_key(code)})}#queue"


# --- the numbers -------------------------------------------------------------------------------------------
def _named(found: dict[str, dict[str, Any]]) -> None:
    """Names in the page's language: categories (English where there is one); the department-less group."""
    names = {c.code: localized_name(c) for c in Category.objects.all()}
    for by, result in found.items():
        for row in result["rows"]:
            if by == "category":
                row["name"] = names.get(row["key"], row["name"])
            elif by == "department" and not row["key"]:  # returned or escalated, waiting to be dispatched again
                row["name"] = _("Not dispatched yet")


def worst_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lowest on-time rate first (the cockpit shows problems first); groups with nothing to rate last."""
    return sorted(rows, key=lambda r: (r["on_time_rate"] is None, r["on_time_rate"] or 0, -r["volume"], r["name"]))


def build(user: Any, period: Period, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the board shows, as plain data."""
    moment = now or timezone.now()
    open_rows = queues.open_requests(user, moment)
    summary = queues.department_queues(open_rows, queues.scope_departments(user), queues.own_department(user))
    for entry in summary:
        entry["name"] = entry["name"] or _("Not dispatched yet")
        entry["url"] = queue_url(period, entry["code"])
    since, until = period.bounds()
    received = queues.visible(user).filter(created__gte=since, created__lt=until)
    found = metrics_by(received, tuple(dict.fromkeys((period.by, *CHART_GROUPINGS))), moment)
    _named(found)
    by_month = found["month"]["rows"]
    by_department = worst_first(found["department"]["rows"])
    by_category = worst_first(found["category"]["rows"])
    for row in by_department:
        row["url"] = queue_url(period, row["key"])
    for row in by_category:
        row["url"] = f"{reverse('servicedesk-queue')}?{urlencode({'category': row['key']})}"
    return {
        "by": period.by, "rows": found[period.by]["rows"], "total": found[period.by]["total"],
        "as_of": moment.isoformat(), "start": period.start, "end": period.end, "as_of_time": moment,
        "queues": summary, "open_requests": open_rows,
        "by_month": by_month, "by_department": by_department, "by_category": by_category,
        "charts": {
            "trend": trend_chart(by_month, period),
            "departments": rates_chart(by_department, _("On time and satisfied, by department"), period),
            "categories": rates_chart(by_category, _("On time and satisfied, by category"), period),
        },
    }  # fmt: skip


def _viewer(user: Any) -> str:
    """What decides the requests a user sees (ServiceRequest.visibility_filter): one cache entry per answer."""
    if user.is_superuser:
        return "all"
    if user.role == Role.CLERK:  # their department's requests and those they registered themselves
        return f"clerk:{user.pk}:{user.department_id}"
    if user.role == Role.ENTERPRISE:
        return f"enterprise:{user.enterprise_id}"
    return f"region:{user.scope_path}:{user.scope_park_id}"


def cached(user: Any, period: Period) -> dict[str, Any]:
    """`build`, kept briefly; any saved request (a new `updated`) or a deleted one (the count) starts afresh."""
    last = ServiceRequest.objects.aggregate(changed=Max("updated"), count=Count("id"))
    changed = last["changed"].isoformat() if last["changed"] else ""
    key = ":".join(("servicedesk:board", _viewer(user), translation.get_language() or "", period.by,
                    period.start.isoformat(), period.end.isoformat(), changed, str(last["count"])))  # fmt: skip
    return remembered(key, lambda: build(user, period))


# --- the charts (ECharts options; charts.js adds the PNG download) ------------------------------------------
def _title(text: str, period: Period) -> dict[str, Any]:
    """In the chart itself, so that a downloaded PNG says what it shows and for when."""
    return {"text": text, "subtext": f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}", "left": 8, "top": 4,
            "textStyle": {"fontSize": 14}}  # fmt: skip


def trend_chart(rows: list[dict[str, Any]], period: Period) -> dict[str, Any]:
    """Requests received per month (bars, left axis) and the on-time rate (line, right axis, %)."""
    volume, on_time = _("Requests received"), _("On-time rate")
    return {
        "aria": {"enabled": True},
        "title": _title(_("Monthly volume and on-time rate"), period),
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [volume, on_time], "top": 4, "right": 48},
        "grid": {"left": 48, "right": 56, "top": 64, "bottom": 32, "containLabel": True},
        "xAxis": {"type": "category", "data": [r["key"] for r in rows]},
        "yAxis": [
            {"type": "value", "minInterval": 1},
            {
                "type": "value",
                "min": 0,
                "max": 100,
                "splitLine": {"show": False},
                "axisLabel": {"formatter": "{value}%"},
            },
        ],
        "series": [
            {"name": volume, "type": "bar", "data": [r["volume"] for r in rows]},
            {"name": on_time, "type": "line", "yAxisIndex": 1, "data": [percent(r["on_time_rate"]) for r in rows]},
        ],
    }


def rates_chart(rows: list[dict[str, Any]], title: str, period: Period) -> dict[str, Any]:
    """On-time and satisfaction rates (%) per group as horizontal bars, first row on top; a click on a bar
    follows the row's `url` (its queue)."""
    on_time, satisfied = _("On-time rate"), _("Satisfaction rate")

    def bars(key: str) -> list[dict[str, Any]]:
        return [{"value": percent(r[key]), "url": r.get("url")} for r in rows]

    return {
        "aria": {"enabled": True},
        "title": _title(title, period),
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": [on_time, satisfied], "top": 4, "right": 48},
        "grid": {"left": 8, "right": 32, "top": 64, "bottom": 24, "containLabel": True},
        "xAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {"type": "category", "inverse": True, "data": [r["name"] for r in rows]},
        "series": [
            {"name": on_time, "type": "bar", "data": bars("on_time_rate")},
            {"name": satisfied, "type": "bar", "data": bars("satisfaction_rate")},
        ],
    }


def chart_height(rows: int) -> float:
    """rem: room for two bars per group, never less than a trend chart."""
    return max(20.0, 6 + 2.2 * rows)
