from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from industrybrain.core.tabular import TableError, read_table
from industrybrain.registry.operations import import_digital_economy_classification


class Command(BaseCommand):
    help = (
        "Load an edition of the digital-economy classification (columns de_code, de_name, gbt4754_code, optional "
        "note, verification) as a new version; earlier versions are kept so earlier statistics stay reproducible."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--version-name", required=True)
        parser.add_argument("--source", default="", help="where the table comes from (document, date)")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--not-current", action="store_true", help="load it without making it current")

    def handle(
        self, *args: Any, file: Path, version_name: str, source: str, dry_run: bool, not_current: bool, **options: Any
    ) -> None:
        try:
            table = read_table(file.read_bytes(), file.name)
        except (OSError, TableError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        report = import_digital_economy_classification(
            table, version_name, source=source, dry_run=dry_run, make_current=not not_current
        )
        for error in report.errors:
            self.stderr.write(f"{error.file}:{error.row}: {error.column}={error.value!r}: {error.reason}")
        if report.errors:
            raise CommandError(f"{len(report.errors)} error(s); nothing was changed")
        self.stdout.write(f"{version_name}: {report.created} categories" + (" (dry run)" if dry_run else ""))
