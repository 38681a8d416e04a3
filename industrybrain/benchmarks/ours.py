"""The measurements through the platform itself: the import pipeline and the statistics facade.

Each function runs in a fresh process (see suite.py) with Django set up on the scale's data directory.
"""

from __future__ import annotations

import time
from pathlib import Path

from .workload import MonthlyQuestion


def _user():
    from industrybrain.accounts.models import User

    return User.objects.get(username="demo_analyst")


def import_file(path: Path, store_path: Path, period: str | None = None) -> dict[str, float]:
    """Validated import of one file into an empty store: values per second."""
    from industrybrain.analytics import dimensions, engine
    from industrybrain.datahub.operations import import_facts

    engine.configure(store_path)
    user = _user()
    dimensions.ensure_current()  # the registry copy is set-up, as in a running server
    data = path.read_bytes()
    started = time.perf_counter()
    report = import_facts(data, path.name, user, dry_run=False, period=period, source="bench")
    elapsed = time.perf_counter() - started
    if not report.ok:
        raise RuntimeError(f"benchmark import refused: {report.errors[:3]}")
    return {"seconds": elapsed, "values": report.values}


def rollup_after_batch(path: Path, store_path: Path) -> dict[str, float]:
    """Land a correction batch into the full store; the cube follows incrementally."""
    from industrybrain.analytics import dimensions, engine
    from industrybrain.datahub.operations import import_facts

    engine.configure(store_path)
    user = _user()
    dimensions.ensure_current()
    data = path.read_bytes()
    started = time.perf_counter()
    report = import_facts(data, path.name, user, dry_run=False, source="bench")
    elapsed = time.perf_counter() - started
    if not report.ok or report.changed == 0:
        raise RuntimeError(f"benchmark correction did not land: {report.errors[:3]}")
    return {"seconds": elapsed, "values": report.changed}


def monthly_report(store_path: Path, questions: list[MonthlyQuestion], root: str, rounds: int) -> dict[str, list]:
    """Latency of each question, `rounds` times over (no answer cache: every call computes)."""
    from industrybrain.analytics import engine, statistics
    from industrybrain.datahub.demo import DEMO_END
    from industrybrain.datahub.periods import Period

    engine.configure(store_path)
    user = _user()
    latencies: list[float] = []
    for round_number in range(rounds + 1):  # round 0 warms up (compiles each question's SQL) and is not counted
        for q in questions:
            period = Period("Y", DEMO_END.year - 1, 1) if q.yearly else Period("M", DEMO_END.year, 7)
            question = statistics.Question(
                q.indicator, period, root, year_to_date=q.year_to_date, by=q.by if q.kind == "breakdown" else "region",
                above_scale=q.above_scale, digital_economy="core_manufacturing" if q.core_manufacturing else None,
            )  # fmt: skip
            started = time.perf_counter()
            if q.kind == "breakdown":
                statistics.breakdown(question)
            elif q.kind == "top":
                statistics.top_enterprises(question, user, 10)
            else:
                statistics.trend(question, 12)
            if round_number:
                latencies.append((time.perf_counter() - started) * 1000)
    return {"latencies_ms": latencies}


def monthly_report_bench(store_path: Path, questions: list[dict], root: str, rounds: int) -> dict[str, list]:
    return monthly_report(store_path, [MonthlyQuestion(**q) for q in questions], root, rounds)
