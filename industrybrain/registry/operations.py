"""Operations that write several registry objects: reference-data loads, bulk import and export."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from importlib import resources
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from industrybrain.core.bulk_import import Column, Importer, ImportReport, RowError, RowRejected
from industrybrain.core.tabular import Table, write_csv, write_xlsx

from .choices import DigitalEconomyLevel, IndustryLevel, RegionLevel, Verification
from .models import (
    DigitalEconomyCategory,
    DigitalEconomyMapping,
    DigitalEconomyVersion,
    Enterprise,
    Industry,
    Park,
    Region,
)

INDUSTRY_LEVELS = {
    "门类": IndustryLevel.SECTION,
    "大类": IndustryLevel.DIVISION,
    "中类": IndustryLevel.GROUP,
    "小类": IndustryLevel.CLASS,
}
REGION_LEVELS = {
    "province": RegionLevel.PROVINCE,
    "prefecture": RegionLevel.CITY,
    "county": RegionLevel.COUNTY,
}
DE_LEVELS = {2: DigitalEconomyLevel.CATEGORY, 4: DigitalEconomyLevel.SUBCATEGORY, 6: DigitalEconomyLevel.ITEM}
BUNDLED_DE_VERSION = "NBS 2021 (provisional mapping)"


def bundled_rows(filename: str) -> list[dict[str, str]]:
    """Rows of a reference CSV shipped inside the package (copied from the standards, see docs/reference.md)."""
    text = resources.files("industrybrain.registry").joinpath("data", filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


# --- reference data ------------------------------------------------------------------------------------
def load_regions(region_model: type = Region) -> int:
    """GB/T 2260 divisions of Zhejiang: province, 11 cities, 90 county-level units. Idempotent."""
    created = 0
    paths: dict[str, str] = {}
    for row in bundled_rows("zhejiang_divisions.csv"):
        parent = row["parent_code"] or None
        paths[row["code"]] = (paths[parent] if parent else "") + f"{row['code']}/"
        _obj, was_created = region_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": REGION_LEVELS[row["level"]],
                "parent_id": parent,
                "path": paths[row["code"]],
            },
        )
        created += was_created
    return created


def load_industries(industry_model: type = Industry) -> int:
    """GB/T 4754-2017: 20 sections, 97 divisions, 473 groups, 1381 classes. Idempotent."""
    rows = bundled_rows("gbt4754_2017.csv")
    existing = set(industry_model.objects.values_list("code", flat=True))
    new = [
        industry_model(
            code=r["code"],
            name=r["name"].strip(),
            level=INDUSTRY_LEVELS[r["level"]],
            parent_id=r["parent_code"] or None,
            section=r["section"],
            description=r["description"],
        )
        for r in rows
        if r["code"] not in existing
    ]
    industry_model.objects.bulk_create(new, batch_size=500)
    return len(new)


def _verification(row: dict[str, str]) -> str:
    """The bundled table says in its note how sure each row is; an official table may say it in a column."""
    if stated := row.get("verification", "").strip().lower():
        return stated
    note = row.get("note", "")
    if "UNVERIFIED" in note:
        return Verification.UNVERIFIED
    if "INFERRED" in note:
        return Verification.INFERRED
    return Verification.VERIFIED


def _check_de_row(row: dict[str, str], codes: set[str], classes: set[str]) -> tuple[str, str] | None:
    """(column, reason) when a classification row is wrong, else None."""
    code = row.get("de_code", "").strip()
    if not code.isdigit() or len(code) not in DE_LEVELS:
        return "de_code", _("must be 2, 4 or 6 digits")
    if not row.get("de_name", "").strip():
        return "de_name", _("a value is required")
    if len(code) > 2 and code[: len(code) - 2] not in codes:
        return "de_code", _("its parent %(parent)s is not in the file") % {"parent": code[: len(code) - 2]}
    industry = row.get("gbt4754_code", "").strip()
    if industry and industry not in classes:
        return "gbt4754_code", _("not a GB/T 4754-2017 class (小类)")
    if len(code) == 6 and not industry:
        return "gbt4754_code", _("a 小类 row needs its GB/T 4754 class")
    if _verification(row) not in Verification.values:
        return "verification", _("must be one of %(values)s") % {"values": ", ".join(Verification.values)}
    return None


def import_digital_economy_classification(
    table: Table, version_name: str, *, source: str = "", dry_run: bool = False, make_current: bool = True
) -> ImportReport:
    """Load an edition of the classification as a new version (columns de_code, de_name, gbt4754_code and
    optionally note, verification). Earlier versions stay, so earlier statistics remain reproducible."""
    report = ImportReport(file=table.name, kind="digital_economy", dry_run=dry_run)
    if not version_name.strip():
        report.errors.append(RowError(table.name, 0, "version", "", _("a version name is required")))
    elif DigitalEconomyVersion.objects.filter(name=version_name).exists():
        report.errors.append(RowError(table.name, 0, "version", version_name, _("this version already exists")))
    classes = set(Industry.objects.filter(level=IndustryLevel.CLASS).values_list("code", flat=True))
    codes: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        pair = (row.get("de_code", "").strip(), row.get("gbt4754_code", "").strip())
        problem = ("gbt4754_code", _("duplicate row")) if pair in pairs else _check_de_row(row, codes, classes)
        if problem:
            report.errors.append(RowError(table.name, number, problem[0], row.get(problem[0], ""), problem[1]))
        codes.add(pair[0])
        pairs.add(pair)
    if report.errors or dry_run:
        report.created = 0 if report.errors else len(codes)
        return report
    with transaction.atomic():
        if make_current:
            DigitalEconomyVersion.objects.filter(is_current=True).update(is_current=False)
        version = DigitalEconomyVersion.objects.create(name=version_name, source=source, is_current=make_current)
        _store_classification(version, table.rows)
    report.created, report.applied = len(codes), True
    return report


_SURENESS = [Verification.UNVERIFIED, Verification.INFERRED, Verification.VERIFIED]


def _store_classification(version: DigitalEconomyVersion, rows: list[dict[str, str]]) -> None:
    categories: dict[str, DigitalEconomyCategory] = {}
    mappings: list[DigitalEconomyMapping] = []
    for row in rows:
        code, verification = row["de_code"].strip(), _verification(row)
        category = categories.get(code)
        if category is None:
            category = categories[code] = DigitalEconomyCategory(
                version=version,
                code=code,
                name=row["de_name"].strip(),
                level=DE_LEVELS[len(code)],
                verification=verification,
                note=row.get("note", ""),
            )
        elif _SURENESS.index(verification) < _SURENESS.index(category.verification):
            category.verification = verification  # a category is as sure as its least sure mapping
        if industry := row.get("gbt4754_code", "").strip():
            mappings.append(
                DigitalEconomyMapping(
                    category=category,
                    industry_id=industry,
                    verification=verification,
                    note=row.get("note", ""),
                )
            )
    DigitalEconomyCategory.objects.bulk_create(categories.values())
    DigitalEconomyMapping.objects.bulk_create(mappings)


def load_bundled_digital_economy_classification() -> None:
    if not DigitalEconomyVersion.objects.filter(name=BUNDLED_DE_VERSION).exists():
        rows = bundled_rows("nbs_digital_economy_2021.csv")
        table = Table(
            name="nbs_digital_economy_2021.csv",
            columns=list(rows[0]),
            rows=rows,
            row_numbers=list(range(2, len(rows) + 2)),
        )
        report = import_digital_economy_classification(
            table,
            BUNDLED_DE_VERSION,
            source=_("bundled; small-class mapping recalled, not verified"),
            make_current=not DigitalEconomyVersion.objects.filter(is_current=True).exists(),
        )
        assert report.ok, report.errors


def load_reference_data() -> None:
    load_regions()
    load_industries()
    load_bundled_digital_economy_classification()


def current_digital_economy_version() -> DigitalEconomyVersion | None:
    return DigitalEconomyVersion.objects.filter(is_current=True).first()


# --- scope for writing ---------------------------------------------------------------------------------
def writable_regions(user: Any) -> QuerySet[Region]:
    """Regions a user may create or change objects in: their subtree (not the ancestors they can see)."""
    if user.is_superuser:
        return Region.objects.all()
    if not user.can_edit_master_data or user.scope_path is None or user.scope_park_id:
        return Region.objects.none()
    return Region.objects.filter(path__startswith=user.scope_path)


def writable_parks(user: Any) -> QuerySet[Park]:
    if user.scope_park_id and user.can_edit_master_data:
        return Park.objects.filter(pk=user.scope_park_id)
    return Park.objects.filter(region__in=writable_regions(user))


# --- bulk import and export ----------------------------------------------------------------------------
def _code(obj: Any) -> str:
    return "" if obj is None else obj.pk if isinstance(obj, Region | Industry) else obj.code


def _all_regions() -> dict[str, Region]:
    # Codes resolve against the whole tree (GB/T 2260 is public); what may be written is checked afterwards.
    return {r.code: r for r in Region.objects.all()}


def _all_parks() -> dict[str, Park]:
    return {p.code: p for p in Park.objects.select_related("region")}


class RegionImporter(Importer):
    kind = "regions"
    model = Region
    key = "code"

    def __init__(self, user: Any) -> None:
        super().__init__(user)
        self.columns = [
            Column("code", "code", required=True),
            Column("name", "name", required=True),
            Column("level", "level", required=True),
            Column("parent", "parent", lookup=_all_regions, export=_code),
        ]

    def prepare(self, instance: Region, new_objects: dict[str, Any]) -> None:
        stored_path = instance.path
        instance.path = (instance.parent.path if instance.parent else "") + f"{instance.code}/"
        if stored_path and stored_path != instance.path:
            raise RowRejected("parent", _("moving a region to another parent is not supported by import"))

    def check_scope(self, instance: Region, stored: Region | None) -> None:
        scope = self.user.scope_path
        if not (self.user.is_superuser or (self.user.is_administrator and scope and instance.path.startswith(scope))):
            raise RowRejected("code", _("outside your scope"))


class ParkImporter(Importer):
    kind = "parks"
    model = Park
    key = "code"

    def __init__(self, user: Any) -> None:
        super().__init__(user)
        self.columns = [
            Column("code", "code", required=True),
            Column("name", "name", required=True),
            Column("kind", "kind"),
            Column("region", "region", required=True, lookup=_all_regions, export=_code),
            Column("planned_area_mu", "planned_area_mu"),
        ]

    def check_scope(self, instance: Park, stored: Park | None) -> None:
        writable = writable_parks(self.user)
        if stored is not None and not writable.filter(pk=stored.pk).exists():
            raise RowRejected("code", _("outside your scope"))
        if not writable_regions(self.user).filter(pk=instance.region_id).exists():
            raise RowRejected("region", _("outside your scope"))


class EnterpriseImporter(Importer):
    kind = "enterprises"
    model = Enterprise
    key = "uscc"

    def __init__(self, user: Any) -> None:
        super().__init__(user)
        self.columns = [
            Column("uscc", "uscc", required=True),
            Column("name", "name", required=True),
            Column("region", "region", required=True, lookup=_all_regions, export=_code),
            Column("park", "park", lookup=_all_parks, export=_code),
            Column(
                "industry",
                "industry",
                required=True,
                export=_code,
                lookup=lambda: {i.code: i for i in Industry.objects.filter(level=IndustryLevel.CLASS)},
            ),
            Column("is_above_scale", "is_above_scale"),
            Column("is_listed", "is_listed"),
            Column("founded_on", "founded_on"),
            Column("land_area_mu", "land_area_mu"),
            Column("employees", "employees"),
            Column("status", "status"),
            Column("ownership", "ownership"),
        ]
        self._writable: tuple[set[str], set[int]] | None = None

    def _is_writable(self, region_id: str | None, park_id: int | None) -> bool:
        """Writable like visible: registered in the user's writable regions, or operating in a writable park."""
        if self._writable is None:
            regions = set(writable_regions(self.user).values_list("pk", flat=True))
            parks = set(writable_parks(self.user).values_list("pk", flat=True))
            self._writable = (regions, parks)
        regions, parks = self._writable
        return region_id in regions or (park_id is not None and park_id in parks)

    def check_scope(self, instance: Enterprise, stored: Enterprise | None) -> None:
        # A stored enterprise the user cannot write must not be taken over by naming its USCC.
        if stored is not None and not self._is_writable(stored.region_id, stored.park_id):
            raise RowRejected("uscc", _("outside your scope"))
        if not self._is_writable(instance.region_id, instance.park_id):
            raise RowRejected("region", _("outside your scope"))


