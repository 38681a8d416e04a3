import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from industrybrain.benchmarks.cockpit_load import ENDPOINTS, Endpoint, run


class Command(BaseCommand):
    help = (
        "Load benchmark of the cockpit's JSON endpoints (issue 6, DESIGN §4) on the data directory given with "
        "--data-dir (a built demo): serves it, times each distinct URL once (cold), then N signed-in clients at "
        "once over HTTP on loopback; prints p50/p95/p99/max per endpoint and overall, and throughput."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clients", type=int, default=20)
        parser.add_argument("--requests", type=int, default=200, help="requests each client makes")
        parser.add_argument(
            "--think-ms", type=float, default=0, help="mean pause of a client between requests (default: none)"
        )
        parser.add_argument(
            "--endpoints", default=",".join(ENDPOINTS), help=f"comma-separated, of: {', '.join(ENDPOINTS)}"
        )
        parser.add_argument(
            "--url", action="append", default=[], metavar="TEMPLATE",
            help="another endpoint, e.g. '/cockpit/rankings.json?region={region}' (repeatable)",
        )  # fmt: skip
        parser.add_argument("--counties", type=int, default=11, help="counties in the mix, spread over the cities")
        parser.add_argument("--region", help="root region (default: the demo's)")
        parser.add_argument("--threads", type=int, default=8, help="the server's threads")
        parser.add_argument(
            "--cache-seconds", type=int, help="the server's COCKPIT_CACHE_SECONDS (default: as configured)"
        )
        parser.add_argument("--out", help="write the results as JSON here")

    def handle(self, *args: Any, **options: Any) -> None:
        names = [name for name in options["endpoints"].split(",") if name]
        if unknown := [name for name in names if name not in ENDPOINTS]:
            raise CommandError(f"unknown endpoint(s) {', '.join(unknown)}; known: {', '.join(ENDPOINTS)}")
        endpoints = {name: ENDPOINTS[name] for name in names}
        endpoints.update({urlsplit(template).path: Endpoint(template) for template in options["url"]})
        try:
            result = run(
                options["clients"], options["requests"], endpoints, options["counties"], options["region"],
                options["threads"], options["cache_seconds"], options["think_ms"],
            )  # fmt: skip
        except ValueError as error:  # no demo in the data directory and no --region
            raise CommandError(str(error)) from error
        cold = result["cold"]
        self.stdout.write(f"Cold (each of {result['distinct_urls']} URLs once, {cold['seconds']:.1f} s):")
        for name, figures in cold["by_endpoint"].items():
            self.stdout.write(
                f"  {name:<12} p50 {figures['p50_ms']:7.0f} ms  max {figures['max_ms']:7.0f} ms  ({figures['slowest']})"
            )
        overall = result["overall"]
        think = f" (pausing {result['think_ms']:.0f} ms on average)" if result["think_ms"] else ""
        self.stdout.write(
            f"{result['clients']} clients{think}, {overall['requests']} requests in {result['seconds']:.1f} s: "
            f"{result['requests_per_second']:.0f} requests/s, server CPU "
            f"{result['server_cpu_ms_per_request']:.1f} ms a request; p50 {overall['p50_ms']:.1f} ms, "
            f"p95 {overall['p95_ms']:.1f} ms, p99 {overall['p99_ms']:.1f} ms, max {overall['max_ms']:.0f} ms; "
            f"errors {result['errors']}"
        )
        for group in ("by_endpoint", "by_level"):
            for name, f in result[group].items():
                self.stdout.write(
                    f"  {name:<12} {f['requests']:>6}  p50 {f['p50_ms']:6.1f}  p95 {f['p95_ms']:6.1f}  "
                    f"p99 {f['p99_ms']:6.1f}  max {f['max_ms']:7.1f} ms"
                )
        if result["cache_expired_during_run"]:
            self.stdout.write(
                f"(the run outlasted the cache's {result['cache_seconds']} s: expired entries were rebuilt in it)"
            )
        for line in result["first_errors"] + cold["errors"] + result["server_errors"]:
            self.stderr.write(line)
        if options["out"]:
            Path(options["out"]).write_text(json.dumps(result, indent=2, ensure_ascii=False))
