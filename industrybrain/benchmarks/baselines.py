"""The baselines of DESIGN §4, doing the same work as `ours.py` on the same files:

- pandas: the script an analyst would write (read, check with merges and masks, group-by);
- SQL table: the naive design with facts as rows of an SQL table (SQLite, the embedded ORM database), checked
  row by row in Python and aggregated with GROUP BY.

Both get their data loaded before the clock starts where a long-running program would hold it (the pandas
frame in memory, the SQL table on disk); only the work itself is timed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from .workload import MonthlyQuestion

KEY = ["uscc", "indicator", "period"]


def _period_text(year: int, month: int) -> str:
    return f"{year}年1—{month}月"


# --- reference data both baselines validate against ---------------------------------------------------------
def reference() -> dict[str, Any]:
    """Known enterprises, indicator codes with their valid ranges, the period parser: what a script checks."""
    from industrybrain.datahub.models import Indicator
    from industrybrain.registry.models import Enterprise

    bounds = {
        code: (None if low is None else float(low), None if high is None else float(high))
        for code, low, high in Indicator.objects.filter(formula="").values_list("code", "min_value", "max_value")
    }
    return {"enterprises": set(Enterprise.objects.values_list("uscc", flat=True)), "bounds": bounds}


# --- pandas ----------------------------------------------------------------------------------------------
def pandas_validate(frame: Any, ref: dict[str, Any]) -> Any:
    """The checks the platform makes, as an analyst writes them: unknown keys, bad periods, numbers, ranges,
    duplicates. Returns the valid rows."""
    import pandas as pd

    from industrybrain.datahub.periods import PeriodError, parse_period

    def parsed(text: str) -> bool:
        try:
            parse_period(text)
            return True
        except PeriodError:
            return False

    periods = {p: parsed(p) for p in frame["period"].unique()}
    value = pd.to_numeric(frame["value"], errors="coerce")
    bounds = pd.DataFrame([(c, lo, hi) for c, (lo, hi) in ref["bounds"].items()], columns=["indicator", "lo", "hi"])
    checked = frame.assign(value=value).merge(bounds, on="indicator", how="left", indicator="known_indicator")
    ok = (
        checked["uscc"].isin(ref["enterprises"])
        & (checked["known_indicator"] == "both")
        & checked["period"].map(periods)
        & checked["value"].notna()
        & ~(checked["value"] < checked["lo"])
        & ~(checked["value"] > checked["hi"])
        & ~checked.duplicated(KEY, keep="first")
    )
    return checked.loc[ok, [*KEY, "value"]]


def pandas_import(path: Path, ref: dict[str, Any]) -> dict[str, float]:
    import pandas as pd

    started = time.perf_counter()
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
    elif path.suffix == ".csv":
        frame = pd.read_csv(path, dtype={"uscc": str, "indicator": str, "period": str})
    else:
        wide = pd.read_excel(path, header=1, engine="calamine", dtype={"统一社会信用代码": str})
        frame = wide.rename(columns={"统一社会信用代码": "uscc"}).melt(id_vars="uscc", var_name="indicator")
        frame = frame.dropna(subset=["value"]).assign(period=_period_text(2026, 10))
    valid = pandas_validate(frame, ref)
    return {"seconds": time.perf_counter() - started, "values": len(valid)}


def _load_frames(all_facts: Path, enterprises: Path) -> tuple[Any, Any]:
    import pandas as pd

    return pd.read_parquet(all_facts), pd.read_parquet(enterprises)


def pandas_rollup(all_facts: Path, enterprises: Path, correction: Path) -> dict[str, float]:
    """Apply the corrected values, then recompute the roll-up table (area × industry × flag × month)."""
    import pandas as pd

    facts, firms = _load_frames(all_facts, enterprises)
    facts = facts.set_index(KEY)
    started = time.perf_counter()
    fixed = pd.read_parquet(correction).set_index(KEY)
    facts.update(fixed)
    rollup = (
        facts.reset_index()
        .merge(firms, on="uscc")
        .groupby(["county", "park", "class4", "above_scale", "indicator", "period"], observed=True)["value"]
        .agg(["sum", "count"])
    )
    return {"seconds": time.perf_counter() - started, "values": len(fixed), "cells": len(rollup)}


def _pandas_answer(facts: Any, firms: Any, q: MonthlyQuestion, year: int) -> Any:
    if q.kind == "trend":
        months = [_period_text(year - 1, m) for m in range(8, 13)] + [_period_text(year, m) for m in range(2, 8)]
        rows = facts[(facts["indicator"] == q.indicator) & facts["period"].isin(months)]
        return rows.groupby("period")["value"].sum()
    if q.kind == "top":
        rows = facts[(facts["indicator"] == q.indicator) & (facts["period"] == _period_text(year, 7))]
        return rows.nlargest(10, "value").merge(firms[["uscc"]], on="uscc")
    key = {"region": "area", "park": "park", "division": "division"}[q.by]
    if q.yearly:
        tax = facts[(facts["indicator"] == "tax_paid") & (facts["period"] == _period_text(year - 1, 12))]
        land = facts[(facts["indicator"] == "land_area") & (facts["period"] == str(year - 1))]
        sums = [t.merge(firms, on="uscc").groupby(key)["value"].sum() for t in (tax, land)]
        return sums[0] / sums[1]
    frames = []
    for y in (year, year - 1):
        rows = facts[(facts["indicator"] == q.indicator) & (facts["period"] == _period_text(y, 7))]
        rows = rows.merge(firms, on="uscc")
        everything = rows.groupby(key)["value"].sum()
        if q.above_scale:
            rows = rows[rows["above_scale"]]
        if q.core_manufacturing:
            rows = rows[rows["core_manufacturing"]]
        frames.append((rows.groupby(key)["value"].sum(), everything))
    (now, now_all), (before, _before_all) = frames
    answer = now.to_frame("value").assign(
        last_year=before, growth=(now - before) / before.abs(), share=now / now.sum(), share_of_all=now / now_all
    )
    return answer.assign(rank=answer["value"].rank(ascending=False, method="min"))


def pandas_monthly_report(
    all_facts: Path, enterprises: Path, questions: list[MonthlyQuestion], year: int, rounds: int
) -> dict[str, list]:
    facts, firms = _load_frames(all_facts, enterprises)
    latencies = []
    for round_number in range(rounds + 1):  # round 0 warms up, as for ours, and is not counted
        for q in questions:
            started = time.perf_counter()
            _pandas_answer(facts, firms, q, year)
            if round_number:
                latencies.append((time.perf_counter() - started) * 1000)
    return {"latencies_ms": latencies}


# --- SQL table ---------------------------------------------------------------------------------------------
SQL_SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (uscc TEXT, indicator TEXT, period TEXT, value REAL,
                                  PRIMARY KEY (uscc, indicator, period));
CREATE INDEX IF NOT EXISTS facts_by_indicator ON facts (indicator, period);
CREATE TABLE IF NOT EXISTS firms (uscc TEXT PRIMARY KEY, county TEXT, park TEXT, class4 TEXT, division TEXT,
                                  above_scale INTEGER, core_manufacturing INTEGER, area TEXT);
CREATE TABLE IF NOT EXISTS rollup (county TEXT, park TEXT, class4 TEXT, above_scale INTEGER, indicator TEXT,
                                   period TEXT, value REAL, n INTEGER);
"""


