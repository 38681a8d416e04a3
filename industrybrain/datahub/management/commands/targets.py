from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from industrybrain.analytics.targets import progress
from industrybrain.datahub.models import Target
from industrybrain.registry.management.commands._common import acting_user


class Command(BaseCommand):
    help = "Progress towards the targets you may see, with where the present pace leads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int)
        parser.add_argument("--user", help="as this user (default: the first superuser)")

    def handle(self, *args: Any, year: int | None, user: str | None, **options: Any) -> None:
        targets = Target.objects.visible_to(acting_user(user)).select_related("region", "indicator")
        if year:
            targets = targets.filter(year=year)
        today = timezone.localdate().year
        for target in targets:
            result = progress(target, today)
            share = "—" if result.progress is None else f"{result.progress * 100:.1f}%"
            projected = "—" if result.projected is None else f"{result.projected:,.1f}"
            track = {True: "on track", False: "behind", None: ""}[result.on_track]
            self.stdout.write(
                f"{result.region_name} {result.indicator_name} {result.year}: target {result.target:,.1f} "
                f"{result.unit}; {result.actual_period or '—'} {share}; projected {projected} {track}"
            )
