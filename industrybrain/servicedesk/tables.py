"""The service desk's tables, all `DataTable`s (sort, search, filters, pages, Excel/CSV from the query string),
and their rows as `servicedesk/_table_row.html` draws them in the shared table: times in local time, a
request's status with its overdue / due-soon / clock-stopped badges, overdue rows marked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from industrybrain.core.datatable import Column, DataTable
from industrybrain.core.times import local_minute

from .choices import Status


# --- requests ------------------------------------------------------------------------------------------------
def request_columns(*, department: bool = True, search: bool = True) -> list[Column]:
    """A request list's columns (keys of `queues.ROW_FIELDS`). The queue page leaves searching and choosing to
    its own filter form (`search=False`); the board's department queues search and filter in the table."""
    columns = [
        Column("number", _("Number"), kind="code", link="url", searchable=search),
        Column("title", _("Title"), searchable=search),
        Column("enterprise_name", _("Enterprise"), searchable=search),
        Column("category_name", _("Category"), choices=search, searchable=search),
        Column("status_label", _("Request status"), choices=search, searchable=search),
        Column("department_name", _("Lead department"), searchable=search),
        Column("created", _("Received"), searchable=False),
        Column("deadline", _("Deadline"), searchable=False),
    ]
    return [c for c in columns if department or c.key != "department_name"]


def request_json(row: dict[str, Any]) -> dict[str, Any]:
    """A request row as the pages' JSON gives it."""
    return {
        "number": row["number"], "title": row["title"], "enterprise": row["enterprise_name"], "uscc": row["uscc"],
        "category": row["category_code"], "category_name": row["category_name"], "status": row["status"],
        "status_label": row["status_label"], "level": row["level"], "lead_department": row["department_name"] or "",
        "created": row["created"], "deadline": row["deadline"], "overdue": bool(row["late"]),
        "due_soon": bool(row["soon"]), "suspended": row["status"] == Status.SUSPENDED, "url": request_url(row),
    }  # fmt: skip


def request_url(row: dict[str, Any]) -> str:
    return reverse("servicedesk-request", kwargs={"number": row["number"]})


def with_local_times(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows held in memory with their times as local text, so that the table, its search and its exports say
    what a clerk reads on the wall clock (this text sorts in time order too)."""
    return [
        {**r, "created": local_minute(r["created"]), "deadline": local_minute(r["deadline"]), "url": request_url(r)}
        for r in rows
    ]


# --- what the template shows -----------------------------------------------------------------------------------
def cells(table: DataTable, row: dict[str, Any]) -> dict[str, Any]:
    """One row for `servicedesk/_table_row.html`."""
    shown = []
    for column in table.columns:
        value = row.get(column.key)
        text = local_minute(value) if isinstance(value, dt.datetime) else column.display(value)
        url = row.get(column.link) if column.link else None
        badges = None
        if column.key == "status_label":
            suspended = row.get("status") == Status.SUSPENDED
            badges = {"overdue": bool(row.get("late")), "due_soon": bool(row.get("soon")), "suspended": suspended}
        shown.append({"text": text, "url": url, "numeric": column.numeric, "badges": badges})
    return {"late": bool(row.get("late")), "cells": shown}


def shown(table: DataTable, *, search: bool = True, exports: list[tuple[str, str]] | None = None,
          empty: str = "") -> DataTable:  # fmt: skip
    """The table drawn by `core/_datatable.html` with the desk's rows (`servicedesk/_table_row.html`)."""
    table.search, table.exports, table.empty = search, exports, empty or _("No rows match.")
    table.row_template = "servicedesk/_table_row.html"
    table.extra_rows = [cells(table, row) for row in table.page_rows]
    return table


# --- the board's figures -----------------------------------------------------------------------------------
def queue_summary_columns() -> list[Column]:
    return [
        Column("name", _("Lead department"), link="url"),
        Column("open", _("Open"), kind="integer"),
        Column("overdue", _("Overdue"), kind="integer"),
        Column("due_soon", _("Due soon"), kind="integer"),
    ]


def chart_columns(group_label: str, *, link: bool = True) -> list[Column]:
    """The numbers a chart draws, with the volume they stand on (the full table has the rest)."""
    return [
        Column("name", group_label, link="url" if link else None),
        Column("volume", _("Volume"), kind="integer"),
        Column("on_time_rate", _("On-time rate"), kind="percent"),
        Column("satisfaction_rate", _("Satisfaction rate"), kind="percent"),
    ]


def metrics_columns(group_label: str, rate_labels: Sequence[tuple[str, Any]]) -> list[Column]:
    """Every figure of `metrics()`, one column each."""
    return [
        Column("name", group_label),
        Column("volume", _("Volume"), kind="integer"),
        Column("closed", _("Closed or rated"), kind="integer"),
        Column("open", _("Open"), kind="integer"),
        Column("open_overdue", _("Open and overdue"), kind="integer"),
        *[Column(key, str(label), kind="percent") for key, label in rate_labels],
        Column("mean_days", _("Mean working days"), kind="number", digits=1),
        Column("p90_days", _("90th percentile working days"), kind="number", digits=1),
    ]
