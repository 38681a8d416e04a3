"""The working-day clock: Chinese public holidays and the adjusted working weekends (调休).

The State Council's arrangement for each year comes from the `chinesecalendar` package (maintained; it
covers the years published when it was released). For a year it does not cover yet, Monday to Friday are
working days, and `CalendarOverride` rows — entered by an administrator when the arrangement is announced,
usually in November or December — say otherwise for single dates. Overrides win over the package too.

"Within N working days" counts from the day after the start: a request received on Friday afternoon before
a normal weekend with a 1-working-day limit is due at the end of Monday. Times are kept in the configured
time zone (Asia/Shanghai), so "the end of a day" is the end of a Chinese working day.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
from django.utils import timezone

END_OF_DAY = dt.time(23, 59, 59)


@lru_cache(maxsize=1)
def _overrides_cache() -> dict[dt.date, bool]:
    from .models import CalendarOverride

    return dict(CalendarOverride.objects.values_list("date", "is_workday"))


def forget_overrides() -> None:
    """Called when an override is saved or deleted."""
    _overrides_cache.cache_clear()
    is_workday.cache_clear()


@lru_cache(maxsize=1)
def _covered_years() -> tuple[int, int]:
    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


def covered(day: dt.date) -> bool:
    """Whether the package has the official arrangement for the day's year."""
    first, last = _covered_years()
    return first <= day.year <= last


@lru_cache(maxsize=16384)
def is_workday(day: dt.date) -> bool:
    overrides = _overrides_cache()
    if day in overrides:
        return overrides[day]
    if covered(day):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def add_workdays(day: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `day` (day itself not counted); count 0 is the day itself; a
    negative count goes back (the `-count`-th working day before `day`)."""
    step = dt.timedelta(days=1 if count >= 0 else -1)
    found, current = 0, day
    while found < abs(count):
        current += step
        if is_workday(current):
            found += 1
    return current


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]: how many the clock ran from one day to another (0 if end ≤ start)."""
    return sum(1 for n in range((end - start).days) if is_workday(start + dt.timedelta(days=n + 1)))


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def deadline_after(moment: dt.datetime, count: int) -> dt.datetime:
    """The end of the `count`-th working day after the moment's (local) day."""
    day = add_workdays(local_date(moment), count)
    return timezone.make_aware(dt.datetime.combine(day, END_OF_DAY), timezone.get_current_timezone())


def working_days_taken(start: dt.datetime, end: dt.datetime) -> float:
    """Elapsed working time in working days, with fractions: weekends and holidays do not count. Used for
    handling times (average, p90)."""
    if end <= start:
        return 0.0
    start_local, end_local = timezone.localtime(start), timezone.localtime(end)
    total = 0.0
    day = start_local.date()
    while day <= end_local.date():
        if is_workday(day):
            begin = start_local if day == start_local.date() else None
            finish = end_local if day == end_local.date() else None
            seconds = 86400.0
            if begin is not None or finish is not None:
                midnight = timezone.make_aware(dt.datetime.combine(day, dt.time()), start_local.tzinfo)
                lo = begin or midnight
                hi = finish or midnight + dt.timedelta(days=1)
                seconds = (hi - lo).total_seconds()
            total += seconds / 86400.0
        day += dt.timedelta(days=1)
    return total
