"""The registry pages' tables: their columns and rows, for `core.datatable.DataTable` (sort, search, filters,
pages, export). Long tables are `.values()` querysets with the display values computed in SQL, so that 100 k
enterprises sort and page in the database; short ones (a level of the industry tree) are lists of dicts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Case, CharField, F, FloatField, QuerySet, Value, When
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from industrybrain.core.datatable import Column, DataTable
from industrybrain.core.models import ObjectChange

from .choices import EnterpriseStatus, IndustryLevel, ParkKind, RegionLevel
from .models import DigitalEconomyCategory, Enterprise, Industry, Region

ENTERPRISE_COLUMNS = [
    Column("uscc", gettext_lazy("Unified social credit code"), kind="code", link="url"),
    Column("name", gettext_lazy("Name")),
    Column("region_name", gettext_lazy("Region"), searchable=False),
    Column("park_name", gettext_lazy("Park"), searchable=False),
    Column("industry_id", gettext_lazy("Industry"), kind="code", searchable=False),
    Column("industry_name", gettext_lazy("Industry name"), searchable=False),
    Column("above_scale", gettext_lazy("规上"), searchable=False),  # filtered by the filter set's form
    Column("land", gettext_lazy("Land (亩)"), kind="number"),
    Column("employees", gettext_lazy("Employees"), kind="integer"),
    Column("status_label", gettext_lazy("Status"), searchable=False),
]
CHILD_COLUMNS = [
    Column("code", gettext_lazy("Code"), kind="code"),
    Column("name", gettext_lazy("Name"), link="url"),
    Column("level", gettext_lazy("Level"), choices=True),
    Column("enterprises", gettext_lazy("Enterprises"), kind="integer", link="list_url"),
]
PARK_COLUMNS = [
    Column("code", gettext_lazy("Code"), kind="code"),
    Column("name", gettext_lazy("Name"), link="list_url"),
    Column("kind_label", gettext_lazy("Kind"), choices=True),
    Column("county", gettext_lazy("County"), choices=True),
    Column("planned_area", gettext_lazy("Planned area (亩)"), kind="number", digits=0),
]
DIVISION_COLUMNS = [
    Column("code", gettext_lazy("Code"), kind="code"),
    Column("name", gettext_lazy("Division"), link="url"),
    Column("enterprises", gettext_lazy("Enterprises"), kind="integer", link="list_url"),
]
INDUSTRY_COLUMNS = [
    Column("code", gettext_lazy("Code"), kind="code"),
    Column("name", gettext_lazy("Name"), link="url"),
    Column("level", gettext_lazy("Level"), choices=True),
    Column("enterprises", gettext_lazy("Enterprises"), kind="integer", link="list_url"),
]
CATEGORY_COLUMNS = [
    Column("code", gettext_lazy("Code"), kind="code"),
    Column("name", gettext_lazy("Name")),
    Column("level", gettext_lazy("Level"), choices=True),
    Column("core", gettext_lazy("Core"), choices=True),
    Column("classes", gettext_lazy("GB/T 4754 classes"), kind="code"),
    Column("verification", gettext_lazy("Verification"), choices=True),
]
CHANGE_COLUMNS = [
    Column("time", gettext_lazy("Time"), searchable=False),
    Column("user_name", gettext_lazy("User"), choices=True),
    Column("source", gettext_lazy("Source"), choices=True),
    Column("action_label", gettext_lazy("Action"), choices=True),
    Column("model", gettext_lazy("Object type"), choices=True),
    Column("object_repr", gettext_lazy("Object")),
    Column("changes", gettext_lazy("Changes"), sortable=False, searchable=False),
]
ERROR_COLUMNS = [
    Column("file", gettext_lazy("File")),
    Column("row", gettext_lazy("Row"), kind="integer"),
    Column("column", gettext_lazy("Column"), choices=True),
    Column("value", gettext_lazy("Value")),
    Column("reason", gettext_lazy("Reason")),
]


def labelled(field: str, choices: Iterable[tuple[str, Any]]) -> Case:
    """A choice field's display label computed in SQL, so that it sorts and filters with the rest."""
    whens = [When(**{field: value}, then=Value(str(label))) for value, label in choices]
    return Case(*whens, default=F(field), output_field=CharField())


def add_links(table: DataTable, key: str, make: Callable[[dict[str, Any]], str]) -> None:
    """Links for the rows of the page shown (a `.values()` queryset cannot reverse URLs)."""
    for row in table.page_rows:
        row[key] = make(row)


# --- enterprises ---------------------------------------------------------------------------------------------
def enterprise_rows(queryset: QuerySet) -> QuerySet:
    return queryset.values(
        "uscc",
        "name",
        "industry_id",
        "employees",
        region_name=F("region__name"),
        park_name=F("park__name"),
        industry_name=F("industry__name"),
        land=Cast("land_area_mu", FloatField()),
        above_scale=Case(When(is_above_scale=True, then=Value(_("yes"))), default=Value(_("no"))),
        status_label=labelled("status", EnterpriseStatus.choices),
    )


def enterprise_table(request: Any, queryset: QuerySet) -> DataTable:
    table = DataTable(request, ENTERPRISE_COLUMNS, enterprise_rows(queryset), name="enterprises")
    add_links(table, "url", lambda row: reverse("enterprise-detail", args=[row["uscc"]]))
    return table


