"""DESIGN §5: "a crash or kill mid-import loses nothing that had landed and leaves no half batch".

A child process lands a small batch into a store file, starts landing a big one, and is killed with SIGKILL
while that landing runs; the parent then reopens the file and checks what survived. The data-hub side of the
promise, `reconcile_batches`, settles the ORM batches such a kill leaves pending.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from industrybrain.analytics.engine import Store, store
from industrybrain.analytics.tests.test_engine import facts
from industrybrain.datahub.models import ImportBatch
from industrybrain.datahub.operations import reconcile_batches

D = Decimal
A, B = "91331082MA2AAAAA0X", "91331082MA2BBBBB0X"
PROJECT_ROOT = Path(__file__).resolve().parents[3]
BIG_BATCH_ROWS = 6_000_000  # landing takes ~6 s on the 2-core reference machine (2 M took under 2 s when idle)

BATCH_1 = [
    (A, "output", 1, True, "10.5"),
    (A, "output", 2, True, "25"),
    (B, "output", 1, False, "4"),
    (A, "land", 1, False, "20"),
]

# The child: batch 1 lands and commits; batch 2 corrects two of its values and adds two million new facts
# (built by DuckDB itself, which takes a fraction of a second), and is killed while landing.
CHILD = f"""
import sys
import duckdb
import pyarrow as pa
from decimal import Decimal
from industrybrain.analytics.engine.store import Store

path, rows = sys.argv[1], int(sys.argv[2])
store = Store(path)
store.set_flow_indicators(["output"])
store.sync_entities(pa.table({{
    "uscc": [{A!r}, {B!r}], "county": ["331082", "331082"], "park": ["", ""], "class4": ["3670", "3670"],
    "above_scale": [True, False]}}))
batch_1 = {BATCH_1!r}
columns = list(zip(*batch_1))
n = len(batch_1)
store.land(pa.table({{
    "entity_kind": ["E"] * n, "entity_id": pa.array(columns[0], pa.string()),
    "indicator": pa.array(columns[1], pa.string()), "pkind": ["M"] * n, "year": pa.array([2024] * n, pa.int16()),
    "idx": pa.array(columns[2], pa.int8()), "ytd": pa.array(columns[3], pa.bool_()),
    "value": pa.array([Decimal(v) for v in columns[4]], pa.decimal128(18, 6))}}), 1)
print("landed 1", flush=True)
big = duckdb.sql(f'''
    SELECT 'E' AS entity_kind, 'F' || CAST(range // 12 AS VARCHAR) AS entity_id, 'output' AS indicator,
           'M' AS pkind, CAST(2024 AS SMALLINT) AS year, CAST(range % 12 + 1 AS TINYINT) AS idx, FALSE AS ytd,
           CAST(range % 1000 AS DECIMAL(18,6)) AS value
    FROM range({{rows}})
    UNION ALL SELECT 'E', {A!r}, 'output', 'M', 2024, 1, TRUE, 99
    UNION ALL SELECT 'E', {B!r}, 'output', 'M', 2024, 1, FALSE, 44''').to_arrow_table()
print("landing 2", flush=True)
store.land(big, 2)
print("landed 2", flush=True)
"""


def run_child_and_kill(path: Path, delay: float) -> subprocess.CompletedProcess:
    """Start the child, wait until it is landing batch 2, let it work for `delay` seconds, then SIGKILL it."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(BIG_BATCH_ROWS)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        seen = []
        while (line := child.stdout.readline()) and line.strip() != "landing 2":
            seen.append(line.strip())
        assert seen == ["landed 1"], (seen, child.stderr.read() if child.poll() is not None else "")
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        stdout, stderr = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)


def rows_of(store: Store, sql: str) -> list[tuple]:
    return [tuple(r.values()) for r in store.query(sql).to_pylist()]


@pytest.mark.parametrize("delay", [0.3, 2.0], ids=["early", "late"])
def test_it_keeps_the_landed_batch_and_no_trace_of_the_killed_one(tmp_path: Path, delay: float) -> None:
    path = tmp_path / "facts.duckdb"
    killed = run_child_and_kill(path, delay)
    assert killed.returncode == -signal.SIGKILL, "the child finished before it was killed"
    assert "landed 2" not in killed.stdout

    reopened = Store(path)
    expected = [("E", e, i, "M", 2024, m, y, D(v), 1) for e, i, m, y, v in BATCH_1]
    assert rows_of(reopened, "SELECT * FROM facts ORDER BY ALL") == sorted(expected)
    assert rows_of(reopened, "SELECT * FROM fact_history ORDER BY ALL") == []  # batch 2's corrections left none
    assert rows_of(reopened, "SELECT batch_id, facts FROM batches") == [(1, 4)]
    assert reopened.landed_batch_ids() == {1}
    assert reopened.meta("data_version") == "1"

    # The derived tables are those of batch 1 alone: as a fresh store holding only batch 1 has them, and as a
    # rebuild from the surviving facts gives them.
    reference = Store(":memory:")
    reference.set_flow_indicators(["output"])
    reference.sync_entities(reopened.query("SELECT * FROM entities"))
    reference.land(facts(*BATCH_1), 1)
    incremental = reopened.cube_snapshot()
    assert incremental == reference.cube_snapshot()
    reopened.rebuild_cube()
    assert reopened.cube_snapshot() == incremental

    # And the store takes the next batch as usual.
    assert reopened.land(facts((A, "output", 1, True, 11)), 2).changed == 1
    assert reopened.landed_batch_ids() == {1, 2}
    reopened.close()


def test_reconcile_batches_settles_pending_batches_from_what_the_store_holds(db: None) -> None:
    landed, lost = (ImportBatch.objects.create(file_name=f"{n}.csv", file_sha256="0" * 64) for n in ("a", "b"))
    store().land(facts((A, "output", 1, True, 10)), landed.pk)

    assert reconcile_batches() == 2
    landed.refresh_from_db()
    lost.refresh_from_db()
    assert (landed.status, lost.status) == ("landed", "failed")
    assert landed.finished is not None and lost.finished is not None

    settled = list(ImportBatch.objects.order_by("pk").values())
    assert reconcile_batches() == 0
    assert list(ImportBatch.objects.order_by("pk").values()) == settled
