import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from industrybrain.core.management.commands.serve import provide_assets
from industrybrain.registry.demo import SCALES, build_demo_region
from industrybrain.registry.models import Enterprise

MARKER = "demo.json"


class Command(BaseCommand):
    help = "Build a deterministic synthetic region into the data directory, then serve it (DESIGN §3)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="county")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="build and exit")

    def handle(self, *args: Any, scale: str, seed: int, port: int, no_serve: bool, **options: Any) -> None:
        marker = Path(settings.DATA_DIR) / MARKER
        built = json.loads(marker.read_text()) if marker.exists() else None
        if built and (built["scale"], built["seed"]) == (scale, seed):
            self.stdout.write(f"Reusing the {scale} demo already built in {settings.DATA_DIR}")
        else:
            self._rebuild(marker, built, scale, seed)
            built = json.loads(marker.read_text())
        provide_assets(self)  # ECharts and htmx from npm (reported, not fatal, when npm or the network is missing)
        self._print_logins(built)
        if not no_serve:
            call_command("serve", port=port, no_assets=True)

    def _rebuild(self, marker: Path, built: dict | None, scale: str, seed: int) -> None:
        if built is not None:
            self._drop_embedded_database()
        call_command("migrate", interactive=False, verbosity=0)
        if built is None and Enterprise.objects.exists():
            raise CommandError(f"{settings.DATA_DIR} holds real data (no {MARKER}); use another --data-dir")
        self.stdout.write(f"Building the {scale} demo region into {settings.DATA_DIR} …")
        summary = build_demo_region(scale, seed=seed)
        facts = self._build_facts(scale, seed, summary)
        built = {"scale": scale, "seed": seed, **summary.as_dict(), **facts}
        marker.write_text(json.dumps(built, ensure_ascii=False))
        marker.chmod(0o600)  # it holds the demo password

    def _build_facts(self, scale: str, seed: int, summary: Any) -> dict[str, Any]:
        """Years of monthly statistics through the import pipeline, targets, and two files to try importing."""
        from industrybrain.accounts.models import User
        from industrybrain.datahub import demo
        from industrybrain.evaluations.demo import run_demo_evaluations
        from industrybrain.servicedesk.demo import build_service_desk

        admin = User.objects.get(username="demo_admin")
        self.stdout.write("Generating statistics (one batch per form and year) …")
        facts = demo.build_demo_facts(scale, seed, admin, progress=lambda m: self.stdout.write(f"  {m}"))
        targets = demo.create_demo_targets(admin.scope_region)
        analyst = User.objects.get(username="county_analyst")
        sample = list(
            Enterprise.objects.visible_to(analyst).filter(is_above_scale=True).values_list("uscc", flat=True)[:5]
        )
        files = demo.write_demo_files(Path(settings.DATA_DIR) / "demo-files", sample, admin.scope_region)
        self.stdout.write("Running the evaluations (亩均, digital-economy index, smart-manufacturing maturity) …")
        runs = run_demo_evaluations(scale, admin, progress=lambda m: self.stdout.write(f"  {m}"))
        self.stdout.write("Replaying a year of service-desk requests through the operations …")
        desk = build_service_desk(scale, seed, progress=lambda m: self.stdout.write(f"  {m}"))
        return {
            "evaluation_runs": len(runs),
            "facts": facts.facts,
            "batches": facts.batches,
            "warnings": facts.warnings,
            "targets": len(targets),
            "files": [str(f) for f in files],
            "service_desk": desk.as_dict(),
        }

    def _drop_embedded_database(self) -> None:
        database = settings.DATABASES["default"]
        if not database["ENGINE"].endswith("sqlite3"):
            raise CommandError("rebuilding a demo at another scale is only done on the embedded SQLite database")
        connections["default"].close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database['NAME']}{suffix}").unlink(missing_ok=True)

    def _print_logins(self, built: dict) -> None:
        self.stdout.write(self.style.SUCCESS(f"Demo region: {built['root_name']} ({built['enterprises']} enterprises)"))
        if "facts" in built:
            self.stdout.write(
                f"Statistics: {built['facts']:,} values in {built['batches']} batches "
                f"({built['warnings']} warnings to look at); files to try importing: {', '.join(built['files'])}"
            )
        if "service_desk" in built:
            desk = built["service_desk"]
            statuses = ", ".join(f"{count} {status}" for status, count in desk["statuses"].items() if count)
            self.stdout.write(
                f"Service desk: {desk['requests']:,} requests {desk['first_day']} – {desk['last_day']} ({statuses}); "
                f"{desk['open']} open, {desk['overdue_open']} of them overdue; {desk['events']:,} timeline events"
            )
        self.stdout.write(f"Log in with any of these users, password {built['password']}:")
        for username, description in built["users"].items():
            self.stdout.write(f"  {username:<20} {description}")
