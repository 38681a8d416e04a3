from typing import Any

from django.core.management.base import BaseCommand

from industrybrain.servicedesk.operations import check_deadlines


class Command(BaseCommand):
    help = (
        "Send the service desk's deadline warnings and refer overdue requests to the supervising office (督办). "
        "Run it every few minutes from cron; `industrybrain serve` also runs it on a timer."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = check_deadlines()
        self.stdout.write(f"warned {counts['warned']}, referred as overdue {counts['overdue']}")
