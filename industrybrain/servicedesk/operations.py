"""Service-desk operations: every state change of a request, called alike by pages, API, Open311, CLI and demo.

Each operation locks the request, checks the transition table (`transitions.check`), changes the request,
writes one timeline event and, where someone must act, sends mail — all in one transaction, so a refused
action changes nothing. `at` lets the demo and tests replay time; everything else uses now.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from industrybrain.accounts.choices import Role
from industrybrain.accounts.models import Department, User
from industrybrain.registry.models import Enterprise

from . import workdays
from .choices import Action, Channel, ExtensionStatus, Level, PartRole, Satisfaction, Status
from .models import Category, DeadlineRule, Event, Extension, Part, Routing, ServiceRequest
from .transitions import TransitionError, check, is_supervisor_of

NEXT_LEVEL = {Level.COUNTY: Level.CITY, Level.CITY: Level.PROVINCE}
DEFAULT_DAYS = {"simple": (1, 1), "ordinary": (5, 1), "complex": (3, 1)}  # used when no DeadlineRule row exists


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def _days(complexity: str) -> tuple[int, int]:
    """(working days to close, working days to sign) for a complexity."""
    rule = DeadlineRule.objects.filter(complexity=complexity).first()
    return (rule.working_days, rule.sign_working_days) if rule else DEFAULT_DAYS[complexity]


def _record(
    request: ServiceRequest, action: str, user: Any, at: dt.datetime, before: str, note: str = "", **data: Any
) -> Event:
    return Event.objects.create(
        request=request, time=at, action=action, from_status=before, to_status=request.status,
        actor=user if getattr(user, "pk", None) else None,
        actor_name=user.get_username() if getattr(user, "pk", None) else "system",
        department_id=getattr(user, "department_id", None) if getattr(user, "role", "") == Role.CLERK else None,
        note=note, data=data,
    )  # fmt: skip


def _locked(request: ServiceRequest) -> ServiceRequest:
    # OF self: locking the joined region and category rows too would make every request of a category
    # contend (and deadlock) with every other.
    return (
        ServiceRequest.objects.select_for_update(of=("self",)).select_related("region", "category").get(pk=request.pk)
    )


@contextmanager
def _taking(request: ServiceRequest, action: str, user: Any) -> Iterator[ServiceRequest]:
    """One action in one transaction: the request locked and read again, the transition checked first."""
    with transaction.atomic():
        locked = _locked(request)
        check(locked, action, user)
        yield locked


def _require(text: str, message: str) -> str:
    if not text or not text.strip():
        raise ValidationError(message)
    return text.strip()


# --- filing ------------------------------------------------------------------------------------------------
def may_file_for(user: Any, enterprise: Enterprise) -> bool:
    """An enterprise files for itself; clerks and supervisors register requests for enterprises of their region."""
    if user.role == Role.ENTERPRISE:
        return user.enterprise_id == enterprise.pk
    if user.is_superuser:
        return True
    if user.role in (Role.CLERK, Role.SUPERVISOR, Role.ADMINISTRATOR) and user.scope_path:
        return enterprise.region.path.startswith(user.scope_path)
    return False


def _check_attributes(category: Category, values: dict[str, Any]) -> dict[str, Any]:
    """The category's attributes: required ones present, list values among the allowed keys, numbers numeric."""
    errors, clean = {}, {}
    for attribute in category.attributes:
        code, value = attribute["code"], values.get(attribute["code"])
        if value in (None, "", []):
            if attribute.get("required"):
                errors[code] = _("This attribute is required.")
            continue
        allowed = {str(v["key"]) for v in attribute.get("values", [])}
        kind = attribute.get("datatype", "string")
        if kind == "number":
            try:
                value = float(value)
            except (TypeError, ValueError):
                errors[code] = _("Enter a number.")
        elif kind == "singlevaluelist" and str(value) not in allowed:
            errors[code] = _("Choose one of: %(keys)s.") % {"keys": ", ".join(sorted(allowed))}
        elif kind == "multivaluelist":
            value = [str(v) for v in (value if isinstance(value, list) else [value])]
            if set(value) - allowed:
                errors[code] = _("Choose among: %(keys)s.") % {"keys": ", ".join(sorted(allowed))}
        clean[code] = value
    unknown = set(values) - {a["code"] for a in category.attributes}
    for code in sorted(unknown):
        errors[code] = _("Unknown attribute for this category.")
    if errors:
        raise ValidationError(errors)
    return clean


