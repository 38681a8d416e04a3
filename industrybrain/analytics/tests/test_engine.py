"""The store on data small enough to check by hand: landing, history, derived monthly and year-to-date
values, and the promise that the incremental cube equals a full rebuild."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from industrybrain.analytics.engine import Store

D = Decimal
A, B, C = "91331082MA2AAAAA0X", "91331082MA2BBBBB0X", "91331002MA2CCCCC0X"


def facts(*rows: tuple) -> pa.Table:
    """Rows of (entity, indicator, month, ytd, value) for 2024, as the import stages them."""
    columns = list(zip(*rows, strict=True)) if rows else [[]] * 5
    n = len(rows)
    return pa.table(
        {
            "entity_kind": pa.array(["E"] * n),
            "entity_id": pa.array(columns[0], pa.string()),
            "indicator": pa.array(columns[1], pa.string()),
            "pkind": pa.array(["M"] * n),
            "year": pa.array([2024] * n, pa.int16()),
            "idx": pa.array(columns[2], pa.int8()),
            "ytd": pa.array(columns[3], pa.bool_()),
            "value": pa.array([D(str(v)) for v in columns[4]], pa.decimal128(18, 6)),
        }
    )


def entities(*rows: tuple) -> pa.Table:
    names = ("uscc", "county", "park", "class4", "above_scale")
    return pa.table({name: [r[i] for r in rows] for i, name in enumerate(names)})


@pytest.fixture
def store() -> Store:
    s = Store(":memory:")
    s.set_flow_indicators(["output"])
    s.sync_entities(
        entities((A, "331082", "", "3670", True), (B, "331082", "", "3670", False), (C, "331002", "", "2720", True))
    )
    return s


def cell(store: Store, county: str, indicator: str, month: int) -> tuple:
    rows = store.query(
        """SELECT CASE WHEN sum(value_n) > 0 THEN sum(value_sum) END, sum(value_n),
                  CASE WHEN sum(ytd_n) > 0 THEN sum(ytd_sum) END, sum(ytd_n) FROM cube
           WHERE county = ? AND indicator = ? AND idx = ?""",
        [county, indicator, month],
    ).to_pylist()[0]
    return tuple(rows.values())


def test_it_derives_months_from_year_to_date_values(store: Store) -> None:
    store.land(facts((A, "output", 1, True, 10), (A, "output", 2, True, 25), (A, "output", 3, True, 45)), 1)
    assert cell(store, "331082", "output", 1) == (D(10), 1, D(10), 1)
    assert cell(store, "331082", "output", 2) == (D(15), 1, D(25), 1)
    assert cell(store, "331082", "output", 3) == (D(20), 1, D(45), 1)


def test_it_derives_year_to_date_from_months_only_when_no_month_is_missing(store: Store) -> None:
    store.land(facts((A, "output", 1, False, 10), (A, "output", 2, False, 15), (A, "output", 4, False, 7)), 1)
    assert cell(store, "331082", "output", 2) == (D(15), 1, D(25), 1)
    assert cell(store, "331082", "output", 4) == (D(7), 1, None, 0)  # March is missing: 1—4月 is unknown


def test_a_combined_january_february_figure_gives_no_february_alone(store: Store) -> None:
    store.land(facts((A, "output", 2, True, 30), (A, "output", 3, True, 42)), 1)
    assert cell(store, "331082", "output", 2) == (None, 0, D(30), 1)
    assert cell(store, "331082", "output", 3) == (D(12), 1, D(42), 1)


def test_stocks_have_no_year_to_date(store: Store) -> None:
    store.land(facts((A, "land", 1, False, 20), (B, "land", 1, False, 5)), 1)
    assert cell(store, "331082", "land", 1) == (D(25), 2, None, 0)


def test_reimporting_the_same_values_is_a_noop_and_a_correction_supersedes(store: Store) -> None:
    first = store.land(facts((A, "output", 1, True, 10), (B, "output", 1, True, 4)), 1)
    again = store.land(facts((A, "output", 1, True, 10), (B, "output", 1, True, 4)), 2)
    fixed = store.land(facts((A, "output", 1, True, 12), (B, "output", 1, True, 4)), 3)
    assert (first.new, first.changed) == (2, 0)
    assert again.is_noop and again.unchanged == 2
    assert (fixed.new, fixed.changed, fixed.unchanged) == (0, 1, 1)
    assert cell(store, "331082", "output", 1) == (D(16), 2, D(16), 2)
    history = store.history(A, "output").select(["batch_id", "value", "current"]).to_pylist()
    assert history == [
        {"batch_id": 1, "value": D(10), "current": False},
        {"batch_id": 3, "value": D(12), "current": True},
    ]
    assert store.landed_batch_ids() == {1, 3}


def test_correcting_a_cumulative_month_moves_the_next_months_value(store: Store) -> None:
    store.land(facts((A, "output", 1, True, 10), (A, "output", 2, True, 25)), 1)
    store.land(facts((A, "output", 1, True, 12)), 2)
    assert cell(store, "331082", "output", 1) == (D(12), 1, D(12), 1)
    assert cell(store, "331082", "output", 2) == (D(13), 1, D(25), 1)


def test_an_enterprise_changing_county_moves_its_contribution(store: Store) -> None:
    store.land(facts((A, "output", 1, True, 10), (C, "output", 1, True, 3)), 1)
    store.sync_entities(
        entities((A, "331002", "", "3670", True), (B, "331082", "", "3670", False), (C, "331002", "", "2720", True))
    )
    assert cell(store, "331082", "output", 1) == (None, 0, None, 0)
    assert cell(store, "331002", "output", 1) == (D(13), 2, D(13), 2)


def test_a_failed_landing_leaves_nothing_behind(store: Store) -> None:
    store.land(facts((A, "output", 1, True, 10)), 1)
    before = (store.cube_snapshot(), store.query("SELECT * FROM facts ORDER BY ALL"))
    broken = facts((A, "output", 2, True, 20)).set_column(7, "value", pa.array(["x"], pa.string()))
    with pytest.raises(Exception):  # noqa: B017  (DuckDB's conversion error type is an implementation detail)
        store.land(broken, 2)
    assert (store.cube_snapshot(), store.query("SELECT * FROM facts ORDER BY ALL")) == before
    assert store.landed_batch_ids() == {1}


fact_rows = st.lists(
    st.tuples(
        st.sampled_from([A, B, C]),
        st.sampled_from(["output", "land"]),
        st.integers(1, 4),
        st.booleans(),
        st.integers(-50, 200),
    ),
    max_size=12,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(fact_rows, min_size=1, max_size=5), move=st.booleans())
def test_the_incremental_cube_always_equals_a_full_rebuild(batches: list, move: bool) -> None:
    store = Store(":memory:")
    store.set_flow_indicators(["output"])
    store.sync_entities(entities((A, "331082", "", "3670", True), (B, "331082", "P1", "3670", False)))
    for number, rows in enumerate(batches, start=1):
        unique = {r[:4]: r for r in rows}  # a batch never holds a key twice (the import refuses that)
        store.land(facts(*unique.values()), number)
        if move and number == 2:
            store.sync_entities(entities((A, "331002", "", "2720", False), (C, "331082", "", "3670", True)))
    incremental = store.cube_snapshot(), store.query("SELECT * FROM entity_periods ORDER BY ALL")
    store.rebuild_cube()
    assert (store.cube_snapshot(), store.query("SELECT * FROM entity_periods ORDER BY ALL")) == incremental


def test_the_cube_folds_its_delta_rows_as_it_grows_and_keeps_its_sums(store: Store) -> None:
    store.fold_floor = 1
    for batch, value in enumerate((10, 12, 15, 11), start=1):
        store.land(facts((A, "output", 1, True, value), (B, "output", 1, True, value + 1)), batch)
    rows = store.query("SELECT count(*) AS n FROM cube").to_pylist()[0]["n"]
    assert rows <= 2 * store.cube_snapshot().num_rows  # folded along the way, not one delta row per batch
    assert cell(store, "331082", "output", 1) == (D(23), 2, D(23), 2)


def test_a_store_from_before_the_ownership_column_is_brought_up_to_date(tmp_path) -> None:
    path = tmp_path / "old.duckdb"
    old = Store(path)
    old.set_flow_indicators(["output"])
    old.sync_entities(entities((A, "331082", "", "3670", True)))
    old.land(facts((A, "output", 1, True, 10)), 1)
    with old.transaction() as cursor:
        cursor.execute("ALTER TABLE entities DROP COLUMN ownership").fetchall()
        cursor.execute("ALTER TABLE cube DROP COLUMN ownership").fetchall()
    old.close()
    upgraded = Store(path)
    upgraded.sync_entities(entities((A, "331082", "", "3670", True)))
    assert cell(upgraded, "331082", "output", 1) == (D(10), 1, D(10), 1)
    incremental = upgraded.cube_snapshot()
    upgraded.rebuild_cube()
    assert upgraded.cube_snapshot() == incremental


def test_meta_is_kept_in_memory_until_a_write_changes_it(store: Store) -> None:
    store.set_meta("data_version", "7")
    assert store.meta("data_version") == "7"
    # a change behind the store's back (no such writer exists: DuckDB gives the file to one process) is not
    # seen, which shows the answer comes from memory …
    store.cursor().execute("UPDATE meta SET value = '8' WHERE key = 'data_version'")
    assert store.meta("data_version") == "7"
    # … and any write through the store's transactions is
    store.set_meta("data_as_of", "2026-11-23")
    assert store.meta("data_version") == "8"
    with pytest.raises(RuntimeError), store.transaction() as cursor:
        cursor.execute("UPDATE meta SET value = '9' WHERE key = 'data_version'")
        raise RuntimeError("rolled back")
    assert store.meta("data_version") == "8"
