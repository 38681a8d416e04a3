from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from industrybrain.registry.uscc import check_uscc


class Command(BaseCommand):
    help = "Say for each code whether it is a valid 统一社会信用代码 (GB 32100-2015) and, if not, why."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="+", metavar="CODE")

    def handle(self, *args: Any, codes: list[str], **options: Any) -> None:
        invalid = 0
        for code in codes:
            result = check_uscc(code.strip())
            if result.is_valid:
                self.stdout.write(f"{code}\tvalid\tregion {result.region_code}")
            else:
                invalid += 1
                self.stdout.write(f"{code}\tinvalid\t{'; '.join(result.errors)}")
        if invalid:
            raise SystemExit(1)
