from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from industrybrain.registry.operations import IMPORTERS, export_file

from ._common import acting_user


class Command(BaseCommand):
    help = "Export regions, parks or enterprises the user may see, as CSV or .xlsx that import_registry reads back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file", type=Path, help="output file; .csv or .xlsx")
        parser.add_argument("--user", help="export what this user may see (default: the first superuser)")

    def handle(self, *args: Any, kind: str, file: Path, user: str | None, **options: Any) -> None:
        file_format = file.suffix.lower().lstrip(".")
        if file_format not in ("csv", "xlsx"):
            raise CommandError("the output file must end in .csv or .xlsx")
        file.write_bytes(export_file(kind, acting_user(user), file_format))
        self.stdout.write(f"wrote {file}")
