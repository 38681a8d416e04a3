"""An uploaded fact file, whatever its format, through the one import pipeline (`operations`): CSV (UTF-8 or
GB18030), .xlsx and Parquet go to `import_facts`; a .json file holds records as the API takes them
(`{"records": [...]}` or a bare list) and goes to `import_records`. Also the demo's sample files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from industrybrain.core.tabular import TableError, decode_text

from .operations import FactImportReport, import_facts, import_records
from .readers import SUPPORTED

SUFFIXES = (*SUPPORTED, ".json")
MAX_LISTED_ERRORS = 1000


def import_upload(
    data: bytes, name: str, user: Any, *, dry_run: bool, period: str = "", source: str = "web"
) -> FactImportReport:
    """Check (dry run) or land one uploaded file; every problem is in the report, nothing lands unless it is ok."""
    if Path(name).suffix.lower() != ".json":
        return import_facts(data, name, user, dry_run=dry_run, period=period or None, source=source)
    report = FactImportReport(file=name, dry_run=dry_run)
    try:
        records = _records(data)
    except TableError as exc:
        report.fail(1, "", "", str(exc))
        return report
    if period:
        for record in records:
            if not record.get("period"):
                record["period"] = period
    valid = _validated(records, report)
    if not report.ok:
        return report
    return import_records(valid, user, dry_run=dry_run, source=source, name=name)


def _records(data: bytes) -> list[dict[str, Any]]:
    try:
        parsed = json.loads(decode_text(data))
    except ValueError as exc:
        raise TableError(_("The file is not readable JSON: %(error)s") % {"error": exc}) from exc
    records = parsed.get("records") if isinstance(parsed, dict) else parsed
    if not isinstance(records, list) or not records or not all(isinstance(r, dict) for r in records):
        raise TableError(
            _("A JSON file holds a list of records (or {\"records\": [...]}), each with entity, indicator, period "
              "and value.")
        )  # fmt: skip
    if len(records) > settings.IMPORT_MAX_FACT_ROWS:
        raise TableError(_("The file has more than %(max)d rows; split it.") % {"max": settings.IMPORT_MAX_FACT_ROWS})
    return records


def _validated(records: list[dict[str, Any]], report: FactImportReport) -> list[dict[str, Any]]:
    """The records' shape checked as the API checks it; each bad field is a row error (record n = row n)."""
    from .api.serializers import FactRecordSerializer

    checked = FactRecordSerializer(data=records, many=True)
    if checked.is_valid():
        return [dict(r) for r in checked.validated_data]
    errors = checked.errors
    # DRF gives a list with an entry per record, or (newer versions) a dict by record index
    by_index = errors.items() if isinstance(errors, dict) else enumerate(errors)
    for index, problems in sorted(by_index, key=lambda pair: int(pair[0])):
        number, record = int(index) + 1, records[int(index)]
        for column, messages in (problems or {}).items():
            if len(report.errors) >= MAX_LISTED_ERRORS:
                report.error_count += 1  # counted, not listed, as the pipeline's own checks do
                continue
            report.fail(number, column, str(record.get(column, "")), "; ".join(str(m) for m in messages))
    return []


def demo_files() -> dict[str, Path]:
    """The demo's sample files (one good, one with errors), by name; empty outside a demo data directory."""
    folder = Path(settings.DATA_DIR) / "demo-files"
    if not folder.is_dir():
        return {}
    return {p.name: p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in SUFFIXES}
