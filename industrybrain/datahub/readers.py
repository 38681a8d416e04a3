"""Reading fact files into Arrow: CSV (UTF-8 or GB18030), Excel .xlsx in the usual report layout, Parquet.

Every reader returns a `SourceTable`: the header names as the file has them and the cells (text, or typed
numbers for Parquet), with a `__row` column holding the spreadsheet row of each data row, so that errors
can name (file, row, column, value) whatever the format.

Report layout: statistics offices send sheets with a title row or two above the header ("2024年1—7月规上工业企业
主要指标"), and often a two-row header where a merged cell ("工业总产值（万元）") spans sub-columns ("本月",
"1—本月累计"). The header is the first row that names an entity column; a row under it whose entity cell is empty
is a sub-header, joined to the merged cell above.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from django.utils.translation import gettext as _

from industrybrain.core.tabular import TableError, decode_text

ROW_COLUMN = "__row"
ENTITY_HEADERS = {
    "uscc",
    "entity",
    "entity_id",
    "统一社会信用代码",
    "社会信用代码",
    "信用代码",
    "region",
    "region_code",
    "区划代码",
    "行政区划代码",
    "地区代码",
}
HEADER_SEARCH_ROWS = 15
SUPPORTED = (".csv", ".xlsx", ".parquet")


@dataclass
class SourceTable:
    name: str
    headers: list[str]
    data: pa.Table  # one column per header (same order), plus ROW_COLUMN

    @property
    def num_rows(self) -> int:
        return self.data.num_rows


def is_entity_header(text: str) -> bool:
    return text.strip().lower() in ENTITY_HEADERS


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _find_header(rows: list[list[str]]) -> int:
    """Index of the header row: the first naming an entity column, else the first non-empty row."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(is_entity_header(c) for c in row):
            return index
    for index, row in enumerate(rows):
        if any(row):
            return index
    raise TableError(_("The file has no header row."))


def _merge_sub_header(header: list[str], sub: list[str]) -> list[str]:
    """Join a merged parent cell to each sub-column under it: ['产值（万元）', ''] + ['本月', '累计']."""
    merged, parent = [], ""
    for top, bottom in zip(header, sub, strict=True):
        parent = top or parent
        merged.append(f"{parent} {bottom}".strip() if bottom else top)
    return merged


def _headers_and_body(rows: list[list[str]]) -> tuple[list[str], int]:
    """Header names and the index of the first data row."""
    at = _find_header(rows)
    header = rows[at]
    entity_positions = [i for i, c in enumerate(header) if is_entity_header(c)]
    body = at + 1
    if body < len(rows) and entity_positions:
        below = rows[body] + [""] * (len(header) - len(rows[body]))
        if not below[entity_positions[0]] and any(below):
            header = _merge_sub_header(header, below[: len(header)])
            body += 1
    while header and not header[-1]:
        header = header[:-1]
    if "" in header or len(set(header)) != len(header):
        raise TableError(_("Header row has empty or repeated column names: %(columns)s") % {"columns": header})
    return header, body


def _from_rows(name: str, rows: list[list[str]], max_rows: int) -> SourceTable:
    headers, body = _headers_and_body(rows)
    columns: list[list[str]] = [[] for _ in headers]
    numbers: list[int] = []
    for offset, row in enumerate(rows[body:]):
        if not any(row):
            continue
        if len(numbers) >= max_rows:
            raise TableError(_("The file has more than %(max)d rows; split it.") % {"max": max_rows})
        row = row + [""] * (len(headers) - len(row))
        for position, column in enumerate(columns):
            column.append(row[position])
        numbers.append(body + offset + 1)
    arrays = {h: pa.array(c, pa.string()) for h, c in zip(headers, columns, strict=True)}
    arrays[ROW_COLUMN] = pa.array(numbers, pa.int32())
    return SourceTable(name=name, headers=headers, data=pa.table(arrays))


def _read_csv(name: str, data: bytes, max_rows: int) -> SourceTable:
    import pyarrow.csv as pacsv

    text = decode_text(data)
    head = list(csv.reader(io.StringIO("\n".join(text.splitlines()[:HEADER_SEARCH_ROWS]))))
    at = _find_header(head)
    if at + 1 < len(head) and head[at + 1] and not head[at + 1][0].strip() and any(head[at + 1]):
        # A two-row header is a spreadsheet habit; take the slow, careful path for such files.
        return _from_rows(name, [list(r) for r in csv.reader(io.StringIO(text))], max_rows)
    headers = [h.strip() for h in head[at]]
    while headers and not headers[-1]:
        headers.pop()
    if "" in headers or len(set(headers)) != len(headers):
        raise TableError(_("Header row has empty or repeated column names: %(columns)s") % {"columns": headers})
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(skip_rows=at + 1, column_names=headers),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in headers}),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
        )
    except pa.ArrowInvalid as exc:
        raise TableError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc
    if table.num_rows > max_rows:
        raise TableError(_("The file has more than %(max)d rows; split it.") % {"max": max_rows})
    # Blank lines are skipped by the reader, so row numbers assume none inside the data (as Excel writes CSV).
    rows = pa.array(np.arange(at + 2, at + 2 + table.num_rows, dtype=np.int32))
    return SourceTable(name=name, headers=headers, data=table.append_column(ROW_COLUMN, rows))


def _read_xlsx(name: str, data: bytes, max_rows: int) -> SourceTable:
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        raw = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for every kind of broken file
        raise TableError(_("The file is not a readable .xlsx workbook: %(error)s") % {"error": exc}) from exc
    return _from_rows(name, [[_cell(v) for v in row] for row in raw], max_rows)


def _read_parquet(name: str, data: bytes, max_rows: int) -> SourceTable:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableError(_("The file is not a readable Parquet file: %(error)s") % {"error": exc}) from exc
    if table.num_rows > max_rows:
        raise TableError(_("The file has more than %(max)d rows; split it.") % {"max": max_rows})
    headers = list(table.column_names)
    # Parquet has no spreadsheet rows: number the records from 2 as if row 1 were the header.
    numbers = pa.array(np.arange(2, table.num_rows + 2, dtype=np.int32))
    return SourceTable(name, headers, table.append_column(ROW_COLUMN, numbers))


def read_source(data: bytes, name: str, max_rows: int) -> SourceTable:
    suffix = Path(name).suffix.lower()
    readers = {".csv": _read_csv, ".xlsx": _read_xlsx, ".parquet": _read_parquet}
    if suffix not in readers:
        raise TableError(_("Unsupported file type %(suffix)s: use .csv, .xlsx or .parquet.") % {"suffix": suffix})
    return readers[suffix](name, data, max_rows)
