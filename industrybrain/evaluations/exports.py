"""A stored run's results as people read them: the ranking rows the API and pages share, and the 公示名单.

`ranking` is the run's rows the user may see (operations.visible_results) with each row's score and the group
(county, city) it was ranked within; `filter_ranking` narrows and orders it the same way for the API and the
pages; `result_rows` turns only the page being shown into dicts. The 公示名单 is the layout counties publish: a title
row "<year>年度<spec name>结果公示名单", then one block per population with 序号, code, name, 所属县(市、区) or
所属市, 综合得分, 排名 and 评价等级 (成熟度等级 and the tiers for maturity specs). Its headers are Chinese in every
language: it is an official notice, published in Chinese.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import pandas as pd

from industrybrain.analytics.evaluation.spec import Node, Spec
from industrybrain.core.tabular import write_csv
from industrybrain.registry.models import Region

from .models import EvaluationRun
from .operations import group_values, visible_results, with_score

UNCERTAINTY_COLUMNS = ("median_rank", "rank_p5", "rank_p95")
ORDERINGS = ("rank", "-rank", "score", "-score")
GROUP_HEADERS = {"county": "所属县(市、区)", "city": "所属市"}
CHINESE_NUMBERS = "一二三四五六七八九十"


# --- the ranking table -------------------------------------------------------------------------------------
def ranking(run: EvaluationRun, user: Any) -> pd.DataFrame:
    """The rows `user` may see, with `score` and a `group_<g>` / `group_<g>_name` pair per rank_within column."""
    table = with_score(run, visible_results(run, user))
    groups = group_values(run)
    columns = [c for c in groups.columns if c != "id"]
    if not columns:
        return table
    located = groups.set_index("id").reindex(table["id"].astype(str))
    # a handful of distinct codes among up to 100,000 rows: look them up once, map vectorised
    codes = {str(v) for c in columns for v in located[c].dropna().unique()}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    extra = {}
    for column in columns:
        values = located[column].fillna("").astype(str)
        extra[f"group_{column}"] = values.to_numpy()
        extra[f"group_{column}_name"] = values.map(names).fillna(values).to_numpy()
    return table.assign(**extra)


def with_previous(table: pd.DataFrame, earlier: pd.DataFrame | None) -> pd.DataFrame:
    """The ranking with `previous_rank` (the entity's rank in `earlier`, the previous run's results) and
    `rank_change` = previous rank − rank (> 0: moved up); both missing where either rank is. Without an earlier
    run the table is returned as it is."""
    if earlier is None:
        return table
    ranks = earlier.assign(id=earlier["id"].astype(str)).drop_duplicates("id").set_index("id")["rank"]
    previous = table["id"].astype(str).map(ranks).astype(float)
    return table.assign(previous_rank=previous, rank_change=previous - table["rank"].astype(float))


def movement(rank: float | None, previous_rank: float | None) -> str:
    """up, down or same against the previous run; new for an entity ranked now but not then; "" if unranked."""
    if rank is None or (isinstance(rank, float) and math.isnan(rank)):
        return ""
    if previous_rank is None or (isinstance(previous_rank, float) and math.isnan(previous_rank)):
        return "new"
    return "up" if previous_rank > rank else "down" if previous_rank < rank else "same"


@dataclass(frozen=True)
class RankingFilter:
    population: str = ""
    grade: str = ""
    tier: str = ""
    reserve_tier: str = ""
    search: str = ""
    ordering: str = "rank"
    groups: tuple[tuple[str, str], ...] = ()  # (rank_within column, value), e.g. ("county", "331082")


def _matches(table: pd.DataFrame, column: str, value: str) -> pd.Series:
    if column not in table.columns:
        return pd.Series(False, index=table.index)
    return table[column].fillna("").astype(str) == value


def _contains(table: pd.DataFrame, column: str, needle: str) -> pd.Series:
    if column not in table.columns:
        return pd.Series(False, index=table.index)
    return table[column].fillna("").astype(str).str.lower().str.contains(needle, regex=False)


def filter_ranking(table: pd.DataFrame, chosen: RankingFilter) -> pd.DataFrame:
    """The evaluated rows meeting every filter given, ordered by rank (unranked last) or by score. Rows that no
    population took (e.g. firms without a maturity questionnaire) are left out: the run's summary counts them."""
    keep = table["population"].fillna("").astype(str) != ""
    for column in ("population", "grade", "tier", "reserve_tier"):
        value = getattr(chosen, column)
        if value:
            keep &= _matches(table, column, value)
    for group, value in chosen.groups:
        if value:
            keep &= _matches(table, f"group_{group}", value)
    if chosen.search:
        needle = chosen.search.strip().lower()
        keep &= _contains(table, "id", needle) | _contains(table, "name", needle)
    found = table[keep]
    ordering = chosen.ordering if chosen.ordering in ORDERINGS else "rank"
    key, descending = ordering.lstrip("-"), ordering.startswith("-")
    if key not in found.columns:
        return found
    return found.sort_values([key, "id"], ascending=[not descending, True], na_position="last", kind="stable")


