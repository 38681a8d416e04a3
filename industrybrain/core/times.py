"""Times as people read them on the bureau's pages and files: local time, to the minute."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def local_minute(value: str | dt.datetime | None) -> str:
    """`2026-11-23 09:19` for a datetime or a stored ISO time (naive ones are UTC, as stored); "" for none.
    Text that is not a time is returned as it is, rather than hidden."""
    if not value:
        return ""
    try:
        when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_naive(when):
        when = timezone.make_aware(when, dt.UTC)
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
