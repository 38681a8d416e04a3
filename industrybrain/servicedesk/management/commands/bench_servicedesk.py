import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from industrybrain.benchmarks.servicedesk_load import run


class Command(BaseCommand):
    help = (
        "Load benchmark of the service desk (issue 5): N clients filing requests and taking them through "
        "sign, answer, close and rate over HTTP on loopback against PostgreSQL; prints p50/p95/p99 and throughput. "
        "It creates (and drops and re-creates) the database named in --database-url."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clients", type=int, default=20)
        parser.add_argument("--cycles", type=int, default=25, help="requests each client takes through the loop")
        parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/industrybrain_load")
        parser.add_argument("--out", help="write the results as JSON here")

    def handle(self, *args: Any, **options: Any) -> None:
        result = run(options["clients"], options["cycles"], options["database_url"])
        self.stdout.write(
            f"{result['clients']} clients, {result['calls']} calls in {result['seconds']:.1f} s: "
            f"{result['calls_per_second']:.0f} calls/s, {result['requests_per_second']:.1f} requests through the "
            f"loop/s; latency p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, "
            f"p99 {result['p99_ms']:.0f} ms; "
            f"errors {result['errors']}"
        )
        for step, figures in result["steps"].items():
            p50, p95 = figures["p50_ms"], figures["p95_ms"]
            self.stdout.write(f"  {step:<7} {figures['calls']:>5} calls  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
        if options["out"]:
            Path(options["out"]).write_text(json.dumps(result, indent=2))