def _number(request: ServiceRequest) -> str:
    """QH<county>-<year>-<id>: unique without a counter that concurrent filings would fight over."""
    return f"QH{request.region_id}-{workdays.local_date(request.created).year}-{request.pk:07d}"


@dataclass
class NewRequest:
    enterprise: Enterprise
    category: Category
    title: str
    description: str
    channel: str = Channel.WEB
    attributes: dict[str, Any] | None = None
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None


def file_request(new: NewRequest, user: Any, at: dt.datetime | None = None) -> ServiceRequest:
    """Receive a request (受理) and dispatch it (交办) to the department the routing names, if any."""
    moment = _now(at)
    if user is not None and not may_file_for(user, new.enterprise):
        raise PermissionDenied(_("You may not file requests for %(name)s.") % {"name": new.enterprise.name})
    if not new.category.is_active:
        raise ValidationError({"category": _("This category is no longer in use.")})
    if getattr(user, "role", None) == Role.ENTERPRISE and new.channel in (
        Channel.PHONE,
        Channel.HOTLINE,
        Channel.VISIT,
    ):
        raise ValidationError({"channel": _("Only a clerk registers requests received by phone, 12345 or visit.")})
    attributes = _check_attributes(new.category, new.attributes or {})
    county = new.enterprise.region
    with transaction.atomic():
        request = ServiceRequest.objects.create(
            number=f"new-{uuid.uuid4().hex[:28]}", enterprise=new.enterprise, region=county, category=new.category,
            title=_require(new.title, _("A title is required.")),
            description=_require(new.description, _("A description is required.")),
            attributes=attributes, channel=new.channel, contact_name=new.contact_name, contact_phone=new.contact_phone,
            address=new.address, latitude=new.latitude, longitude=new.longitude,
            registered_by=user if getattr(user, "pk", None) else None, status=Status.RECEIVED,
            complexity=new.category.complexity, created=moment,
        )  # fmt: skip
        request.number = _number(request)
        request.save(update_fields=["number"])
        _record(request, Action.CREATE, user, moment, "", channel=new.channel)
        routing = Routing.objects.filter(category=new.category, region=county).select_related("department").first()
        if routing is not None:
            _dispatch(request, routing.department, [], None, moment, note=_("Routed by category."))
    return request


# --- dispatching ---------------------------------------------------------------------------------------------
def _dispatch(
    request: ServiceRequest, lead: Department, assisting: Iterable[tuple[Department, str]], user: Any,
    at: dt.datetime, note: str = "", action: str = Action.DISPATCH,
) -> None:  # fmt: skip
    before = request.status
    request.status = Status.DISPATCHED
    request.lead_department = lead
    request.dispatched_at = at
    request.sign_deadline = workdays.deadline_after(at, _days(request.complexity)[1])
    if request.deadline is None:  # the clock runs from receipt; returns and transfers do not restart it
        request.deadline = workdays.deadline_after(request.created, _days(request.complexity)[0])
    request.save()
    Part.objects.filter(request=request, role=PartRole.LEAD).exclude(department=lead).delete()
    Part.objects.update_or_create(request=request, department=lead, defaults={"role": PartRole.LEAD, "assigned_at": at})
    for department, task in assisting:
        if department != lead:
            Part.objects.update_or_create(
                request=request, department=department,
                defaults={"role": PartRole.ASSIST, "task": task, "assigned_at": at, "done_at": None},
            )  # fmt: skip
    _record(request, action, user, at, before, note, department=lead.code,
            assisting=[d.code for d, _t in assisting])  # fmt: skip
    subject = _("New request %(number)s: %(title)s") % {"number": request.number, "title": request.title}
    due = f"{timezone.localtime(request.sign_deadline):%Y-%m-%d %H:%M}"
    notify_department(lead, subject, _("Please sign for it by %(time)s.") % {"time": due})


