from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from industrybrain.analytics import dimensions
from industrybrain.analytics.engine import store


class Command(BaseCommand):
    help = (
        "Recompute the statistics cube from the stored facts. With --check, first compare the incrementally "
        "maintained cube with the rebuilt one and fail if they differ (they never should)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: Any, check: bool, **options: Any) -> None:
        dimensions.ensure_current(force=True)
        facts = store()
        before = facts.cube_snapshot() if check else None
        facts.rebuild_cube()
        if check:
            after = facts.cube_snapshot()
            if after != before:
                raise CommandError(
                    f"the incremental cube differed from a rebuild ({before.num_rows} vs "
                    f"{after.num_rows} cells); the rebuilt one is now in place"
                )
            self.stdout.write(f"identical: {after.num_rows} cells")
        self.stdout.write(self.style.SUCCESS("statistics rebuilt"))
