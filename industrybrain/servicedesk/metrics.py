"""The desk's figures per department, category, region or month (docs/servicedesk.md defines each one).

- volume: requests received in the period (merged duplicates excluded);
- 签收率 (signed in time): signings within the sign-for limit ÷ times a request was handed to a department;
- 办结率 (closed): closed or rated ÷ volume;
- on-time rate: closed on time ÷ (closed + open and overdue), "on time" = answered by the deadline;
- 回退率 (returned): returns ÷ times handed to a department;
- 重办率 (redone): requests reopened after an unsatisfied rating ÷ requests closed;
- 满意率 (satisfied): satisfied or basically satisfied ÷ rated;
- handling time: working days from receipt to closure, less the days waiting for the enterprise (mean, p90).

Departments are credited with what they did: hand-overs, signings and returns by the department concerned;
request-level figures (closure, on time, rating) to the lead department at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import QuerySet
from django.utils import timezone

from . import workdays
from .choices import Action, Satisfaction, Status
from .models import Event, ServiceRequest

GROUPINGS = ("department", "category", "region", "month")


@dataclass
class Row:
    key: str
    name: str
    volume: int = 0
    closed: int = 0
    open: int = 0
    open_overdue: int = 0
    closed_rate: float | None = None
    signed_in_time_rate: float | None = None
    on_time_rate: float | None = None
    return_rate: float | None = None
    redo_rate: float | None = None
    satisfaction_rate: float | None = None
    mean_days: float | None = None
    p90_days: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(part: float, whole: float) -> float | None:
    return float(part) / float(whole) if whole else None


def _requests(requests: QuerySet[ServiceRequest], now: dt.datetime) -> pd.DataFrame:
    rows = list(
        requests.exclude(status=Status.MERGED).values(
            "id", "created", "status", "deadline", "answered_at", "closed_at", "reopened_count", "satisfaction",
            "suspended_days", "suspended_at", "category__code", "category__name", "region_id", "region__name",
            "lead_department__code", "lead_department__name",
        )
    )  # fmt: skip
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    done = frame["status"].isin([Status.CLOSED, Status.RATED])
    open_ = ~done
    answered_on_time = (
        frame["answered_at"].notna() & frame["deadline"].notna() & (frame["answered_at"] <= frame["deadline"])
    )
    stopped = frame["suspended_at"].where(frame["status"] == Status.SUSPENDED)
    clock = stopped.fillna(frame["answered_at"]).fillna(pd.Timestamp(now))
    overdue = frame["deadline"].notna() & (clock > frame["deadline"])
    frame["done"], frame["open"] = done, open_
    frame["open_overdue"] = open_ & overdue
    frame["closed_on_time"] = done & answered_on_time
    frame["rated"] = frame["satisfaction"] != ""
    frame["satisfied"] = frame["satisfaction"].isin([Satisfaction.SATISFIED, Satisfaction.BASIC])
    frame["reopened"] = frame["reopened_count"] > 0
    frame["ever_closed"] = done | frame["reopened"]
    frame["days"] = [
        max(workdays.working_days_taken(c, e) - s, 0.0) if d else np.nan
        for c, e, s, d in zip(frame["created"], frame["closed_at"], frame["suspended_days"], done, strict=True)
    ]
    # vectorised: one conversion of the column, not a localtime() call per request
    frame["month"] = pd.to_datetime(frame["created"], utc=True).dt.tz_convert(timezone.get_current_timezone())
    frame["month"] = frame["month"].dt.strftime("%Y-%m")
    return frame


def _hand_overs(requests: QuerySet[ServiceRequest]) -> pd.DataFrame:
    """One row per hand-over, signing or return, with the department concerned and the request's keys."""
    events = Event.objects.filter(
        request__in=requests.exclude(status=Status.MERGED),
        action__in=[Action.DISPATCH, Action.TRANSFER, Action.SIGN, Action.RETURN],
    ).values("request_id", "action", "data", "department__code")
    rows = []
    for e in events:
        department = e["department__code"] if e["action"] == Action.SIGN else e["data"].get("department", "")
        on_time = bool(e["data"].get("on_time", True)) if e["action"] == Action.SIGN else None
        rows.append({"id": e["request_id"], "action": e["action"], "department": department, "on_time": on_time})
    return pd.DataFrame(rows, columns=["id", "action", "department", "on_time"])