def _department_for(request: ServiceRequest, department: Department) -> Department:
    if department.region_id != request.handling_region.code:
        raise ValidationError({"department": _("The department must belong to the region handling the request.")})
    return department


def dispatch(
    request: ServiceRequest, user: Any, lead: Department, assisting: Iterable[tuple[Department, str]] = (),
    complexity: str | None = None, at: dt.datetime | None = None,
) -> ServiceRequest:  # fmt: skip
    """A supervisor hands a received (or returned, or escalated) request to a lead department, with helpers."""
    moment = _now(at)
    with _taking(request, Action.DISPATCH, user) as request:
        if complexity:
            request.complexity = complexity
        _dispatch(request, _department_for(request, lead), [(_department_for(request, d), t) for d, t in assisting],
                  user, moment)  # fmt: skip
    return request


def sign(
    request: ServiceRequest, user: Any, complexity: str | None = None, at: dt.datetime | None = None
) -> ServiceRequest:
    """签收: the lead department accepts; it may reclassify the complexity, which sets the deadline."""
    moment = _now(at)
    with _taking(request, Action.SIGN, user) as request:
        before = request.status
        if complexity and complexity != request.complexity:
            # Shift by the difference in allowed days, so escalation's new clock, extensions and suspensions
            # that already moved the deadline still count.
            difference = _days(complexity)[0] - _days(request.complexity)[0]
            request.complexity = complexity
            if request.deadline is not None:
                request.deadline = workdays.deadline_after(request.deadline, difference)
        request.status, request.signed_at = Status.HANDLING, moment
        request.save()
        _record(request, Action.SIGN, user, moment, before, complexity=request.complexity,
                on_time=moment <= request.sign_deadline if request.sign_deadline else True)  # fmt: skip
    return request


def return_request(request: ServiceRequest, user: Any, reason: str, at: dt.datetime | None = None) -> ServiceRequest:
    """退回: the lead department says it is not theirs; the supervisors dispatch it again. Counted."""
    moment = _now(at)
    reason = _require(reason, _("Say why the request is returned."))
    with _taking(request, Action.RETURN, user) as request:
        before, department = request.status, request.lead_department
        request.status, request.lead_department = Status.RECEIVED, None
        request.returned_count += 1
        request.save()
        Part.objects.filter(request=request).delete()
        lapsed = _lapse_extensions(request, moment)
        _record(request, Action.RETURN, user, moment, before, reason, department=department.code if department else "",
                lapsed_extensions=lapsed)  # fmt: skip
    notify_supervisors(request, _("Request %(number)s was returned") % {"number": request.number}, reason)
    return request


def transfer(
    request: ServiceRequest, user: Any, to: Department, reason: str, at: dt.datetime | None = None
) -> ServiceRequest:
    """转办: hand the request to another department, which must sign for it."""
    moment = _now(at)
    reason = _require(reason, _("Say why the request is transferred."))
    with _taking(request, Action.TRANSFER, user) as request:
        if to == request.lead_department:
            raise ValidationError({"department": _("The request is already with this department.")})
        request.transferred_count += 1
        _lapse_extensions(request, moment)  # the new lead asks for its own time if it needs it
        _dispatch(request, _department_for(request, to), [], user, moment, reason, action=Action.TRANSFER)
    return request


