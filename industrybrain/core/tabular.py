"""Reading and writing the tables people exchange with the bureau: CSV (UTF-8 or GB18030) and Excel (.xlsx).

Every reader returns a `Table` of text cells with their spreadsheet row numbers, so that an import can
report errors as (file, row, column, value, reason) whatever the file's format.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _


class TableError(ValueError):
    """The file cannot be read as a table at all (as opposed to a bad row)."""


@dataclass
class Table:
    name: str
    columns: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)  # spreadsheet row of each entry in `rows`


SUPPORTED_SUFFIXES = (".csv", ".xlsx")


def _cell_text(value: Any) -> str:
    """Excel cells come back typed; turn them into the text a person typed (12.0 -> "12", dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _table_from_rows(name: str, raw_rows: Iterable[Sequence[Any]], max_rows: int) -> Table:
    rows_iter = iter(raw_rows)
    header_number = 0
    for header_number, header in enumerate(rows_iter, start=1):  # noqa: B007  (skip blank lines above the header)
        columns = [_cell_text(c) for c in header]
        if any(columns):
            break
    else:
        raise TableError(_("The file has no header row."))
    while columns and not columns[-1]:
        columns.pop()
    if len(set(columns)) != len(columns) or "" in columns:
        raise TableError(_("Header row has empty or repeated column names: %(columns)s") % {"columns": columns})
    table = Table(name=name, columns=columns)
    for number, raw in enumerate(rows_iter, start=header_number + 1):
        cells = [_cell_text(c) for c in raw]
        if not any(cells):
            continue
        if len(table.rows) >= max_rows:
            raise TableError(_("The file has more than %(max)d rows; split it.") % {"max": max_rows})
        cells += [""] * (len(columns) - len(cells))
        table.rows.append(dict(zip(columns, cells, strict=False)))
        table.row_numbers.append(number)
    return table


def decode_text(data: bytes) -> str:
    # Government offices still send GB18030/GBK CSVs saved by Excel; UTF-8 (with or without BOM) first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(_("The file is neither UTF-8 nor GB18030 text."))


def read_table(data: bytes, name: str, max_rows: int = 500_000) -> Table:
    """Read a CSV or .xlsx file's first sheet; the first non-empty row is the header."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        return _table_from_rows(name, csv.reader(io.StringIO(decode_text(data))), max_rows)
    if suffix == ".xlsx":
        from python_calamine import CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheet = workbook.get_sheet_by_index(0)
        except Exception as exc:  # calamine raises its own error types for every kind of broken file
            raise TableError(_("The file is not a readable .xlsx workbook: %(error)s") % {"error": exc}) from exc
        return _table_from_rows(name, sheet.to_python(skip_empty_area=False), max_rows)
    raise TableError(_("Unsupported file type %(suffix)s: use .csv or .xlsx.") % {"suffix": suffix or "?"})


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral() else int(value)
    return "" if value is None else value


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM, so that Excel on a Chinese Windows desktop opens it with the right characters."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(columns: Sequence[str], rows: Iterable[Sequence[Any]], text_columns: Sequence[str] = ()) -> bytes:
    """One sheet; codes stay text (leading zeros kept), numbers stay numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(columns))
    text_positions = {columns.index(c) for c in text_columns if c in columns}
    for row in rows:
        cells = []
        for position, value in enumerate(row):
            cell = WriteOnlyCell(
                sheet, value=str(value) if position in text_positions and value is not None else _plain(value)
            )
            if position in text_positions:
                cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
