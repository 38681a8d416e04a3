"""What the HTTP load benchmarks share: the server in its own process the way production runs it
(`industrybrain serve`, waitress), on a free loopback port, and the latency percentiles they report."""

from __future__ import annotations

import contextlib
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

PYTHON = [sys.executable, "-m"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, seconds: float = 180.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


@contextlib.contextmanager
def served(env: dict[str, str], log_path: Path, threads: int = 8) -> Iterator[dict[str, Any]]:
    """`industrybrain serve` on a free port with `env`; yields {"port", "pid"}, and on the way out stops the server
    and adds "server_errors": the log's lines that mention an error (tracebacks of failed requests)."""
    port = free_port()
    command = [*PYTHON, "industrybrain.cli", "serve", "--port", str(port), "--threads", str(threads), "--no-assets"]
    server_info: dict[str, Any] = {"port": port}
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        server_info["pid"] = server.pid
        try:
            wait_for(port)
            yield server_info
        finally:
            server.terminate()
            server.wait(timeout=30)
    server_info["server_errors"] = [line for line in log_path.read_text().splitlines() if "Error" in line][:10]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far (Linux; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it (NaN for none)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(round(share * len(ordered), 9)))) - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """Count, p50/p95/p99 and max of latencies measured in seconds, reported in milliseconds."""
    return {
        "requests": len(seconds),
        "p50_ms": percentile(seconds, 0.50) * 1000,
        "p95_ms": percentile(seconds, 0.95) * 1000,
        "p99_ms": percentile(seconds, 0.99) * 1000,
        "max_ms": max(seconds, default=float("nan")) * 1000,
    }