# --- rows as dicts -----------------------------------------------------------------------------------------
def _number(value: Any) -> float | None:
    if value is None or isinstance(value, str):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _rank(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


@dataclass(frozen=True)
class Labels:
    """Names of a spec's populations, tiers and inner nodes, to show beside their codes."""

    populations: dict[str, str]
    tiers: dict[str, str]
    inner_nodes: tuple[tuple[str, str], ...]  # (code, name) of the nodes between the root and the leaves
    node_codes: dict[str, tuple[str, ...]]  # population → the codes of its tree's nodes below the root

    @classmethod
    def of(cls, spec: Spec) -> Labels:
        roots = {p.tree.code for p in spec.populations}
        inner = tuple((n.code, n.name) for n in spec.nodes() if isinstance(n, Node) and n.code not in roots)
        codes = {p.code: tuple(n.code for n in p.tree.walk()[1:]) for p in spec.populations}
        return cls({p.code: p.name for p in spec.populations}, {t.code: t.name for t in spec.tiers}, inner, codes)


def row_dict(spec: Spec, labels: Labels, row: dict[str, Any]) -> dict[str, Any]:
    """One result row for the API and the pages: who, score, ranks, grade, tiers, uncertainty, node scores."""
    population = _text(row.get("population"))
    groups = [g for g in spec.rank_within if f"group_{g}" in row]
    nodes = {c: _number(row.get(c)) for c in labels.node_codes.get(population, ()) if c in row}
    node_ranks = {
        code: {"rank": _rank(row.get(f"{code}_rank")), **{g: _rank(row.get(f"{code}_rank_{g}")) for g in groups}}
        for code, _name in labels.inner_nodes
        if f"{code}_rank" in row and code in nodes
    }
    tier, reserve = _text(row.get("tier")), _text(row.get("reserve_tier"))
    return {
        "id": _text(row.get("id")),
        "name": _text(row.get("name")),
        "population": population,
        "population_name": labels.populations.get(population, population),
        "score": _number(row.get("score")),
        "rank": _rank(row.get("rank")),
        "grade": _text(row.get("grade")) or None,
        "grade_name": _text(row.get("grade_name")),
        "grade_reason": _text(row.get("grade_reason")),
        "tier": tier,
        "tier_name": labels.tiers.get(tier, tier),
        "reserve_tier": reserve,
        "reserve_tier_name": labels.tiers.get(reserve, reserve),
        "groups": {g: _text(row.get(f"group_{g}")) for g in groups},
        "group_names": {g: _text(row.get(f"group_{g}_name")) for g in groups},
        "ranks_within": {g: _rank(row.get(f"rank_{g}")) for g in spec.rank_within if f"rank_{g}" in row},
        **{c: _number(row.get(c)) for c in UNCERTAINTY_COLUMNS},
        "nodes": nodes,
        "node_ranks": node_ranks,
    }


class LazyRows(Sequence[dict[str, Any]]):
    """A table as a sequence of row dicts, converted only for the slice asked for (the page shown)."""

    def __init__(self, table: pd.DataFrame, convert: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.table, self.convert = table, convert

    def __len__(self) -> int:
        return len(self.table)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self.convert(r) for r in self.table.iloc[index].to_dict("records")]
        return self.convert(self.table.iloc[index].to_dict())

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self[:])


def result_rows(spec: Spec, table: pd.DataFrame) -> LazyRows:
    """A (filtered) ranking as row dicts."""
    labels = Labels.of(spec)
    return LazyRows(table, lambda row: row_dict(spec, labels, row))


