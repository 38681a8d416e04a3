import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from industrybrain.analytics.engine import StoreBusy
from industrybrain.core.context import change_context
from industrybrain.datahub.operations import describe_warning, import_facts, reconcile_batches
from industrybrain.registry.management.commands._common import acting_user


class Command(BaseCommand):
    help = (
        "Import indicator facts from CSV, .xlsx or Parquet files (long or wide layout). Each file is one batch: "
        "checked whole, then landed whole or not at all. Files land one after another, so stopping the command "
        "keeps every file that had landed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--period", help="the period of files without a period column, e.g. 2024年1—7月")
        parser.add_argument("--dry-run", action="store_true", help="check and report, change nothing")
        parser.add_argument("--user", help="act as this user (default: the first superuser)")
        parser.add_argument("--max-errors", type=int, default=50, help="errors to print per file")

    def handle(
        self,
        *args: Any,
        files: list[Path],
        period: str | None,
        dry_run: bool,
        user: str | None,
        max_errors: int,
        **options: Any,
    ) -> None:
        actor = acting_user(user)
        try:
            settled = reconcile_batches()
        except StoreBusy as exc:
            raise CommandError(str(exc)) from exc
        if settled:
            self.stdout.write(f"settled {settled} batch(es) left pending by an interrupted import")
        failed = 0
        bar = tqdm(total=len(files) * 3, unit="step", disable=None, file=sys.stderr)
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"{path}: {exc}") from exc

            def step(phase: str, path: Path = path) -> None:
                bar.set_description(f"{path.name}: {phase}")
                bar.update(1)

            with change_context(user=actor, source="cli"):
                report = import_facts(
                    data, path.name, actor, dry_run=dry_run, period=period, source="cli", progress=step
                )
            failed += self._print(report, max_errors)
        bar.close()
        if failed:
            raise CommandError(f"{failed} file(s) refused; nothing of them landed")

    def _print(self, report: Any, max_errors: int) -> int:
        for error in report.errors[:max_errors]:
            self.stderr.write(f"{error.file}:{error.row}: {error.column}={error.value!r}: {error.reason}")
        if report.error_count > max_errors:
            self.stderr.write(f"{report.file}: … {report.error_count - max_errors} more error(s)")
        for warning in report.warnings[:max_errors]:
            self.stderr.write(f"{report.file}: warning: {describe_warning(warning)}")
        if not report.ok:
            return 1
        verb = "would add" if report.dry_run else "added"
        batch = f" as batch {report.batch_id}" if report.batch_id else ""
        self.stdout.write(
            f"{report.file}: {report.values} values: {verb} {report.new}, corrected {report.changed}, "
            f"unchanged {report.unchanged}{batch}{' (dry run)' if report.dry_run else ''}"
        )
        return 0
