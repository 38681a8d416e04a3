"""Turning a file's rows into validated facts, vectorised in DuckDB.

The caller (datahub) resolves the few distinct entity, indicator and period texts of a file in Python and
passes them as small mapping tables; the per-row work (joins, number parsing, range checks, duplicate keys,
rules between indicators, outliers) runs here as set operations, so a million rows take about a second.

Errors come back as reason codes with details; datahub words them for the user.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from .store import FACT_VALUE, Store, _run

MAX_ERRORS = 1000

# One row per non-empty cell: the resolved entity, indicator and period, the value in the indicator's unit, and
# the first problem found, in the order a person fixes them: who, what, when, then the value itself. Numbers
# are parsed once and scaled only when the unit needs it (most files carry the indicator's own unit).
_CHECKED = """
CREATE OR REPLACE TEMP TABLE checked AS
WITH parsed AS (
    SELECT r.__row AS file_row, r.__column AS file_column, r.__value AS raw,
           r.__entity AS entity_text, r.__indicator AS indicator_text, r.__period AS period_text,
           e.kind AS entity_kind, e.id AS entity_id, e.error AS entity_error,
           i.code AS indicator, i.error AS indicator_error, i.kind AS indicator_kind, i.periodicity, i.is_flow,
           i.factor, i.min_value, i.max_value,
           p.pkind, p.year, p.idx, p.error AS period_error, coalesce(r.__ytd, p.ytd) AS ytd,
           {number} AS number, {precise} AS precise, {readable} AS readable
    FROM raw r
    LEFT JOIN entity_map e ON e.entity = r.__entity
    LEFT JOIN indicator_map i ON i.key = r.__indicator AND coalesce(i.unit, '') = coalesce(r.__unit, '')
    LEFT JOIN period_map p ON p.period = r.__period
    WHERE {present}
), scaled AS (
    -- Scaling (亿元 → 万元) multiplies the number as written, with ten decimals, and rounds only afterwards;
    -- factors are at most 10^8, so bounding the number at 10^12 keeps the product inside DECIMAL(38,18).
    SELECT *, CASE WHEN factor = 1 THEN number
                   WHEN abs(precise) < 1e12 THEN TRY_CAST(precise * factor AS {fact}) END AS value
    FROM parsed
)
SELECT file_row, file_column, raw, entity_text, indicator_text, period_text,
       entity_kind, entity_id, indicator, pkind, year, idx, ytd, value,
       CASE WHEN entity_error IS NOT NULL THEN 'entity' WHEN indicator_error IS NOT NULL THEN 'indicator'
            WHEN period_error IS NOT NULL THEN 'period' END AS failed_part,
       CASE
         WHEN entity_error IS NOT NULL THEN entity_error
         WHEN indicator_error IS NOT NULL THEN indicator_error
         WHEN period_error IS NOT NULL THEN period_error
         WHEN indicator_kind <> entity_kind THEN 'wrong_entity_kind'
         WHEN pkind <> periodicity THEN 'wrong_periodicity'
         WHEN ytd AND NOT is_flow THEN 'ytd_of_stock'
         WHEN NOT readable THEN 'not_a_number'
         WHEN value IS NULL THEN 'too_large'
         WHEN value < min_value THEN 'below_range'
         WHEN value > max_value THEN 'above_range'
       END AS error
FROM scaled
"""
# DECIMAL(18,6) keeps the arithmetic in 64 bits; a number too large for it is told apart from text by DOUBLE.
_CLEAN_TEXT = "replace(replace(trim(r.__value), ',', ''), '，', '')"
_TEXT = {
    "number": f"TRY_CAST({_CLEAN_TEXT} AS DECIMAL(18,6))",
    "precise": f"TRY_CAST({_CLEAN_TEXT} AS DECIMAL(38,10))",
    "readable": f"TRY_CAST({_CLEAN_TEXT} AS DOUBLE) IS NOT NULL AND NOT isnan(TRY_CAST({_CLEAN_TEXT} AS DOUBLE))",
    "present": "r.__value IS NOT NULL AND trim(r.__value) <> ''",
}
_TYPED = {
    "number": "TRY_CAST(r.__value AS DECIMAL(18,6))",
    "precise": "TRY_CAST(r.__value AS DECIMAL(38,10))",
    "readable": "TRUE",
    "present": "r.__value IS NOT NULL AND NOT isnan(CAST(r.__value AS DOUBLE))",
}

_ANY_DUPLICATE = """
SELECT count(*) FROM (SELECT 1 FROM checked WHERE error IS NULL
                      GROUP BY entity_kind, entity_id, indicator, pkind, year, idx, ytd HAVING count(*) > 1)
"""
_DUPLICATES = """
UPDATE checked SET error = 'duplicate:' || CAST(first_row AS VARCHAR)
FROM (SELECT file_row AS r, file_column AS c, min(file_row) OVER k AS first_row, count(*) OVER k AS n
      FROM checked WHERE error IS NULL
      WINDOW k AS (PARTITION BY entity_kind, entity_id, indicator, pkind, year, idx, ytd)) d