# --- a region's page -----------------------------------------------------------------------------------------
def children_table(request: Any, region: Region, user: Any, enterprises: QuerySet) -> DataTable:
    levels = dict(RegionLevel.choices)
    rows = [
        {
            "code": child.code,
            "name": child.name,
            "level": str(levels.get(child.level, child.level)),
            "enterprises": enterprises.in_region(child).count(),
            "url": reverse("region-detail", args=[child.code]),
            "list_url": reverse("enterprise-list") + f"?region={child.code}",
        }
        for child in region.children.visible_to(user).order_by("code")
    ]
    return DataTable(request, CHILD_COLUMNS, rows, name="subdivisions", prefix="sub-")


def park_table(request: Any, parks: QuerySet) -> DataTable:
    rows = parks.values(
        "code",
        "name",
        kind_label=labelled("kind", ParkKind.choices),
        county=F("region__name"),
        planned_area=Cast("planned_area_mu", FloatField()),
    )
    table = DataTable(request, PARK_COLUMNS, rows, name="parks", prefix="park-")
    add_links(table, "list_url", lambda row: reverse("enterprise-list") + f"?park={row['code']}")
    return table


def division_table(request: Any, region: Region, enterprises: QuerySet) -> DataTable:
    """Enterprises per GB/T 4754 division (大类), largest first."""
    by_division = Counter[str]()
    for class_code, n in enterprises.count_by_industry().items():
        by_division[class_code[:2]] += n
    divisions = Industry.objects.in_bulk(list(by_division))
    base = reverse("enterprise-list")
    rows = [
        {
            "code": code,
            "name": divisions[code].name,
            "enterprises": n,
            "url": reverse("industry-list") + f"?parent={code}",
            "list_url": f"{base}?region={region.code}&industry={code}",
        }
        for code, n in by_division.most_common()
        if code in divisions
    ]
    return DataTable(request, DIVISION_COLUMNS, rows, name="divisions", prefix="div-", per_page=10)


# --- industries and the digital-economy classification ---------------------------------------------------------
def industry_table(request: Any, nodes: list[Industry], user: Any) -> DataTable:
    """One level of the GB/T 4754 tree, with how many visible enterprises fall under each node."""
    counts = Enterprise.objects.visible_to(user).count_by_industry()
    sections = dict(Industry.objects.filter(level=IndustryLevel.CLASS).values_list("code", "section"))
    levels = dict(IndustryLevel.choices)
    base = reverse("industry-list")
    rows = []
    for node in nodes:
        n = sum(k for c, k in counts.items() if node.covers(c, sections.get(c, "")))
        rows.append(
            {
                "code": node.code,
                "name": node.name,
                "level": str(levels.get(node.level, node.level)),
                "enterprises": n,
                "url": f"{base}?parent={node.code}" if node.level != IndustryLevel.CLASS else None,
                "list_url": reverse("enterprise-list") + f"?industry={node.code}" if n else None,
            }
        )
    return DataTable(request, INDUSTRY_COLUMNS, rows, name="industries", per_page=100)


def category_table(request: Any, categories: Iterable[DigitalEconomyCategory]) -> DataTable:
    rows = [
        {
            "code": c.code,
            "name": c.name,
            "level": c.get_level_display(),
            "core": _("yes") if c.is_core else _("no"),
            "classes": " ".join(m.industry_id for m in c.mappings.all()),
            "verification": c.get_verification_display(),
        }
        for c in categories
    ]
    return DataTable(request, CATEGORY_COLUMNS, rows, name="digital-economy", per_page=100)


# --- the change log and import errors ------------------------------------------------------------------------
def _diff(row: dict[str, Any]) -> str:
    change = ObjectChange(prechange_data=row.get("before"), postchange_data=row.get("after"))
    return "; ".join(
        f"{name}: {'∅' if before is None else before} → {'∅' if after is None else after}"
        for name, before, after in change.changed_fields()
    )


def _with_changes(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "time": timezone.localtime(row["time"]).strftime("%Y-%m-%d %H:%M:%S"), "changes": _diff(row)}


class _Described:
    """A `.values()` queryset whose rows are given their diff text as they are read (for the export)."""

    def __init__(self, rows: QuerySet) -> None:
        self.rows = rows

    def __getitem__(self, index: slice) -> Iterable[dict[str, Any]]:
        return (_with_changes(row) for row in self.rows[index])


def change_table(request: Any, changes: QuerySet, *, name: str = "changes", prefix: str = "") -> DataTable:
    rows = changes.values(
        "time",
        "user_name",
        "source",
        "object_repr",
        action_label=labelled("action", ObjectChange.Action.choices),
        model=F("content_type__model"),
        before=F("prechange_data"),
        after=F("postchange_data"),
    )
    table = DataTable(request, CHANGE_COLUMNS, rows, name=name, prefix=prefix)
    table.page_rows = [_with_changes(row) for row in table.page_rows]
    if table.export_format():
        table.rows = _Described(table.rows)  # type: ignore[assignment]
    return table


def error_table(request: Any, errors: list[dict[str, Any]], *, name: str = "errors", prefix: str = "") -> DataTable:
    return DataTable(request, ERROR_COLUMNS, errors, name=name, prefix=prefix)
