import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

SCALES = ("county", "city", "province")


class Command(BaseCommand):
    help = (
        "Benchmarks (DESIGN §4): validated imports, roll-ups after a small batch and the monthly report's "
        "questions, 亩均 grading of 100 k enterprises and the regional index with its uncertainty analysis, ours "
        "beside a pandas script (and, for the statistics, an SQL-table design) on the same data, with peak memory. "
        "The first run at a scale builds its data under --work-dir and later runs reuse it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=SCALES, action="append", help="repeat for several (default county)")
        parser.add_argument("--out", type=Path, help="write the results as JSON")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--work-dir", type=Path, help="where scales are built (default DATA_DIR/bench)")

    def handle(
        self, *args: Any, scale: list[str] | None, out: Path | None, seed: int, work_dir: Path | None, **options: Any
    ) -> None:
        from industrybrain.benchmarks.suite import run

        rows = []
        for name in scale or ["county"]:
            rows += run(name, seed, work_dir or Path(settings.DATA_DIR) / "bench", lambda m: self.stdout.write(m))
        self._print(rows)
        if out:
            out.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
            self.stdout.write(f"wrote {out}")

    def _print(self, rows: list[dict[str, Any]]) -> None:
        self.stdout.write(
            f"\n{'scale':<9}{'measurement':<46}{'unit':<10}{'ours':>12}{'baseline':>12}  {'baseline is':<20}"
            f"{'ratio':>7}{'peak MB':>9}{'base MB':>9}"
        )
        for row in rows:
            ratio = "—" if row["ratio"] is None else f"{row['ratio']:.1f}×"
            self.stdout.write(
                f"{row['scale']:<9}{row['name']:<46}{row['unit']:<10}{row['ours']:>12,.1f}{row['baseline']:>12,.1f}  "
                f"{row['baseline_name']:<20}{ratio:>7}{row['peak_mb']:>9.0f}{row['baseline_peak_mb']:>9.0f}"
            )