def _checked_rows(rows: Iterable[tuple], ref: dict[str, Any]) -> Iterator[tuple]:
    """Row-by-row validation, as a loop over a cursor does it."""
    from industrybrain.datahub.periods import PeriodError, parse_period

    periods: dict[str, bool] = {}
    seen: set[tuple] = set()
    for uscc, indicator, period, raw in rows:
        if period not in periods:
            try:
                parse_period(period)
                periods[period] = True
            except PeriodError:
                periods[period] = False
        try:
            value = float(Decimal(str(raw)))
        except ArithmeticError:
            continue
        low, high = ref["bounds"].get(indicator, (None, None))
        key = (uscc, indicator, period)
        if (
            uscc in ref["enterprises"]
            and indicator in ref["bounds"]
            and periods[period]
            and (low is None or value >= low)
            and (high is None or value <= high)
            and key not in seen
        ):
            seen.add(key)
            yield (uscc, indicator, period, value)


def _file_rows(path: Path) -> Iterator[tuple]:
    if path.suffix == ".csv":
        import csv

        with path.open(encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            yield from (tuple(row) for row in reader)
    elif path.suffix == ".parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=50_000):
            yield from zip(*(batch.column(i).to_pylist() for i in range(4)), strict=True)
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).active
        rows = sheet.iter_rows(values_only=True)
        next(rows)
        header = next(rows)
        for row in rows:
            for code, value in zip(header[1:], row[1:], strict=False):
                if value is not None:
                    yield (row[0], code, _period_text(2026, 10), value)


def sql_import(path: Path, database: Path, ref: dict[str, Any]) -> dict[str, float]:
    connection = sqlite3.connect(database)
    connection.executescript(SQL_SCHEMA)
    started = time.perf_counter()
    with connection:
        rows = list(_checked_rows(_file_rows(path), ref))
        connection.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?)", rows)
    elapsed = time.perf_counter() - started
    connection.close()
    return {"seconds": elapsed, "values": len(rows)}


def sql_load(database: Path, all_facts: Path, enterprises: Path) -> None:
    """Set-up (not timed): the SQL table holding every fact, and the firms' attributes."""
    import pyarrow.parquet as pq

    connection = sqlite3.connect(database)
    connection.executescript(SQL_SCHEMA)
    with connection:
        for batch in pq.ParquetFile(all_facts).iter_batches(batch_size=200_000):
            connection.executemany(
                "INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?)",
                zip(*(batch.column(i).to_pylist() for i in range(4)), strict=True),
            )
        firms = pq.read_table(enterprises).to_pylist()
        connection.executemany(
            "INSERT INTO firms VALUES (:uscc, :county, :park, :class4, :division, :above_scale, "
            ":core_manufacturing, :area)",
            firms,
        )
    connection.execute("ANALYZE")
    connection.close()


