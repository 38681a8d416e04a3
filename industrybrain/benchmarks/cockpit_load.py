"""Load benchmark of the cockpit's JSON endpoints (issue 6; not a test): DESIGN §4 asks p95 < 50 ms at province
scale with 20 concurrent clients.

The server runs in its own process on an existing data directory (a built demo: `industrybrain demo --scale
province --no-serve`), the way production does (`industrybrain serve`, waitress). A benchmark user (an analyst
scoped to the demo's root region) is given a fresh random password each run; every client signs in through the
login form, as a browser does, and keeps its session and a keep-alive connection.

Two passes:
- **cold**: each distinct URL once, one at a time, right after the server starts: what the first visitor of a
  region waits while its aggregates are built (the issue's "no page over ~2 s");
- **measured**: N clients at once, each cycling through the URL mix from its own starting point, each waiting
  for its answer before asking again (with `--think-ms`, then pausing that long on average). The mix gives the
  province, its cities and a sample of counties equal shares of the visits (levels take turns); a visit asks
  every endpoint for its region, and an endpoint's parameters (the map's indicator) advance one value per visit
  of that region.

Without pauses the clients keep the server saturated, so by Little's law a request's latency is about N divided
by the server's throughput: p95 < 50 ms with 20 such clients needs 400 answers a second. The server's CPU time
per request is reported beside the latencies for that reason.

The cockpit caches its answers for COCKPIT_CACHE_SECONDS; entries that expire during the measured pass are
rebuilt inside it, which the result says (`cache_expired_during_run`); `--cache-seconds` sets another lifetime
for the run.

    industrybrain --data-dir DIR bench_cockpit [--clients 20] [--requests 200] [--think-ms 0]
        [--endpoints overview,map] [--url '/cockpit/x.json?region={region}'] [--counties 11]
        [--cache-seconds S] [--out F.json]
"""

from __future__ import annotations

import http.client
import json
import math
import os
import random
import re
import secrets
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from .loopback import cpu_seconds, latency_summary, served

LEVELS = ("province", "city", "county")
BENCH_USER = "bench_cockpit"
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')  # in the login form


@dataclass(frozen=True)
class Endpoint:
    """A JSON endpoint: its path with `{region}` and any other `{parameter}`, and the values each parameter
    takes in turn (put in as they are: they are ours, not user input)."""

    path: str
    params: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())

    def url(self, region: str, variant: int) -> str:
        values = {name: options[variant % len(options)] for name, options in self.params}
        return self.path.format(region=region, **values)


# The cockpit's JSON endpoints; one line adds one to the benchmark.
ENDPOINTS: dict[str, Endpoint] = {
    "overview": Endpoint("/cockpit.json?region={region}"),
    "map": Endpoint(
        "/cockpit/map.json?region={region}&{choice}",
        (("choice", ("indicator=value_added", "indicator=tax_per_mu", "evaluation=digital_economy_index")),),
    ),
}


@dataclass(frozen=True)
class Hit:
    endpoint: str
    level: str
    url: str


def url_mix(endpoints: Mapping[str, Endpoint], regions: Mapping[str, Sequence[str]]) -> list[Hit]:
    """One full cycle of requests: levels take turns visit by visit; within a level its regions take turns; a
    visit asks every endpoint. The cycle is long enough for every region to see every parameter value."""
    levels = [level for level in LEVELS if regions.get(level)]
    variants = math.lcm(1, *(len(options) for e in endpoints.values() for _, options in e.params))
    per_level = max(len(regions[level]) for level in levels) * variants
    hits = []
    for visit in range(per_level * len(levels)):
        level = levels[visit % len(levels)]
        turn = visit // len(levels)
        places = regions[level]
        region, variant = places[turn % len(places)], turn // len(places)
        hits.extend(Hit(name, level, endpoint.url(region, variant)) for name, endpoint in endpoints.items())
    return hits


def sample_counties(counties_by_city: Mapping[str, Sequence[str]], n: int) -> list[str]:
    """n counties spread over the cities: each city's first county, then each city's second, and so on."""
    chosen: list[str] = []
    cities = sorted(counties_by_city)
    depth = 0
    while len(chosen) < n and any(depth < len(counties_by_city[c]) for c in cities):
        chosen.extend(counties_by_city[c][depth] for c in cities if depth < len(counties_by_city[c]))
        depth += 1
    return chosen[:n]


