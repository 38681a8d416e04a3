"""The service-desk demo: a reduced year (120 requests of 临海) replayed through the operations — reproducible,
consistent with the transition table, with its planted detours and every open state at the end."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import transaction

from industrybrain.accounts.choices import Role
from industrybrain.accounts.models import Department, User
from industrybrain.registry.demo import DEPARTMENTS, build_demo_region
from industrybrain.servicedesk import demo
from industrybrain.servicedesk.choices import Action, PartRole, Status
from industrybrain.servicedesk.models import Category, Event, Extension, Part, Routing, ServiceRequest
from industrybrain.servicedesk.transitions import TABLE

SIZE = 120
SYSTEM_ACTIONS = {Action.WARN, Action.OVERDUE}


def _timeline() -> list[tuple]:
    """Every event, its request named by when and by whom it was filed (numbers carry row ids, which a second
    build in the same database does not reuse)."""
    rows = Event.objects.order_by("request__created", "request__enterprise__uscc", "time", "id").values_list(
        "request__created", "request__enterprise__uscc", "time", "action", "from_status", "to_status", "actor_name",
        "note",
    )  # fmt: skip
    return [(*row[:-1], re.sub(r"QH\d{6}-\d{4}-\d+", "QH…", row[-1])) for row in rows]


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker) -> Iterator[demo.ServiceDeskSummary]:
    """Built once for the module inside a transaction that is rolled back at the end (each test runs in a
    savepoint of it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        build_demo_region("county", seed=7)
        with transaction.atomic():  # a first build, rolled back: the second must write exactly the same timeline
            demo.build_service_desk("county", seed=7, size=SIZE)
            first = _timeline()
            transaction.set_rollback(True)
        summary = demo.build_service_desk("county", seed=7, size=SIZE)
        assert _timeline() == first
        yield summary
        transaction.set_rollback(True)


def test_the_tables_name_real_departments_and_detours_lead_elsewhere() -> None:
    codes = {code for code, _name in DEPARTMENTS}
    assert 55 <= len(codes) == len(DEPARTMENTS) <= 65
    assert set(demo.USED_CODES) <= codes
    assert set(demo.ROUTES) == set(demo.TOPICS) == set(demo.CATEGORY_SHARES)
    for category, topics in demo.TOPICS.items():
        for topic in topics:
            assert topic.alt != demo.ROUTES[category], topic.title
    assert set(demo.CITY_ROUTES.values()) <= {code for code, _name in demo.CITY_DEPARTMENTS}
    assert sum(demo.CATEGORY_SHARES[c] for c in demo.TRADE) == 20


def test_the_working_clock_skips_nights_weekends_and_spring_festival() -> None:
    friday = demo._local(dt.date(2026, 2, 13), dt.time(16, 30))
    assert demo.add_work_hours(friday, 2) == demo._local(dt.date(2026, 2, 14), dt.time(9, 30))  # Saturday worked
    saturday = demo._local(dt.date(2026, 2, 14), dt.time(17, 0))
    assert demo.add_work_hours(saturday, 1) == demo._local(dt.date(2026, 2, 24), dt.time(9, 0))  # after the holiday
    assert demo.work_hours_between(friday, demo._local(dt.date(2026, 2, 24), dt.time(9, 0))) == 10.5


def test_plans_are_deterministic_and_carry_their_detours(built, db) -> None:
    plans = demo.plan_region("county", 7, size=400)
    again = demo.plan_region("county", 7, size=400)
    other = demo.plan_region("county", 8, size=400)
    assert [(p.key, p.created, p.enterprise, p.detour, p.flags) for p in plans] == [
        (p.key, p.created, p.enterprise, p.detour, p.flags) for p in again
    ]
    assert [p.enterprise for p in plans] != [p.enterprise for p in other]
    assert len(plans) == 400 and plans == sorted(plans, key=lambda p: (p.created, p.key))
    assert plans[0].created.date() >= demo.FIRST_DAY and plans[-1].created.date() <= demo.LAST_DAY
    detours = Counter(p.detour for p in plans)
    assert (detours["duplicate"], detours["escalate"], detours["transfer"]) == (4, 4, 12)
    assert 20 <= detours["return"] <= 21 and 24 <= detours["joint"] <= 25  # a persona's request or two more
    trade = sum(p.category in demo.TRADE for p in plans) / len(plans)
    web = sum(p.channel == "web" for p in plans) / len(plans)
    assert 0.12 < trade < 0.28 and 0.5 < web < 0.7
    february = sum(p.created.month == 2 for p in plans)
    march = sum(p.created.month == 3 for p in plans)
    assert february < 0.75 * march  # Spring Festival


def test_every_timeline_follows_the_transition_table(built, db) -> None:
    for request in ServiceRequest.objects.prefetch_related("events"):
        events = list(request.events.all())
        assert events[0].action == Action.CREATE and (events[0].from_status, events[0].to_status) == ("", "received")
        state = ""
        for previous, event in zip([None, *events], events, strict=False):
            assert previous is None or previous.time <= event.time  # written in the order it happened
            if event.action == Action.REOPEN:  # marks the revisit right after the rating that reopened it
                assert previous.action == Action.RATE and (event.from_status, event.to_status) == (state, "handling")
                continue
            assert event.from_status == state, (request.number, event.action)
            if event.action in TABLE:
                rule = TABLE[event.action]
                assert event.from_status in rule.sources, (request.number, event.action)
                expected = {rule.target or event.from_status}
                if event.action == Action.RATE:
                    expected.add(Status.HANDLING)  # unsatisfied the first time
                assert event.to_status in expected, (request.number, event.action)
            elif event.action in SYSTEM_ACTIONS:
                assert event.from_status == event.to_status in ("dispatched", "handling")
            else:
                assert event.action == Action.CREATE and event is events[0]
            state = event.to_status
        assert state == request.status, request.number
        assert events[-1].time <= demo.end_of_year()


def test_no_request_is_left_in_an_impossible_state(built, db) -> None:
    for request in ServiceRequest.objects.select_related("lead_department", "region", "merged_into"):
        status = request.status
        if status == Status.RECEIVED:
            assert request.lead_department is None
        elif status != Status.MERGED:
            assert request.lead_department.region_id == request.handling_region.code
            assert request.deadline is not None and request.sign_deadline is not None
        if status in (Status.HANDLING, Status.SUSPENDED, Status.ANSWERED, Status.CLOSED, Status.RATED):
            assert request.signed_at is not None
        assert (request.suspended_at is not None) == (status == Status.SUSPENDED)
        if status in (Status.ANSWERED, Status.CLOSED, Status.RATED):
            assert request.answered_at and request.answer
            assert not request.parts.filter(role=PartRole.ASSIST, done_at__isnull=True).exists()
        if status in (Status.CLOSED, Status.RATED):
            assert request.closed_at is not None
        assert bool(request.satisfaction) == (status == Status.RATED or request.reopened_count > 0)
        if status == Status.MERGED:
            assert request.merged_into.enterprise_id == request.enterprise_id
        assert request.parts.filter(role=PartRole.LEAD).count() == (0 if status == Status.RECEIVED else 1)


def test_the_detours_are_planted_at_realistic_rates(built, db) -> None:
    requests = ServiceRequest.objects.all()
    assert built.requests == requests.count() == SIZE
    detours = built.detours
    for name in ("returned", "transferred", "joint", "suspended", "extension_requested", "escalated", "merged",
                 "reopened", "answered_late", "warned", "referred_overdue"):  # fmt: skip
        assert detours[name] >= 1, name
    assert detours["returned"] <= 0.15 * SIZE and detours["joint"] <= 0.12 * SIZE
    assert built.on_time >= 0.85 and built.signed_on_time >= 0.9 and built.satisfied_or_basic >= 0.9
    escalated = requests.filter(escalated_count=1).exclude(status=Status.RECEIVED).first()
    assert escalated.level == "city" and escalated.lead_department.region_id == "331000"
    assert escalated.events.filter(action=Action.DISPATCH, actor_name="supervisor_331000").exists()
    assert Extension.objects.filter(status="approved").exists()
    assert requests.filter(channel="12345", registered_by__username="supervisor").exists()
    assert requests.filter(channel="phone", registered_by__username="department_clerk").exists()


def test_the_year_ends_with_work_for_every_persona(built, db) -> None:
    statuses = built.statuses
    for status in ("received", "dispatched", "handling", "suspended", "closed", "rated", "merged"):
        assert statuses[status] >= 1, status
    assert built.open == sum(statuses[s] for s in ("received", "dispatched", "handling", "suspended", "answered"))
    supervisor = User.objects.get(username="supervisor")
    commerce_clerk = User.objects.get(username="commerce_clerk")
    assert supervisor.role == Role.SUPERVISOR and supervisor.email and commerce_clerk.email
    visible = ServiceRequest.objects.visible_to(supervisor)
    assert visible.filter(status=Status.RECEIVED).exists()
    assert Extension.objects.filter(status="pending", request__in=visible).exists()
    mine = ServiceRequest.objects.visible_to(commerce_clerk)
    assert Part.objects.filter(department=commerce_clerk.department, role=PartRole.ASSIST, done_at__isnull=True,
                               request__in=mine).exists()  # fmt: skip
    assert mine.filter(status=Status.DISPATCHED, lead_department=commerce_clerk.department).exists()
    own = ServiceRequest.objects.visible_to(User.objects.get(username="enterprise_user"))
    assert {Status.RATED, Status.CLOSED, Status.SUSPENDED, Status.HANDLING} <= set(own.values_list("status", flat=True))
    county = Department.objects.get(code="331082-SWJ").region
    assert Routing.objects.filter(region=county).count() == Category.objects.count() == 12
