"""The transition table under random pressure: a hypothesis state machine files a few requests and lets every
persona — the right ones and the wrong ones — try every action through `operations`, against a model kept
here by hand (status, lead, open assisting parts, level, pending extension, counters, timeline length).

Invariants: an action is accepted iff `transitions.TABLE` and the actor rules allow it (the actor rules are
re-derived here from the personas, not from `transitions.actor_roles`); a refusal is a TransitionError or a
PermissionDenied (or a ValidationError for a bad argument) and changes no row at all; nothing else ever
escapes; the status is the last event's `to_status`; the timeline only grows; the counters count their
events; a request is reopened at most once; merged and rated requests accept nothing.

Each hypothesis example runs in its own savepoint inside the pytest-django test transaction (entered in the
machine's `__init__`, rolled back in `teardown`), so the `desk` personas are created once per test.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conftest import make_user
from industrybrain.accounts.choices import Role
from industrybrain.accounts.models import Department
from industrybrain.servicedesk import operations as ops
from industrybrain.servicedesk.choices import Status
from industrybrain.servicedesk.models import Category, Event, Extension, Part, ServiceRequest
from industrybrain.servicedesk.transitions import TABLE, TransitionError, available

from .conftest import local

S = Status
OPEN = {S.RECEIVED, S.DISPATCHED, S.HANDLING, S.SUSPENDED, S.ANSWERED}
ACTIONS = list(TABLE)  # every action of the table (dispatch … comment)
REFUSALS = (TransitionError, PermissionDenied, ValidationError)
# How often the walk prefers each allowed action: the main loop first (hypothesis favours early choices),
# the detours that end or restart it (merge, escalate, return …) rarely.
WEIGHTS = {"submit_part": 4, "resume": 3, "answer": 3, "close": 3, "rate": 3, "sign": 3, "dispatch": 3, "suspend": 2,
           "request_extension": 2, "approve_extension": 2, "reject_extension": 1, "transfer": 1, "return": 1,
           "escalate": 1, "merge": 1, "comment": 1}  # fmt: skip

# --- the world, described by hand -------------------------------------------------------------------------
# Region tree: 浙江 330000 ⊃ 台州 331000 ⊃ {临海 331082, 椒江 331002}.
PARENT = {"331082": "331000", "331002": "331000", "331000": "330000", "330000": None}
DEPARTMENT_REGION = {
    "commerce": "331082",
    "tax": "331082",
    "department": "331082",  # 临海市经济和信息化局 (world)
    "city_office": "331000",
    "province_office": "330000",
    "jiaojiang_office": "331002",
}
ROUTED = {("tax_rebate", "331082"): "commerce", ("policy", "331082"): "department"}  # desk's Routing rows
FIRM_COUNTY = {"linhai_firm": "331082", "jiaojiang_firm": "331002"}


@dataclass(frozen=True)
class Persona:
    kind: str  # enterprise | clerk | supervisor | analyst
    firm: str | None = None
    department: str | None = None
    scope: str | None = None  # region code
    park: bool = False
    active: bool = True
    superuser: bool = False


PERSONAS = {
    "enterprise_user": Persona("enterprise", firm="linhai_firm"),
    "jiaojiang_user": Persona("enterprise", firm="jiaojiang_firm"),
    "commerce_clerk": Persona("clerk", department="commerce", scope="331082"),
    "tax_clerk": Persona("clerk", department="tax", scope="331082"),
    "clerk": Persona("clerk", department="department", scope="331082"),
    "city_clerk": Persona("clerk", department="city_office", scope="331000"),
    "province_clerk": Persona("clerk", department="province_office", scope="330000"),
    "jiaojiang_clerk": Persona("clerk", department="jiaojiang_office", scope="331002"),
    "supervisor": Persona("supervisor", scope="331082"),
    "linhai_admin": Persona("supervisor", scope="331082"),  # an administrator acts as a supervisor
    "city_supervisor": Persona("supervisor", scope="331000"),
    "jiaojiang_supervisor": Persona("supervisor", scope="331002"),
    "province_admin": Persona("supervisor", scope="330000"),
    "park_supervisor": Persona("supervisor", scope="331082", park=True),  # a park scope supervises no desk
    "retired_supervisor": Persona("supervisor", scope="330000", active=False),
    "city_analyst": Persona("analyst", scope="331000"),
    "root": Persona("analyst", superuser=True),
}


def handling_region(county: str, level: str) -> str:
    region = county
    for _step in range({"county": 0, "city": 1, "province": 2}[level]):
        region = PARENT[region] or region
    return region


def within(region: str, scope: str) -> bool:
    while region is not None:
        if region == scope:
            return True
        region = PARENT[region]
    return False


@dataclass
class Model:
    """What the request should look like."""

    pk: int
    firm: str
    county: str
    status: str
    lead: str | None
    level: str = "county"
    assisting: set[str] = field(default_factory=set)  # departments whose part is still open
    pending_extension: int | None = None  # days asked, while waiting for a decision
    events: int = 1
    returned: int = 0
    transferred: int = 0
    escalated: int = 0
    reopened: int = 0
    extended: int = 0

    @property
    def region(self) -> str:
        return handling_region(self.county, self.level)


def roles_of(m: Model, p: Persona) -> set[str]:
    if not p.active:
        return set()
    roles = set()
    if p.kind == "enterprise" and p.firm == m.firm:
        roles.add("enterprise")
    if p.kind == "clerk" and p.department == m.lead:
        roles.add("lead")
    if p.kind == "clerk" and p.department in m.assisting:
        roles.add("assist")
    if p.superuser or (p.kind == "supervisor" and not p.park and p.scope and within(m.region, p.scope)):
        roles.add("supervisor")
    return roles


def expected_refusal(action: str, m: Model, p: Persona, args: dict[str, Any], models: dict[int, Model]) -> type | None:
    """None if the action must be accepted, else the exception it must raise."""
    roles = roles_of(m, p)
    if not roles:
        return PermissionDenied  # a stranger learns nothing, not even the status
    transition = TABLE[action]
    if m.status not in transition.sources:
        return TransitionError
    if not roles & transition.actors:
        return PermissionDenied
    if action == "merge":  # then the target: another open request of the same firm, one the merger acts on
        into = models[args["into"]]
        if into.pk == m.pk or into.firm != m.firm or into.status not in OPEN:
            return ValidationError
        if not roles_of(into, p) & TABLE["comment"].actors:
            return PermissionDenied
    if action == "dispatch" and any(DEPARTMENT_REGION[d] != m.region for d in [args["lead"], *args["assisting"]]):
        return ValidationError
    if action == "transfer" and (args["to"] == m.lead or DEPARTMENT_REGION[args["to"]] != m.region):
        return ValidationError
    if action == "escalate" and m.level == "province":
        return TransitionError
    if action == "request_extension" and m.pending_extension is not None:
        return TransitionError
    if action in ("approve_extension", "reject_extension") and m.pending_extension is None:
        return TransitionError
    if action == "answer" and m.assisting:
        return TransitionError
    return None


def snapshot() -> dict[str, Any]:
    """Every row an operation may touch (mail aside)."""
    return {
        "requests": sorted(ServiceRequest.objects.values_list()),
        "events": sorted(Event.objects.values_list("id", flat=True)),  # their content: the_timeline_only_grows
        "parts": sorted(Part.objects.values_list()),
        "extensions": sorted(Extension.objects.values_list()),
    }


class DeskMachine(RuleBasedStateMachine):
    desk: dict  # set by the test

    requests = Bundle("requests")

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        mail.outbox = []
        self.now = local(2025, 9, 26, 9)  # Friday before the National Day week
        self.models: dict[int, Model] = {}
        self.seen_events: dict[int, tuple] = {}
        self.tally: dict[str, int] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- filing ---------------------------------------------------------------------------------------
    def _file(self, firm: str, category: str) -> int:
        self.now += dt.timedelta(minutes=7)
        user = "enterprise_user" if firm == "linhai_firm" else "jiaojiang_user"
        new = ops.NewRequest(enterprise=self.desk[firm], category=Category.objects.get(code=category),
                             title="测试诉求", description="随机状态机生成的诉求。")  # fmt: skip
        request = ops.file_request(new, self.desk[user], at=self.now)
        county = FIRM_COUNTY[firm]
        lead = ROUTED.get((category, county))
        self.models[request.pk] = Model(
            request.pk, firm, county, S.DISPATCHED if lead else S.RECEIVED, lead, events=2 if lead else 1
        )
        return request.pk

    @initialize(target=requests)
    def file_some(self):
        return multiple(
            self._file("linhai_firm", "tax_rebate"),  # routed to 临海市商务局
            self._file("linhai_firm", "policy"),  # routed to 临海市经信局
            self._file("linhai_firm", "customs"),  # no routing: waits for the supervisors
            self._file("jiaojiang_firm", "customs"),  # another county, another enterprise
        )

    @precondition(lambda self: len(self.models) < 7)
    @rule(target=requests, firm=st.sampled_from(list(FIRM_COUNTY)),
          category=st.sampled_from(["tax_rebate", "policy", "customs"]))  # fmt: skip
    def file_another(self, firm: str, category: str) -> int:
        return self._file(firm, category)

    # --- acting ---------------------------------------------------------------------------------------
    def _draw_args(self, action: str, m: Model, data: st.DataObject, sensible: bool) -> dict[str, Any]:
        departments = sorted(DEPARTMENT_REGION)
        if sensible:  # the handling region's departments only
            departments = [d for d in departments if DEPARTMENT_REGION[d] == m.region] or departments
        if action == "dispatch":
            return {
                "lead": data.draw(st.sampled_from(departments)),
                "assisting": data.draw(
                    st.lists(st.sampled_from(departments), min_size=int(sensible), max_size=2, unique=True)
                ),
                "complexity": data.draw(st.sampled_from([None, "simple", "ordinary", "complex"])),
            }
        if action == "transfer":
            return {"to": data.draw(st.sampled_from([d for d in departments if d != m.lead] or departments))}
        if action == "merge":
            targets = sorted(self.models)
            if sensible:
                targets = [
                    pk for pk, o in self.models.items() if pk != m.pk and o.firm == m.firm and o.status in OPEN
                ] or targets
            return {"into": data.draw(st.sampled_from(targets))}
        if action == "sign":
            return {"complexity": data.draw(st.sampled_from([None, "simple", "ordinary", "complex"]))}
        if action == "request_extension":
            return {"days": data.draw(st.integers(1, 10))}
        if action == "rate":
            return {"satisfaction": data.draw(st.sampled_from(["satisfied", "basic", "unsatisfied"]))}
        return {}

    def _some_args(self, action: str, m: Model) -> dict[str, Any] | None:
        """Arguments `_draw_args(sensible=True)` could draw, for checking whether an action can succeed."""
        local_departments = sorted(d for d, region in DEPARTMENT_REGION.items() if region == m.region)
        if action == "dispatch":
            return {"lead": local_departments[0], "assisting": [], "complexity": None}
        if action == "transfer":
            others = [d for d in local_departments if d != m.lead]
            return {"to": others[0]} if others else None
        if action == "merge":
            targets = [pk for pk, o in self.models.items() if pk != m.pk and o.firm == m.firm and o.status in OPEN]
            return {"into": targets[0]} if targets else None
        return {"days": 1, "satisfaction": "basic", "complexity": None}

    def _call(self, action: str, pk: int, user: Any, args: dict[str, Any]) -> Any:
        request, at, d = ServiceRequest.objects.get(pk=pk), self.now, self.desk
        match action:
            case "dispatch":
                assisting = [(d[a], "协助办理") for a in args["assisting"]]
                return ops.dispatch(request, user, d[args["lead"]], assisting, args["complexity"], at=at)
            case "sign":
                return ops.sign(request, user, args["complexity"], at=at)
            case "return":
                return ops.return_request(request, user, "不属于本部门职责", at=at)
            case "transfer":
                return ops.transfer(request, user, d[args["to"]], "转交主管部门", at=at)
            case "submit_part":
                return ops.submit_part(request, user, "已提供协办意见", at=at)
            case "escalate":
                return ops.escalate(request, user, "需上级协调", at=at)
            case "merge":
                return ops.merge(request, user, ServiceRequest.objects.get(pk=args["into"]), at=at)
            case "request_extension":
                return ops.request_extension(request, user, args["days"], "需要核实", at=at)
            case "approve_extension" | "reject_extension":
                return ops.decide_extension(request, user, action == "approve_extension", at=at)
            case "suspend":
                return ops.suspend(request, user, "请补充材料", at=at)
            case "resume":
                return ops.resume(request, user, "材料已补充", at=at)
            case "answer":
                return ops.answer(request, user, "已办理", at=at)
            case "close":
                return ops.close(request, user, at=at)
            case "rate":
                return ops.rate(request, user, args["satisfaction"], "评价", at=at)
            case "comment":
                return ops.comment(request, user, "进展如何？", at=at)
        raise AssertionError(action)

    def _apply(self, action: str, m: Model, p: Persona, args: dict[str, Any]) -> None:
        """The model's side of an accepted action."""
        m.events += 1
        match action:
            case "dispatch":
                m.status, m.lead = S.DISPATCHED, args["lead"]
                m.assisting = (m.assisting | set(args["assisting"])) - {args["lead"]}
            case "sign" | "resume":
                m.status = S.HANDLING
            case "return":
                m.status, m.lead, m.assisting = S.RECEIVED, None, set()
                m.returned += 1
                m.pending_extension = None  # the previous lead's request lapses
            case "transfer":
                m.status, m.lead = S.DISPATCHED, args["to"]
                m.assisting -= {args["to"]}
                m.transferred += 1
                m.pending_extension = None
            case "submit_part":
                m.assisting -= {p.department}
            case "escalate":
                m.level = {"county": "city", "city": "province"}[m.level]
                m.status, m.lead, m.assisting = S.RECEIVED, None, set()
                m.escalated += 1
                m.pending_extension = None
            case "merge":
                m.status = S.MERGED
                m.pending_extension = None
                self.models[args["into"]].events += 1  # "… was merged into this request."
            case "request_extension":
                m.pending_extension = args["days"]
            case "approve_extension" | "reject_extension":
                if action == "approve_extension":
                    m.extended += m.pending_extension
                m.pending_extension = None
            case "suspend":
                m.status = S.SUSPENDED
            case "answer":
                m.status = S.ANSWERED
            case "close":
                m.status = S.CLOSED
            case "rate":
                if args["satisfaction"] == "unsatisfied" and m.reopened == 0:
                    m.status, m.reopened = S.HANDLING, 1
                    m.events += 1  # rate, then reopen
                else:
                    m.status = S.RATED

    def _act(self, pk: int, action: str, who: str, args: dict[str, Any], hours: int) -> None:
        self.now += dt.timedelta(hours=hours, minutes=1)
        m, p, user = self.models[pk], PERSONAS[who], self.desk[who]
        expected = expected_refusal(action, m, p, args, self.models)
        request = ServiceRequest.objects.get(pk=pk)
        allowed = [a for a, t in TABLE.items() if m.status in t.sources and roles_of(m, p) & t.actors]
        assert available(request, user) == allowed, (who, m)
        before = snapshot()
        try:
            self._call(action, pk, user, args)
        except REFUSALS as refusal:
            assert expected is not None, f"{who} {action} {args} on {m} refused: {refusal!r}"
            assert isinstance(refusal, expected), (
                f"{who} {action} {args} on {m}: expected {expected.__name__}, got {refusal!r}"
            )
            assert snapshot() == before, f"refused {action} changed rows"
            self.tally[f"refused:{expected.__name__}:{action}"] = (
                self.tally.get(f"refused:{expected.__name__}:{action}", 0) + 1
            )
            return
        # Anything else (IntegrityError, AttributeError, DoesNotExist …) propagates and fails the test.
        assert expected is None, f"{who} {action} {args} on {m} accepted; expected {expected.__name__}"
        assert m.status not in (S.MERGED, S.RATED), f"{action} accepted on a {m.status} request"
        self._apply(action, m, p, args)
        self.tally[action] = self.tally.get(action, 0) + 1

    @rule(req=requests, action=st.sampled_from(ACTIONS), who=st.sampled_from(list(PERSONAS)), data=st.data(),
          hours=st.integers(0, 40))  # fmt: skip
    def anyone_tries_anything(self, req: int, action: str, who: str, data: st.DataObject, hours: int) -> None:
        self._act(req, action, who, self._draw_args(action, self.models[req], data, sensible=False), hours)

    @rule(req=requests, data=st.data(), hours=st.integers(0, 40))
    def someone_does_something_allowed(self, req: int, data: st.DataObject, hours: int) -> None:
        """Pushes requests along the loop (random tries rarely get past the first steps)."""
        m = self.models[req]
        allowed: dict[str, list[str]] = {}
        for action in TABLE:
            args = self._some_args(action, m)
            people = [
                w
                for w, p in PERSONAS.items()
                if args is not None and not expected_refusal(action, m, p, args, self.models)
            ]
            if people:
                allowed[action] = people
        weighted = [a for a in WEIGHTS for _n in range(WEIGHTS[a]) if a in allowed]
        if not weighted:
            return
        action = data.draw(st.sampled_from(weighted))
        who = data.draw(st.sampled_from(allowed[action]))
        self._act(req, action, who, self._draw_args(action, m, data, sensible=True), hours)

    # --- invariants (one query per table, to keep steps and shrinking quick) ---------------------------
    @invariant()
    def the_database_agrees_with_the_model(self) -> None:
        rows = {r.pk: r for r in ServiceRequest.objects.select_related("lead_department")}
        assert set(rows) == set(self.models)
        timeline: dict[int, list[Event]] = {pk: [] for pk in rows}
        for event in Event.objects.order_by("time", "id"):
            timeline[event.request_id].append(event)
        open_parts: dict[int, set[str]] = {pk: set() for pk in rows}
        for pk, code in Part.objects.filter(role="assist", done_at__isnull=True).values_list(
            "request_id", "department__code"
        ):
            open_parts[pk].add(code)
        pending = list(Extension.objects.filter(status="pending").values_list("request_id", flat=True))
        for pk, m in self.models.items():
            r, events = rows[pk], timeline[pk]
            actions = [e.action for e in events]
            assert r.status == m.status, (r.number, r.status, m)
            assert len(events) == m.events, (actions, m)
            assert events[0].action == "create" and events[0].from_status == ""
            assert events[-1].to_status == r.status, actions
            changes = [e for e in events if e.from_status != e.to_status]
            assert changes[-1].to_status == r.status
            for previous, event in itertools.pairwise(changes):  # every change starts where the last one ended
                assert event.from_status == previous.to_status, actions
            assert r.level == m.level
            assert (r.lead_department.code if r.lead_department else None) == (
                self.desk[m.lead].code if m.lead else None
            )
            assert open_parts[pk] == {self.desk[d].code for d in m.assisting}
            assert r.returned_count == actions.count("return") == m.returned
            assert r.transferred_count == actions.count("transfer") == m.transferred
            assert r.escalated_count == actions.count("escalate") == m.escalated
            assert r.reopened_count == actions.count("reopen") == m.reopened <= 1
            approved = sum(e.data["days"] for e in events if e.action == "approve_extension")
            assert r.extended_days == m.extended == approved
            assert r.suspended_days == sum(e.data["waited"] for e in events if e.action == "resume")
            assert pending.count(pk) == (m.pending_extension is not None)
            if m.status == S.MERGED:
                assert r.merged_into_id is not None
            if m.status in (S.DISPATCHED, S.HANDLING, S.SUSPENDED, S.ANSWERED, S.CLOSED):
                assert r.deadline is not None and r.lead_department is not None
        # the_timeline_only_grows: every event seen before is still there, unchanged.
        current = {
            e.pk: (e.request_id, e.time, e.action, e.from_status, e.to_status, e.note)
            for events in timeline.values()
            for e in events
        }
        assert all(current.get(pk) == row for pk, row in self.seen_events.items()), "an event changed or vanished"
        self.seen_events = current