def submit_part(request: ServiceRequest, user: Any, result: str, at: dt.datetime | None = None) -> ServiceRequest:
    """An assisting department hands in its part (会办意见)."""
    moment = _now(at)
    result = _require(result, _("Describe what your department did."))
    with _taking(request, Action.SUBMIT_PART, user) as request:
        part = request.parts.get(department_id=user.department_id, role=PartRole.ASSIST)
        part.result, part.done_at = result, moment
        part.save()
        _record(request, Action.SUBMIT_PART, user, moment, request.status, result)
    return request


def escalate(request: ServiceRequest, user: Any, reason: str, at: dt.datetime | None = None) -> ServiceRequest:
    """A hard case goes up: county → city → province, where that level's supervisors dispatch it afresh,
    with a new clock."""
    moment = _now(at)
    reason = _require(reason, _("Say why the request is escalated."))
    with _taking(request, Action.ESCALATE, user) as request:
        if request.level not in NEXT_LEVEL or request.handling_region.parent is None:
            raise TransitionError(_("The request is already at the highest level."))
        before = request.status
        request.level = NEXT_LEVEL[Level(request.level)]
        request.status, request.lead_department = Status.RECEIVED, None
        request.deadline = workdays.deadline_after(moment, _days(request.complexity)[0])
        request.warned_at = request.overdue_at = None  # the new clock gets its own warning and 督办
        request.escalated_count += 1
        request.save()
        Part.objects.filter(request=request).delete()
        lapsed = _lapse_extensions(request, moment)
        _record(request, Action.ESCALATE, user, moment, before, reason, level=request.level, lapsed_extensions=lapsed)
    notify_supervisors(request, _("Request %(number)s was escalated to you") % {"number": request.number}, reason)
    return request


def merge(request: ServiceRequest, user: Any, into: ServiceRequest, at: dt.datetime | None = None) -> ServiceRequest:
    """A duplicate is merged into the request that carries on (same enterprise, still open)."""
    moment = _now(at)
    with _taking(request, Action.MERGE, user) as request:
        into = _locked(into)
        if into.pk == request.pk or into.enterprise_id != request.enterprise_id or not into.is_open:
            raise ValidationError({"into": _("Merge into another open request of the same enterprise.")})
        check(into, Action.COMMENT, user)
        before = request.status
        request.status, request.merged_into = Status.MERGED, into
        request.save()
        lapsed = _lapse_extensions(request, moment)
        _record(request, Action.MERGE, user, moment, before, into=into.number, lapsed_extensions=lapsed)
        note = _("%(number)s was merged into this request.") % {"number": request.number}
        _record(into, Action.COMMENT, user, moment, into.status, note)
    return request


def _lapse_extensions(request: ServiceRequest, at: dt.datetime) -> int:
    """A pending extension was the previous lead's: it lapses when the request leaves that department."""
    return request.extensions.filter(status=ExtensionStatus.PENDING).update(
        status=ExtensionStatus.LAPSED, decided_at=at
    )


# --- the clock -------------------------------------------------------------------------------------------
def request_extension(
    request: ServiceRequest, user: Any, days: int, reason: str, at: dt.datetime | None = None
) -> Extension:
    moment = _now(at)
    reason = _require(reason, _("Say why more time is needed."))
    if not 1 <= days <= settings.SERVICEDESK_MAX_EXTENSION_DAYS:
        raise ValidationError(
            {"days": _("Ask for 1 to %(max)d working days.") % {"max": settings.SERVICEDESK_MAX_EXTENSION_DAYS}}
        )
    with _taking(request, Action.REQUEST_EXTENSION, user) as request:
        if request.extensions.filter(status="pending").exists():
            raise TransitionError(_("An extension request is already waiting for a decision."))
        extension = Extension.objects.create(
            request=request, working_days=days, reason=reason, requested_by=user, requested_at=moment
        )
        _record(request, Action.REQUEST_EXTENSION, user, moment, request.status, reason, days=days)
    notify_supervisors(request, _("Extension requested for %(number)s") % {"number": request.number}, reason)
    return extension


