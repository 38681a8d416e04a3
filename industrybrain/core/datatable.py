"""One table component for every page (issue 6): sort, filter, page and export to Excel/CSV, the same way
everywhere, from the query string — so a table's state is a link a clerk can bookmark or send.

A view builds a `DataTable` from its rows (a list of dicts, or a `QuerySet` of dicts from `.values()` for
tables too long to hold in memory) and its columns; the template includes `core/_datatable.html`; the JSON
form of the page carries `table.as_dict()`. Parameters (with the table's `prefix`, for pages with several):

    sort=key | sort=-key     order by a column (descending with "-"); ties keep the source's order
    q=text                   keep rows whose text columns contain the text (case-insensitive)
    f.key=value              keep rows whose column equals the value (columns with `choices=True`)
    page=N, per_page=N       which page (per_page at most MAX_PER_PAGE)
    export=xlsx | export=csv  the whole filtered, sorted table as a file (at most MAX_EXPORT_ROWS rows)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _

from .tabular import write_csv, write_xlsx

MAX_PER_PAGE = 500
MAX_EXPORT_ROWS = 200_000
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
KINDS = ("text", "number", "integer", "percent", "code")


@dataclass(frozen=True)
class Column:
    key: str  # the row's field (for a QuerySet: the `.values()` name, also used for ordering and filtering)
    label: str
    kind: str = "text"  # text | number | integer | percent (a fraction shown ×100) | code (text, kept as text in Excel)
    digits: int = 2
    link: str | None = None  # the row field holding this cell's URL
    choices: bool = False  # offer a drop-down filter over the column's distinct values
    sortable: bool = True
    searchable: bool | None = None  # default: text and code columns

    @property
    def numeric(self) -> bool:
        return self.kind in ("number", "integer", "percent")

    @property
    def is_searched(self) -> bool:
        return (not self.numeric) if self.searchable is None else self.searchable

    def display(self, value: Any) -> str:
        """The cell as the page shows it (the export and the JSON keep the raw value)."""
        if value is None or value == "":
            return ""
        if self.kind == "percent" and isinstance(value, int | float):
            return f"{value * 100:.1f}%"
        if self.kind == "integer" and isinstance(value, int | float):
            return f"{value:,.0f}"
        if self.kind == "number" and isinstance(value, int | float):
            return f"{value:,.{self.digits}f}"
        return str(value)


class TableError(ValueError):
    """A column definition that cannot work (caught by tests, not shown to users)."""


class DataTable:
    def __init__(
        self,
        request: HttpRequest,
        columns: Sequence[Column],
        rows: Sequence[dict[str, Any]] | QuerySet,
        *,
        name: str = "table",
        prefix: str = "",
        per_page: int = 50,
        default_sort: str | None = None,
        caption: str = "",
        search: bool = True,
        empty: str = "",
    ) -> None:
        for column in columns:
            if column.kind not in KINDS:
                raise TableError(f"column {column.key!r}: unknown kind {column.kind!r}")
        self.columns = list(columns)
        self.by_key = {c.key: c for c in self.columns}
        self.name, self.prefix, self.caption = name, prefix, caption
        self.search, self.empty = search, empty  # search: show the search box and choice filters
        # An app may draw its rows its own way (status badges, marked rows): a template for one row, given `row`
        # from `shown_rows`, and export links of its own (e.g. a re-import format).
        self.row_template = "core/_datatable_row.html"
        self.extra_rows: list[dict[str, Any]] | None = None
        self.exports: list[tuple[str, str]] | None = None
        self.params: QueryDict = request.GET
        self.sort = self._sort(self.params.get(prefix + "sort") or default_sort or "")
        self.query = (self.params.get(prefix + "q") or "").strip()[:100]
        self.filters = {
            key: value
            for key in self.by_key
            if self.by_key[key].choices and (value := self.params.get(f"{prefix}f.{key}", "")) != ""
        }
        self.per_page = _bounded(self.params.get(prefix + "per_page"), per_page, 1, MAX_PER_PAGE)
        self._source = rows
        self._choices = {c.key: self._distinct(c.key) for c in self.columns if c.choices}
        self.rows = self._filtered_sorted(rows)
        self.count = self.rows.count() if isinstance(self.rows, QuerySet) else len(self.rows)
        self.pages = max(1, math.ceil(self.count / self.per_page))
        self.page = _bounded(self.params.get(prefix + "page"), 1, 1, self.pages)
        start = (self.page - 1) * self.per_page
        self.page_rows: list[dict[str, Any]] = list(self.rows[start : start + self.per_page])

    # -- the table's state -------------------------------------------------------------------------------------

    def _sort(self, text: str) -> str:
        key = text.removeprefix("-")
        column = self.by_key.get(key)
        return text if column is not None and column.sortable else ""

    def _distinct(self, key: str) -> list[str]:
        if isinstance(self._source, QuerySet):
            values = self._source.order_by().values_list(key, flat=True).distinct()
        else:
            values = {row.get(key) for row in self._source}
        return sorted(str(v) for v in values if v not in (None, ""))

    def _filtered_sorted(self, rows: Sequence[dict[str, Any]] | QuerySet) -> Sequence[dict[str, Any]] | QuerySet:
        searched = [c.key for c in self.columns if c.is_searched]
        if isinstance(rows, QuerySet):
            if self.query and searched:
                condition = Q()
                for key in searched:
                    condition |= Q(**{f"{key}__icontains": self.query})
                rows = rows.filter(condition)
            for key, value in self.filters.items():
                rows = rows.filter(**{key: value})
            if self.sort:
                key = self.sort.removeprefix("-")
                # nulls last either way, as a reader expects of a ranking; the source's order, then the primary
                # key, break ties so that pages do not overlap
                expression = F(key).desc(nulls_last=True) if self.sort.startswith("-") else F(key).asc(nulls_last=True)
                tie_breakers = rows.query.order_by or rows.model._meta.ordering or ()
                rows = rows.order_by(expression, *tie_breakers, "pk")
            return rows
        kept = list(rows)
        if self.query and searched:
            needle = self.query.casefold()
            kept = [r for r in kept if any(needle in str(r.get(k) or "").casefold() for k in searched)]
        for key, value in self.filters.items():
            kept = [r for r in kept if str(r.get(key)) == value]
        if self.sort:
            key = self.sort.removeprefix("-")
            descending = self.sort.startswith("-")
            present = [r for r in kept if r.get(key) is not None and r.get(key) != ""]
            missing = [r for r in kept if r.get(key) is None or r.get(key) == ""]
            present.sort(key=lambda r: _sort_key(r[key]), reverse=descending)  # stable: ties keep their order
            kept = present + missing
        return kept

    # -- links and cells for the template ---------------------------------------------------------------------

    def link(self, **changes: Any) -> str:
        """The current query string with some of this table's parameters changed (None removes one)."""
        query = self.params.copy()
        for name, value in changes.items():
            parameter = self.prefix + name.replace("__", ".")
            if value is None or value == "":
                query.pop(parameter, None)
            else:
                query[parameter] = str(value)
        query.pop(self.prefix + "export", None)
        return "?" + query.urlencode()

    def header(self) -> list[dict[str, Any]]:
        cells = []
        for column in self.columns:
            current = self.sort.removeprefix("-") == column.key
            descending = current and self.sort.startswith("-")
            # first click on a number sorts largest first (a ranking); on text, A→Z
            following = (column.key if descending else f"-{column.key}") if current else (
                f"-{column.key}" if column.numeric else column.key
            )  # fmt: skip
            cells.append({
                "column": column,
                "sort_url": self.link(sort=following, page=None) if column.sortable else "",
                "aria_sort": ("descending" if descending else "ascending") if current else "none",
            })  # fmt: skip
        return cells

    def body(self) -> list[list[dict[str, Any]]]:
        return [
            [{"text": c.display(row.get(c.key)), "url": row.get(c.link) if c.link else None, "column": c}
             for c in self.columns]
            for row in self.page_rows
        ]  # fmt: skip

    def shown_rows(self) -> list[Any]:
        """The page's rows as `row_template` draws them: `body()` unless an app set `extra_rows`."""
        return self.body() if self.extra_rows is None else self.extra_rows

    def choice_filters(self) -> list[dict[str, Any]]:
        return [
            {"key": key, "label": self.by_key[key].label, "name": f"{self.prefix}f.{key}",
             "values": values, "chosen": self.filters.get(key, "")}
            for key, values in self._choices.items()
        ]  # fmt: skip

    def hidden_params(self) -> list[tuple[str, str]]:
        """Other parameters of the page, kept when this table's filter form is submitted."""
        own = {self.prefix + n for n in ("q", "page", "export")} | {f"{self.prefix}f.{k}" for k in self._choices}
        return [(k, v) for k in self.params for v in self.params.getlist(k) if k not in own]

    def export_url(self, file_format: str) -> str:
        return self.link(page=None) + f"&{self.prefix}export={file_format}"

    def export_links(self) -> list[tuple[str, str]]:
        if self.exports is not None:
            return self.exports
        return [(".xlsx", self.export_url("xlsx")), (".csv", self.export_url("csv"))]

    def previous_url(self) -> str:
        return self.link(page=self.page - 1) if self.page > 1 else ""

    def next_url(self) -> str:
        return self.link(page=self.page + 1) if self.page < self.pages else ""

    # -- JSON and files ---------------------------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        return {
            "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in self.columns],
            "rows": [{c.key: _plain(row.get(c.key)) for c in self.columns} | _links(self.columns, row)
                     for row in self.page_rows],
            "count": self.count, "page": self.page, "pages": self.pages, "per_page": self.per_page,
            "sort": self.sort, "q": self.query, "filters": self.filters,
        }  # fmt: skip

    def export_format(self) -> str | None:
        wanted = self.params.get(self.prefix + "export")
        return wanted if wanted in EXPORT_TYPES else None

    def export_response(self) -> HttpResponse | None:
        """The file when the query asks for one (?export=xlsx|csv), else None; a view returns it as is."""
        file_format = self.export_format()
        if file_format is None:
            return None
        rows = self.rows[:MAX_EXPORT_ROWS]
        header = [str(c.label) for c in self.columns]
        cells = ([_plain(row.get(c.key)) for c in self.columns] for row in rows)
        if file_format == "csv":
            data = write_csv(header, cells)
        else:
            text_columns = [str(c.label) for c in self.columns if c.kind == "code"]
            data = write_xlsx(header, cells, text_columns=text_columns)
        response = HttpResponse(data, content_type=EXPORT_TYPES[file_format])
        response["Content-Disposition"] = f'attachment; filename="{self.name}.{file_format}"'
        return response

    def summary(self) -> str:
        if not self.count:
            return _("No rows.")
        first = (self.page - 1) * self.per_page + 1
        last = min(self.count, self.page * self.per_page)
        return _("Rows %(first)s–%(last)s of %(count)s") % {"first": first, "last": last, "count": f"{self.count:,}"}


def _bounded(text: str | None, default: int, low: int, high: int) -> int:
    try:
        value = int(text) if text else default
    except ValueError:
        value = default
    return min(max(value, low), high)


def _sort_key(value: Any) -> tuple[int, Any]:
    # numbers before text, so a column of numbers with a stray text cell still sorts
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value))


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _links(columns: Sequence[Column], row: dict[str, Any]) -> dict[str, Any]:
    return {c.link: row.get(c.link) for c in columns if c.link}
