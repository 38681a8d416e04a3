"""Data-hub operations: the shipped catalogue, and importing facts (validate everything, land all or nothing).

`import_facts` is called alike by the web page, the API and the CLI:

1. read the file (CSV, .xlsx report layout, Parquet) and bring long and wide layouts to one long shape;
2. resolve the file's few distinct entity, indicator and period texts here, in Python;
3. let the engine check every row against them (numbers, ranges, duplicates), then the rules between
   indicators (blocking or not, as each rule says) and the outlier flags;
4. unless it is a dry run: record an ImportBatch, land the facts as that batch in one store transaction, and
   mark the batch landed. A crash between the two leaves a pending batch that `reconcile_batches` settles
   from what the store actually holds, so nothing is ever half landed or silently lost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

import numpy as np
import pyarrow as pa
import yaml
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from industrybrain.accounts.choices import Role
from industrybrain.analytics import dimensions
from industrybrain.analytics.engine import store
from industrybrain.analytics.engine.staging import RuleCheck, check_rules, outliers, stage
from industrybrain.core.bulk_import import RowError
from industrybrain.core.tabular import TableError
from industrybrain.registry.models import Enterprise, Region
from industrybrain.registry.uscc import check_uscc

from .choices import BatchStatus, Severity
from .formulas import parse_formula
from .layouts import LayoutError, LongRows, to_long
from .models import ImportBatch, Indicator, ValidationRule
from .periods import Period, PeriodError, parse_period
from .readers import read_source
from .units import UnitMismatch, conversion_factor

Progress = Callable[[str], None]
MAX_STORED_WARNINGS = 500  # per batch; rule warnings come first, outlier flags after them


# --- the catalogue ------------------------------------------------------------------------------------------
def load_catalogue() -> int:
    """Add the shipped indicators and rules that the database lacks; edited rows are left as they are."""
    text = resources.files("industrybrain.datahub").joinpath("data", "catalogue.yaml").read_text(encoding="utf-8")
    catalogue = yaml.safe_load(text)
    existing = set(Indicator.objects.values_list("code", flat=True))
    stored = [Indicator(**_decimals(row)) for row in catalogue["indicators"] if row["code"] not in existing]
    Indicator.objects.bulk_create(stored)
    rules = set(ValidationRule.objects.values_list("code", flat=True))
    ValidationRule.objects.bulk_create(ValidationRule(**r) for r in catalogue["rules"] if r["code"] not in rules)
    return len(stored)


def _decimals(row: dict[str, Any]) -> dict[str, Any]:
    return {k: Decimal(str(v)) if k in ("min_value", "max_value") else v for k, v in row.items()}


# --- the report ---------------------------------------------------------------------------------------------
REASONS = {
    "unknown_entity": lambda: _("unknown enterprise or region, or outside your scope"),
    "invalid_uscc": lambda: _("not a valid unified social credit code"),
    "unknown_indicator": lambda: _("unknown indicator"),
    "derived_indicator": lambda: _("a derived indicator is computed, not imported"),
    "inactive_indicator": lambda: _("the indicator is no longer collected"),
    "unit_mismatch": lambda: _("the unit does not match the indicator's unit"),
    "bad_period": lambda: _("not a period (use 2024, 2024Q1, 2024-03 or 2024年1—7月)"),
    "wrong_entity_kind": lambda: _("the indicator belongs to the other kind of entity (enterprise or region)"),
    "wrong_periodicity": lambda: _("the indicator is reported for another kind of period"),
    "ytd_of_stock": lambda: _("a stock (e.g. land area) has no year-to-date value"),
    "not_a_number": lambda: _("not a number"),
    "too_large": lambda: _("too large to store"),
    "below_range": lambda: _("below the indicator's valid range"),
    "above_range": lambda: _("above the indicator's valid range"),
}


@dataclass
class FactImportReport:
    file: str
    layout: str = ""
    dry_run: bool = True
    rows: int = 0
    values: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    batch_id: int | None = None
    applied: bool = False
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def fail(self, row: int, column: str, value: str, reason: str) -> None:
        self.errors.append(RowError(self.file, row, column, value, reason))
        self.error_count += 1

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "errors"}
        return {**data, "ok": self.ok, "errors": [e.__dict__ for e in self.errors]}


# --- resolving the distinct texts of a file ------------------------------------------------------------------
def _distinct(table: pa.Table, *columns: str) -> list[tuple]:
    unique = table.select(list(columns)).group_by(list(columns)).aggregate([])
    return list(zip(*(unique.column(c).to_pylist() for c in columns), strict=True))


def entity_map(texts: list[str | None], user: Any) -> pa.Table:
    """USCCs the user may see, and region codes inside the user's own subtree (not the ancestors shown
    for orientation); everything else is unknown, with no hint whether it exists elsewhere."""
    codes = [t for t in texts if t]
    visible = set(
        Enterprise.objects.visible_to(user)
        .filter(uscc__in=[c for c in codes if len(c) == 18])
        .values_list("uscc", flat=True)
    )
    regions = set()
    if user.scope_path is not None and not getattr(user, "enterprise_id", None):
        regions = set(
            Region.objects.filter(
                code__in=[c for c in codes if len(c) == 6], path__startswith=user.scope_path
            ).values_list("code", flat=True)
        )
    kinds, errors = [], []
    for text in texts:
        if text in visible:
            kinds.append("E"), errors.append(None)
        elif text in regions:
            kinds.append("R"), errors.append(None)
        elif text and len(text) == 18 and not check_uscc(text).is_valid:
            kinds.append(None), errors.append("invalid_uscc")
        else:
            kinds.append(None), errors.append("unknown_entity")
    return pa.table({"entity": pa.array(texts, pa.string()), "kind": kinds, "id": texts, "error": errors})


def indicator_index() -> dict[str, Indicator]:
    index: dict[str, Indicator] = {}
    for indicator in Indicator.objects.all():
        for name in indicator.column_names():
            index.setdefault(name.strip().lower(), indicator)
    return index


def indicator_map(pairs: list[tuple[str | None, str | None]]) -> pa.Table:
    index = indicator_index()
    columns: dict[str, list] = {
        k: []
        for k in ("key", "unit", "code", "factor", "error", "kind", "periodicity", "is_flow", "min_value", "max_value")
    }
    for key, unit in pairs:
        indicator = index.get((key or "").strip().lower())
        error, factor = None, Decimal(1)
        if indicator is None:
            error = "unknown_indicator"
        elif indicator.is_derived:
            error = "derived_indicator"
        elif not indicator.is_active:
            error = "inactive_indicator"
        else:
            try:
                factor = conversion_factor(unit, indicator.unit)
            except UnitMismatch:
                error = "unit_mismatch"
        ok = indicator is not None
        columns["key"].append(key)
        columns["unit"].append(unit)
        columns["code"].append(indicator.code if ok else None)
        columns["factor"].append(factor)
        columns["error"].append(error)
        columns["kind"].append(("E" if indicator.level == "enterprise" else "R") if ok else None)
        columns["periodicity"].append(indicator.periodicity if ok else None)
        columns["is_flow"].append(indicator.is_flow if ok else None)
        columns["min_value"].append(indicator.min_value if ok else None)
        columns["max_value"].append(indicator.max_value if ok else None)
    types = {"factor": pa.decimal128(18, 8), "min_value": pa.decimal128(18, 6), "max_value": pa.decimal128(18, 6)}
    return pa.table({k: pa.array(v, types.get(k)) for k, v in columns.items()})


def period_map(texts: list[str | None]) -> pa.Table:
    kinds, years, indexes, ytd, errors = [], [], [], [], []
    for text in texts:
        try:
            parsed = parse_period(text or "")
        except PeriodError:
            kinds.append(None), years.append(None), indexes.append(None), ytd.append(None)
            errors.append("bad_period")
            continue
        kinds.append(parsed.period.kind), years.append(parsed.period.year), indexes.append(parsed.period.index)
        ytd.append(parsed.year_to_date), errors.append(None)
    return pa.table(
        {
            "period": pa.array(texts, pa.string()),
            "pkind": kinds,
            "year": pa.array(years, pa.int16()),
            "idx": pa.array(indexes, pa.int8()),
            "ytd": pa.array(ytd, pa.bool_()),
            "error": pa.array(errors, pa.string()),
        }
    )


# --- the import --------------------------------------------------------------------------------------------
def may_import_facts(user: Any) -> bool:
    """Analysts and administrators load statistics for their part of the tree; an enterprise reports its own."""
    if not getattr(user, "is_active", False):
        return False
    return bool(user.can_edit_master_data or (user.role == Role.ENTERPRISE and user.enterprise_id))


def _require_import_permission(user: Any) -> None:
    if not may_import_facts(user):
        raise PermissionDenied(_("You may not import statistics."))


def import_facts(
    data: bytes,
    name: str,
    user: Any,
    *,
    dry_run: bool,
    period: str | None = None,
    source: str = "web",
    progress: Progress | None = None,
) -> FactImportReport:
    _require_import_permission(user)
    report = FactImportReport(file=name, dry_run=dry_run)
    step = progress or (lambda _phase: None)
    step(_("reading"))
    try:
        long = to_long(read_source(data, name, settings.IMPORT_MAX_FACT_ROWS), period)
    except TableError as exc:
        report.fail(1, "", "", str(exc))
        return report
    except LayoutError as exc:
        for column, reason in exc.problems:
            report.fail(1, column, column, reason)
        return report
    return _import_long(long, data, report, user, source=source, progress=step)


def import_records(
    records: list[dict[str, Any]], user: Any, *, dry_run: bool, source: str = "api", name: str = "records"
) -> FactImportReport:
    """Facts given as data (the API's JSON, or a .json file on the import page): each record has entity,
    indicator, period, value, and optionally unit and ytd. Record numbers stand in for rows in the error report
    (the first record is row 1)."""
    _require_import_permission(user)
    report = FactImportReport(file=name, dry_run=dry_run)

    def field_of(name: str) -> list[Any]:
        return [None if r.get(name) is None else str(r.get(name)).strip() for r in records]

    table = pa.table(
        {
            "__row": pa.array(np.arange(1, len(records) + 1, dtype=np.int32)),
            "__column": pa.array(["value"] * len(records), pa.string()),
            "__entity": pa.array([(e or "").upper() for e in field_of("entity")], pa.string()),
            "__indicator": pa.array(field_of("indicator"), pa.string()),
            "__period": pa.array(field_of("period"), pa.string()),
            "__unit": pa.array(field_of("unit"), pa.string()),
            "__ytd": pa.array([None if r.get("ytd") is None else bool(r["ytd"]) for r in records], pa.bool_()),
            "__value": pa.array(field_of("value"), pa.string()),
        }
    )
    payload = repr(sorted(map(repr, records))).encode()
    return _import_long(LongRows(table, "long", source_rows=len(records)), payload, report, user, source=source)


def _import_long(
    long: LongRows, data: bytes, report: FactImportReport, user: Any, *, source: str, progress: Progress | None = None
) -> FactImportReport:
    step = progress or (lambda _phase: None)
    report.layout, report.ignored_columns = long.layout, long.ignored_columns
    report.rows = long.source_rows
    dimensions.ensure_current()
    step(_("checking"))
    staged = _check(long, user, report)
    if staged is None:
        return report
    if report.dry_run:
        report.new, report.changed, report.unchanged = store().diff(staged)
        return report
    step(_("landing"))
    _land(staged, data, report.file, user, source, report)
    return report


def _check(long: LongRows, user: Any, report: FactImportReport) -> pa.Table | None:
    table = long.table
    maps = {
        "entity_map": entity_map([e for (e,) in _distinct(table, "__entity")], user),
        "indicator_map": indicator_map(_distinct(table, "__indicator", "__unit")),
        "period_map": period_map([p for (p,) in _distinct(table, "__period")]),
    }
    result = stage(store(), table, maps, long.entity_column, long.period_column, long.indicator_column)
    report.values = result.values
    for error in result.errors:
        report.errors.append(
            RowError(report.file, error["row"], error["column"], error["value"] or "", _reason(error["reason"]))
        )
    report.error_count = result.error_count
    if not result.ok:
        return None
    _check_rules(result.facts, report)
    if not report.ok:
        return None
    _flag_outliers(result.facts, report)
    return result.facts


def _reason(code: str) -> str:
    if code.startswith("duplicate:"):
        return _("duplicate: the same entity, indicator and period is also on row %(row)s") % {
            "row": code.split(":", 1)[1]
        }
    return REASONS[code]()


def _sql_side(text: str) -> Callable[[Callable[[str], str]], str]:
    formula = parse_formula(text)
    return lambda column: formula.build(
        column,
        lambda x: repr(x),
        lambda a, b: f"({a}) / nullif({b}, 0)",
        lambda code: f"(CASE WHEN {column(code)} IS NULL THEN 0 ELSE 1 END)",  # one entity: present or not
    )


def _check_rules(facts: pa.Table, report: FactImportReport) -> None:
    rules = list(ValidationRule.objects.filter(is_active=True))
    checks = [
        RuleCheck(
            r.code,
            _sql_side(r.left),
            r.operator,
            _sql_side(r.right),
            parse_formula(r.left).names | parse_formula(r.right).names,
        )
        for r in rules
    ]
    by_code = {r.code: r for r in rules}
    for violation in check_rules(store(), facts, checks):
        rule = by_code[violation["rule"]]
        detail = {
            "kind": "rule",
            "rule": rule.code,
            "name": rule.name,
            "entity": violation["entity_id"],
            "period": _period_label(violation),
            "left": violation["left_value"],
            "right": violation["right_value"],
            "blocking": rule.severity == Severity.ERROR,
        }
        if rule.severity == Severity.ERROR:
            report.fail(
                0,
                rule.code,
                violation["entity_id"],
                _("rule %(rule)s fails for %(entity)s in %(period)s: %(left)s vs %(right)s") % detail,
            )
        else:
            report.warnings.append(detail)


def describe_warning(warning: dict[str, Any]) -> str:
    """One line for a person: which rule or which value, for whom, when."""
    if warning["kind"] == "rule":
        return _("rule %(name)s does not hold for %(entity)s in %(period)s: %(left)s vs %(right)s") % warning
    details = []
    if warning.get("z") is not None:
        details.append(_("%(z).1f robust deviations from its peers") % {"z": warning["z"]})
    if warning.get("last_year_value") is not None:
        details.append(_("a year earlier %(value)s") % {"value": f"{warning['last_year_value']:,.2f}"})
    return _("unusual value %(value)s of %(indicator)s for %(entity)s in %(period)s (%(details)s)") % {
        **warning,
        "value": f"{warning['value']:,.2f}",
        "details": "; ".join(details),
    }


def _period_label(row: dict[str, Any]) -> str:
    period = Period(row["pkind"], row["year"], row["idx"])
    return period.label_zh(year_to_date=bool(row.get("ytd")))


def _flag_outliers(facts: pa.Table, report: FactImportReport) -> None:
    for row in outliers(store(), facts, settings.OUTLIER_Z_LIMIT, settings.OUTLIER_JUMP_RATIO):
        report.warnings.append(
            {
                "kind": "outlier",
                "entity": row["entity_id"],
                "indicator": row["indicator"],
                "period": _period_label(row),
                "value": row["value"],
                "z": row["z"],
                "last_year_value": row["last_year_value"],
            }
        )


def _land(staged: pa.Table, data: bytes, name: str, user: Any, source: str, report: FactImportReport) -> None:
    batch = ImportBatch.objects.create(
        file_name=name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        layout=report.layout,
        source=source,
        user=user if getattr(user, "pk", None) else None,
        scope_path=getattr(user, "scope_path", None) or "",
        rows=report.rows,
        warnings=report.warnings[:MAX_STORED_WARNINGS],
    )
    try:
        result = store().land(staged, batch.pk)
    except Exception as exc:
        batch.status, batch.message, batch.finished = BatchStatus.FAILED, str(exc)[:2000], timezone.now()
        batch.save()
        raise
    batch.facts_new, batch.facts_changed, batch.facts_unchanged = result.new, result.changed, result.unchanged
    batch.status = BatchStatus.UNCHANGED if result.is_noop else BatchStatus.LANDED
    batch.finished = timezone.now()
    batch.save()
    report.new, report.changed, report.unchanged = result.new, result.changed, result.unchanged
    report.batch_id, report.applied = batch.pk, not result.is_noop


def reconcile_batches() -> int:
    """Settle batches left pending by a crash: landed if the store has them, failed (nothing landed) if not."""
    pending = list(ImportBatch.objects.filter(status=BatchStatus.PENDING))
    if not pending:
        return 0
    landed = store().landed_batch_ids()
    for batch in pending:
        batch.status = BatchStatus.LANDED if batch.pk in landed else BatchStatus.FAILED
        batch.message = _("settled after an interrupted import")
        batch.finished = timezone.now()
        batch.save(update_fields=["status", "message", "finished"])
    return len(pending)