_KEYS = {
    "department": ("lead_department__code", "lead_department__name"),
    "category": ("category__code", "category__name"),
    "region": ("region_id", "region__name"),
    "month": ("month", "month"),
}


_COUNTS = ["done", "open", "open_overdue", "closed_on_time", "reopened", "ever_closed", "satisfied", "rated"]
_MOVES = ["handed", "signed_in_time", "returned"]


def _move_flags(moves: pd.DataFrame) -> pd.DataFrame:
    return moves.assign(
        handed=moves["action"].isin([Action.DISPATCH, Action.TRANSFER]),
        signed_in_time=(moves["action"] == Action.SIGN) & (moves["on_time"] == True),  # noqa: E712
        returned=moves["action"] == Action.RETURN,
    )


def _none(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def _row(key: str, name: str, volume: int, counts: pd.Series, moved: pd.Series, days: tuple[Any, Any]) -> Row:
    """One group's figures from its sums of request flags and of hand-over flags, and its (mean, p90) days."""
    closed, handed = int(counts["done"]), int(moved["handed"])
    return Row(
        key=key, name=name, volume=volume, closed=closed, open=int(counts["open"]),
        open_overdue=int(counts["open_overdue"]), closed_rate=_ratio(closed, volume),
        signed_in_time_rate=_ratio(moved["signed_in_time"], handed),
        on_time_rate=_ratio(counts["closed_on_time"], closed + counts["open_overdue"]),
        return_rate=_ratio(moved["returned"], handed),
        redo_rate=_ratio(counts["reopened"], counts["ever_closed"]),
        satisfaction_rate=_ratio(counts["satisfied"], counts["rated"]),
        mean_days=_none(days[0]), p90_days=_none(days[1]),
    )  # fmt: skip


def metrics(requests: QuerySet[ServiceRequest], by: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """Rows per group and the total, over the given (already scoped and period-filtered) requests."""
    return metrics_by(requests, (by,), now)[by]


def metrics_by(
    requests: QuerySet[ServiceRequest], groupings: Sequence[str], now: dt.datetime | None = None
) -> dict[str, dict[str, Any]]:
    """`metrics()` for several groupings at once, from one read of the requests and of their hand-overs (the
    board shows four: what was chosen, and the month, department and category charts)."""
    for by in groupings:
        if by not in GROUPINGS:
            raise ValueError(f"unknown grouping {by}")
    moment = now or timezone.now()
    frame = _requests(requests, moment)
    moves = _hand_overs(requests)
    return {by: _grouped(frame, moves, by, moment) for by in groupings}


def _grouped(frame: pd.DataFrame, moves: pd.DataFrame, by: str, moment: dt.datetime) -> dict[str, Any]:
    """Sums per group in one pass of pandas each (not a pass per group: the board groups four ways at once)."""
    if frame.empty:
        return {"by": by, "rows": [], "total": Row("", "").as_dict(), "as_of": moment.isoformat()}
    key_column, name_column = _KEYS[by]
    frame[key_column] = frame[key_column].fillna("")
    frame[name_column] = frame[name_column].fillna("")
    moves = _move_flags(moves)
    if by == "department":  # departments are credited with their own hand-overs, signings and returns
        moved = moves.groupby("department")[_MOVES].sum()
    else:
        moved = moves.merge(frame[["id", key_column]], on="id").groupby(key_column)[_MOVES].sum()
    groups = frame.groupby(key_column, sort=True)
    counts, sizes, names = groups[_COUNTS].sum(), groups.size(), groups[name_column].first()
    means, p90s = groups["days"].mean(), groups["days"].quantile(0.9)
    nothing = pd.Series(0, index=_MOVES)
    rows = [
        _row(str(key), str(names[key] or "—"), int(sizes[key]), counts.loc[key],
             moved.loc[key] if key in moved.index else nothing, (means[key], p90s[key])).as_dict()
        for key in counts.index
    ]  # fmt: skip
    days = (frame["days"].mean(), frame["days"].quantile(0.9))
    total = _row("", "", len(frame), frame[_COUNTS].sum(), moves[_MOVES].sum(), days).as_dict()
    return {"by": by, "rows": rows, "total": total, "as_of": moment.isoformat()}
