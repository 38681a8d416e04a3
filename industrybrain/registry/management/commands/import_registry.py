from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from industrybrain.core.context import change_context
from industrybrain.core.tabular import TableError, read_table
from industrybrain.registry.operations import IMPORTERS, import_table

from ._common import acting_user


class Command(BaseCommand):
    help = (
        "Import regions, parks or enterprises from CSV or .xlsx: every row is checked first, then the whole "
        "file lands or nothing does. Rows are matched by natural key (code, or USCC for enterprises)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check and report, change nothing")
        parser.add_argument("--user", help="act as this user (default: the first superuser)")

    def handle(self, *args: Any, kind: str, file: Path, dry_run: bool, user: str | None, **options: Any) -> None:
        actor = acting_user(user)
        try:
            table = read_table(file.read_bytes(), file.name)
        except (OSError, TableError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        with change_context(user=actor, source="cli"):
            report = import_table(kind, table, actor, dry_run=dry_run)
        for error in report.errors:
            self.stderr.write(f"{error.file}:{error.row}: {error.column}={error.value!r}: {error.reason}")
        verb = "would create" if dry_run else "created"
        summary = f"{kind}: {verb} {report.created}, updated {report.updated}, unchanged {report.unchanged}"
        if report.errors:
            raise CommandError(f"{len(report.errors)} error(s); nothing was changed")
        self.stdout.write(summary + (" (dry run: nothing was changed)" if dry_run else ""))
