"""File mode (DESIGN §3): a wide table in, one row per entity with every node's score, rank and grade out.

Inputs: CSV (UTF-8 or GB18030), .xlsx (first sheet) or Parquet. Outputs: CSV (UTF-8 with BOM, for Excel on
Chinese Windows) or .xlsx, by the output's suffix. Numbers are written at full precision, so the same spec
and data give byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from industrybrain.core.tabular import read_table, write_csv, write_xlsx

from .model import EvaluationError
from .run import Evaluation
from .spec import Node, Spec


def read_data(path: str | Path, id_column: str) -> pd.DataFrame:
    """The table with numeric-looking columns as numbers; the index holds spreadsheet row numbers ("row")."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
        frame.index = pd.RangeIndex(2, len(frame) + 2, name="row")
        return frame
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EvaluationError(_("cannot read %(path)s: %(problem)s") % {"path": path, "problem": exc.strerror}) from exc
    table = read_table(data, path.name)
    frame = pd.DataFrame(table.rows, columns=table.columns, index=pd.Index(table.row_numbers, name="row"))
    for column in frame.columns:
        if column == id_column:
            continue
        text = frame[column].str.strip()
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers.notna().sum() == (text != "").sum():  # every filled cell is a number
            frame[column] = numbers
        else:
            frame[column] = text.replace("", np.nan)
    return frame


def result_columns(spec: Spec, table: pd.DataFrame) -> list[str]:
    """The results' columns in reading order: who, scores down the tree, ranks, grade, tiers."""
    nodes: list[str] = []
    ranks: list[str] = ["rank", *(f"rank_{g}" for g in spec.rank_within)]
    for node in spec.nodes():
        nodes.append(node.code)
        if isinstance(node, Node):
            ranks += [f"{node.code}_rank", *(f"{node.code}_rank_{g}" for g in spec.rank_within)]
    order = ["id", "name", "population", *nodes, *ranks, "grade", "grade_name", "grade_reason", "tier", "reserve_tier"]
    seen: set[str] = set()
    return [c for c in order if c in table.columns and not (c in seen or seen.add(c))]


def _csv_cell(value: object) -> object:
    """Full precision (repr) so that reruns give identical bytes; whole numbers without ".0"; NaN empty."""
    if isinstance(value, float):
        if np.isnan(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return value


def _xlsx_cell(value: object) -> object:
    return None if isinstance(value, float) and np.isnan(value) else value


def write_results(evaluation: Evaluation, path: str | Path) -> int:
    """Write the results table; returns the number of rows."""
    spec, table = evaluation.spec, evaluation.table
    columns = result_columns(spec, table)
    header = [spec.id_column if c == "id" else c for c in columns]
    path = Path(path)
    xlsx = path.suffix.lower() == ".xlsx"
    cell = _xlsx_cell if xlsx else _csv_cell
    rows = [[cell(v) for v in row] for row in table[columns].itertuples(index=False, name=None)]
    data = write_xlsx(header, rows, text_columns=[header[0]]) if xlsx else write_csv(header, rows)
    path.write_bytes(data)
    return len(rows)
