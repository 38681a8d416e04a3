"""A year of enterprise requests for the demo region (docs/demo-data.md, "Service desk"), replayed through the
operations.

`plan_county` first draws plain plans — who asks what, when, through which channel, and which detour the
request will take — from random streams of the seed and the county. `build_service_desk` then replays every
plan in time order through `operations` with `at=`, so each state change is checked by the transition table,
written to the timeline and timed by the working-day clock (Spring Festival and National Day included), and runs
`check_deadlines` every morning at 08:00 so warnings and 督办 referrals happen when they would have. A request's
story is a generator that yields the moment of its next step; the next moment is decided from what the
operations did (its real deadline after a suspension, an extension or a reopening), never computed beside them.

Mail goes to Django's in-memory backend while building (counted, then dropped), so the demo writes no mail files.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from industrybrain.accounts.choices import Role
from industrybrain.accounts.models import Department, User
from industrybrain.core.context import change_context
from industrybrain.registry.choices import EnterpriseStatus, RegionLevel
from industrybrain.registry.demo import SCALES, _bulk_create_logged, demo_email, department_name
from industrybrain.registry.models import Enterprise, Region

from . import operations as ops
from . import workdays
from .choices import Channel, PartRole, Satisfaction, Status
from .demo_topics import (
    ASSIST_TASKS,
    CATEGORY_SHARES,
    CHANNELS,
    CITY_ASSIST,
    CITY_DEPARTMENTS,
    CITY_ROUTES,
    COMMENTS,
    DEFAULT_TASK,
    ESCALATABLE,
    ESCALATE_REASONS,
    EXTENSION_REASONS,
    FIRST_DAY,
    GIVEN,
    LAST_DAY,
    MONTH_FACTOR,
    RATES,
    REQUESTS_PER_FIRM,
    ROUTES,
    SCALE_SHARE,
    SIMPLE,
    SPRING_FESTIVAL,
    SURNAMES,
    SUSPEND_REASONS,
    TICK,
    TOPICS,
    TRADE,
    USED_CODES,
    WORK_END,
    WORK_HOURS,
    WORK_START,
    Topic,
)
from .models import Category, Event, Routing, ServiceRequest

Moment = dt.datetime


# --- plans ---------------------------------------------------------------------------------------------------
@dataclass
class Plan:
    key: str  # "<county>:<n>", the seed of the request's own random stream
    county: str
    enterprise: str  # USCC
    category: str
    topic: Topic
    values: dict[str, Any]  # the numbers in the text
    channel: str
    created: Moment
    contact: tuple[str, str]
    detour: str = ""  # escalate | return | joint | transfer | duplicate
    flags: frozenset[str] = frozenset()  # suspend, extension, late, sign_late, unsatisfied, unrated, chase, duplicated
    duplicate_of: str | None = None  # the key of the request a duplicate repeats
    hold: str | None = None  # the step the request waits at, past the end of the year


@dataclass
class ServiceDeskSummary:
    requests: int
    first_day: str
    last_day: str
    events: int
    open: int
    overdue_open: int
    statuses: dict[str, int]
    detours: dict[str, int]
    satisfied_or_basic: float  # share of the final ratings
    on_time: float  # share of answers given by the deadline
    signed_on_time: float
    mails: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _local(day: dt.date, time: dt.time) -> Moment:
    return timezone.make_aware(dt.datetime.combine(day, time), timezone.get_current_timezone())


def end_of_year() -> Moment:
    return _local(LAST_DAY, dt.time(23, 59, 59))


def _day_weight(day: dt.date) -> float:
    weight = MONTH_FACTOR[day.month] * (1.0 if workdays.is_workday(day) else 0.22)
    start, stop = SPRING_FESTIVAL
    if start - dt.timedelta(days=6) <= day < start:
        weight *= 0.6  # people travel home
    elif start <= day <= stop:
        weight *= 0.3
    elif stop < day <= stop + dt.timedelta(days=8):
        weight *= 0.6  # factories restart slowly
    if day.month == 10 and day.day <= 7:
        weight *= 0.5  # National Day
    return weight


HOUR_WEIGHTS = {7: 1, 8: 4, 9: 10, 10: 12, 11: 10, 12: 3, 13: 5, 14: 10, 15: 11, 16: 9, 17: 5, 18: 3, 19: 2, 20: 2,
                21: 1}  # fmt: skip


def _arrival(rng: random.Random, day: dt.date) -> tuple[Moment, str]:
    working = workdays.is_workday(day)
    channels = dict(CHANNELS)
    if not working:
        channels.pop(Channel.PHONE)  # the bureaus' phones are not answered on days off
    channel = rng.choices(list(channels), weights=list(channels.values()))[0]
    if channel == Channel.PHONE:
        hour = rng.choice((9, 10, 11, 14, 15, 16))
    else:
        hours = list(HOUR_WEIGHTS)
        hour = rng.choices(hours, weights=[HOUR_WEIGHTS[h] if working else 5 for h in hours])[0]
    return _local(day, dt.time(hour, rng.randrange(60), rng.randrange(60))), channel


@dataclass(frozen=True)
class Firm:
    uscc: str
    industry: str
    above: bool
    employees: int
    park: str


def _exporter(firm: Firm) -> bool:
    division = int(firm.industry[:2])
    return 13 <= division <= 43 or division in (51, 52)


def _values(rng: random.Random, firm: Firm, county_name: str, created: Moment) -> dict[str, Any]:
    quarter = (created.month - 1) // 3
    year = created.year if quarter else created.year - 1
    return {
        "amount": int(round(math.exp(rng.gauss(math.log(300 if firm.above else 80), 0.7)), -1)) or 10,
        "area": round(math.exp(rng.gauss(math.log(15), 0.6)), 1),
        "n": rng.randint(3, 24) * 5,
        "kva": rng.choice((315, 400, 500, 630, 800, 1000, 1250, 1600, 2000)),
        "few": rng.randint(2, 9),
        "usd": rng.randint(5, 150),
        "park": firm.park or f"{county_name}工业园区",
        "quarter": f"{year}年第{quarter or 4}季度",
    }


def plan_county(county: Region, firms: list[Firm], count: int, seed: int, showcase: str | None = None) -> list[Plan]:
    """`count` requests of one county's firms over the year, with their detours, in the order they arrive."""
    rng = random.Random(f"{seed}:servicedesk:{county.code}")
    days = [FIRST_DAY + dt.timedelta(days=i) for i in range((LAST_DAY - FIRST_DAY).days + 1)]
    duplicates = round(count * RATES["duplicate"])
    originals = count - duplicates
    arrivals = sorted(_arrival(rng, day) for day in rng.choices(days, weights=[_day_weight(d) for d in days],
                                                                 k=originals))  # fmt: skip
    categories = rng.choices(list(CATEGORY_SHARES), weights=list(CATEGORY_SHARES.values()), k=originals)
    weights = [(3.0 if f.above else 1.0) * math.sqrt(f.employees) for f in firms]
    trade_weights = [w * (2.0 if _exporter(f) else 0.0) for w, f in zip(weights, firms, strict=True)]
    plans = []
    for i, ((created, channel), category) in enumerate(zip(arrivals, categories, strict=True)):
        firm = rng.choices(firms, weights=trade_weights if category in TRADE else weights)[0]
        plans.append(Plan(
            key=f"{county.code}:{i}", county=county.code, enterprise=firm.uscc, category=category,
            topic=rng.choice(TOPICS[category]), values=_values(rng, firm, county.name, created), channel=channel,
            created=created, contact=_contact(rng),
        ))  # fmt: skip
    _draw_detours(rng, plans)
    plans += _duplicates(rng, plans, duplicates, county.code)
    if showcase:
        _plant(plans, showcase)
    return sorted(plans, key=lambda p: (p.created, p.key))


