"""The shared table (core.datatable) over a pandas DataFrame, and the cells evaluation tables show.

A ranking can hold 100,000 enterprises: turning every row into a dict to sort it in Python would cost
seconds, so `FrameTable` filters and sorts the frame in pandas and converts only the rows shown (or
exported). Parameters, template, JSON and files are the shared table's (`?sort=`, `?q=`, `?f.key=`, `?page=`,
`?export=`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from industrybrain.core.datatable import Column, DataTable

from .exports import LazyRows

NEW = "new"  # the rank-change cell of an entity the previous run did not rank (JSON and files keep it as is)


@dataclass(frozen=True)
class ChangeColumn(Column):
    """A rank change (previous rank − rank): ▲3 moved up three places, ▼2 down two, — unchanged, "new" (in the
    page's language) for an entity ranked now but not then."""

    def display(self, value: Any) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value > 0:
                return f"▲{value:.0f}"
            return f"▼{-value:.0f}" if value < 0 else "—"
        if value == NEW:
            return _("new")
        return "" if value is None else str(value)


@dataclass(frozen=True)
class PercentColumn(Column):
    """A fraction shown as a percentage without trailing zeros (30%, 12.5%), as the grade page reads."""

    kind: str = "percent"

    def display(self, value: Any) -> str:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return "" if value is None else str(value)
        return _trimmed(f"{value * 100:.{self.digits}f}") + "%"


@dataclass(frozen=True)
class ValueColumn(Column):
    """An indicator's value with up to `digits` decimals and no trailing zeros (2, 0.05, 1,234.5)."""

    kind: str = "number"
    digits: int = 4

    def display(self, value: Any) -> str:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return "" if value is None else str(value)
        return _trimmed(f"{value:,.{self.digits}f}")


def _trimmed(text: str) -> str:
    """Without trailing decimal zeros: 30.0 → 30, 12.50 → 12.5, but 100 stays 100."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def _plain(value: Any) -> Any:
    """A cell as Python: NaN is None, numpy scalars plain numbers."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class FrameRows(LazyRows):
    """A frame's rows as plain dicts (ranks as integers), converted only for the slice asked for; the frame
    keeps every column (for sorting and filtering), the rows only `keys`."""

    def __init__(self, frame: pd.DataFrame, integers: Sequence[str] = (), keys: Sequence[str] | None = None) -> None:
        self.frame = frame
        self.integers = [c for c in integers if c in frame.columns]
        self.keys = list(frame.columns) if keys is None else [k for k in dict.fromkeys(keys) if k in frame.columns]
        super().__init__(frame[self.keys], self._dict)

    def _dict(self, record: dict[str, Any]) -> dict[str, Any]:
        row = {k: _plain(v) for k, v in record.items()}
        for key in self.integers:  # ranks are whole numbers, stored as floats beside NaN
            if isinstance(row[key], float):
                row[key] = int(row[key])
        return row


class FrameTable(DataTable):
    """`DataTable` whose rows are a DataFrame (columns named by the Column keys; other columns ride along,
    unseen by the page, the JSON and the files). Sorting puts missing values last both ways, like the list
    table; text cells in a numeric column (a "new" beside rank changes) sort with the missing ones."""

    rows: FrameRows

    def _distinct(self, key: str) -> list[str]:
        values = self._source[key].dropna().astype(str).unique()
        return sorted(v for v in values if v != "")

    def _filtered_sorted(self, rows: Any) -> FrameRows:
        frame: pd.DataFrame = rows
        searched = [c.key for c in self.columns if c.is_searched]
        if self.query and searched:
            needle = self.query.casefold()
            hit = np.zeros(len(frame), dtype=bool)
            for key in searched:
                hit |= frame[key].fillna("").astype(str).str.casefold().str.contains(needle, regex=False).to_numpy()
            frame = frame[hit]
        for key, value in self.filters.items():
            frame = frame[frame[key].fillna("").astype(str).to_numpy() == value]
        if self.sort:
            key = self.sort.removeprefix("-")
            frame = frame.sort_values(
                key, ascending=not self.sort.startswith("-"), na_position="last", kind="stable",
                key=self._sort_key(self.by_key[key]),
            )  # fmt: skip
        integers = [c.key for c in self.columns if c.kind == "integer"]
        shown = [c.key for c in self.columns] + [c.link for c in self.columns if c.link]  # what cells and files read
        return FrameRows(frame, integers, shown)

    @staticmethod
    def _sort_key(column: Column) -> Any:
        if column.numeric:
            return lambda s: pd.to_numeric(s, errors="coerce")
        return lambda s: s.where(s.notna() & (s.astype(str) != ""), None).astype(object)

    def page_index(self) -> pd.Index:
        """The source frame's index labels of the rows shown, in order (to find their full records)."""
        start = (self.page - 1) * self.per_page
        return self.rows.frame.index[start : start + self.per_page]

    def shown(self) -> pd.DataFrame:
        """Every row the filters keep, in the table's order (for charts of what the table shows)."""
        return self.rows.frame
