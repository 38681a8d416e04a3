"""The demo region's evaluations: every shipped spec run for each complete demo year, so that rankings,
explanations and year-on-year changes have something to show."""

from __future__ import annotations

from typing import Any

from industrybrain.datahub.demo import DEMO_END, YEARS

from . import operations
from .models import EvaluationRun, EvaluationSpec


def complete_years(scale: str) -> list[int]:
    """Years with all twelve months and the yearly forms (the demo's last year is still running)."""
    return list(range(DEMO_END.year - YEARS[scale] + 1, DEMO_END.year))


def run_demo_evaluations(scale: str, user: Any, progress: Any = None) -> list[EvaluationRun]:
    step = progress or (lambda _message: None)
    runs = []
    for spec_row in EvaluationSpec.objects.filter(is_shipped=True).order_by("code"):
        region = operations.default_region(spec_row.parsed, user)
        for year in complete_years(scale):
            run = operations.run_evaluation(spec_row, region, year, user)
            step(f"{spec_row.name} {year}: {run.entities} entities (run {run.pk})")
            runs.append(run)
    return runs