def client_slice(mix: Sequence[Hit], client: int, clients: int, requests: int) -> list[Hit]:
    """What one client asks, in order: `requests` hits of the cycle from the client's own starting point."""
    start = client * len(mix) // clients
    return [mix[(start + n) % len(mix)] for n in range(requests)]


def prepare(root_code: str | None, counties: int) -> dict[str, Any]:
    """In the served database: the benchmark user with a new password, and the regions to ask for."""
    from django.conf import settings

    from industrybrain.accounts.choices import Role
    from industrybrain.accounts.models import User
    from industrybrain.registry.models import Region

    if root_code is None:
        marker = Path(settings.DATA_DIR) / "demo.json"
        if not marker.exists():
            raise ValueError(f"{settings.DATA_DIR} holds no built demo; name the root region (--region)")
        root_code = json.loads(marker.read_text())["root_code"]
    root = Region.objects.get(code=root_code)
    regions = {root.level: [root.code]}
    children = dict(root.children.filter(is_active=True).order_by("code").values_list("code", "level"))
    if children:
        regions[next(iter(children.values()))] = list(children)
    below: dict[str, list[str]] = defaultdict(list)
    grandchildren = Region.objects.filter(parent_id__in=children, is_active=True).order_by("code")
    for code, parent in grandchildren.values_list("code", "parent_id"):
        below[parent].append(code)
    if below:
        regions[grandchildren[0].level] = sample_counties(below, counties)
    password = secrets.token_urlsafe(18)
    user, _ = User.objects.get_or_create(username=BENCH_USER, defaults={"role": Role.ANALYST})
    user.role, user.scope_region, user.is_active = Role.ANALYST, root, True
    user.set_password(password)
    user.save()
    return {
        "password": password,
        "regions": regions,
        "cache_seconds": settings.COCKPIT_CACHE_SECONDS,
    }


class Client:
    """One signed-in browser: a session cookie and a keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def _send(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple:
        headers = {**(headers or {}), "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        try:
            self.connection.request(method, path, body, headers)
            response = self.connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the next request opens a new connection
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, payload

    def sign_in(self, username: str, password: str) -> None:
        _, page = self._send("GET", "/accounts/login/")
        token = CSRF_FIELD.search(page)
        if token is None:
            raise RuntimeError("no CSRF token on the login page")
        form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        response, _ = self._send("POST", "/accounts/login/", form.encode(), headers)
        if response.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"sign-in failed: {response.status}")

    def get(self, url: str) -> tuple[float, str | None]:
        """The request's latency in seconds and, when it failed, why."""
        started = time.perf_counter()
        try:
            response, payload = self._send("GET", url, headers={"Accept": "application/json"})
        except (OSError, http.client.HTTPException) as error:
            return time.perf_counter() - started, f"{url}: {error!r}"
        elapsed = time.perf_counter() - started
        if response.status != 200 or not response.headers.get("Content-Type", "").startswith("application/json"):
            return elapsed, f"{url}: {response.status} {payload[:120]!r}"
        return elapsed, None


def _summaries(timed: Sequence[tuple[Hit, float]], key: Callable[[Hit], str]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[float]] = defaultdict(list)
    for hit, seconds in timed:
        groups[key(hit)].append(seconds)
    return {name: latency_summary(values) for name, values in groups.items()}


def _cold_pass(client: Client, mix: Sequence[Hit], errors: list[str]) -> list[dict[str, Any]]:
    cold = []
    for hit in dict.fromkeys(mix):  # each distinct URL once, in the order of the cycle
        seconds, error = client.get(hit.url)
        if error:
            errors.append(f"cold {error}")
        cold.append({"endpoint": hit.endpoint, "level": hit.level, "url": hit.url, "ms": seconds * 1000})
    return cold


