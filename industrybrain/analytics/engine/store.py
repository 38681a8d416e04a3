"""The analytical store: fact tables, history and the cube, in one DuckDB file.

Facts are long: (entity, indicator, period, year-to-date flag, value, batch). Four tables hold them:

- `facts`: the current value of every key, as reported;
- `fact_history`: every value a later batch superseded, with the batch that had said it; with `facts` it
  answers "which batch said what" (`history`);
- `entity_periods`: per enterprise, indicator and period, the period's own value and the year-to-date value,
  derived from whatever was reported (see `_NORMALISE`);
- `cube`: sums and counts per (county, park, 4-digit industry class, 规上 flag, indicator, period), from which
  every roll-up (region tree, industry at any level, digital-economy category, flags) is one group-by over a
  few thousand rows.

Both derived tables are maintained incrementally. Landing a batch recomputes `entity_periods` for the
(enterprise, indicator, year) slices it touches, and appends to the cube the old rows' contribution with a
minus sign and the new rows' with a plus sign, so the work grows with the batch, not
the store. Values are DECIMAL, so those deltas sum exactly and `rebuild_cube` gives identical numbers.

Everything else in the platform reaches the store through the functions here; computations that read it are
Ibis expressions (`table`, `execute`), so they can run on another engine later.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

FACT_VALUE = "DECIMAL(18,6)"  # what a file may carry: up to 10^12 with six decimals
SUM_VALUE = "DECIMAL(38,6)"
MAX_FACT_VALUE = 10**12

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS batches (batch_id BIGINT, landed_at TIMESTAMPTZ, facts BIGINT);
CREATE TABLE IF NOT EXISTS facts (
    entity_kind VARCHAR, entity_id VARCHAR, indicator VARCHAR, pkind VARCHAR, year SMALLINT, idx TINYINT,
    ytd BOOLEAN, value {FACT_VALUE}, batch_id BIGINT);
CREATE TABLE IF NOT EXISTS fact_history (
    entity_kind VARCHAR, entity_id VARCHAR, indicator VARCHAR, pkind VARCHAR, year SMALLINT, idx TINYINT,
    ytd BOOLEAN, value {FACT_VALUE}, batch_id BIGINT);
CREATE TABLE IF NOT EXISTS entity_periods (
    entity_id VARCHAR, indicator VARCHAR, pkind VARCHAR, year SMALLINT, idx TINYINT,
    value {SUM_VALUE}, ytd_value {SUM_VALUE});
CREATE TABLE IF NOT EXISTS entities (
    uscc VARCHAR, county VARCHAR, park VARCHAR, class4 VARCHAR, above_scale BOOLEAN, ownership VARCHAR);
CREATE TABLE IF NOT EXISTS cube (
    county VARCHAR, park VARCHAR, class4 VARCHAR, above_scale BOOLEAN, indicator VARCHAR, pkind VARCHAR,
    year SMALLINT, idx TINYINT, value_sum {SUM_VALUE}, value_n BIGINT, ytd_sum {SUM_VALUE}, ytd_n BIGINT,
    ownership VARCHAR);
CREATE TABLE IF NOT EXISTS flows (indicator VARCHAR);
"""

FACT_KEY = ("entity_kind", "entity_id", "indicator", "pkind", "year", "idx", "ytd")
CUBE_KEY = ("county", "park", "class4", "above_scale", "ownership", "indicator", "pkind", "year", "idx")
ENTITY_COLUMNS = ("uscc", "county", "park", "class4", "above_scale", "ownership")
# Columns added after stores were first created: (table, column, type, value for existing rows).
_ADDED_COLUMNS = (("entities", "ownership", "VARCHAR", "''"), ("cube", "ownership", "VARCHAR", "''"))

