"""The transition table: which action may move a request from which status, and who may take it.

Every state change goes through `check`: a wrong status is a `TransitionError` (the API answers 409), a
wrong actor a `PermissionDenied` (403). Nothing else changes a request's status.

Actors, relative to one request:
- `enterprise`: a user of the requesting enterprise;
- `lead`: a clerk of the lead department; `assist`: a clerk of an assisting department with a part to do;
- `supervisor`: a supervisor or administrator whose scope contains the region handling the request now
  (the county, or the city or province after escalation) — the 督办 office;
- `registrar`: a clerk or supervisor registering a request received by phone or 12345.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from industrybrain.accounts.choices import Role

from .choices import Action, Status

if TYPE_CHECKING:
    from .models import ServiceRequest

S = Status
ACTIVE = (S.RECEIVED, S.DISPATCHED, S.HANDLING, S.SUSPENDED)


class TransitionError(ValueError):
    """The action is not possible in the request's current status."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str | None  # None: the status does not change
    actors: frozenset[str]


def _t(action: Action, sources: tuple[Status, ...], target: Status | None, *actors: str) -> Transition:
    return Transition(
        action.value, tuple(s.value for s in sources), target.value if target else None, frozenset(actors)
    )


TABLE: dict[str, Transition] = {
    t.action: t
    for t in (
        _t(Action.DISPATCH, (S.RECEIVED,), S.DISPATCHED, "supervisor"),
        _t(Action.SIGN, (S.DISPATCHED,), S.HANDLING, "lead"),
        _t(Action.RETURN, (S.DISPATCHED,), S.RECEIVED, "lead"),
        _t(Action.TRANSFER, (S.DISPATCHED, S.HANDLING), S.DISPATCHED, "lead", "supervisor"),
        _t(Action.SUBMIT_PART, (S.HANDLING, S.SUSPENDED), None, "assist"),
        _t(Action.ESCALATE, (S.RECEIVED, S.DISPATCHED, S.HANDLING), S.RECEIVED, "supervisor"),
        _t(Action.MERGE, ACTIVE, S.MERGED, "supervisor"),
        _t(Action.REQUEST_EXTENSION, (S.HANDLING,), None, "lead"),
        _t(Action.APPROVE_EXTENSION, (S.HANDLING, S.SUSPENDED), None, "supervisor"),
        _t(Action.REJECT_EXTENSION, (S.HANDLING, S.SUSPENDED), None, "supervisor"),
        _t(Action.SUSPEND, (S.HANDLING,), S.SUSPENDED, "lead"),
        _t(Action.RESUME, (S.SUSPENDED,), S.HANDLING, "lead", "enterprise"),
        _t(Action.ANSWER, (S.HANDLING,), S.ANSWERED, "lead"),
        _t(Action.CLOSE, (S.ANSWERED,), S.CLOSED, "lead", "supervisor"),
        _t(Action.RATE, (S.CLOSED,), S.RATED, "enterprise"),  # or back to handling once (see operations.rate)
        _t(Action.COMMENT, (*ACTIVE, S.ANSWERED, S.CLOSED), None, "enterprise", "lead", "assist", "supervisor"),
    )
}


def actor_roles(request: ServiceRequest, user: Any) -> set[str]:
    """What the user is to this request (possibly several things, possibly nothing)."""
    roles: set[str] = set()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return roles
    if user.role == Role.ENTERPRISE and user.enterprise_id and user.enterprise_id == request.enterprise_id:
        roles.add("enterprise")
    if user.role == Role.CLERK and user.department_id:
        if user.department_id == request.lead_department_id:
            roles.add("lead")
        if request.parts.filter(department_id=user.department_id, role="assist", done_at__isnull=True).exists():
            roles.add("assist")
    if is_supervisor_of(user, request):
        roles.add("supervisor")
    return roles


def is_supervisor_of(user: Any, request: ServiceRequest) -> bool:
    if user.is_superuser:
        return True
    if user.role not in (Role.SUPERVISOR, Role.ADMINISTRATOR) or user.scope_path is None or user.scope_park_id:
        return False
    return request.handling_region.path.startswith(user.scope_path)


def available(request: ServiceRequest, user: Any) -> list[str]:
    """The actions this user may take on the request now (for the page's buttons)."""
    roles = actor_roles(request, user)
    return [a for a, t in TABLE.items() if request.status in t.sources and roles & t.actors]


def check(request: ServiceRequest, action: str, user: Any) -> Transition:
    """The transition, if the request's status allows it and the user may take it; raises otherwise."""
    transition = TABLE.get(action)
    if transition is None:
        raise TransitionError(_("Unknown action %(action)s.") % {"action": action})
    roles = actor_roles(request, user) if user is not None else None
    if roles is not None and not roles:  # a stranger learns nothing about the request's status
        raise PermissionDenied(_("You may not take this action on request %(number)s.") % {"number": request.number})
    if request.status not in transition.sources:
        raise TransitionError(
            _("A request that is %(status)s cannot be %(action)s.")
            % {"status": request.get_status_display(), "action": Action(action).label}
        )
    if roles is not None and not roles & transition.actors:
        raise PermissionDenied(_("You may not take this action on request %(number)s.") % {"number": request.number})
    return transition