IMPORTERS: dict[str, type[Importer]] = {i.kind: i for i in (RegionImporter, ParkImporter, EnterpriseImporter)}


def import_table(kind: str, table: Table, user: Any, *, dry_run: bool = False) -> ImportReport:
    """Validate every row of `table`, then land all of it or nothing (see core.bulk_import)."""
    if kind not in IMPORTERS:
        raise ValueError(f"unknown import kind {kind!r}; choose from {', '.join(IMPORTERS)}")
    return IMPORTERS[kind](user).run(table, dry_run=dry_run)


def export_rows(kind: str, user: Any, queryset: QuerySet | None = None) -> tuple[list[str], Iterable[list[Any]]]:
    """The columns and rows of what `user` may see (optionally narrowed by `queryset`, e.g. a filtered list),
    in the layout `import_table` reads back unchanged."""
    importer = IMPORTERS[kind](user)
    related = [c.field for c in importer.columns if c.lookup is not None]
    queryset = (importer.model.objects.all() if queryset is None else queryset).visible_to(user)
    queryset = queryset.select_related(*related).order_by(importer.key)
    columns = [c.name for c in importer.columns]

    def rows() -> Iterable[list[Any]]:
        for obj in queryset.iterator(chunk_size=2000):
            yield [c.export(getattr(obj, c.field)) if c.export else getattr(obj, c.field) for c in importer.columns]

    return columns, rows()


def export_file(kind: str, user: Any, file_format: str, queryset: QuerySet | None = None) -> bytes:
    columns, rows = export_rows(kind, user, queryset)
    if file_format == "xlsx":
        codes = ["code", "uscc", "region", "park", "industry", "parent"]
        return write_xlsx(columns, rows, text_columns=codes)
    if file_format == "csv":
        return write_csv(columns, rows)
    raise ValueError(f"unknown export format {file_format!r}; use csv or xlsx")