def sql_rollup(database: Path, correction: Path) -> dict[str, float]:
    import pyarrow.parquet as pq

    fixed = pq.read_table(correction).to_pylist()
    connection = sqlite3.connect(database)
    started = time.perf_counter()
    with connection:
        connection.executemany(
            "UPDATE facts SET value = :value WHERE uscc = :uscc AND indicator = :indicator AND period = :period",
            fixed,
        )
        connection.execute("DELETE FROM rollup")
        connection.execute(
            """INSERT INTO rollup SELECT f2.county, f2.park, f2.class4, f2.above_scale, f.indicator, f.period,
                      sum(f.value), count(*) FROM facts f JOIN firms f2 USING (uscc) GROUP BY 1, 2, 3, 4, 5, 6"""
        )
    elapsed = time.perf_counter() - started
    connection.close()
    return {"seconds": elapsed, "values": len(fixed)}


def _sql_answer(connection: sqlite3.Connection, q: MonthlyQuestion, year: int) -> list:
    if q.kind == "trend":
        months = [_period_text(year - 1, m) for m in range(8, 13)] + [_period_text(year, m) for m in range(2, 8)]
        marks = ",".join("?" * len(months))
        sql = f"SELECT period, sum(value) FROM facts WHERE indicator = ? AND period IN ({marks}) GROUP BY period"
        return connection.execute(sql, [q.indicator, *months]).fetchall()
    if q.kind == "top":
        sql = """SELECT uscc, value FROM facts WHERE indicator = ? AND period = ? ORDER BY value DESC LIMIT 10"""
        return connection.execute(sql, [q.indicator, _period_text(year, 7)]).fetchall()
    key = {"region": "area", "park": "park", "division": "division"}[q.by]
    if q.yearly:
        sql = f"""SELECT e.{key}, sum(CASE WHEN f.indicator = 'tax_paid' THEN f.value END)
                         / sum(CASE WHEN f.indicator = 'land_area' THEN f.value END)
                  FROM facts f JOIN firms e USING (uscc)
                  WHERE (f.indicator = 'tax_paid' AND f.period = ?) OR (f.indicator = 'land_area' AND f.period = ?)
                  GROUP BY 1"""
        return connection.execute(sql, [_period_text(year - 1, 12), str(year - 1)]).fetchall()
    condition = " AND e.above_scale = 1" if q.above_scale else ""
    condition += " AND e.core_manufacturing = 1" if q.core_manufacturing else ""
    sql = f"""WITH now AS (SELECT e.{key} AS k, sum(CASE WHEN 1 {condition} THEN f.value END) AS v, sum(f.value) AS a
                         FROM facts f JOIN firms e USING (uscc) WHERE f.indicator = ? AND f.period = ? GROUP BY 1),
                   before AS (SELECT e.{key} AS k, sum(f.value) AS v FROM facts f JOIN firms e USING (uscc)
                         WHERE f.indicator = ? AND f.period = ? {condition} GROUP BY 1)
              SELECT now.k, now.v, before.v, (now.v - before.v) / abs(before.v), now.v / (SELECT sum(v) FROM now),
                     now.v / now.a, rank() OVER (ORDER BY now.v DESC)
              FROM now LEFT JOIN before USING (k)"""
    params = [q.indicator, _period_text(year, 7), q.indicator, _period_text(year - 1, 7)]
    return connection.execute(sql, params).fetchall()


def sql_monthly_report(database: Path, questions: list[MonthlyQuestion], year: int, rounds: int) -> dict[str, list]:
    connection = sqlite3.connect(database)
    latencies = []
    for round_number in range(rounds + 1):  # round 0 warms the page cache up, as for ours, and is not counted
        for q in questions:
            started = time.perf_counter()
            _sql_answer(connection, q, year)
            if round_number:
                latencies.append((time.perf_counter() - started) * 1000)
    connection.close()
    return {"latencies_ms": latencies}


# --- entry points of the suite (each runs in a fresh process; questions arrive as plain dicts) ---------------
def pandas_import_bench(path: Path) -> dict[str, float]:
    return pandas_import(path, reference())


def sql_import_bench(path: Path, database: Path) -> dict[str, float]:
    return sql_import(path, database, reference())


def pandas_monthly_report_bench(
    all_facts: Path, enterprises: Path, questions: list[dict], year: int, rounds: int
) -> dict[str, list]:
    return pandas_monthly_report(all_facts, enterprises, [MonthlyQuestion(**q) for q in questions], year, rounds)


def sql_monthly_report_bench(database: Path, questions: list[dict], year: int, rounds: int) -> dict[str, list]:
    return sql_monthly_report(database, [MonthlyQuestion(**q) for q in questions], year, rounds)
