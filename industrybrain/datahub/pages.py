"""What the fact import pages show, as tables (`core.datatable`) and plain dicts for JSON: a check's report
(errors, warnings, counts), the batch history, and one batch (its report and the values it landed)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from django.db.models import Case, CharField, F, IntegerField, QuerySet, Value, When
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from industrybrain.core.datatable import Column, DataTable
from industrybrain.core.times import local_minute
from industrybrain.registry.models import Enterprise, Region

from .choices import BatchStatus
from .models import ImportBatch, Indicator
from .operations import describe_warning
from .periods import Period

ERROR_COLUMNS = [
    Column("file", gettext_lazy("File")),
    Column("row", gettext_lazy("Row"), kind="integer"),
    Column("column", gettext_lazy("Column"), choices=True),
    Column("value", gettext_lazy("Value")),
    Column("reason", gettext_lazy("Reason")),
]
WARNING_COLUMNS = [
    Column("kind", gettext_lazy("Kind"), choices=True),
    Column("entity", gettext_lazy("Entity"), kind="code"),
    Column("subject", gettext_lazy("Rule or indicator"), choices=True),
    Column("period", gettext_lazy("Period"), choices=True),
    Column("description", gettext_lazy("Details")),
]
BATCH_COLUMNS = [
    Column("id", gettext_lazy("Batch"), link="url", searchable=False),
    Column("started", gettext_lazy("Started"), searchable=False),
    Column("username", gettext_lazy("User"), choices=True),
    Column("file_name", gettext_lazy("File")),
    Column("source", gettext_lazy("Source"), choices=True),
    Column("layout_label", gettext_lazy("Layout"), choices=True, searchable=False),
    Column("rows", gettext_lazy("Rows"), kind="integer"),
    Column("facts_new", gettext_lazy("New values"), kind="integer"),
    Column("facts_changed", gettext_lazy("Corrected values"), kind="integer"),
    Column("facts_unchanged", gettext_lazy("Unchanged values"), kind="integer"),
    Column("status_label", gettext_lazy("Batch status"), choices=True, searchable=False),
    Column("data_version", gettext_lazy("Data version"), searchable=False),
]
VALUE_COLUMNS = [
    Column("entity_id", gettext_lazy("Entity"), kind="code", link="entity_url"),
    Column("entity_name", gettext_lazy("Name")),
    Column("indicator_name", gettext_lazy("Indicator"), choices=True),
    Column("period", gettext_lazy("Period"), kind="code", choices=True),
    Column("ytd", gettext_lazy("Year to date"), choices=True),
    Column("value", gettext_lazy("Value"), kind="number", digits=2),
    Column("change", gettext_lazy("New or corrected"), choices=True),
    Column("previous_value", gettext_lazy("Value before"), kind="number", digits=2),
    Column("previous_batch", gettext_lazy("Said by batch"), link="previous_url", searchable=False),
    Column("replaced_by", gettext_lazy("Corrected by batch"), link="replaced_url", searchable=False),
]
NAME_CHUNK = 900  # keys per IN (...) query, under SQLite's variable limit


def _labelled(field: str, choices: Iterable[tuple[str, Any]]) -> Case:
    """A choice field's label computed in SQL, so that it sorts and filters with the rest."""
    whens = [When(**{field: value}, then=Value(str(label))) for value, label in choices]
    return Case(*whens, default=F(field), output_field=CharField())


def layouts() -> dict[str, str]:
    """Short names of the file layouts, for tables (the choices' labels explain them at length)."""
    return {"long": _("Long"), "wide": _("Wide")}


