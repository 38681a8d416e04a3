"""Run the benchmark suite at one scale: set up once (the demo region, its statistics in our store, the
workload files, the SQL table), then each measurement in a fresh process so that its peak memory is its own.

Peak memory is the process's peak resident size minus what it held before loading any data (Python, Django,
the libraries): for the pandas baseline that includes holding the frame, for ours DuckDB's buffers.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import statistics
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SETUP_VERSION = 2  # bump when the workload changes, so prepared directories are rebuilt
ROUNDS = {"county": 10, "city": 10, "province": 5}  # after one warm-up round
EXCEL_ROWS = {"county": 2_000, "city": 10_000, "province": 20_000}


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    """This process's own peak resident size. (Not ru_maxrss: Linux carries it across exec, so a spawned
    child would report at least its parent's size.)"""
    with open("/proc/self/status") as handle:
        line = next(line for line in handle if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _child(data_dir: str, target: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Runs in a fresh process: set Django up on `data_dir`, call `module:function`, report peak memory."""
    os.environ["INDUSTRYBRAIN_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "industrybrain.settings")
    import importlib

    import django

    django.setup()
    import duckdb  # noqa: F401  (libraries every side may use are loaded before the baseline RSS is read)
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401

    before = _rss_mb()
    module, name = target.split(":")
    result = getattr(importlib.import_module(module), name)(**kwargs) or {}
    return {**result, "peak_mb": max(_peak_mb() - before, 0.0)}


def in_fresh_process(data_dir: Path, target: str, **kwargs: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_child, str(data_dir), target, kwargs).result()


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def store(self) -> Path:
        return self.data / "facts.duckdb"

    @property
    def sql(self) -> Path:
        return self.root / "baseline.sqlite3"

    @property
    def marker(self) -> Path:
        return self.root / "prepared.json"


def prepare(paths: Paths, scale: str, seed: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Build (or reuse) the scale's directory: region, our store, workload files, the SQL baseline table."""
    if paths.marker.exists():
        prepared = json.loads(paths.marker.read_text())
        if prepared.get("version") == SETUP_VERSION and prepared.get("seed") == seed:
            log(f"reusing {paths.root}")
            return prepared
    shutil.rmtree(paths.root, ignore_errors=True)
    paths.data.mkdir(parents=True)
    log(f"building the {scale} demo region and its statistics in {paths.root} (once) …")
    prepared = in_fresh_process(
        paths.data, "industrybrain.benchmarks.setup:build", scale=scale, seed=seed, root=str(paths.root),
        excel_rows=EXCEL_ROWS[scale],
    )  # fmt: skip
    log("loading the SQL-table baseline …")
    workload = Path(prepared["files"])
    in_fresh_process(
        paths.data, "industrybrain.benchmarks.baselines:sql_load", database=paths.sql,
        all_facts=workload / "all-facts.parquet", enterprises=workload / "enterprises.parquet",
    )  # fmt: skip
    prepared.update(version=SETUP_VERSION, seed=seed)
    paths.marker.write_text(json.dumps(prepared, ensure_ascii=False, indent=1))
    return prepared


def _row(name: str, unit: str, ours: dict, baseline: dict, baseline_name: str, value: str, higher: bool) -> dict:
    mine, theirs = ours[value], baseline[value]
    ratio = (mine / theirs if higher else theirs / mine) if mine and theirs else None
    return {
        "name": name,
        "unit": unit,
        "ours": round(mine, 4),
        "baseline": round(theirs, 4),
        "baseline_name": baseline_name,
        "ratio": None if ratio is None else round(ratio, 2),
        "peak_mb": round(ours["peak_mb"], 1),
        "baseline_peak_mb": round(baseline["peak_mb"], 1),
    }


def _rate(result: dict) -> dict:
    return {**result, "rate": result["values"] / result["seconds"]}


def _percentiles(result: dict) -> dict:
    values = sorted(result["latencies_ms"])
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return {**result, "p50": statistics.median(values), "p95": p95}


def run(scale: str, seed: int, work_dir: Path, log: Callable[[str], None]) -> list[dict[str, Any]]:
    from .workload import Files

    paths = Paths(work_dir / scale)
    prepared = prepare(paths, scale, seed, log)
    files = Files(Path(prepared["files"]))
    rows: list[dict[str, Any]] = []
    ours_mod, base_mod = "industrybrain.benchmarks.ours", "industrybrain.benchmarks.baselines"
    with tempfile.TemporaryDirectory(dir=paths.root) as scratch_dir:
        scratch = Path(scratch_dir)
        imports = [("parquet", files.import_parquet, None), ("CSV", files.import_csv, None),
                   ("Excel", files.import_xlsx, prepared["excel_period"])]  # fmt: skip
        for label, path, period in imports:
            log(f"import {label} …")
            unit = "cells/s" if label == "Excel" else "values/s"
            ours = _rate(in_fresh_process(paths.data, f"{ours_mod}:import_file", path=path,
                                          store_path=scratch / f"import-{label}.duckdb", period=period))  # fmt: skip
            pandas = _rate(in_fresh_process(paths.data, f"{base_mod}:pandas_import_bench", path=path))
            sql = _rate(in_fresh_process(paths.data, f"{base_mod}:sql_import_bench", path=path,
                                         database=scratch / f"import-{label}.sqlite3"))  # fmt: skip
            rows.append(_row(f"import {label}, validated", unit, ours, pandas, "pandas", "rate", higher=True))
            rows.append(_row(f"import {label}, validated", unit, ours, sql, "SQL table (SQLite)", "rate", True))
        for size in (1_000, 10_000):
            log(f"roll-up after a batch of {size:,} corrections …")
            store_copy, sql_copy = scratch / f"rollup-{size}.duckdb", scratch / f"rollup-{size}.sqlite3"
            shutil.copy(paths.store, store_copy)
            shutil.copy(paths.sql, sql_copy)
            ours = in_fresh_process(paths.data, f"{ours_mod}:rollup_after_batch", path=files.correction(size),
                                    store_path=store_copy)  # fmt: skip
            pandas = in_fresh_process(paths.data, f"{base_mod}:pandas_rollup", all_facts=files.all_facts,
                                      enterprises=files.enterprises, correction=files.correction(size))  # fmt: skip
            sql = in_fresh_process(paths.data, f"{base_mod}:sql_rollup", database=sql_copy,
                                   correction=files.correction(size))  # fmt: skip
            name = f"roll-up after {size:,} corrected values"
            rows.append(_row(name, "s", ours, pandas, "pandas", "seconds", higher=False))
            rows.append(_row(name, "s", ours, sql, "SQL table (SQLite)", "seconds", higher=False))
    log("the monthly report's questions …")
    common = {"questions": prepared["questions"], "rounds": ROUNDS[scale]}
    ours = _percentiles(in_fresh_process(paths.data, f"{ours_mod}:monthly_report_bench", store_path=paths.store,
                                         root=prepared["root"], **common))  # fmt: skip
    pandas = _percentiles(in_fresh_process(paths.data, f"{base_mod}:pandas_monthly_report_bench",
                                           all_facts=files.all_facts, enterprises=files.enterprises,
                                           year=prepared["year"], **common))  # fmt: skip
    sql = _percentiles(in_fresh_process(paths.data, f"{base_mod}:sql_monthly_report_bench", database=paths.sql,
                                        year=prepared["year"], **common))  # fmt: skip
    for percentile in ("p50", "p95"):
        name = f"monthly report question, {percentile} latency"
        rows.append(_row(name, "ms", ours, pandas, "pandas", percentile, higher=False))
        rows.append(_row(name, "ms", ours, sql, "SQL table (SQLite)", percentile, higher=False))
    from .evaluations import measure as measure_evaluations

    rows += measure_evaluations(paths.root, paths.data, seed, log)
    for row in rows:
        row["scale"] = scale
        row["facts"] = prepared["sizes"]["all_facts"]
    return rows
