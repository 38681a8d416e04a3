"""Load benchmark of the service desk (issue 5; not a test): 20 clients filing and walking requests through
the loop over HTTP on loopback, against PostgreSQL, served the way production is (`industrybrain serve`).

Each client is an enterprise with its own token and a clerk of the lead department with another; a cycle is
five API calls: file (the request is routed and dispatched on arrival) → sign → answer → close → rate. The
server runs in its own process on a fresh database; the clients are threads of this process on the same two
cores, so the figures are what one small machine does with both. Throttling is lifted for the run (the
limits are for the public, not for measuring).

    industrybrain bench_servicedesk [--clients 20] [--cycles 25] [--database-url postgres://…] [--out F.json]
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .loopback import PYTHON, percentile, served

STEPS = ("file", "sign", "answer", "close", "rate")
LOOP = (
    ("sign", "clerk", {}),
    ("answer", "clerk", {"text": "已答复"}),
    ("close", "clerk", {"note": ""}),
    ("rate", "enterprise", {"satisfaction": "satisfied"}),
)


def _environment(database_url: str, data_dir: str) -> dict[str, str]:
    return {
        **os.environ, "DATABASE_URL": database_url, "INDUSTRYBRAIN_DATA_DIR": data_dir,
        "SERVICEDESK_TICK_SECONDS": "0", "API_USER_RATE": "1000000/minute", "API_ANON_RATE": "1000000/minute",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }  # fmt: skip


def _recreate_database(database_url: str) -> None:
    import psycopg

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup(clients: int) -> dict[str, Any]:
    """In the benchmark's database (run in a subprocess): one department, routing, and per client an
    enterprise user and a clerk with API tokens."""
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from industrybrain.accounts.choices import Role
    from industrybrain.accounts.models import Department, User
    from industrybrain.registry.models import Enterprise, Region
    from industrybrain.registry.uscc import make_uscc
    from industrybrain.servicedesk.models import Category, Routing

    county = Region.objects.get(code="331082")
    department = Department.objects.create(code="331082-JXJ", name="临海市经济和信息化局", region=county)
    Routing.objects.create(category=Category.objects.get(code="policy"), region=county, department=department)
    pairs = []
    for i in range(clients):
        firm = Enterprise.objects.create(
            uscc=make_uscc("9", "1", "331082", f"MA2L{i:04d}"),
            name=f"负载测试企业{i}",
            region=county,
            industry_id="3670",
        )
        enterprise_user = User.objects.create(username=f"load_firm_{i}", role=Role.ENTERPRISE, enterprise=firm)
        clerk = User.objects.create(
            username=f"load_clerk_{i}", role=Role.CLERK, scope_region=county, department=department
        )
        pairs.append(
            {
                "enterprise": Token.objects.create(user=enterprise_user).key,
                "clerk": Token.objects.create(user=clerk).key,
            }
        )
    return {"pairs": pairs}


class Client:
    """One keep-alive connection; every call's latency recorded under its step."""

    def __init__(self, port: int, pair: dict[str, str], timings: dict[str, list[float]], errors: list[str]) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.pair, self.timings, self.errors = pair, timings, errors

    def call(self, step: str, who: str, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        data = json.dumps(body).encode()
        headers = {
            "Authorization": f"Token {self.pair[who]}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        started = time.perf_counter()
        self.connection.request("POST", path, data, headers)
        response = self.connection.getresponse()
        payload = response.read()
        self.timings[step].append(time.perf_counter() - started)
        if response.status >= 300:
            self.errors.append(f"{step}: {response.status} {payload[:200]!r}")
            return None
        return json.loads(payload)

    def cycle(self, n: int) -> None:
        filed = self.call("file", "enterprise", "/api/servicedesk/requests/",
                          {"category": "policy", "title": f"负载测试 {n}", "description": "申报条件咨询"})  # fmt: skip
        if filed is None:
            return
        base = f"/api/servicedesk/requests/{filed['number']}"
        for step, who, body in LOOP:
            if self.call(step, who, f"{base}/{step}/", body) is None:
                return


def run(clients: int, cycles: int, database_url: str) -> dict[str, Any]:
    _recreate_database(database_url)
    with tempfile.TemporaryDirectory() as data_dir:
        env = _environment(database_url, data_dir)
        subprocess.run([*PYTHON, "industrybrain.cli", "migrate", "-v", "0"], env=env, check=True)
        setup_env = {**env, "DJANGO_SETTINGS_MODULE": "industrybrain.settings"}
        made = subprocess.run([*PYTHON, "industrybrain.benchmarks.servicedesk_load", "setup", str(clients)],
                              env=setup_env, check=True, capture_output=True, text=True)  # fmt: skip
        pairs = json.loads(made.stdout.strip().splitlines()[-1])["pairs"]
        with served(env, Path(data_dir) / "server.log") as server:
            port = server["port"]
            timings: dict[str, list[float]] = {step: [] for step in STEPS}
            errors: list[str] = []
            workers = [Client(port, pair, timings, errors) for pair in pairs]
            Client(port, pairs[0], {s: [] for s in STEPS}, []).cycle(-1)  # warm-up: first requests load code
            started = time.perf_counter()
            threads = [threading.Thread(target=lambda w=w: [w.cycle(n) for n in range(cycles)]) for w in workers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
    every = [t for values in timings.values() for t in values]
    return {
        "clients": clients, "cycles_per_client": cycles, "seconds": elapsed, "calls": len(every),
        "calls_per_second": len(every) / elapsed, "requests_per_second": len(timings["rate"]) / elapsed,
        "errors": len(errors), "first_errors": errors[:5], "server_errors": server["server_errors"],
        "p50_ms": percentile(every, 0.5) * 1000, "p95_ms": percentile(every, 0.95) * 1000,
        "p99_ms": percentile(every, 0.99) * 1000,
        "steps": {s: {"calls": len(v), "p50_ms": percentile(v, 0.5) * 1000, "p95_ms": percentile(v, 0.95) * 1000}
                  for s, v in timings.items()},
    }  # fmt: skip


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "setup":
    print(json.dumps(setup(int(sys.argv[2]))))