def _measured_pass(workers: Sequence[Client], mix: Sequence[Hit], requests: int, think: float) -> dict[str, Any]:
    """Every client at once, each waiting for its answer; then, with `think` seconds, a pause drawn from an
    exponential distribution with that mean (a person reading), so the clients do not move in step."""
    timed: list[tuple[Hit, float]] = []
    errors: list[str] = []

    def work(worker: Client, hits: list[Hit], pauses: random.Random) -> None:
        for hit in hits:
            seconds, error = worker.get(hit.url)
            timed.append((hit, seconds))
            if error:
                errors.append(error)
            if think > 0:
                time.sleep(pauses.expovariate(1 / think))

    threads = [
        threading.Thread(target=work, args=(worker, client_slice(mix, i, len(workers), requests), random.Random(i)))
        for i, worker in enumerate(workers)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"timed": timed, "errors": errors, "seconds": time.perf_counter() - started}


def run(
    clients: int = 20,
    requests: int = 200,
    endpoints: Mapping[str, Endpoint] | None = None,
    counties: int = 11,
    root_code: str | None = None,
    threads: int = 8,
    cache_seconds: int | None = None,
    think_ms: float = 0,
) -> dict[str, Any]:
    """Runs inside the command's Django (settings on the data directory to serve). `cache_seconds` overrides
    the server's COCKPIT_CACHE_SECONDS (to measure the steady state of a cache that does not expire)."""
    from django.conf import settings
    from django.db import connections

    endpoints = dict(ENDPOINTS if endpoints is None else endpoints)
    load_before = os.getloadavg()
    prepared = prepare(root_code, counties)
    connections.close_all()  # the server process opens the database next (SQLite: no writer left behind)
    mix = url_mix(endpoints, prepared["regions"])
    env = {**os.environ, "INDUSTRYBRAIN_DATA_DIR": str(settings.DATA_DIR), "SERVICEDESK_TICK_SECONDS": "0"}
    if cache_seconds is not None:
        env["COCKPIT_CACHE_SECONDS"] = str(cache_seconds)
        prepared["cache_seconds"] = cache_seconds
    with tempfile.TemporaryDirectory() as scratch, served(env, Path(scratch) / "server.log", threads) as server:
        workers = [Client(server["port"]) for _ in range(clients)]
        for worker in workers:  # the first sign-in is also the server's first request: it loads Django's code
            worker.sign_in(BENCH_USER, prepared["password"])
        cold_errors: list[str] = []
        started = time.perf_counter()
        cold = _cold_pass(workers[0], mix, cold_errors)
        cold_seconds = time.perf_counter() - started
        cpu_before = cpu_seconds(server["pid"])
        measured = _measured_pass(workers, mix, requests, think_ms / 1000)
        server_cpu = cpu_seconds(server["pid"]) - cpu_before
    timed, errors = measured["timed"], measured["errors"]
    cold_by_endpoint = {
        name: {"urls": len(rows), "p50_ms": latency_summary([r["ms"] / 1000 for r in rows])["p50_ms"],
               "max_ms": max(r["ms"] for r in rows), "slowest": max(rows, key=lambda r: r["ms"])["url"]}
        for name in endpoints if (rows := [r for r in cold if r["endpoint"] == name])
    }  # fmt: skip
    return {
        "clients": clients,
        "requests_per_client": requests,
        "think_ms": think_ms,
        "server_threads": threads,
        "endpoints": {name: {"path": e.path, "params": dict(e.params)} for name, e in endpoints.items()},
        "regions": prepared["regions"],
        "distinct_urls": len(cold),
        "cache_seconds": prepared["cache_seconds"],
        "cache_expired_during_run": cold_seconds + measured["seconds"] > prepared["cache_seconds"],
        "cold": {"seconds": cold_seconds, "errors": cold_errors[:5], "by_endpoint": cold_by_endpoint, "urls": cold},
        "seconds": measured["seconds"],
        "requests_per_second": len(timed) / measured["seconds"],
        "server_cpu_ms_per_request": server_cpu * 1000 / max(len(timed), 1),
        "errors": len(errors),
        "first_errors": errors[:5],
        "server_errors": server["server_errors"],
        "overall": latency_summary([seconds for _, seconds in timed]),
        "by_endpoint": _summaries(timed, lambda hit: hit.endpoint),
        "by_level": _summaries(timed, lambda hit: hit.level),
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
    }
