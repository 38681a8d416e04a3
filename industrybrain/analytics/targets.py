"""Progress towards targets (e.g. 规上工业总产值 400亿 by 2025) with a straight-line projection.

For a flow reported monthly the year so far is the latest 1—N月 figure and the projection runs it at the same
pace to December (×12/N). For anything else the projection is the least-squares line through the yearly
values up to now, read at the target year. Both are deliberately simple: they say "at this pace".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from industrybrain.datahub.models import Target
from industrybrain.datahub.periods import Period

from . import dimensions
from .engine import store
from .statistics import Question, _indicator, total


@dataclass
class Progress:
    target_id: int
    region: str
    region_name: str
    indicator: str
    indicator_name: str
    unit: str
    year: int
    target: float
    actual: float | None
    actual_period: str | None
    progress: float | None  # actual ÷ target
    projected: float | None
    on_track: bool | None
    data_as_of: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _latest_month(question: Question, year: int) -> tuple[int, float] | None:
    indicator = _indicator(question.indicator)
    for month in range(12, 0, -1):
        value = total(question, indicator, Period("M", year, month))
        if value is not None:
            return month, value
    return None


def _yearly_series(question: Question, last_year: int, years: int = 6) -> list[tuple[int, float]]:
    indicator = _indicator(question.indicator)
    series = []
    for year in range(last_year - years + 1, last_year + 1):
        value = total(question, indicator, Period("Y", year, 1))
        if value is not None:
            series.append((year, value))
    return series


def straight_line(points: list[tuple[int, float]], at: int) -> float | None:
    """Least-squares line through (year, value) points, read at `at`; one point is a flat line."""
    if not points:
        return None
    if len(points) == 1:
        return points[0][1]
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)
    return mean_y + slope * (at - mean_x)


def progress(target: Target, today_year: int) -> Progress:
    dimensions.ensure_current()
    indicator = target.indicator
    question = Question(
        indicator.code,
        Period("Y", target.year, 1),
        target.region_id,
        year_to_date=True,
        above_scale=True if target.above_scale_only else None,
    )
    actual, actual_period, projected = None, None, None
    if indicator.periodicity == "M" and indicator.is_flow and today_year >= target.year:
        latest = _latest_month(question, target.year)
        if latest is not None:
            month, actual = latest
            actual_period = Period("M", target.year, month).label_zh(year_to_date=True)
            projected = actual * 12 / month
    if actual is None:
        series = _yearly_series(question, min(today_year, target.year))
        if series:
            actual_period, actual = str(series[-1][0]), series[-1][1]
            projected = straight_line(series, target.year)
    goal = float(target.value)
    polarity_up = indicator.polarity != "negative"
    return Progress(
        target_id=target.pk,
        region=target.region_id,
        region_name=target.region.name,
        indicator=indicator.code,
        indicator_name=indicator.name,
        unit=indicator.unit,
        year=target.year,
        target=goal,
        actual=actual,
        actual_period=actual_period,
        progress=actual / goal if actual is not None and goal else None,
        projected=projected,
        on_track=None if projected is None else (projected >= goal if polarity_up else projected <= goal),
        data_as_of=store().meta("data_as_of"),
    )
