"""Statistical periods: months, quarters and years, as Chinese statistics write them.

A period is (kind, year, index): ("M", 2024, 3) is March 2024, ("Q", 2024, 1) the first quarter, ("Y", 2024, 1)
the year. Chinese statistics publish year-to-date figures ("2024年1—7月" is January to July); whether a value
is year-to-date is a property of the reported value, not of the period, so `parse_period` returns both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Self

from django.utils.translation import gettext as _

PERIODS_PER_YEAR = {"M": 12, "Q": 4, "Y": 1}
MIN_YEAR, MAX_YEAR = 1949, 2100

# Dashes seen in published tables: hyphen, en dash, em dash, the doubled em dash, fullwidth hyphen, and 至.
_RANGE = r"\s*(?:-|–|—|——|－|~|～|至)\s*"
_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4}
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(\d{4})年?$"), "year"),
    (re.compile(r"^(\d{4})\s*[-/.]?\s*[Qq](\d)$"), "quarter"),
    (re.compile(r"^(\d{4})年?\s*第?([1-4一二三四])季度?$"), "quarter"),
    (re.compile(r"^(\d{4})年?\s*1" + _RANGE + r"([1-4一二三四])季度?$"), "quarter_ytd"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})年(\d{1,2})月$"), "month"),
    (re.compile(r"^(\d{4})年?\s*1" + _RANGE + r"(\d{1,2})月$"), "month_ytd"),
]


class PeriodError(ValueError):
    """The text is not a period this platform understands."""


@dataclass(frozen=True, order=True)
class Period:
    kind: str  # "M", "Q" or "Y"
    year: int
    index: int  # month 1-12, quarter 1-4, or 1 for a year

    def __post_init__(self) -> None:
        if self.kind not in PERIODS_PER_YEAR:
            raise PeriodError(_("unknown period kind %(kind)s") % {"kind": self.kind})
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise PeriodError(_("year %(year)d is out of range") % {"year": self.year})
        if not 1 <= self.index <= PERIODS_PER_YEAR[self.kind]:
            message = {"M": _("there is no month %(index)d"), "Q": _("there is no quarter %(index)d")}.get(
                self.kind, _("a year has no part %(index)d")
            )
            raise PeriodError(message % {"index": self.index})

    @property
    def label(self) -> str:
        """The canonical text: 2024-03, 2024Q1, 2024."""
        if self.kind == "M":
            return f"{self.year}-{self.index:02d}"
        if self.kind == "Q":
            return f"{self.year}Q{self.index}"
        return str(self.year)

    def label_zh(self, year_to_date: bool = False) -> str:
        if self.kind == "Y":
            return f"{self.year}年"
        unit = "月" if self.kind == "M" else "季度"
        if year_to_date and self.index > 1:
            return f"{self.year}年1—{self.index}{unit}"
        return f"{self.year}年{self.index}{unit}" if self.kind == "M" else f"{self.year}年第{self.index}季度"

    def shifted(self, periods: int) -> Self:
        """The period `periods` steps later (earlier when negative), in the same kind."""
        per_year = PERIODS_PER_YEAR[self.kind]
        position = self.year * per_year + (self.index - 1) + periods
        return type(self)(self.kind, position // per_year, position % per_year + 1)

    def previous(self) -> Self:
        return self.shifted(-1)

    def same_period_last_year(self) -> Self:
        return type(self)(self.kind, self.year - 1, self.index)

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class ParsedPeriod:
    period: Period
    year_to_date: bool  # the text itself said "1—N月" / "1—N季度"


def _number(text: str) -> int:
    return _CN_QUARTER[text] if text in _CN_QUARTER else int(text)


def parse_period(text: str) -> ParsedPeriod:
    """Read `2024`, `2024Q1`, `2024-03`, `202403`, `2024年3月`, `2024年1—7月`, `2024年1-3季度` and the like."""
    cleaned = text.strip().replace("\u3000", " ")
    for pattern, shape in _PATTERNS:
        match = pattern.match(cleaned)
        if match is None:
            continue
        year = int(match.group(1))
        if shape == "year":
            return ParsedPeriod(Period("Y", year, 1), year_to_date=False)
        index = _number(match.group(2))
        kind = "Q" if shape.startswith("quarter") else "M"
        return ParsedPeriod(Period(kind, year, index), year_to_date=shape.endswith("_ytd"))
    raise PeriodError(_("cannot read %(text)r as a period (use 2024, 2024Q1, 2024-03 or 2024年1—7月)") % {"text": text})