# Per (enterprise, indicator, kind of period, year), over the periods reported: the plain and year-to-date values
# side by side, then the derived pair. For flows, the year-to-date value is the reported one, or the sum of the
# plain values when every period up to it was reported; the period's own value is the reported one, or the
# difference between its year-to-date value and the previous period's (January's is its year-to-date value).
# Anything not derivable stays NULL: "1—2月" gives a February year-to-date value but no February alone.
_NORMALISE = """
WITH f AS (
    SELECT entity_id, indicator, pkind, year, idx, ytd, value FROM facts {restrict}
    WHERE entity_kind = 'E'
), reported AS (
    SELECT entity_id, indicator, pkind, year, idx,
           max(value) FILTER (WHERE NOT ytd) AS plain, max(value) FILTER (WHERE ytd) AS cum
    FROM f GROUP BY ALL
), flagged AS (
    SELECT r.*, (fl.indicator IS NOT NULL) AS is_flow FROM reported r LEFT JOIN flows fl USING (indicator)
), with_ytd AS (
    SELECT *, CASE WHEN is_flow THEN coalesce(cum, CASE WHEN count(plain) OVER slice = idx
                                                       THEN sum(plain) OVER slice END) END AS ytd_value
    FROM flagged
    WINDOW slice AS (PARTITION BY entity_id, indicator, pkind, year ORDER BY idx
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), derived AS (
    SELECT *, CASE WHEN NOT is_flow THEN coalesce(plain, cum)
                   WHEN plain IS NOT NULL THEN plain
                   WHEN idx = 1 THEN cum
                   WHEN lag(idx) OVER slice = idx - 1 THEN cum - lag(ytd_value) OVER slice END AS period_value
    FROM with_ytd
    WINDOW slice AS (PARTITION BY entity_id, indicator, pkind, year ORDER BY idx)
)
SELECT entity_id, indicator, pkind, year, idx, CAST(period_value AS DECIMAL(38,6)) AS value,
       CAST(ytd_value AS DECIMAL(38,6)) AS ytd_value
FROM derived WHERE period_value IS NOT NULL OR ytd_value IS NOT NULL
"""

# The cube's change from a set of entity_periods rows (`{rows}`), added (+1) or taken away (-1).
_CUBE_DELTA = f"""
INSERT INTO cube BY NAME
SELECT e.county, e.park, e.class4, e.above_scale, e.ownership, d.indicator, d.pkind, d.year, d.idx,
       CAST({{sign}} * sum(d.value) AS {SUM_VALUE}) AS value_sum, {{sign}} * count(d.value) AS value_n,
       CAST({{sign}} * sum(d.ytd_value) AS {SUM_VALUE}) AS ytd_sum, {{sign}} * count(d.ytd_value) AS ytd_n
FROM ({{rows}}) d JOIN entities e ON e.uscc = d.entity_id
GROUP BY ALL
"""

# Delta rows that cancel leave a zero sum over no values: that is "no value", as in a fresh rebuild.
_FOLDED_SUMS = """CASE WHEN sum(value_n) <> 0 THEN sum(value_sum) END AS value_sum, sum(value_n) AS value_n,
       CASE WHEN sum(ytd_n) <> 0 THEN sum(ytd_sum) END AS ytd_sum, sum(ytd_n) AS ytd_n"""

_SLICE_JOIN = "SEMI JOIN {table} USING (entity_id, indicator, pkind, year)"
_SLICE_ROWS = "SELECT * FROM entity_periods " + _SLICE_JOIN


@dataclass(frozen=True)
class LandingResult:
    batch_id: int
    new: int
    changed: int
    unchanged: int

    @property
    def is_noop(self) -> bool:
        return self.new == 0 and self.changed == 0


class StoreBusy(RuntimeError):
    """Another process holds the store file."""


def _run(cursor: Any, sql: str, params: list[Any] | dict[str, Any] | None = None) -> list[tuple]:
    """Execute and read the whole result: DuckDB refuses new work on a cursor with an unread result."""
    return cursor.execute(sql, params or []).fetchall()