def compare_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of operations.compare: the entity in run a and run b."""
    return {
        "id": _text(row.get("id")),
        "name": _text(row.get("name_b")) or _text(row.get("name_a")),
        "population": _text(row.get("population_b")) or _text(row.get("population_a")),
        "score_a": _number(row.get("score_a")),
        "score_b": _number(row.get("score_b")),
        "rank_a": _rank(row.get("rank_a")),
        "rank_b": _rank(row.get("rank_b")),
        "grade_a": _text(row.get("grade_a")) or None,
        "grade_b": _text(row.get("grade_b")) or None,
        "rank_change": _rank(row.get("rank_change")),
        "grade_changed": bool(row.get("grade_changed")),
    }


# --- the 公示名单 ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    header: str
    key: str
    text: bool = False  # codes: kept as text in Excel
    number_format: str = ""


def publication_columns(spec: Spec) -> list[Column]:
    region = spec.entity == "region"
    columns = [
        Column("序号", "number"),
        Column("地区代码" if region else "统一社会信用代码", "id", text=True),
        Column("地区名称" if region else "企业名称", "name"),
    ]
    if spec.rank_within:
        group = spec.rank_within[0]
        columns.append(Column(GROUP_HEADERS.get(group, group), f"group_{group}_name"))
    columns += [Column("综合得分", "score", number_format="0.00"), Column("排名", "rank")]
    if any(p.grading for p in spec.populations):
        columns.append(Column("成熟度等级" if spec.tiers else "评价等级", "grade_label"))
    if spec.tiers:
        columns += [Column("推荐梯度", "tier_name"), Column("储备梯度", "reserve_tier_name")]
    return columns


def title(run: EvaluationRun) -> str:
    return f"{run.period}年度{run.spec.name}结果公示名单"


def _publication_row(row: dict[str, Any], number: int) -> dict[str, Any]:
    grade = row["grade"]
    label = f"{grade}（{row['grade_name']}）" if grade and row["grade_name"] else (grade or row["grade_reason"])
    score = row["score"]
    extra = {f"group_{g}_name": name for g, name in row["group_names"].items()}
    return {**row, **extra, "number": number, "score": None if score is None else round(score, 2),
            "grade_label": label}  # fmt: skip


def publication_blocks(run: EvaluationRun, user: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    """(population name, rows in rank order) for every population with visible, evaluated rows."""
    spec = run.spec.parsed
    by_population: dict[str, list[dict[str, Any]]] = {p.code: [] for p in spec.populations}
    for row in result_rows(spec, filter_ranking(ranking(run, user), RankingFilter())):
        members = by_population.get(row["population"])
        if members is not None:  # "": not evaluated (no population took it)
            members.append(_publication_row(row, len(members) + 1))
    return [(p.name, by_population[p.code]) for p in spec.populations if by_population[p.code]]


def publication_xlsx(run: EvaluationRun, user: Any) -> bytes:
    """The 公示名单 as one sheet: the title row, then a block (heading, header row, rows) per population."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    spec = run.spec.parsed
    columns = publication_columns(spec)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("公示名单")
    for letter, width in zip("ABCDEFGHIJ", (6, 22, 36, 16, 10, 8, 18, 12, 12), strict=False):
        sheet.column_dimensions[letter].width = width

    def styled(value: Any, font: Font | None = None, number_format: str = "") -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # a name such as "=HYPERLINK(…)" stays text, never a formula
        if font:
            cell.font = font
        if number_format:
            cell.number_format = number_format
        return cell

    sheet.append([styled(title(run), Font(bold=True, size=14))])
    blocks = publication_blocks(run, user)
    for index, (name, rows) in enumerate(blocks):
        if len(spec.populations) > 1:
            sheet.append([])
            sheet.append([styled(f"{CHINESE_NUMBERS[index % 10]}、{name}（{len(rows)}）", Font(bold=True))])
        sheet.append([styled(c.header, Font(bold=True)) for c in columns])
        for row in rows:
            sheet.append([styled(_cell(row[c.key], c), number_format="@" if c.text else c.number_format)
                          for c in columns])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: Any, column: Column) -> Any:
    if value is None:
        return None
    return str(value) if column.text else value


def _csv_cell(value: Any, column: Column) -> Any:
    """Scores with their two decimals, as published."""
    if column.number_format == "0.00" and isinstance(value, float):
        return f"{value:.2f}"
    return value


def publication_csv(run: EvaluationRun, user: Any) -> bytes:
    """The same list flat: one header row, the population as a column, no title."""
    columns = publication_columns(run.spec.parsed)
    header = [columns[0].header, "评价类别", *(c.header for c in columns[1:])]
    rows = []
    for name, members in publication_blocks(run, user):
        for row in members:
            values = [_csv_cell(row[c.key], c) for c in columns]
            rows.append([values[0], name, *values[1:]])
    return write_csv(header, rows)


def filename(run: EvaluationRun, file_format: str) -> str:
    """An ASCII name for the download (a spec's code is free text, and the header must stay one line)."""
    code = re.sub(r"[^A-Za-z0-9_-]+", "_", run.spec.code).strip("_") or "evaluation"
    return f"{code}-{run.period}-{run.region_id}-run{run.pk}.{file_format}"


EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def export(run: EvaluationRun, user: Any, file_format: str) -> bytes:
    if file_format == "xlsx":
        return publication_xlsx(run, user)
    if file_format == "csv":
        return publication_csv(run, user)
    raise ValueError(f"unknown export format {file_format!r}; use csv or xlsx")