def decide_extension(
    request: ServiceRequest, user: Any, approve: bool, note: str = "", at: dt.datetime | None = None
) -> Extension:
    """A supervisor approves (the deadline moves by the days asked) or rejects a pending extension."""
    moment = _now(at)
    action = Action.APPROVE_EXTENSION if approve else Action.REJECT_EXTENSION
    with _taking(request, action, user) as request:
        extension = request.extensions.filter(status="pending").first()
        if extension is None:
            raise TransitionError(_("No extension is waiting for a decision."))
        extension.status = "approved" if approve else "rejected"
        extension.decided_by, extension.decided_at = user, moment
        extension.save()
        if approve:
            request.deadline = workdays.deadline_after(request.deadline, extension.working_days)
            request.extended_days += extension.working_days
            request.warned_at = None
            request.save()
        _record(request, action, user, moment, request.status, note, days=extension.working_days)
    return extension


def suspend(request: ServiceRequest, user: Any, reason: str, at: dt.datetime | None = None) -> ServiceRequest:
    """Waiting for the enterprise (missing documents …): the clock stops until it resumes."""
    moment = _now(at)
    reason = _require(reason, _("Say what the enterprise must provide."))
    with _taking(request, Action.SUSPEND, user) as request:
        before = request.status
        request.status, request.suspended_at = Status.SUSPENDED, moment
        request.save()
        _record(request, Action.SUSPEND, user, moment, before, reason)
    return request


def resume(request: ServiceRequest, user: Any, note: str = "", at: dt.datetime | None = None) -> ServiceRequest:
    """The clock runs again; the deadline moves by the working days the request waited."""
    moment = _now(at)
    with _taking(request, Action.RESUME, user) as request:
        before = request.status
        waited = workdays.workdays_between(workdays.local_date(request.suspended_at), workdays.local_date(moment))
        if request.deadline is not None and waited:
            request.deadline = workdays.deadline_after(request.deadline, waited)
        request.suspended_days += waited
        request.status, request.suspended_at = Status.HANDLING, None
        request.save()
        _record(request, Action.RESUME, user, moment, before, note, waited=waited)
    return request


# --- answer, close, rate -----------------------------------------------------------------------------------
def answer(request: ServiceRequest, user: Any, text: str, at: dt.datetime | None = None) -> ServiceRequest:
    """反馈: the lead department's answer to the enterprise, once every assisting part is in."""
    moment = _now(at)
    text = _require(text, _("Write the answer."))
    with _taking(request, Action.ANSWER, user) as request:
        waiting = request.parts.filter(role=PartRole.ASSIST, done_at__isnull=True)
        if waiting.exists():
            names = ", ".join(waiting.values_list("department__name", flat=True))
            raise TransitionError(_("Waiting for the assisting departments: %(names)s.") % {"names": names})
        before = request.status
        request.status, request.answer, request.answered_at = Status.ANSWERED, text, moment
        request.save()
        _record(
            request,
            Action.ANSWER,
            user,
            moment,
            before,
            text,
            on_time=request.deadline is None or moment <= request.deadline,
        )
    return request


def close(request: ServiceRequest, user: Any, note: str = "", at: dt.datetime | None = None) -> ServiceRequest:
    """办结: the answer stands; the enterprise is asked to rate it."""
    moment = _now(at)
    with _taking(request, Action.CLOSE, user) as request:
        before = request.status
        request.status, request.closed_at = Status.CLOSED, moment
        request.save()
        _record(request, Action.CLOSE, user, moment, before, note)
    return request