class Store:
    """One DuckDB database file shared by the process's threads (DuckDB allows one writing process)."""

    fold_floor = 10_000  # a cube smaller than this is never folded automatically

    def __init__(self, path: str | Path) -> None:
        import duckdb

        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._connection = duckdb.connect(self.path)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            raise StoreBusy(
                f"the analytical store {self.path} is in use by another process (DuckDB allows one writer): "
                "import through the running server's API or stop it first"
            ) from exc
        # no progress bar: it would write into the output of commands and servers (and of a parent reading it);
        # set before any cursor is made, since cursors take the connection's settings when they are created
        _run(self._connection, "SET enable_progress_bar = false")
        self._write_lock = threading.RLock()
        self._local = threading.local()
        # meta (data version, data as of) is read on every cockpit answer and changes only when this process
        # writes (DuckDB lets one process open the file), so it is kept in memory; a write transaction bumps the
        # generation when it starts and ends, so a value read from an older snapshot is never kept
        self._meta_cache: dict[str, str | None] = {}
        self._meta_generation = 0
        self._meta_lock = threading.Lock()
        _run(self._connection, _SCHEMA)
        self._add_new_columns()

    def _add_new_columns(self) -> None:
        """Bring a store made by an earlier version up to date. A new cube key column gets the value it has for
        every existing row ('' = unknown), so the cube stays consistent and later syncs move rows as usual."""
        for table, column, kind, value in _ADDED_COLUMNS:
            present = _run(
                self._connection,
                "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
                [table, column],
            )[0][0]
            if not present:
                _run(self._connection, f"ALTER TABLE {table} ADD COLUMN {column} {kind} DEFAULT {value}")

    # --- connections ----------------------------------------------------------------------------------
    def cursor(self) -> Any:
        """This thread's own cursor: DuckDB connections must not be shared between threads."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self._connection.cursor()
        return cursor

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A write transaction: everything inside lands together or not at all (even if the process dies)."""
        with self._write_lock:
            cursor = self.cursor()
            self._forget_meta()
            _run(cursor, "BEGIN TRANSACTION")
            try:
                yield cursor
            except BaseException:
                _run(cursor, "ROLLBACK")
                self._forget_meta()
                raise
            _run(cursor, "COMMIT")
            self._forget_meta()

    def _forget_meta(self) -> None:
        with self._meta_lock:
            self._meta_generation += 1
            self._meta_cache = {}

    def close(self) -> None:
        self._connection.close()

    # --- reading ------------------------------------------------------------------------------------
    def query(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        return self.cursor().sql(sql, params=params or None).to_arrow_table()

    def ibis(self) -> Any:
        """An Ibis backend over this thread's cursor, for expressions built in analytics/."""
        backend = getattr(self._local, "ibis", None)
        if backend is None:
            import ibis

            backend = self._local.ibis = ibis.duckdb.from_connection(self.cursor())
        return backend

    def meta(self, key: str) -> str | None:
        if key in (cache := self._meta_cache):
            return cache[key]
        generation = self._meta_generation
        rows = _run(self.cursor(), "SELECT value FROM meta WHERE key = ?", [key])
        value = rows[0][0] if rows else None
        with self._meta_lock:
            if generation == self._meta_generation:
                self._meta_cache[key] = value
        return value

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as cursor:
            self._set_meta(cursor, key, value)

    def diff(self, staged: pa.Table) -> tuple[int, int, int]:
        """(new, changed, unchanged) values of `staged` against the store, for a dry run."""
        cursor = self.cursor()
        cursor.register("staged", staged)
        try:
            key = ", ".join(FACT_KEY)
            new, changed = _run(
                cursor,
                f"""SELECT count(*) FILTER (f.value IS NULL), count(*) FILTER (f.value <> s.value)
                    FROM staged s LEFT JOIN facts f USING ({key})""",
            )[0]
        finally:
            cursor.unregister("staged")
        return new, changed, staged.num_rows - new - changed

    def history(self, entity_id: str, indicator: str) -> pa.Table:
        """Every value the batches said for an entity's indicator: period, ytd, value, batch, and whether it is
        the current one; oldest batch first."""
        return self.query(
            """SELECT pkind, year, idx, ytd, value, batch_id, TRUE AS current FROM facts
               WHERE entity_id = ? AND indicator = ?
               UNION ALL
               SELECT pkind, year, idx, ytd, value, batch_id, FALSE FROM fact_history
               WHERE entity_id = ? AND indicator = ?
               ORDER BY year, pkind, idx, ytd, batch_id""",
            [entity_id, indicator, entity_id, indicator],
        )

    def landed_batch_ids(self) -> set[int]:
        return {r[0] for r in _run(self.cursor(), "SELECT batch_id FROM batches")}

    # --- dimensions --------------------------------------------------------------------------------
    def replace_table(self, name: str, rows: pa.Table) -> None:
        """Replace a small dimension table (regions, industries, digital-economy map) wholesale."""
        with self.transaction() as cursor:
            cursor.register("incoming_rows", rows)
            _run(cursor, f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM incoming_rows")
            cursor.unregister("incoming_rows")

    def set_flow_indicators(self, codes: list[str]) -> None:
        """Which indicators are flows changes how year-to-date values derive, so the cube is rebuilt."""
        current = {r[0] for r in _run(self.cursor(), "SELECT indicator FROM flows")}
        if current == set(codes):
            return
        with self.transaction() as cursor:
            _run(cursor, "DELETE FROM flows")
            if codes:
                cursor.executemany("INSERT INTO flows VALUES (?)", [[c] for c in codes])
            self._rebuild_cube(cursor)

    def sync_entities(self, rows: pa.Table) -> int:
        """Bring the enterprise attributes the cube is keyed on up to date; move the contributions of every
        enterprise whose county, park, industry or 规上 flag changed. Returns how many changed."""
        if "ownership" not in rows.column_names:  # optional: unknown for every enterprise
            rows = rows.append_column("ownership", pa.array([""] * rows.num_rows, pa.string()))
        with self.transaction() as cursor:
            cursor.register("incoming_entities", rows)
            _run(
                cursor,
                """CREATE OR REPLACE TEMP TABLE moved AS
                   SELECT i.uscc AS entity_id FROM incoming_entities i LEFT JOIN entities e USING (uscc)
                   WHERE e.uscc IS NULL OR e.county IS DISTINCT FROM i.county OR e.park IS DISTINCT FROM i.park
                      OR e.class4 IS DISTINCT FROM i.class4 OR e.above_scale IS DISTINCT FROM i.above_scale
                      OR e.ownership IS DISTINCT FROM i.ownership
                   UNION SELECT e.uscc FROM entities e ANTI JOIN incoming_entities i USING (uscc)""",
            )
            moved = _run(cursor, "SELECT count(*) FROM moved")[0][0]
            if moved:
                rows = "SELECT * FROM entity_periods WHERE entity_id IN (SELECT entity_id FROM moved)"
                _run(cursor, _CUBE_DELTA.format(rows=rows, sign=-1))
                _run(cursor, "DELETE FROM entities WHERE uscc IN (SELECT entity_id FROM moved)")
                _run(
                    cursor,
                    "INSERT INTO entities BY NAME SELECT * FROM incoming_entities "
                    "WHERE uscc IN (SELECT entity_id FROM moved)",
                )
                _run(cursor, _CUBE_DELTA.format(rows=rows, sign=1))
            cursor.unregister("incoming_entities")
            return moved

    # --- landing --------------------------------------------------------------------------------------
    def land(self, staged: pa.Table, batch_id: int) -> LandingResult:
        """Land validated facts as one batch: new and corrected values go to `facts` and `fact_history`, the
        cube follows. Values equal to the stored ones are not landed again, so a re-import is a no-op."""
        with self.transaction() as cursor:
            cursor.register("staged", staged)
            key = ", ".join(FACT_KEY)
            _run(
                cursor,
                f"""CREATE OR REPLACE TEMP TABLE changes AS
                    SELECT s.*, f.value AS old_value, f.batch_id AS old_batch
                    FROM staged s LEFT JOIN facts f USING ({key})
                    WHERE f.value IS NULL OR f.value <> s.value""",
            )
            new, changed = _run(
                cursor,
                "SELECT count(*) FILTER (old_value IS NULL), count(*) FILTER (old_value IS NOT NULL) FROM changes",
            )[0]
            unchanged = staged.num_rows - new - changed
            if new + changed:
                self._apply_changes(cursor, batch_id, new + changed)
            cursor.unregister("staged")
        return LandingResult(batch_id=batch_id, new=new, changed=changed, unchanged=unchanged)

    def _apply_changes(self, cursor: Any, batch_id: int, count: int) -> None:
        key = ", ".join(FACT_KEY)
        _run(
            cursor,
            "CREATE OR REPLACE TEMP TABLE touched AS "
            "SELECT DISTINCT entity_id, indicator, pkind, year FROM changes WHERE entity_kind = 'E'",
        )
        touched_rows = _SLICE_ROWS.format(table="touched")
        _run(cursor, _CUBE_DELTA.format(rows=touched_rows, sign=-1))
        _run(cursor, f"DELETE FROM facts WHERE ({key}) IN (SELECT {key} FROM changes WHERE old_value IS NOT NULL)")
        _run(
            cursor,
            f"INSERT INTO fact_history SELECT {key}, old_value, old_batch FROM changes WHERE old_value IS NOT NULL",
        )
        _run(cursor, f"INSERT INTO facts SELECT {key}, value, {batch_id} FROM changes")
        self._renormalise(cursor, "touched")
        _run(cursor, _CUBE_DELTA.format(rows=touched_rows, sign=1))
        self._compact_when_grown(cursor)
        _run(cursor, "INSERT INTO batches VALUES (?, ?, ?)", [batch_id, datetime.now(UTC), count])
        self._set_meta(cursor, "data_version", str(batch_id))
        self._set_meta(cursor, "data_as_of", datetime.now(UTC).isoformat())

    @staticmethod
    def _set_meta(cursor: Any, key: str, value: str) -> None:
        _run(cursor, "INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    @staticmethod
    def _renormalise(cursor: Any, slices: str | None) -> None:
        """Recompute the enterprise-period values of the slices listed in table `slices` (None: all)."""
        if slices is None:
            _run(cursor, "DELETE FROM entity_periods")
            _run(cursor, "INSERT INTO entity_periods " + _NORMALISE.format(restrict=""))
            return
        keys = "entity_id, indicator, pkind, year"
        _run(cursor, f"DELETE FROM entity_periods WHERE ({keys}) IN (SELECT {keys} FROM {slices})")
        _run(cursor, "INSERT INTO entity_periods " + _NORMALISE.format(restrict=_SLICE_JOIN.format(table=slices)))

    # --- maintenance --------------------------------------------------------------------------------
    def rebuild_cube(self) -> None:
        """Recompute enterprise-period values and the cube from the facts alone (after a method change, or to
        check the incremental maintenance)."""
        with self.transaction() as cursor:
            self._rebuild_cube(cursor)

    def _rebuild_cube(self, cursor: Any) -> None:
        self._renormalise(cursor, None)
        _run(cursor, "DELETE FROM cube")
        _run(cursor, _CUBE_DELTA.format(rows="SELECT * FROM entity_periods", sign=1))
        self._compact(cursor)

    def compact_cube(self) -> None:
        """Fold the delta rows of many batches into one row per cell (same sums, fewer rows)."""
        with self.transaction() as cursor:
            self._compact(cursor)

    def _compact_when_grown(self, cursor: Any) -> None:
        """Delta rows accumulate with every batch; fold them once the cube has doubled since the last fold, so
        questions keep reading about one row per cell."""
        rows = _run(cursor, "SELECT count(*) FROM cube")[0][0]
        folded = _run(cursor, "SELECT value FROM meta WHERE key = 'cube_rows_folded'")
        if rows > 2 * max(int(folded[0][0]) if folded else 0, self.fold_floor):
            self._compact(cursor)

    def _compact(self, cursor: Any) -> None:
        key = ", ".join(CUBE_KEY)
        _run(
            cursor,
            f"""CREATE OR REPLACE TEMP TABLE compacted AS
                SELECT {key}, {_FOLDED_SUMS}
                FROM cube GROUP BY ALL HAVING sum(value_n) <> 0 OR sum(ytd_n) <> 0""",
        )
        _run(cursor, "DELETE FROM cube")
        _run(cursor, "INSERT INTO cube BY NAME SELECT * FROM compacted ORDER BY indicator, pkind, year, idx")
        _run(cursor, "DROP TABLE compacted")
        self._set_meta(cursor, "cube_rows_folded", str(_run(cursor, "SELECT count(*) FROM cube")[0][0]))

    def cube_snapshot(self) -> pa.Table:
        """The cube folded to one row per cell, in key order (for comparisons and tests)."""
        key = ", ".join(CUBE_KEY)
        return self.query(
            f"""SELECT {key}, {_FOLDED_SUMS}
                FROM cube GROUP BY ALL HAVING sum(value_n) <> 0 OR sum(ytd_n) <> 0 ORDER BY ALL"""
        )


# --- the process-wide store ------------------------------------------------------------------------------
_store: Store | None = None
_store_lock = threading.Lock()
_store_path: str | None = None


def configure(path: str | Path) -> None:
    """Point the process at a store file (the data directory's, or a test's); opened on first use."""
    global _store, _store_path
    with _store_lock:
        if _store is not None:
            _store.close()
        _store, _store_path = None, str(path)


def store() -> Store:
    global _store
    with _store_lock:
        if _store is None:
            if _store_path is None:
                from django.conf import settings

                configure_path = str(settings.ANALYTICS_DATABASE)
            else:
                configure_path = _store_path
            _store = Store(configure_path)
        return _store