# --- a check's report ----------------------------------------------------------------------------------------
def warning_rows(warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kinds = {"rule": _("rule"), "outlier": _("unusual value")}
    indicators = _indicator_labels() if warnings else {}
    return [
        {
            "kind": kinds.get(w.get("kind"), w.get("kind")),
            "entity": w.get("entity"),
            "subject": w.get("name") or w.get("rule") or indicators.get(w.get("indicator"), w.get("indicator")),
            "period": w.get("period"),
            "description": describe_warning(w),
            "blocking": bool(w.get("blocking")),
        }
        for w in warnings
    ]


def error_table(request: Any, errors: list[dict[str, Any]]) -> DataTable:
    return DataTable(request, ERROR_COLUMNS, errors, name="errors", prefix="err-")


def warning_table(request: Any, warnings: list[dict[str, Any]]) -> DataTable:
    return DataTable(request, WARNING_COLUMNS, warning_rows(warnings), name="warnings", prefix="warn-")


# --- the batch history ---------------------------------------------------------------------------------------
def batch_rows(batches: QuerySet) -> QuerySet:
    # The store's data version is the id of the last batch that changed it: a batch that landed values.
    return batches.values(
        "id",
        "started",
        "file_name",
        "source",
        "rows",
        "facts_new",
        "facts_changed",
        "facts_unchanged",
        username=F("user__username"),
        layout_label=_labelled("layout", layouts().items()),
        status_label=_labelled("status", BatchStatus.choices),
        data_version=Case(When(status=BatchStatus.LANDED, then=F("id")), output_field=IntegerField()),
    )


def history_table(request: Any, user: Any) -> DataTable:
    batches = ImportBatch.objects.visible_to(user).order_by("-id")
    return DataTable(request, BATCH_COLUMNS, batch_rows(batches), name="batches")


def show_history(table: DataTable) -> None:
    """Links and local times for the rows of the page shown (the JSON keeps ISO times)."""
    for row in table.page_rows:
        row["url"] = reverse("fact-batch", args=[row["id"]])
        row["started"] = local_minute(row["started"])


def batch_dict(batch: ImportBatch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "file_name": batch.file_name,
        "file_sha256": batch.file_sha256,
        "layout": batch.layout,
        "source": batch.source,
        "user": batch.user.get_username() if batch.user else None,
        "status": batch.status,
        "status_label": str(batch.get_status_display()),
        "started": batch.started.isoformat(),
        "finished": batch.finished.isoformat() if batch.finished else None,
        "rows": batch.rows,
        "facts_new": batch.facts_new,
        "facts_changed": batch.facts_changed,
        "facts_unchanged": batch.facts_unchanged,
        "data_version": batch.pk if batch.status == BatchStatus.LANDED else None,
        "message": batch.message,
    }


# --- the values one batch landed ------------------------------------------------------------------------------
def _names(user: Any, codes: set[str]) -> dict[str, str]:
    """Names of the entities the user may see (a batch's values are in its importer's scope, within the
    viewer's when the viewer may see the batch; the restriction keeps it so)."""
    names: dict[str, str] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), NAME_CHUNK):
        chunk = ordered[start : start + NAME_CHUNK]
        names.update(Enterprise.objects.visible_to(user).filter(uscc__in=chunk).values_list("uscc", "name"))
        names.update(Region.objects.filter(code__in=chunk).values_list("code", "name"))
    return names


def _indicator_labels() -> dict[str, str]:
    english = (get_language() or "").startswith("en")
    return {i.code: (i.name_en if english and i.name_en else i.name) for i in Indicator.objects.all()}


def url_maker(name: str, marker: str = "00000000") -> Callable[[Any], str]:
    """`reverse(name, args=[value])` for many rows: reversing once costs less than the query on a big batch."""
    prefix, suffix = reverse(name, args=[marker]).split(marker, 1)
    return lambda value: f"{prefix}{quote(str(value))}{suffix}"


def value_rows(found: list[dict[str, Any]], user: Any) -> list[dict[str, Any]]:
    names = _names(user, {r["entity_id"] for r in found})
    indicators = _indicator_labels()
    batches = {r["previous_batch"] for r in found} | {r["replaced_by"] for r in found}
    visible = set(ImportBatch.objects.visible_to(user).filter(pk__in=batches - {None}).values_list("pk", flat=True))
    yes, no, new, corrected = _("yes"), _("no"), _("new"), _("correction")
    enterprise_url, region_url, batch_url = (
        url_maker("enterprise-detail"),
        url_maker("region-detail"),
        url_maker("fact-batch"),
    )
    rows = []
    for r in found:
        entity = r["entity_id"]
        rows.append(
            {
                "entity_id": entity,
                "entity_name": names.get(entity, ""),
                "entity_url": (enterprise_url if r["entity_kind"] == "E" else region_url)(entity)
                if entity in names
                else None,
                "indicator": r["indicator"],
                "indicator_name": indicators.get(r["indicator"], r["indicator"]),
                "period": Period(r["pkind"], r["year"], r["idx"]).label,
                "ytd": yes if r["ytd"] else no,
                "value": r["value"],
                "change": corrected if r["previous_value"] is not None else new,
                "previous_value": r["previous_value"],
                "previous_batch": r["previous_batch"],
                "previous_url": batch_url(r["previous_batch"]) if r["previous_batch"] in visible else None,
                "replaced_by": r["replaced_by"],
                "replaced_url": batch_url(r["replaced_by"]) if r["replaced_by"] in visible else None,
            }
        )
    return rows


def value_table(request: Any, rows: list[dict[str, Any]]) -> DataTable:
    return DataTable(request, VALUE_COLUMNS, rows, name="values", prefix="val-")