def rate(
    request: ServiceRequest, user: Any, satisfaction: str, comment: str = "", at: dt.datetime | None = None
) -> ServiceRequest:
    """评价. "Unsatisfied" the first time reopens the request for a revisit (回访, 重办) with the lead
    department; after a revisit the rating stands."""
    moment = _now(at)
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("Choose satisfied, basic or unsatisfied.")})
    with _taking(request, Action.RATE, user) as request:
        before = request.status
        request.satisfaction, request.rating_comment, request.rated_at = satisfaction, comment, moment
        reopen = satisfaction == Satisfaction.UNSATISFIED and request.reopened_count == 0
        request.status = Status.HANDLING if reopen else Status.RATED
        if reopen:
            request.reopened_count += 1
            request.answered_at = request.closed_at = None
            request.deadline = workdays.deadline_after(moment, _days(request.complexity)[0])
            request.warned_at = request.overdue_at = None
        request.save()
        _record(request, Action.RATE, user, moment, before, comment, satisfaction=satisfaction)
        if reopen:  # the rating moved it back to handling; this marks the revisit (回访, 重办)
            _record(request, Action.REOPEN, user, moment, request.status, comment)
    if reopen and request.lead_department:
        notify_department(
            request.lead_department, _("Request %(number)s reopened") % {"number": request.number}, comment
        )
    return request


def comment(request: ServiceRequest, user: Any, text: str, at: dt.datetime | None = None) -> Event:
    moment = _now(at)
    text = _require(text, _("Write a comment."))
    with _taking(request, Action.COMMENT, user) as request:
        return _record(request, Action.COMMENT, user, moment, request.status, text)


# --- deadlines: warnings and 督办 ---------------------------------------------------------------------------
def check_deadlines(at: dt.datetime | None = None) -> dict[str, int]:
    """Warn lead departments of requests due within `SERVICEDESK_WARN_HOURS`; refer overdue requests to
    the supervising office (once each). Run by `industrybrain servicedesk_tick` and by the server's timer."""
    moment = _now(at)
    soon = moment + dt.timedelta(hours=settings.SERVICEDESK_WARN_HOURS)
    counts = {"warned": 0, "overdue": 0}
    running = ServiceRequest.objects.filter(status__in=[Status.DISPATCHED, Status.HANDLING], deadline__isnull=False)
    for request in running.filter(deadline__lte=soon, deadline__gt=moment, warned_at__isnull=True).select_related(
        "lead_department"
    ):
        with transaction.atomic():
            request.warned_at = moment
            request.save(update_fields=["warned_at", "updated"])
            _record(request, Action.WARN, None, moment, request.status, deadline=request.deadline.isoformat())
        if request.lead_department:
            due = f"{timezone.localtime(request.deadline):%Y-%m-%d %H:%M}"
            subject = _("Request %(number)s is due soon") % {"number": request.number}
            notify_department(request.lead_department, subject, _("Deadline: %(time)s") % {"time": due})
        counts["warned"] += 1
    for request in running.filter(deadline__lte=moment, overdue_at__isnull=True).select_related("region"):
        with transaction.atomic():
            request.overdue_at = moment
            request.save(update_fields=["overdue_at", "updated"])
            _record(request, Action.OVERDUE, None, moment, request.status, deadline=request.deadline.isoformat())
        notify_supervisors(request, _("Overdue: request %(number)s") % {"number": request.number}, request.title)
        counts["overdue"] += 1
    return counts


# --- mail ----------------------------------------------------------------------------------------------------
def _mail(recipients: Iterable[str], subject: str, body: str) -> None:
    addresses = sorted({a for a in recipients if a})
    if addresses:
        send_mail(f"[{_('Enterprise service desk')}] {subject}", body, None, addresses, fail_silently=True)


def notify_department(department: Department, subject: str, body: str) -> None:
    _mail(User.objects.filter(department=department, is_active=True).values_list("email", flat=True), subject, body)


def supervisors_of(request: ServiceRequest) -> list[User]:
    """The supervising office (督办) of the region handling the request, and the offices above it."""
    candidates = User.objects.filter(
        is_active=True, role__in=[Role.SUPERVISOR, Role.ADMINISTRATOR], scope_park__isnull=True
    )
    return [u for u in candidates.select_related("scope_region") if is_supervisor_of(u, request)]


def notify_supervisors(request: ServiceRequest, subject: str, body: str) -> None:
    _mail((u.email for u in supervisors_of(request)), subject, body)
