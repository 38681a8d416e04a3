"""Bulk import of master data (NetBox style): validate every row, report every error, then land the whole
file or nothing. Rows are matched to stored objects by a natural key, so importing a file twice is a no-op
and an edited file updates exactly the rows that changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from .models import ChangeLoggedModel
from .tabular import Table

TRUE_WORDS = {"1", "true", "yes", "y", "是", "√", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "×", "f"}


@dataclass(frozen=True)
class RowError:
    file: str
    row: int
    column: str
    value: str
    reason: str


@dataclass
class ImportReport:
    file: str
    kind: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.__dict__ for e in self.errors],
        }


class RowRejected(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


@dataclass
class Column:
    """How one column of the file becomes one field of the model.

    `lookup` resolves a natural key to an object (for foreign keys); the importer builds it once per file.
    Whether the user may write what the row says is the importer's `check_scope`, not the lookup's.
    """

    name: str
    field: str
    required: bool = False
    lookup: Callable[[], dict[str, Any]] | None = None
    export: Callable[[Any], Any] | None = None


class Importer:
    """Subclasses name the model, its natural key and its columns; `run` does the rest."""

    kind: str
    model: type[ChangeLoggedModel]
    key: str
    columns: list[Column]

    def __init__(self, user: Any) -> None:
        self.user = user
        self._lookups: dict[str, dict[str, Any]] = {}

    # --- hooks -------------------------------------------------------------------------------------
    def existing(self, keys: Iterable[str]) -> dict[str, Any]:
        return {getattr(o, self.key): o for o in self.model._base_manager.filter(**{f"{self.key}__in": list(keys)})}

    def check_scope(self, instance: Any, stored: Any) -> None:
        """Raise RowRejected when the user may not make this change (checked only for rows that change)."""

    def prepare(self, instance: Any, new_objects: dict[str, Any]) -> None:
        """Derive stored values (e.g. a tree path) before saving."""

    # --- parsing -------------------------------------------------------------------------------------
    def _lookup(self, column: Column) -> dict[str, Any]:
        if column.name not in self._lookups:
            assert column.lookup is not None
            self._lookups[column.name] = column.lookup()
        return self._lookups[column.name]

    def _parse(self, column: Column, raw: str, new_objects: dict[str, Any]) -> Any:
        model_field = self.model._meta.get_field(column.field)
        if raw == "":
            if column.required:
                raise RowRejected(column.name, _("a value is required"))
            if isinstance(model_field, models.BooleanField):
                return model_field.default
            return None if model_field.null else ""
        if column.lookup is not None:
            target = self._lookup(column).get(raw) or new_objects.get(raw)
            if target is None:
                raise RowRejected(column.name, _("unknown code"))
            return target
        if isinstance(model_field, models.BooleanField):
            word = raw.lower()
            if word not in TRUE_WORDS | FALSE_WORDS:
                raise RowRejected(column.name, _("expected yes/no (是/否, true/false, 1/0)"))
            return word in TRUE_WORDS
        try:
            return model_field.clean(raw, None)
        except ValidationError as exc:
            raise RowRejected(column.name, "; ".join(exc.messages)) from exc

    def _build(self, row: dict[str, str], stored: Any, new_objects: dict[str, Any]) -> Any:
        instance = (
            self.model(**{f.attname: getattr(stored, f.attname) for f in self.model._meta.concrete_fields})
            if stored is not None
            else self.model()
        )
        if stored is not None:
            instance._state.adding = False
        for column in self.columns:
            if column.name in row:
                setattr(instance, column.field, self._parse(column, row[column.name], new_objects))
        try:
            instance.clean()
        except ValidationError as exc:
            field_errors = getattr(exc, "error_dict", {"__all__": exc.error_list})
            name, errors = next(iter(field_errors.items()))
            column = next((c.name for c in self.columns if c.field == name), self.key)
            raise RowRejected(column, "; ".join(e.messages[0] for e in errors)) from exc
        self.prepare(instance, new_objects)
        return instance

    # --- the whole file --------------------------------------------------------------------------------
    def run(self, table: Table, *, dry_run: bool) -> ImportReport:
        report = ImportReport(file=table.name, kind=self.kind, dry_run=dry_run)
        known = {c.name for c in self.columns}
        missing = [c.name for c in self.columns if c.required and c.name not in table.columns]
        unknown = [c for c in table.columns if c not in known]
        for name in missing:
            report.errors.append(RowError(table.name, 1, name, "", _("required column is missing")))
        for name in unknown:
            report.errors.append(RowError(table.name, 1, name, name, _("unknown column")))
        if report.errors:
            return report
        key_column = next(c.name for c in self.columns if c.field == self.key)
        stored = self.existing(row[key_column] for row in table.rows)
        changes: list[tuple[Any, dict | None]] = []
        seen: dict[str, int] = {}
        new_objects: dict[str, Any] = {}
        for number, row in zip(table.row_numbers, table.rows, strict=True):
            key = row[key_column]
            if key in seen:
                report.errors.append(
                    RowError(
                        table.name,
                        number,
                        key_column,
                        key,
                        _("duplicate key: also on row %(row)d") % {"row": seen[key]},
                    )
                )
                continue
            seen[key] = number
            try:
                instance = self._build(row, stored.get(key), new_objects)
            except RowRejected as rejected:
                report.errors.append(
                    RowError(table.name, number, rejected.column, row.get(rejected.column, ""), rejected.reason)
                )
                continue
            before = stored[key].snapshot() if key in stored else None
            if before == instance.snapshot():
                report.unchanged += 1  # re-importing what one may see is harmless, even outside one's scope
                continue
            try:
                self.check_scope(instance, stored.get(key))
            except RowRejected as rejected:
                report.errors.append(
                    RowError(table.name, number, rejected.column, row.get(rejected.column, ""), rejected.reason)
                )
                continue
            if before is None:
                new_objects[key] = instance
            changes.append((instance, before))
        if report.errors:
            report.unchanged = 0
            return report
        # On a dry run these counts say what the import would do.
        report.created = sum(1 for _instance, before in changes if before is None)
        report.updated = len(changes) - report.created
        if not dry_run:
            self._apply(changes)
            report.applied = True
        return report

    @transaction.atomic
    def _apply(self, changes: list[tuple[Any, dict | None]]) -> None:
        for instance, before in changes:
            instance._prechange_snapshot = before  # already known: spares the change log a read per row
            instance.save()  # model save() logic and the change-log signals run exactly as in the UI
