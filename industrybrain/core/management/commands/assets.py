from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from industrybrain.core.assets import AssetsError, install_assets


class Command(BaseCommand):
    help = (
        "Install the front-end packages pinned by package-lock.json (ECharts, htmx) with `npm ci` and copy the "
        "files pages load into core/static/vendor/; does nothing when they are already there (DESIGN §2)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="reinstall even if the vendor files are up to date")
        parser.add_argument(
            "--fail-fast",
            action="store_true",
            help="give up soon when the registry is unreachable (one retry, short back-off); serve and demo use it",
        )
        parser.add_argument("--timeout", type=float, default=600.0, help="seconds npm may take (default 600)")

    def handle(self, *args: Any, force: bool, fail_fast: bool, timeout: float, **options: Any) -> None:
        try:
            result = install_assets(force=force, fail_fast=fail_fast, timeout=timeout, progress=self.stdout.write)
        except AssetsError as error:
            raise CommandError(str(error)) from None
        versions = ", ".join(f"{name} {version}" for name, version in sorted(result.versions.items()))
        if not result.installed:
            if options["verbosity"] >= 1:
                self.stdout.write(f"Front-end assets up to date ({versions})")
            return
        folder = result.files[0].parent
        self.stdout.write(
            self.style.SUCCESS(f"Front-end assets installed in {result.seconds:.1f} s: {versions} → {folder}")
        )
        if options["verbosity"] >= 2:
            for path in result.files:
                self.stdout.write(f"  {path.name} ({path.stat().st_size:,} bytes)")