WHERE checked.file_row = d.r AND checked.file_column = d.c AND d.n > 1 AND d.r > d.first_row
"""


# An unknown enterprise, indicator or unreadable period is one mistake in one cell, however many value columns its
# row has (a wide file): it is reported once, at the column that held it, with the text written there. (In a wide
# file the indicator is the value column's header, so that column is kept.)
_ERRORS = """
CREATE OR REPLACE TEMP TABLE errors AS
SELECT DISTINCT file_row AS "row",
       CASE WHEN failed_part = 'entity' THEN coalesce($entity_column, file_column)
            WHEN failed_part = 'indicator' THEN coalesce($indicator_column, file_column)
            WHEN failed_part = 'period' THEN coalesce($period_column, file_column)
            ELSE file_column END AS "column",
       CASE WHEN failed_part = 'entity' THEN entity_text
            WHEN failed_part = 'indicator' AND $indicator_column IS NOT NULL THEN indicator_text
            WHEN failed_part = 'period' THEN period_text
            ELSE CAST(raw AS VARCHAR) END AS value,
       error AS reason
FROM checked WHERE error IS NOT NULL
"""


@dataclass
class StageResult:
    facts: pa.Table  # validated, in the store's fact layout
    errors: list[dict[str, Any]]  # row, column, value, reason code (first MAX_ERRORS)
    error_count: int
    values: int  # non-empty cells read

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def stage(
    store: Store,
    raw: pa.Table,
    maps: dict[str, pa.Table],
    entity_column: str | None = None,
    period_column: str | None = None,
    indicator_column: str | None = None,
) -> StageResult:
    """Check every row of `raw` (columns __row, __column, __entity, __indicator, __period, __unit, __ytd,
    __value) against the mapping tables entity_map, indicator_map and period_map. The `…_column`
    arguments name the file's columns that held the entity, period and indicator, for the error report."""
    numeric = pa.types.is_integer(raw.schema.field("__value").type) or pa.types.is_floating(
        raw.schema.field("__value").type
    )
    parsing = _TYPED if numeric else _TEXT
    cursor = store.cursor()
    for name, table in {"raw": raw, **maps}.items():
        cursor.register(name, table)
    try:
        _run(cursor, _CHECKED.format(**parsing, fact=FACT_VALUE))
        if _run(cursor, _ANY_DUPLICATE)[0][0]:
            _run(cursor, _DUPLICATES)
        values = _run(cursor, "SELECT count(*) FROM checked")[0][0]
        _run(
            cursor,
            _ERRORS,
            {"entity_column": entity_column, "period_column": period_column, "indicator_column": indicator_column},
        )
        error_count = _run(cursor, "SELECT count(*) FROM errors")[0][0]
        errors = cursor.sql(f'SELECT * FROM errors ORDER BY "row", "column" LIMIT {MAX_ERRORS}').to_arrow_table()
        facts = cursor.sql(
            """SELECT entity_kind, entity_id, indicator, pkind, CAST(year AS SMALLINT) AS year,
                       CAST(idx AS TINYINT) AS idx, ytd, value FROM checked WHERE error IS NULL
                ORDER BY indicator, year, idx, entity_id"""
        ).to_arrow_table()
    finally:
        for name in ("raw", *maps):
            cursor.unregister(name)
    return StageResult(facts=facts, errors=errors.to_pylist(), error_count=error_count, values=values)


@dataclass(frozen=True)
class RuleCheck:
    code: str
    left: Callable[[Callable[[str], str]], str]  # builds the SQL of one side from column references
    operator: str
    right: Callable[[Callable[[str], str]], str]
    indicators: frozenset[str]


def check_rules(store: Store, facts: pa.Table, rules: Sequence[RuleCheck]) -> list[dict[str, Any]]:
    """Rule violations of the batch, judged on the batch's values completed by stored values of the same
    enterprise and period (so a file with only 增加值 is still checked against the stored 总产值)."""
    indicators = sorted(set().union(*(r.indicators for r in rules))) if rules else []
    if not indicators or facts.num_rows == 0:
        return []
    cursor = store.cursor()
    cursor.register("batch_facts", facts)
    try:
        _run(cursor, _rule_frame_sql(indicators))
        found: list[dict[str, Any]] = []
        for rule in rules:
            column = lambda code: f'"{code}"'  # noqa: E731
            left, right = rule.left(column), rule.right(column)
            rows = cursor.sql(
                f"""SELECT entity_id, pkind, year, idx, ytd, CAST({left} AS DOUBLE) AS left_value,
                           CAST({right} AS DOUBLE) AS right_value
                    FROM rule_frame WHERE ({left}) IS NOT NULL AND ({right}) IS NOT NULL
                      AND NOT (({left}) {rule.operator} ({right}) + {_tolerance(rule.operator, left, right)})
                    ORDER BY ALL LIMIT {MAX_ERRORS}"""
            ).to_arrow_table()
            found += [{"rule": rule.code, **r} for r in rows.to_pylist()]
        return found
    finally:
        cursor.unregister("batch_facts")


