"""Long and wide fact files, turned into one long shape the engine checks row by row.

Long: one value per row — entity, indicator, period, value (and optionally unit, year-to-date flag).
Wide: one row per entity, one column per indicator ("工业总产值（万元）", "增加值 1—本月累计"), with the period in a
column or given for the whole file. Column names may be an indicator's code, its Chinese name or an alias;
a unit in brackets converts the values (亿元 → 万元) or, when it cannot, is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _

from .readers import ROW_COLUMN, SourceTable, is_entity_header

LONG_ROLES = {
    "indicator": {"indicator", "指标", "指标代码", "指标名称"},
    "period": {"period", "时期", "期别", "报告期", "统计期", "月份"},
    "value": {"value", "数值", "值", "指标值", "本期值"},
    "unit": {"unit", "单位", "计量单位"},
    "ytd": {"ytd", "cumulative", "是否累计", "累计"},
}
# Columns of report templates that describe the entity and carry no indicator.
DESCRIPTIVE = {
    "name",
    "名称",
    "企业名称",
    "单位名称",
    "单位详细名称",
    "序号",
    "no",
    "no.",
    "行业",
    "行业代码",
    "所属行业",
    "地区",
    "所属地区",
    "乡镇",
    "乡镇街道",
    "园区",
    "所属园区",
    "备注",
    "note",
    "region_name",
}
_YTD_WORDS = re.compile(r"(1\s*[-—–~至]+\s*本?[月期季]|累计)")
_PLAIN_WORDS = re.compile(r"(本月|当月|本期|本季)$")
_IGNORED_WORDS = re.compile(r"(上年同期|同比|增长|增速|比上年)")


class LayoutError(ValueError):
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{c}: {r}" for c, r in problems))
        self.problems = problems  # (column, reason)


@dataclass
class LongRows:
    """The file as rows of (row, column, entity, indicator text, period text, unit, ytd hint, value)."""

    table: pa.Table
    layout: str
    ignored_columns: list[str] = field(default_factory=list)
    source_rows: int = 0  # rows of the file (a wide row holds several values)
    entity_column: str | None = None  # the file's columns naming the entity and the period, for error reports
    period_column: str | None = None
    indicator_column: str | None = None  # long files; in a wide file the value column's header is the indicator


def _role(header: str) -> str | None:
    lowered = header.strip().lower()
    if is_entity_header(lowered):
        return "entity"
    return next((role for role, names in LONG_ROLES.items() if lowered in names), None)


def _column(source: SourceTable, name: str, kind: pa.DataType | None = None) -> pa.Array:
    column, kind = source.data.column(name), kind or pa.string()
    return column.cast(kind) if column.type != kind else column


def _nulls(n: int, kind: pa.DataType) -> pa.Array:
    return pa.nulls(n, kind)


def _ytd_flags(column: pa.ChunkedArray) -> pa.Array:
    text = pc.utf8_lower(pc.utf8_trim_whitespace(column.cast(pa.string())))
    yes = pc.is_in(text, pa.array(["1", "true", "yes", "y", "是", "累计"]))
    no = pc.is_in(text, pa.array(["0", "false", "no", "n", "否", "当月", "本月", ""]))
    return pc.if_else(yes, True, pc.if_else(no, False, None))


def to_long(source: SourceTable, period: str | None = None) -> LongRows:
    roles = {h: _role(h) for h in source.headers}
    entity = [h for h, r in roles.items() if r == "entity"]
    if len(entity) != 1:
        raise LayoutError([("", _("the file needs exactly one entity column (统一社会信用代码 or 区划代码)"))])
    if "indicator" in roles.values() and "value" in roles.values():
        return _long(source, roles, entity[0], period)
    return _wide(source, roles, entity[0], period)


def _long(source: SourceTable, roles: dict[str, str | None], entity: str, period: str | None) -> LongRows:
    by_role = {r: h for h, r in roles.items() if r}
    n = source.num_rows
    if "period" not in by_role and period is None:
        raise LayoutError([("", _("a long file needs a period column, or give the period for the whole file"))])
    value = source.data.column(by_role["value"])
    table = pa.table(
        {
            "__row": _column(source, ROW_COLUMN, pa.int32()),
            "__column": pa.array([by_role["value"]] * n, pa.string()),
            "__entity": pc.utf8_upper(pc.utf8_trim_whitespace(_column(source, entity))),
            "__indicator": pc.utf8_trim_whitespace(_column(source, by_role["indicator"])),
            "__period": _column(source, by_role["period"]) if "period" in by_role else pa.array([period] * n),
            "__unit": _column(source, by_role["unit"]) if "unit" in by_role else _nulls(n, pa.string()),
            "__ytd": _ytd_flags(source.data.column(by_role["ytd"])) if "ytd" in by_role else _nulls(n, pa.bool_()),
            "__value": value if not pa.types.is_dictionary(value.type) else value.cast(pa.string()),
        }
    )
    ignored = [h for h, r in roles.items() if r is None and h.strip().lower() not in DESCRIPTIVE]
    if ignored:
        raise LayoutError([(h, _("unknown column")) for h in ignored])
    return LongRows(
        table=table, layout="long", source_rows=n, entity_column=entity, period_column=by_role.get("period"),
        indicator_column=by_role["indicator"],
    )  # fmt: skip


@dataclass(frozen=True)
class IndicatorColumn:
    header: str
    key: str  # the indicator's name or code as written, without unit and qualifiers
    unit: str | None
    ytd: bool | None


def parse_indicator_header(header: str) -> IndicatorColumn | None:
    """'工业总产值（万元） 1—本月累计' -> key 工业总产值, unit 万元, ytd True; None for comparison columns."""
    from .units import split_unit

    text = header.strip()
    if _IGNORED_WORDS.search(text):
        return None
    ytd: bool | None = None
    if _YTD_WORDS.search(text):
        ytd, text = True, _YTD_WORDS.sub("", text)
    elif _PLAIN_WORDS.search(text):
        ytd, text = False, _PLAIN_WORDS.sub("", text)
    key, unit = split_unit(text.strip())
    return IndicatorColumn(header=header, key=key, unit=unit, ytd=ytd)


def _wide(source: SourceTable, roles: dict[str, str | None], entity: str, period: str | None) -> LongRows:
    period_header = next((h for h, r in roles.items() if r == "period"), None)
    if period_header is None and period is None:
        raise LayoutError([("", _("a wide file needs a period column, or give the period for the whole file"))])
    n = source.num_rows
    entities = pc.utf8_upper(pc.utf8_trim_whitespace(_column(source, entity)))
    periods = _column(source, period_header) if period_header else pa.array([period] * n, pa.string())
    rows = _column(source, ROW_COLUMN, pa.int32())
    parts, ignored = [], []
    for header in source.headers:
        if roles[header] is not None or header.strip().lower() in DESCRIPTIVE:
            continue
        parsed = parse_indicator_header(header)
        if parsed is None:
            ignored.append(header)
            continue
        values = source.data.column(header)
        parts.append(
            pa.table(
                {
                    "__row": rows,
                    "__column": pa.array([header] * n, pa.string()),
                    "__entity": entities,
                    "__indicator": pa.array([parsed.key] * n, pa.string()),
                    "__period": periods,
                    "__unit": pa.array([parsed.unit] * n, pa.string()),
                    "__ytd": pa.array([parsed.ytd] * n, pa.bool_()),
                    "__value": values.cast(pa.string()) if values.type != pa.string() else values,
                }
            )
        )
    if not parts:
        raise LayoutError([("", _("no indicator columns found"))])
    return LongRows(
        table=pa.concat_tables(parts), layout="wide", ignored_columns=ignored, source_rows=n,
        entity_column=entity, period_column=period_header,
    )  # fmt: skip