def test_random_walks_through_the_transition_table(desk) -> None:
    linhai_county = desk["linhai"]
    province_office = Department.objects.create(code="330000-JXT", name="浙江省经济和信息化厅", region_id="330000")
    jiaojiang_office = Department.objects.create(code="331002-JXJ", name="椒江区经济和信息化局",
                                                 region=desk["jiaojiang"])  # fmt: skip
    extra = {
        "province_office": province_office,
        "jiaojiang_office": jiaojiang_office,
        "jiaojiang_user": make_user("jiaojiang_user", Role.ENTERPRISE, enterprise=desk["jiaojiang_firm"]),
        "province_clerk": make_user("province_clerk", Role.CLERK, scope_region_id="330000", department=province_office),
        "jiaojiang_clerk": make_user(
            "jiaojiang_clerk", Role.CLERK, scope_region=desk["jiaojiang"], department=jiaojiang_office
        ),
        "park_supervisor": make_user(
            "park_supervisor", Role.SUPERVISOR, scope_region=linhai_county, scope_park=desk["park"]
        ),
        "retired_supervisor": make_user(
            "retired_supervisor", Role.SUPERVISOR, scope_region_id="330000", is_active=False
        ),
        "root": make_user("root", Role.ANALYST, is_superuser=True),
    }
    machine = type("BoundDeskMachine", (DeskMachine,), {"desk": {**desk, **extra}})
    for name, persona in PERSONAS.items():  # the hand-written descriptions match the fixture
        user = machine.desk[name]
        assert user.is_active == persona.active and user.is_superuser == persona.superuser, name
        kinds = {Role.ENTERPRISE: "enterprise", Role.CLERK: "clerk", Role.SUPERVISOR: "supervisor",
                 Role.ADMINISTRATOR: "supervisor", Role.ANALYST: "analyst"}  # fmt: skip
        assert kinds[user.role] == persona.kind and bool(user.scope_park_id) == persona.park, name
        assert (user.scope_region_id if user.role != Role.ENTERPRISE else None) == persona.scope, name
        assert (user.enterprise_id and user.enterprise) == (persona.firm and machine.desk[persona.firm]), name
        assert (user.department.code if user.department_id else None) == (
            machine.desk[persona.department].code if persona.department else None
        ), name
    tally: dict[str, int] = {}

    class Counted(machine):
        def teardown(self) -> None:
            for key, count in self.tally.items():
                tally[key] = tally.get(key, 0) + count
            super().teardown()

    assert set(WEIGHTS) == set(TABLE)
    run_state_machine_as_test(
        Counted,
        settings=settings(
            max_examples=30, stateful_step_count=25, deadline=None, report_multiple_bugs=False,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )  # fmt: skip
    # Not vacuous: the walk took steps and met refusals (the counts vary from run to run).
    accepted = sum(n for key, n in tally.items() if not key.startswith("refused:"))
    assert accepted and sum(tally.values()) > accepted, tally


@pytest.mark.parametrize("status", [S.MERGED, S.RATED])
def test_merged_and_rated_requests_accept_nothing(desk, status) -> None:
    """Deterministic companion: every action by every desk persona on a finished request is refused."""
    new = ops.NewRequest(enterprise=desk["linhai_firm"], category=Category.objects.get(code="tax_rebate"),
                         title="出口退税", description="退税未到账")  # fmt: skip
    request = ops.file_request(new, desk["enterprise_user"], at=local(2025, 11, 3))
    other = ops.file_request(new, desk["enterprise_user"], at=local(2025, 11, 3, 11))
    if status == S.MERGED:
        ops.merge(request, desk["supervisor"], other, at=local(2025, 11, 3, 12))
    else:
        ops.sign(request, desk["commerce_clerk"], at=local(2025, 11, 3, 12))
        ops.answer(request, desk["commerce_clerk"], "已办理", at=local(2025, 11, 4))
        ops.close(request, desk["supervisor"], at=local(2025, 11, 4, 11))
        ops.rate(request, desk["enterprise_user"], "satisfied", at=local(2025, 11, 5))
    request.refresh_from_db()
    assert request.status == status
    people = ["enterprise_user", "commerce_clerk", "tax_clerk", "supervisor", "city_supervisor", "province_admin"]
    for who in people:
        assert available(request, desk[who]) == [], who
    before = snapshot()
    calls = {
        "dispatch": lambda u: ops.dispatch(request, u, desk["commerce"]),
        "sign": lambda u: ops.sign(request, u),
        "return": lambda u: ops.return_request(request, u, "x"),
        "transfer": lambda u: ops.transfer(request, u, desk["tax"], "x"),
        "submit_part": lambda u: ops.submit_part(request, u, "x"),
        "escalate": lambda u: ops.escalate(request, u, "x"),
        "merge": lambda u: ops.merge(request, u, other),  # an open request of the same enterprise
        "request_extension": lambda u: ops.request_extension(request, u, 2, "x"),
        "approve_extension": lambda u: ops.decide_extension(request, u, True),
        "reject_extension": lambda u: ops.decide_extension(request, u, False),
        "suspend": lambda u: ops.suspend(request, u, "x"),
        "resume": lambda u: ops.resume(request, u),
        "answer": lambda u: ops.answer(request, u, "x"),
        "close": lambda u: ops.close(request, u),
        "rate": lambda u: ops.rate(request, u, "unsatisfied"),
        "comment": lambda u: ops.comment(request, u, "x"),
    }
    assert set(calls) == set(TABLE)
    for action, call in calls.items():
        for who in people:
            with pytest.raises((TransitionError, PermissionDenied)):
                call(desk[who])
            assert snapshot() == before, (action, who)
    request.refresh_from_db()
    assert request.status == status