def _contact(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
    return name, f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _take(rng: random.Random, pool: list[Plan], share: float, total: int) -> list[Plan]:
    return rng.sample(pool, min(len(pool), round(share * total)))


def _draw_detours(rng: random.Random, plans: list[Plan]) -> None:
    """Exact numbers of each detour (the rates of RATES), drawn without replacement."""
    total = len(plans)
    candidates = [p for p in plans if p.category in ESCALATABLE]
    for plan in _take(rng, candidates, RATES["escalate"], total):
        plan.detour = "escalate"
    for detour in ("return", "joint", "transfer"):
        for plan in _take(rng, [p for p in plans if not p.detour], RATES[detour], total):
            plan.detour = detour
    flags: dict[str, set[str]] = {p.key: set() for p in plans}
    for flag in ("suspend", "late", "sign_late", "unsatisfied", "unrated", "chase"):
        for plan in _take(rng, plans, RATES[flag], total):
            flags[plan.key].add(flag)
    for plan in _take(rng, [p for p in plans if "suspend" not in flags[p.key]], RATES["extension"], total):
        flags[plan.key].add("extension")
    recent = [p for p in plans if LAST_DAY - dt.timedelta(days=45) <= p.created.date() <= LAST_DAY
              - dt.timedelta(days=12) and p.detour != "escalate" and "suspend" not in flags[p.key]]  # fmt: skip
    for plan in _take(rng, recent, RATES["stuck"], total):
        plan.hold = "answer"
    october = [p for p in plans if LAST_DAY - dt.timedelta(days=25) <= p.created.date() <= LAST_DAY
               - dt.timedelta(days=4) and not p.detour and not p.hold and not flags[p.key]]  # fmt: skip
    for i, plan in enumerate(sorted(_take(rng, october, RATES["backlog"], total), key=lambda p: p.key)):
        if i % 5 == 4:
            plan.detour, plan.hold = "joint", "submit"  # an assisting department has not handed in its part
        elif i % 5 in (1, 2, 3) and plan.created.date() >= LAST_DAY - dt.timedelta(days=14):
            plan.hold = "close"  # answered; the 督办 office has not confirmed with the enterprise yet
        else:
            plan.hold = "resume"  # the enterprise has not sent the documents yet
            flags[plan.key].add("suspend")
    for plan in plans:
        plan.flags = frozenset(flags[plan.key])


def _duplicates(rng: random.Random, plans: list[Plan], count: int, county: str) -> list[Plan]:
    """The same enterprise raising the same problem again a few hours later, by the 12345 hotline."""
    pool = [p for p in plans if not p.detour and not p.flags and not p.hold and p.category not in SIMPLE
            and p.created.date() < LAST_DAY - dt.timedelta(days=3)]  # fmt: skip
    made = []
    for i, original in enumerate(sorted(rng.sample(pool, min(count, len(pool))), key=lambda p: p.key)):
        created = original.created + dt.timedelta(hours=rng.uniform(0.5, 6))
        made.append(replace(
            original, key=f"{county}:d{i}", channel=Channel.HOTLINE, created=created, detour="duplicate",
            duplicate_of=original.key, flags=frozenset(),
        ))  # fmt: skip
        original.flags = original.flags | {"duplicated"}  # not answered before the duplicate is merged
    return made


def _plant(plans: list[Plan], showcase: str) -> None:
    """Requests in every open state for the personas to act on at the end of the year, and a history for the
    demo enterprise (the latest fitting request filed at least so many days before the end)."""
    chosen: set[str] = set()

    def pick(test: Callable[[Plan], bool], days_before_end: int) -> Plan | None:
        last = LAST_DAY - dt.timedelta(days=days_before_end)
        for plan in reversed(plans):
            free = not plan.detour and not plan.hold and plan.key not in chosen
            if plan.created.date() <= last and free and test(plan):
                chosen.add(plan.key)
                return plan
        return None

    def set_(plan: Plan | None, **fields: Any) -> None:
        if plan is not None:
            for name, value in {"flags": frozenset(), **fields}.items():
                setattr(plan, name, value)

    history = [p for p in plans if not p.detour and not p.hold and p.category not in TRADE]
    for share in (0.15, 0.4, 0.65, 0.85):  # four requests answered, closed and rated
        set_(history[int(share * (len(history) - 1))], enterprise=showcase, channel=Channel.WEB)
    ordinary = [c for c in CATEGORY_SHARES if c not in TRADE and c != "policy"]
    set_(pick(lambda p: p.category in ordinary, 13), enterprise=showcase, channel=Channel.WEB, hold="rate")
    set_(pick(lambda p: p.category in ordinary, 3), enterprise=showcase, channel=Channel.WEB,
         flags=frozenset({"suspend"}), hold="resume")  # fmt: skip
    set_(pick(lambda p: p.category == "policy", 2), enterprise=showcase, channel=Channel.WEB, hold="answer")
    set_(pick(lambda p: p.category in ordinary, 1), detour="return", hold="dispatch")
    set_(pick(lambda p: p.category == "finance", 2), flags=frozenset({"extension"}), hold="decide")
    set_(pick(lambda p: p.category == "tax_rebate", 2), detour="joint", topic=TOPICS["tax_rebate"][0], hold="submit")
    set_(pick(lambda p: p.category == "logistics", 0), hold="sign")


# --- the working clock ---------------------------------------------------------------------------------------
_WORKDAY: dict[dt.date, bool] = {}


def _is_workday(day: dt.date) -> bool:
    if day not in _WORKDAY:
        _WORKDAY[day] = workdays.is_workday(day)
    return _WORKDAY[day]


def add_work_hours(moment: Moment, hours: float) -> Moment:
    """The moment `hours` of office time (08:30–17:30 on working days) after `moment`."""
    current = timezone.localtime(moment)
    day = current.date()
    while True:
        if _is_workday(day):
            start, stop = _local(day, WORK_START), _local(day, WORK_END)
            current = max(current, start)
            if current < stop:
                room = (stop - current).total_seconds() / 3600
                if hours <= room:
                    return current + dt.timedelta(hours=hours)
                hours -= room
        day += dt.timedelta(days=1)
        current = _local(day, WORK_START)


def work_hours_between(start: Moment, stop: Moment) -> float:
    """Office hours from one moment to another (0 if the second is not later)."""
    total, day = 0.0, timezone.localtime(start).date()
    while day <= timezone.localtime(stop).date():
        if _is_workday(day):
            lo, hi = max(start, _local(day, WORK_START)), min(stop, _local(day, WORK_END))
            total += max(0.0, (hi - lo).total_seconds() / 3600)
        day += dt.timedelta(days=1)
    return total


# --- the people ----------------------------------------------------------------------------------------------
@dataclass
class Desk:
    """One region's 督办 office and departments (a county's, or a city's for escalated requests)."""

    region: Region
    supervisor: User
    departments: dict[str, Department]
    city: Desk | None = None
    registrar: User | None = None  # who registers requests received by phone


@dataclass
class Stage:
    """What the replay knows: desks, clerks, enterprise accounts, the requests filed so far, and the clock."""

    desks: dict[str, Desk]
    clerks: dict[int, User]  # department id -> its clerk
    enterprises: dict[str, Enterprise]
    enterprise_users: dict[str, User]
    categories: dict[str, Category]
    end: Moment
    filed: dict[str, ServiceRequest] = field(default_factory=dict)
    now: Moment | None = None
    mails: int = 0


def _system_user(username: str, role: str, **fields: Any) -> User:
    user = User(username=username, role=role, **fields)
    user.set_unusable_password()
    return user


def _set_the_stage(counties: list[Region], firms_with_requests: set[str]) -> Stage:
    """Routing rules, city departments, and an account for everyone who acts in the replay: the personas of the
    registry demo where they exist, otherwise system users with unusable passwords (no printed login)."""
    cities = {c.parent_id: c.parent for c in counties}
    new_departments = [
        Department(code=f"{city.code}-{code}", name=department_name(name, city), region=city)
        for city in cities.values() for code, name in CITY_DEPARTMENTS
        if not Department.objects.filter(code=f"{city.code}-{code}").exists()
    ]  # fmt: skip
    _bulk_create_logged(Department, new_departments)
    departments: dict[str, dict[str, Department]] = {}
    for department in Department.objects.filter(region__in=[*counties, *cities.values()]):
        departments.setdefault(department.region_id, {})[department.code.split("-", 1)[1]] = department
    categories = {c.code: c for c in Category.objects.all()}
    _bulk_create_logged(Routing, [
        Routing(category=categories[category], region=county, department=departments[county.code][code])
        for county in counties for category, code in ROUTES.items()
        if not Routing.objects.filter(category=categories[category], region=county).exists()
    ])  # fmt: skip
    existing = {
        u.username: u
        for u in User.objects.filter(role__in=[Role.CLERK, Role.SUPERVISOR]).select_related(
            "scope_region", "department"
        )
    }
    by_department = {u.department_id: u for u in existing.values() if u.role == Role.CLERK and u.department_id}
    by_region = {u.scope_region_id: u for u in existing.values() if u.role == Role.SUPERVISOR}
    new_users = []
    for region in [*counties, *cities.values()]:
        if region.code not in by_region:
            username = f"supervisor_{region.code}"
            by_region[region.code] = _system_user(username, Role.SUPERVISOR, scope_region=region,
                                                  email=demo_email(username))  # fmt: skip
            new_users.append(by_region[region.code])
        codes = USED_CODES if region.level == RegionLevel.COUNTY else [c for c, _n in CITY_DEPARTMENTS]
        for code in codes:
            department = departments[region.code][code]
            if department.pk not in by_department:
                username = f"clerk_{department.code.lower().replace('-', '_')}"
                by_department[department.pk] = _system_user(
                    username, Role.CLERK, scope_region=region, department=department, email=demo_email(username)
                )
                new_users.append(by_department[department.pk])
    enterprises = Enterprise.objects.select_related("park", "region").in_bulk(firms_with_requests, field_name="uscc")
    enterprise_users = {
        u.enterprise.uscc: u
        for u in User.objects.filter(role=Role.ENTERPRISE, enterprise__uscc__in=firms_with_requests).select_related(
            "enterprise__region"
        )
    }
    for uscc in sorted(firms_with_requests - set(enterprise_users)):
        enterprise_users[uscc] = _system_user(uscc, Role.ENTERPRISE, enterprise=enterprises[uscc])
        new_users.append(enterprise_users[uscc])
    _bulk_create_logged(User, new_users)  # primary keys are set: the users act straight away
    city_desks = {city.code: Desk(city, by_region[city.code], departments[city.code]) for city in cities.values()}
    desks = {
        county.code: Desk(
            county, by_region[county.code], departments[county.code], city_desks[county.parent_id],
            registrar=by_department[departments[county.code]["JXJ"].pk],
        )
        for county in counties
    }  # fmt: skip
    return Stage(
        desks=desks,
        clerks=by_department,
        enterprises=enterprises,
        enterprise_users=enterprise_users,
        categories=categories,
        end=end_of_year(),
    )


# --- the replay ----------------------------------------------------------------------------------------------
class Hold(Exception):
    """Raised inside a story to stop it (nothing more happens to the request this year)."""


class Replay:
    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.ticks: Counter[str] = Counter()

    def clerk(self, department: Department) -> User:
        return self.stage.clerks[department.pk]

    def _at(self, plan: Plan, step: str, moment: Moment) -> Iterator[Moment]:
        """Wait for the step's moment (never earlier than now); a held step waits past the end of the year."""
        if plan.hold == step:
            yield self.stage.end + dt.timedelta(days=1)
        moment = max(moment, self.stage.now + dt.timedelta(minutes=1))
        yield moment
        return moment

    def story(self, plan: Plan) -> Iterator[Moment]:
        """Everything that happens to one request, step by step."""
        rng = random.Random(f"{plan.key}:story")
        desk = self.stage.desks[plan.county]
        yield plan.created
        request = self._file(plan, desk)
        self.stage.filed[plan.key] = request
        now = plan.created
        if plan.duplicate_of is not None:
            now = yield from self._at(plan, "merge", add_work_hours(now, rng.uniform(0.2, 2)))
            original = self.stage.filed[plan.duplicate_of]
            original.refresh_from_db(fields=["status"])
            if original.is_open:
                ops.merge(request, desk.supervisor, original, at=now)
                return
        lead = request.lead_department
        topic, departments, joint = plan.topic, desk.departments, False
        if plan.detour in ("return", "joint"):
            now = yield from self._at(plan, "return", add_work_hours(now, rng.uniform(0.3, 5)))
            assists = [departments[c] for c in topic.assists if departments[c] != lead][:2]
            if plan.detour == "joint" and assists:
                names = "、".join(d.name for d in assists)
                reason = f"该问题涉及{names}等部门职责，请督办办公室组织联办。"
            else:
                reason = f"经核实，该问题不属于本单位职责，建议交{departments[topic.alt].name}办理。"
            request = ops.return_request(request, self.clerk(lead), reason, at=now)
            now = yield from self._at(plan, "dispatch", add_work_hours(now, rng.uniform(0.3, 6)))
            if plan.detour == "return":
                lead = departments[topic.alt]
                assists = [departments[c] for c in topic.assists if departments[c] != lead][:1]
                assists = assists if rng.random() < 0.3 else []
            request = ops.dispatch(request, desk.supervisor, lead, [(d, _task(d)) for d in assists], at=now)
            joint = bool(assists)
        if plan.detour == "transfer" and rng.random() < 0.4:  # before signing for it
            now = yield from self._at(plan, "transfer", add_work_hours(now, rng.uniform(0.3, 4)))
            request, lead = self._transfer(request, lead, departments[topic.alt], desk, rng, now)
        now = yield from self._at(plan, "sign", self._sign_time(rng, plan, request, now))
        request = ops.sign(request, self.clerk(lead), at=now)
        if plan.detour == "transfer" and lead != departments[topic.alt]:
            now = yield from self._at(plan, "transfer", add_work_hours(now, rng.uniform(0.5, 8)))
            request, lead = self._transfer(request, lead, departments[topic.alt], desk, rng, now)
            now = yield from self._at(plan, "sign", self._sign_time(rng, plan, request, now))
            request = ops.sign(request, self.clerk(lead), at=now)
        supervisor = desk.supervisor
        if plan.detour == "escalate":
            now = yield from self._at(plan, "escalate", add_work_hours(now, rng.uniform(4, 24)))
            request = ops.escalate(request, desk.supervisor, rng.choice(ESCALATE_REASONS), at=now)
            city = desk.city
            assert city is not None
            supervisor = city.supervisor
            now = yield from self._at(plan, "dispatch", add_work_hours(now, rng.uniform(1, 9)))
            lead = city.departments[CITY_ROUTES[plan.category]]
            helper = CITY_ASSIST.get(plan.category)
            assists = [city.departments[helper]] if helper and rng.random() < 0.4 else []
            request = ops.dispatch(request, supervisor, lead, [(d, _task(d)) for d in assists], at=now)
            joint = bool(assists)
            now = yield from self._at(plan, "sign", add_work_hours(now, rng.uniform(0.3, 5)))
            request = ops.sign(request, self.clerk(lead), at=now)
        yield from self._handle(plan, rng, request, lead, supervisor, now, joint)

    def _file(self, plan: Plan, desk: Desk) -> ServiceRequest:
        enterprise = self.stage.enterprises[plan.enterprise]
        category = self.stage.categories[plan.category]
        values, topic = plan.values, plan.topic
        attributes = {code: (values[v[1:]] if v.startswith("$") else v) for code, v in topic.attributes}
        title = topic.title if plan.detour != "duplicate" else f"再次反映：{topic.title}"
        description = topic.description.format(**values)
        if plan.detour == "duplicate":
            description = f"今天上午已在网上提交过，情况比较急，再次反映：{description}"
        new = ops.NewRequest(
            enterprise=enterprise, category=category, title=title, description=description, channel=plan.channel,
            attributes=attributes, contact_name=plan.contact[0], contact_phone=plan.contact[1],
            address=enterprise.park.name if enterprise.park_id else "",
        )  # fmt: skip
        filer = {Channel.HOTLINE: desk.supervisor, Channel.PHONE: desk.registrar}.get(
            plan.channel, self.stage.enterprise_users[plan.enterprise]
        )
        return ops.file_request(new, filer, at=plan.created)

    def _transfer(
        self, request: ServiceRequest, lead: Department, to: Department, desk: Desk, rng: random.Random, now: Moment
    ) -> tuple[ServiceRequest, Department]:
        actor = self.clerk(lead) if rng.random() < 0.8 else desk.supervisor
        request = ops.transfer(request, actor, to, f"经核实属{to.name}职责，已转办。", at=now)
        return request, to

    @staticmethod
    def _sign_time(rng: random.Random, plan: Plan, request: ServiceRequest, now: Moment) -> Moment:
        if "sign_late" in plan.flags and request.sign_deadline:
            return add_work_hours(request.sign_deadline, rng.uniform(0.5, 6))
        return add_work_hours(now, rng.uniform(0.1, 3) if rng.random() < 0.85 else rng.uniform(3, 8.5))

    @staticmethod
    def _answer_time(rng: random.Random, late: bool, request: ServiceRequest, now: Moment) -> Moment:
        deadline = request.deadline
        assert deadline is not None
        if late:
            return add_work_hours(deadline, rng.uniform(1, 25))
        window = work_hours_between(now, deadline)
        if window <= 0.3:  # signed too late to answer in time
            return add_work_hours(now, rng.uniform(0.2, 2))
        return add_work_hours(now, max(0.2, rng.betavariate(1.5, 2.3) * window * 0.97))

    def _handle(
        self,
        plan: Plan,
        rng: random.Random,
        request: ServiceRequest,
        lead: Department,
        supervisor: User,
        now: Moment,
        joint: bool,
    ) -> Iterator[Moment]:
        enterprise_user = self.stage.enterprise_users[plan.enterprise]
        late = "late" in plan.flags
        if "chase" in plan.flags:
            now = yield from self._at(plan, "comment", add_work_hours(now, rng.uniform(1, 6)))
            ops.comment(request, enterprise_user, "请问目前办理进度如何？", at=now)
        if "suspend" in plan.flags:
            now = yield from self._at(plan, "suspend", add_work_hours(now, rng.uniform(0.5, 5)))
            request = ops.suspend(request, self.clerk(lead), rng.choice(SUSPEND_REASONS), at=now)
            waited = rng.uniform(1, 6) if rng.random() < 0.9 else rng.uniform(10, 30)
            now = yield from self._at(plan, "resume", add_work_hours(now, waited * WORK_HOURS))
            if rng.random() < 0.65:
                request = ops.resume(request, enterprise_user, "已上传补充材料。", at=now)
            else:
                request = ops.resume(request, self.clerk(lead), "已电话确认，企业材料已补齐。", at=now)
        if "extension" in plan.flags:
            window = work_hours_between(now, request.deadline)
            now = yield from self._at(plan, "extension", add_work_hours(now, max(0.3, window * rng.uniform(0.3, 0.8))))
            ops.request_extension(request, self.clerk(lead), rng.randint(2, 5), rng.choice(EXTENSION_REASONS), at=now)
            now = yield from self._at(plan, "decide", add_work_hours(now, rng.uniform(0.5, 6)))
            approve = rng.random() < 0.85
            ops.decide_extension(request, supervisor, approve, "同意延期。" if approve else "理由不充分，请按期办结。",
                                 at=now)  # fmt: skip
            request.refresh_from_db()
            late = late or (not approve and rng.random() < 0.5)
        answer_at = self._answer_time(rng, late, request, now)
        if "duplicated" in plan.flags:
            answer_at = max(answer_at, add_work_hours(now, 12))
        waiting = request.parts.filter(role=PartRole.ASSIST, done_at__isnull=True).select_related("department")
        parts = sorted(waiting, key=lambda p: p.department.code) if joint else []
        start, span = now, max(0.5, work_hours_between(now, answer_at))
        for offset, part in sorted(((rng.uniform(0.3, 0.9) * span, p) for p in parts), key=lambda x: x[0]):
            now = yield from self._at(plan, "submit", max(now, add_work_hours(start, offset)))
            ops.submit_part(request, self.clerk(part.department), f"{part.task}：已办理，意见已反馈主办单位。", at=now)
        now = yield from self._at(plan, "answer", max(answer_at, now))
        request = ops.answer(request, self.clerk(lead), plan.topic.answer, at=now)
        for round_ in (1, 2):
            # The lead closes it, or the 督办 office after checking with the enterprise (a day or two).
            delay = rng.uniform(0.3, 6) if rng.random() < 0.55 else rng.uniform(6, 27)
            now = yield from self._at(plan, "close", add_work_hours(now, delay))
            closer = self.clerk(lead) if rng.random() < 0.6 else supervisor
            request = ops.close(request, closer, "企业确认问题已解决。" if rng.random() < 0.3 else "", at=now)
            if "unrated" in plan.flags:
                return
            now = yield from self._at(plan, "rate", add_work_hours(now, rng.uniform(0.2, 30)))
            satisfaction = _satisfaction(rng, round_, plan)
            request = ops.rate(request, enterprise_user, satisfaction, rng.choice(COMMENTS[satisfaction]), at=now)
            if request.status != Status.HANDLING:
                return
            # Reopened for a revisit (回访): the lead department answers again within a new deadline.
            now = yield from self._at(plan, "answer", self._answer_time(rng, False, request, now))
            request = ops.answer(request, self.clerk(lead), f"经回访并再次协调：{plan.topic.answer}", at=now)

    def tick(self) -> Iterator[Moment]:
        """The deadline check, every morning, and once more at the very end."""
        day = FIRST_DAY
        while day <= LAST_DAY:
            moment = _local(day, TICK)
            yield moment
            self.ticks.update(ops.check_deadlines(at=moment))
            self._count_mail()
            day += dt.timedelta(days=1)
        yield self.stage.end
        self.ticks.update(ops.check_deadlines(at=self.stage.end))
        self._count_mail()

    def _count_mail(self) -> None:
        self.stage.mails += len(mail.outbox)
        mail.outbox.clear()

    def run(self, plans: list[Plan], progress: Callable[[str], None] | None = None) -> None:
        """All stories and the daily check, in time order."""
        heap: list[tuple[Moment, int, Iterator[Moment]]] = []
        for order, story in enumerate([self.tick(), *(self.story(p) for p in plans)]):
            heap.append((next(story), order, story))
        heapq.heapify(heap)
        month = None
        while heap and heap[0][0] <= self.stage.end:
            moment, order, story = heapq.heappop(heap)
            self.stage.now = moment
            if progress and (moment.year, moment.month) != month:
                month = (moment.year, moment.month)
                progress(f"{moment:%Y-%m}: {len(self.stage.filed):,} requests filed so far")
            try:
                following = next(story)
            except StopIteration:
                continue
            assert following >= moment, (following, moment)
            heapq.heappush(heap, (following, order, story))


def _task(department: Department) -> str:
    return ASSIST_TASKS.get(department.code.split("-", 1)[1], DEFAULT_TASK)


def _satisfaction(rng: random.Random, round_: int, plan: Plan) -> str:
    if round_ == 1 and "unsatisfied" in plan.flags:
        return Satisfaction.UNSATISFIED
    weights = (75, 25, 0) if round_ == 1 else (25, 40, 35)
    if round_ == 1 and ("late" in plan.flags or plan.detour in ("return", "transfer")):
        weights = (55, 45, 0)
    return rng.choices([Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED], weights=weights)[0]


# --- building ------------------------------------------------------------------------------------------------
def demo_counties(scale: str) -> list[Region]:
    root = Region.objects.get(code=SCALES[scale].root)
    return list(
        Region.objects.filter(path__startswith=root.path, level=RegionLevel.COUNTY)
        .select_related("parent")
        .order_by("code")
    )


def county_firms(county: Region) -> list[Firm]:
    rows = (
        Enterprise.objects.filter(region=county, status=EnterpriseStatus.OPERATING)
        .order_by("uscc")
        .values_list("uscc", "industry_id", "is_above_scale", "employees", "park__name")
    )
    return [Firm(uscc, industry, above, employees or 1, park or "") for uscc, industry, above, employees, park in rows]


def plan_region(scale: str, seed: int, size: int | None = None) -> list[Plan]:
    """The plans of every county of the scale; `size` (tests) fixes the first county's count and skips the
    others."""
    counties = demo_counties(scale)
    showcase = User.objects.filter(username="enterprise_user").values_list("enterprise__uscc", flat=True).first()
    plans: list[Plan] = []
    for county in counties:
        firms = county_firms(county)
        if not firms:
            continue
        if size is not None:
            count = size if not plans else 0
        else:
            count = round(REQUESTS_PER_FIRM * SCALE_SHARE[scale] * Enterprise.objects.filter(region=county).count())
        if count:
            in_county = showcase if showcase and any(f.uscc == showcase for f in firms) else None
            plans += plan_county(county, firms, count, seed, in_county)
    return plans


def build_service_desk(
    scale: str, seed: int = 2026, size: int | None = None, progress: Callable[[str], None] | None = None
) -> ServiceDeskSummary:
    """Routing rules and a year of requests, replayed through the operations (into the registry demo)."""
    plans = plan_region(scale, seed, size)
    counties = [c for c in demo_counties(scale) if any(p.county == c.code for p in plans)]
    saved_outbox = getattr(mail, "outbox", None)
    backend = "django.core.mail.backends.locmem.EmailBackend"
    with override_settings(EMAIL_BACKEND=backend), change_context(source="demo"), transaction.atomic():
        mail.outbox = []
        stage = _set_the_stage(counties, {p.enterprise for p in plans})
        replay = Replay(stage)
        replay.run(plans, progress)
    if saved_outbox is not None:
        mail.outbox = saved_outbox
    return summarise(stage.end, stage.mails, ServiceRequest.objects.filter(region__in=counties))


def summarise(end: Moment, mails: int, requests: Any) -> ServiceDeskSummary:
    statuses = Counter(requests.values_list("status", flat=True))
    events = Event.objects.filter(request__in=requests)
    actions = Counter(events.values_list("action", flat=True))
    open_ = requests.filter(status__in=[s.value for s in (Status.RECEIVED, Status.DISPATCHED, Status.HANDLING,
                                                            Status.SUSPENDED, Status.ANSWERED)])  # fmt: skip
    overdue_open = sum(1 for r in open_ if r.is_overdue(end))
    answers = list(events.filter(action="answer").values_list("data", flat=True))
    signs = list(events.filter(action="sign").values_list("data", flat=True))
    rated = requests.filter(status=Status.RATED)
    good = rated.filter(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC]).count()
    with_parts = requests.filter(parts__role=PartRole.ASSIST).distinct().count()
    return ServiceDeskSummary(
        requests=requests.count(),
        first_day=FIRST_DAY.isoformat(),
        last_day=LAST_DAY.isoformat(),
        events=events.count(),
        open=open_.count(),
        overdue_open=overdue_open,
        statuses={s.value: statuses.get(s.value, 0) for s in Status},
        detours={
            "returned": requests.filter(returned_count__gt=0).count(),
            "transferred": requests.filter(transferred_count__gt=0).count(),
            "joint": with_parts,
            "suspended": requests.filter(events__action="suspend").distinct().count(),
            "extension_requested": requests.filter(extensions__isnull=False).distinct().count(),
            "escalated": requests.filter(escalated_count__gt=0).count(),
            "merged": statuses.get(Status.MERGED, 0),
            "reopened": requests.filter(reopened_count__gt=0).count(),
            "answered_late": sum(1 for d in answers if not d.get("on_time", True)),
            "warned": actions.get("warn", 0),
            "referred_overdue": actions.get("overdue", 0),
        },
        satisfied_or_basic=round(good / rated.count(), 3) if rated.exists() else 0.0,
        on_time=round(sum(1 for d in answers if d.get("on_time", True)) / len(answers), 3) if answers else 0.0,
        signed_on_time=round(sum(1 for d in signs if d.get("on_time", True)) / len(signs), 3) if signs else 0.0,
        mails=mails,
    )
