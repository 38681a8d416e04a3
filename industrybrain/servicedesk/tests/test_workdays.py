"""The working-day clock against the State Council's holiday arrangements, with every expected date worked
out by hand from the notices (not from the code):

- 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 2024-11-12; e.g.
  https://news.cctv.cn/2024/11/12/ARTIpdPD9BFgB4TnLNXKtCgc241112.shtml): 元旦 01-01; 春节 01-28 (Tue, 除夕)
  to 02-04 (Tue) off, 01-26 (Sun) and 02-08 (Sat) worked; 清明 04-04..06; 劳动节 05-01..05, 04-27 (Sun)
  worked; 端午 05-31..06-02; 国庆节·中秋节 10-01 (Wed) to 10-08 (Wed) off, 09-28 (Sun) and 10-11 (Sat) worked.
- 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, Xinhua; e.g.
  https://politics.gmw.cn/2025-11/04/content_38391083.htm): 元旦 01-01..03, 01-04 (Sun) worked; 春节 02-15
  (Sun, 腊月二十八) to 02-23 (Mon) off, 02-14 (Sat) and 02-28 (Sat) worked; 清明 04-04..06; 劳动节 05-01..05,
  05-09 (Sat) worked; 端午 06-19..21; 中秋 09-25..27; 国庆 10-01..07, 09-20 (Sun) and 10-10 (Sat) worked.

The `chinesecalendar` package (1.11.0 here) carries exactly these arrangements and ends with 2026; 2027 is
Monday to Friday until `CalendarOverride` rows say otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from industrybrain.servicedesk import operations as ops
from industrybrain.servicedesk import workdays
from industrybrain.servicedesk.models import CalendarOverride, Category
from industrybrain.servicedesk.workdays import (
    add_workdays,
    deadline_after,
    is_workday,
    workdays_between,
    working_days_taken,
)

D = dt.date.fromisoformat
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_overrides_cache() -> Iterator[None]:
    """The overrides are cached per process; a test's rolled-back rows must not outlive it (a rollback sends
    no post_delete)."""
    workdays.forget_overrides()
    yield
    workdays.forget_overrides()


def at(text: str) -> dt.datetime:
    """A Shanghai wall-clock time, e.g. "2025-09-26 23:30"."""
    return timezone.make_aware(dt.datetime.fromisoformat(text), timezone.get_current_timezone())


def end_of(day: str) -> dt.datetime:
    return at(f"{day} 23:59:59")


def days(first: str, last: str) -> list[dt.date]:
    start, end = D(first), D(last)
    return [start + dt.timedelta(n) for n in range((end - start).days + 1)]


# --- the calendar itself ----------------------------------------------------------------------------------
NOTICE_HOLIDAYS = {
    2025: [*days("2025-01-01", "2025-01-01"), *days("2025-01-28", "2025-02-04"), *days("2025-04-04", "2025-04-06"),
           *days("2025-05-01", "2025-05-05"), *days("2025-05-31", "2025-06-02"), *days("2025-10-01", "2025-10-08")],
    2026: [*days("2026-01-01", "2026-01-03"), *days("2026-02-15", "2026-02-23"), *days("2026-04-04", "2026-04-06"),
           *days("2026-05-01", "2026-05-05"), *days("2026-06-19", "2026-06-21"), *days("2026-09-25", "2026-09-27"),
           *days("2026-10-01", "2026-10-07")],
}  # fmt: skip
NOTICE_WORKED_WEEKENDS = {
    2025: [D("2025-01-26"), D("2025-02-08"), D("2025-04-27"), D("2025-09-28"), D("2025-10-11")],
    2026: [D("2026-01-04"), D("2026-02-14"), D("2026-02-28"), D("2026-05-09"), D("2026-09-20"), D("2026-10-10")],
}


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_calendar_follows_the_state_council_notice(year: int) -> None:
    off, worked = set(NOTICE_HOLIDAYS[year]), set(NOTICE_WORKED_WEEKENDS[year])
    assert all(day.weekday() >= 5 for day in worked)
    for day in days(f"{year}-01-01", f"{year}-12-31"):
        expected = day in worked or (day not in off and day.weekday() < 5)
        assert is_workday(day) == expected, day
    assert workdays.covered(D(f"{year}-06-01"))


def test_spring_festival_2025_eve_and_after() -> None:
    assert [is_workday(d) for d in days("2025-01-24", "2025-01-28")] == [True, False, True, True, False]
    assert not any(is_workday(d) for d in days("2025-01-28", "2025-02-04"))
    assert [is_workday(d) for d in days("2025-02-05", "2025-02-10")] == [True, True, True, True, False, True]


# --- add_workdays --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        # Spring Festival 2025: … Fri 01-24, Sat 25 off, Sun 26 worked, Mon 27, 01-28..02-04 off, Wed 02-05,
        # Thu 06, Fri 07, Sat 08 worked, Sun 09 off, Mon 10.
        ("2025-01-24", 0, "2025-01-24"),
        ("2025-01-24", 1, "2025-01-26"),
        ("2025-01-24", 2, "2025-01-27"),
        ("2025-01-24", 3, "2025-02-05"),
        ("2025-01-24", 5, "2025-02-07"),
        ("2025-01-25", 1, "2025-01-26"),  # from the Saturday off before the worked Sunday
        ("2025-01-27", 1, "2025-02-05"),  # the last day before the holiday
        ("2025-01-30", 0, "2025-01-30"),  # count 0 is the day itself, even a holiday
        ("2025-01-30", 1, "2025-02-05"),  # inside the holiday
        ("2025-02-04", 1, "2025-02-05"),  # its last day
        ("2025-01-30", 4, "2025-02-08"),
        ("2025-01-30", 5, "2025-02-10"),
        ("2025-02-07", 1, "2025-02-08"),  # after it: the worked Saturday
        ("2025-02-08", 1, "2025-02-10"),
        # New Year 2026 from the last day of 2025 (Wed): 01-01..03 off, Sun 01-04 worked, Mon 05.
        ("2025-12-31", 1, "2026-01-04"),
        ("2025-12-31", 2, "2026-01-05"),
        # Spring Festival 2026: Fri 02-13, Sat 14 worked, 02-15..02-23 off, Tue 24 … Fri 27, Sat 28 worked,
        # Sun 03-01 off, Mon 03-02.
        ("2026-02-12", 2, "2026-02-14"),
        ("2026-02-13", 1, "2026-02-14"),
        ("2026-02-13", 2, "2026-02-24"),
        ("2026-02-14", 1, "2026-02-24"),
        ("2026-02-18", 1, "2026-02-24"),
        ("2026-02-18", 5, "2026-02-28"),
        ("2026-02-18", 6, "2026-03-02"),
        ("2026-02-23", 3, "2026-02-26"),
        ("2026-02-27", 1, "2026-02-28"),
        ("2026-02-28", 1, "2026-03-02"),
        # National Day 2025: Fri 09-26, Sat 27 off, Sun 28 worked, Mon 29, Tue 30, 10-01..10-08 off, Thu 09,
        # Fri 10, Sat 11 worked, Sun 12 off, Mon 13.
        ("2025-09-26", 1, "2025-09-28"),
        ("2025-09-26", 5, "2025-10-10"),
        ("2025-09-26", 6, "2025-10-11"),
        ("2025-09-26", 7, "2025-10-13"),
        ("2025-09-30", 1, "2025-10-09"),
        ("2025-10-03", 1, "2025-10-09"),
        ("2025-10-03", 3, "2025-10-11"),
        ("2025-10-08", 1, "2025-10-09"),
        ("2025-10-10", 1, "2025-10-11"),
        ("2025-10-11", 1, "2025-10-13"),
    ],
)
def test_add_workdays(start: str, count: int, expected: str) -> None:
    assert add_workdays(D(start), count) == D(expected)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2025-01-24", "2025-02-10", 7),  # 01-26, 01-27, 02-05, 02-06, 02-07, 02-08, 02-10
        ("2025-01-27", "2025-02-04", 0),  # the holiday only
        ("2025-01-27", "2025-02-05", 1),
        ("2025-01-24", "2025-01-24", 0),
        ("2025-02-10", "2025-01-24", 0),  # backwards
        ("2026-02-12", "2026-03-02", 8),  # 02-13, 02-14, 02-24..02-28, 03-02
        ("2026-02-14", "2026-02-23", 0),  # the start day is not counted
        ("2025-09-26", "2025-10-13", 7),  # 09-28, 09-29, 09-30, 10-09, 10-10, 10-11, 10-13
        ("2025-09-30", "2025-10-09", 1),
        ("2025-12-31", "2026-01-05", 2),
    ],
)
def test_workdays_between(start: str, end: str, expected: int) -> None:
    assert workdays_between(D(start), D(end)) == expected


# --- deadlines: the end of a working day in Asia/Shanghai ----------------------------------------------
@pytest.mark.parametrize(
    ("moment", "count", "expected"),
    [
        ("2025-01-24 16:00", 1, "2025-01-26"),  # simple, the Friday before the Spring Festival
        ("2025-01-24 16:00", 3, "2025-02-05"),  # complex
        ("2025-01-24 16:00", 5, "2025-02-07"),  # ordinary
        ("2025-01-29 10:00", 1, "2025-02-05"),  # filed online during the holiday
        ("2025-02-08 09:00", 1, "2025-02-10"),
        ("2026-02-13 15:00", 1, "2026-02-14"),
        ("2026-02-13 15:00", 3, "2026-02-25"),
        ("2026-02-20 12:00", 5, "2026-02-28"),
        ("2025-09-26 09:00", 5, "2025-10-10"),
        ("2025-09-26 23:30", 1, "2025-09-28"),  # late at night: still Friday's clock
        ("2025-09-28 00:30", 1, "2025-09-29"),  # just after midnight on the worked Sunday: Sunday's clock
        ("2025-10-05 20:00", 3, "2025-10-11"),
    ],
)
def test_deadline_after_is_the_end_of_a_local_working_day(moment: str, count: int, expected: str) -> None:
    deadline = deadline_after(at(moment), count)
    assert deadline == end_of(expected)
    assert deadline.utcoffset() == dt.timedelta(hours=8)


def test_the_local_day_counts_not_the_utc_day() -> None:
    # 2025-09-27 16:30 UTC is Sunday 09-28 00:30 in Shanghai (a worked Sunday); in UTC it is still Saturday.
    moment = dt.datetime(2025, 9, 27, 16, 30, tzinfo=dt.UTC)
    assert deadline_after(moment, 1) == end_of("2025-09-29")
    assert deadline_after(moment, 1).astimezone(dt.UTC) == dt.datetime(2025, 9, 29, 15, 59, 59, tzinfo=dt.UTC)
    # 2025-09-26 15:30 UTC is Friday 23:30 in Shanghai.
    assert deadline_after(dt.datetime(2025, 9, 26, 15, 30, tzinfo=dt.UTC), 1) == end_of("2025-09-28")


def test_a_request_filed_late_at_night_counts_from_that_local_day(desk) -> None:
    def file(moment: dt.datetime):
        new = ops.NewRequest(enterprise=desk["linhai_firm"], category=Category.objects.get(code="tax_rebate"),
                             title="出口退税", description="退税款未到账")  # fmt: skip
        return ops.file_request(new, desk["enterprise_user"], at=moment)

    friday_night = file(at("2025-09-26 23:30"))  # ordinary: 5 working days, sign within 1
    assert friday_night.sign_deadline == end_of("2025-09-28")
    assert friday_night.deadline == end_of("2025-10-10")
    sunday_morning = file(dt.datetime(2025, 9, 27, 16, 30, tzinfo=dt.UTC))  # 09-28 00:30 in Shanghai
    assert sunday_morning.sign_deadline == end_of("2025-09-29")
    assert sunday_morning.deadline == end_of("2025-10-11")  # 09-29, 09-30, 10-09, 10-10, 10-11
    assert file(at("2025-12-31 23:30")).number.startswith("QH331082-2025-")
    assert file(dt.datetime(2025, 12, 31, 16, 30, tzinfo=dt.UTC)).number.startswith("QH331082-2026-")


# --- elapsed working time ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2025-11-03 09:00", "2025-11-03 15:00", 0.25),  # a Monday morning to afternoon
        ("2025-11-03 12:00", "2025-11-05 12:00", 2.0),
        ("2025-09-26 18:00", "2025-09-28 06:00", 0.5),  # Fri 6 h + Sat off + worked Sun 6 h
        ("2025-09-30 12:00", "2025-10-09 12:00", 1.0),  # the National Day holiday does not count
        ("2025-10-02 08:00", "2025-10-05 18:00", 0.0),  # all inside it
        ("2025-01-27 18:00", "2025-02-05 06:00", 0.5),  # around the Spring Festival 2025
        ("2025-01-25 12:00", "2025-01-26 18:00", 0.75),  # a Saturday off, then the worked Sunday until 18:00
        ("2026-02-13 12:00", "2026-02-24 12:00", 2.0),  # Fri ½ + worked Sat 1 + 02-15..23 off + Tue ½
        ("2026-02-27 18:00", "2026-03-02 06:00", 1.5),  # Fri ¼ + worked Sat 1 + Sun off + Mon ¼
        ("2025-10-10 12:00", "2025-10-10 12:00", 0.0),
        ("2025-10-10 12:00", "2025-10-09 12:00", 0.0),  # backwards
        ("2025-10-10 00:00", "2025-10-11 00:00", 1.0),  # midnight to midnight
    ],
)
def test_working_days_taken_counts_fractions_of_working_days(start: str, end: str, expected: float) -> None:
    assert working_days_taken(at(start), at(end)) == pytest.approx(expected)


def test_working_days_taken_reads_utc_moments_in_shanghai_time() -> None:
    # Sat 09-27 00:00 → Sun 09-28 12:00 in Shanghai: only the worked Sunday's morning counts.
    start = dt.datetime(2025, 9, 26, 16, 0, tzinfo=dt.UTC)
    end = dt.datetime(2025, 9, 28, 4, 0, tzinfo=dt.UTC)
    assert working_days_taken(start, end) == pytest.approx(0.5)


# --- years the package does not know: overrides ------------------------------------------------------
def test_an_uncovered_year_is_monday_to_friday_until_overridden() -> None:
    # March 2027: Fri 05, Sat 06, Sun 07, Mon 08, Tue 09. The package ends with 2026.
    assert workdays.covered(D("2026-12-31")) and not workdays.covered(D("2027-03-05"))
    assert [is_workday(d) for d in days("2027-03-05", "2027-03-09")] == [True, False, False, True, True]
    assert is_workday(D("2027-01-01"))  # not even New Year's Day is known before the notice is entered
    assert add_workdays(D("2027-03-05"), 1) == D("2027-03-08")
    assert add_workdays(D("2026-12-31"), 1) == D("2027-01-01")  # the year boundary: package → weekdays

    CalendarOverride.objects.create(date=D("2027-03-06"), is_workday=True, note="调休上班")
    CalendarOverride.objects.create(date=D("2027-03-08"), is_workday=False, note="放假")
    assert [is_workday(d) for d in days("2027-03-05", "2027-03-09")] == [True, True, False, False, True]
    assert add_workdays(D("2027-03-05"), 1) == D("2027-03-06")
    assert add_workdays(D("2027-03-05"), 2) == D("2027-03-09")
    assert add_workdays(D("2027-03-07"), 1) == D("2027-03-09")
    assert workdays_between(D("2027-03-05"), D("2027-03-09")) == 2
    assert deadline_after(at("2027-03-05 23:30"), 2) == end_of("2027-03-09")
    # Fri 12:00 → Tue 12:00: Fri ½ + Sat 1 + Sun off + Mon off + Tue ½.
    assert working_days_taken(at("2027-03-05 12:00"), at("2027-03-09 12:00")) == pytest.approx(2.0)


def test_an_override_wins_over_the_package() -> None:
    assert not is_workday(D("2025-10-08"))
    CalendarOverride.objects.create(date=D("2025-10-08"), is_workday=True)
    assert is_workday(D("2025-10-08"))
    assert add_workdays(D("2025-09-30"), 1) == D("2025-10-08")


def test_saving_or_deleting_an_override_refreshes_the_cache() -> None:
    saturday = D("2027-03-06")
    assert not is_workday(saturday)  # the (empty) overrides are now cached
    override = CalendarOverride.objects.create(date=saturday, is_workday=True)
    assert is_workday(saturday)
    override.is_workday = False
    override.save()
    assert not is_workday(saturday)
    override.is_workday = True
    override.save()
    assert is_workday(saturday)
    override.delete()
    assert not is_workday(saturday)


# --- properties ------------------------------------------------------------------------------------
any_day = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2027, 12, 31))  # package years and 2027
counts = st.integers(min_value=1, max_value=40)


@settings(max_examples=200, deadline=None)
@given(day=any_day, n=counts)
def test_add_workdays_lands_on_a_working_day_n_working_days_later(day: dt.date, n: int) -> None:
    later = add_workdays(day, n)
    assert later > day and is_workday(later)
    assert workdays_between(day, later) == n
    assert workdays_between(day, later - dt.timedelta(days=1)) == n - 1  # and it is the first such day


@settings(max_examples=100, deadline=None)
@given(day=any_day, n=counts)
def test_add_workdays_is_strictly_increasing(day: dt.date, n: int) -> None:
    assert add_workdays(day, 0) == day
    assert add_workdays(day, n - 1) < add_workdays(day, n)


@settings(max_examples=100, deadline=None)
@given(day=any_day, a=st.integers(0, 60), b=st.integers(0, 60))
def test_workdays_between_adds_up_and_matches_whole_days_taken(day: dt.date, a: int, b: int) -> None:
    middle, end = day + dt.timedelta(days=a), day + dt.timedelta(days=a + b)
    assert workdays_between(day, end) == workdays_between(day, middle) + workdays_between(middle, end)
    # Midnight after `day` to midnight after `end`: the whole days (day, end].
    after = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    until = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    assert working_days_taken(after, until) == pytest.approx(workdays_between(day, end))


# --- defects found while writing these tests, fixed since ------------------------
def _file_tax_rebate(desk, moment: dt.datetime):
    new = ops.NewRequest(enterprise=desk["linhai_firm"], category=Category.objects.get(code="tax_rebate"),
                         title="出口退税", description="退税款未到账")  # fmt: skip
    return ops.file_request(new, desk["enterprise_user"], at=moment)


def test_reclassifying_at_signing_keeps_the_escalation_clock(desk) -> None:
    request = _file_tax_rebate(desk, at("2025-11-03 09:00"))  # Mon; ordinary → due Mon 11-10
    ops.escalate(request, desk["supervisor"], "跨区协调", at=at("2025-11-12 10:00"))  # Wed; new clock → Wed 11-19
    request.refresh_from_db()
    assert request.deadline == end_of("2025-11-19")
    ops.dispatch(request, desk["city_supervisor"], desk["city_office"], at=at("2025-11-12 11:00"))
    ops.sign(request, desk["city_clerk"], complexity="complex", at=at("2025-11-12 14:00"))  # 3 days
    request.refresh_from_db()
    # From the escalation: Thu 11-13, Fri 11-14, Mon 11-17. Got 11-06 (from receipt) — already overdue.
    assert request.deadline == end_of("2025-11-17")


def test_reclassifying_at_signing_after_a_transfer_keeps_the_extension(desk) -> None:
    request = _file_tax_rebate(desk, at("2025-11-03 09:00"))  # due Mon 11-10
    ops.sign(request, desk["commerce_clerk"], at=at("2025-11-03 10:00"))
    ops.request_extension(request, desk["commerce_clerk"], 2, "需海关核查", at=at("2025-11-04 10:00"))
    ops.decide_extension(request, desk["supervisor"], approve=True, at=at("2025-11-04 11:00"))
    request.refresh_from_db()
    assert request.deadline == end_of("2025-11-12")
    ops.transfer(request, desk["commerce_clerk"], desk["tax"], "属于税务职责", at=at("2025-11-05 10:00"))
    ops.sign(request, desk["tax_clerk"], complexity="ordinary", at=at("2025-11-05 11:00"))  # same days, no-op
    ops.transfer(request, desk["tax_clerk"], desk["commerce"], "退回商务", at=at("2025-11-05 12:00"))
    ops.sign(request, desk["commerce_clerk"], complexity="complex", at=at("2025-11-05 14:00"))
    request.refresh_from_db()
    # 3 working days from receipt (Thu 11-06) plus the 2 approved: Mon 11-10. Got 11-06.
    assert request.deadline == end_of("2025-11-10")


def test_an_escalated_request_is_warned_and_referred_again_on_its_new_clock(desk) -> None:
    request = _file_tax_rebate(desk, at("2025-11-03 09:00"))  # due Mon 11-10 23:59:59
    assert ops.check_deadlines(at=at("2025-11-10 09:00")) == {"warned": 1, "overdue": 0}
    assert ops.check_deadlines(at=at("2025-11-11 09:00")) == {"warned": 0, "overdue": 1}
    ops.escalate(request, desk["supervisor"], "区级无法解决", at=at("2025-11-11 10:00"))  # new clock: Tue 11-18
    ops.dispatch(request, desk["city_supervisor"], desk["city_office"], at=at("2025-11-11 11:00"))
    assert ops.check_deadlines(at=at("2025-11-18 09:00")) == {"warned": 1, "overdue": 0}
    assert ops.check_deadlines(at=at("2025-11-19 09:00")) == {"warned": 0, "overdue": 1}


def test_escalation_leaves_no_extension_pending(desk) -> None:
    request = _file_tax_rebate(desk, at("2025-11-03 09:00"))
    ops.sign(request, desk["commerce_clerk"], at=at("2025-11-03 10:00"))
    ops.request_extension(request, desk["commerce_clerk"], 5, "需海关核查", at=at("2025-11-04 10:00"))
    ops.escalate(request, desk["supervisor"], "跨区协调", at=at("2025-11-05 10:00"))
    ops.dispatch(request, desk["city_supervisor"], desk["city_office"], at=at("2025-11-05 11:00"))
    ops.sign(request, desk["city_clerk"], at=at("2025-11-05 14:00"))
    # The city's lead cannot ask for its own extension: "An extension request is already waiting".
    ops.request_extension(request, desk["city_clerk"], 1, "需要核实", at=at("2025-11-06 10:00"))