def _tolerance(operator: str, left: str, right: str) -> str:
    # Six-decimal values rounded in a spreadsheet must not raise false alarms: allow a relative 1e-9.
    slack = f"1e-9 * greatest(abs({left}), abs({right}), 1)"
    return {"<=": slack, ">=": f"-{slack}", "<": f"-{slack}", ">": slack, "==": "0"}[operator]


def _rule_frame_sql(indicators: list[str]) -> str:
    codes = ", ".join(f"'{c}'" for c in indicators)
    pivots = ", ".join(f"max(value) FILTER (indicator = '{c}') AS \"{c}\"" for c in indicators)
    return f"""
    CREATE OR REPLACE TEMP TABLE rule_frame AS
    WITH keys AS (SELECT DISTINCT entity_kind, entity_id, pkind, year, idx, ytd FROM batch_facts),
    stored AS (
        SELECT f.entity_kind, f.entity_id, f.indicator, f.pkind, f.year, f.idx, f.ytd, f.value FROM facts f
        SEMI JOIN keys k USING (entity_kind, entity_id, pkind, year, idx, ytd)
        WHERE f.indicator IN ({codes})
          AND f.year BETWEEN (SELECT min(year) FROM keys) AND (SELECT max(year) FROM keys)
    ),
    merged AS (
        SELECT entity_kind, entity_id, indicator, pkind, year, idx, ytd, value FROM batch_facts
        WHERE indicator IN ({codes})
        UNION ALL
        SELECT s.* FROM stored s ANTI JOIN batch_facts b
            USING (entity_kind, entity_id, indicator, pkind, year, idx, ytd)
    )
    SELECT entity_id, pkind, year, idx, ytd, {pivots} FROM merged GROUP BY ALL
    """


def outliers(store: Store, facts: pa.Table, z_limit: float, jump_ratio: float) -> list[dict[str, Any]]:
    """Values of the batch far from their peers or from their own past. Reported, never blocking: real firms
    do double their output.

    - Peers: all enterprises with a positive value for the same indicator and period (at least 10 of them).
      Enterprise sizes are skewed, so the score is a robust z on the logarithm: (ln v − median) / (1.4826·MAD);
      a plain z-score on raw values would flag every large firm.
    - Past: the same period a year earlier, when the ratio exceeds `jump_ratio` either way.
    """
    if facts.num_rows == 0:
        return []
    cursor = store.cursor()
    cursor.register("batch_facts", facts)
    try:
        return (
            cursor.sql(
                f"""
            WITH peer_values AS (
                SELECT indicator, pkind, year, idx, ytd, ln(CAST(value AS DOUBLE)) AS x FROM batch_facts
                WHERE value > 0
                UNION ALL
                SELECT f.indicator, f.pkind, f.year, f.idx, f.ytd, ln(CAST(f.value AS DOUBLE)) FROM facts f
                SEMI JOIN (SELECT DISTINCT indicator, pkind, year, idx, ytd FROM batch_facts) k
                    USING (indicator, pkind, year, idx, ytd)
                ANTI JOIN batch_facts b USING (entity_kind, entity_id, indicator, pkind, year, idx, ytd)
                WHERE f.value > 0
            ), peers AS (
                SELECT indicator, pkind, year, idx, ytd, median(x) AS centre, 1.4826 * mad(x) AS spread,
                       count(*) AS n
                FROM peer_values GROUP BY ALL
            ), last_year AS (
                SELECT f.entity_id, f.indicator, f.pkind, f.year + 1 AS year, f.idx, f.ytd, f.value
                FROM facts f SEMI JOIN batch_facts b
                    ON f.entity_id = b.entity_id AND f.indicator = b.indicator AND f.pkind = b.pkind
                   AND f.year = b.year - 1 AND f.idx = b.idx AND f.ytd = b.ytd
            ), scored AS (
                SELECT b.entity_id, b.indicator, b.pkind, b.year, b.idx, b.ytd, CAST(b.value AS DOUBLE) AS value,
                       CASE WHEN b.value > 0 AND p.n >= 10 AND p.spread > 0
                            THEN (ln(CAST(b.value AS DOUBLE)) - p.centre) / p.spread END AS z,
                       CAST(l.value AS DOUBLE) AS last_year_value
                FROM batch_facts b
                LEFT JOIN peers p USING (indicator, pkind, year, idx, ytd)
                LEFT JOIN last_year l USING (entity_id, indicator, pkind, year, idx, ytd)
            )
            SELECT * FROM scored
            WHERE abs(z) > {float(z_limit)}
               OR (last_year_value > 0 AND value > 0
                   AND (value / last_year_value > {float(jump_ratio)} OR last_year_value / value > {float(jump_ratio)}))
            ORDER BY indicator, entity_id, year, idx LIMIT {MAX_ERRORS}
            """
            )
            .to_arrow_table()
            .to_pylist()
        )
    finally:
        cursor.unregister("batch_facts")
