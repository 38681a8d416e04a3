"""`{% load moments %}{{ data.data_as_of|moment }}`: a stored ISO time (the store's "data as of", a run's time)
as people read it — local time, to the minute — instead of the raw `2026-11-23T00:19:11.619585+00:00`."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def moment(value: str | dt.datetime | None) -> str:
    if not value:
        return "—"
    try:
        when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)  # not a time: shown as stored rather than hidden
    if timezone.is_naive(when):
        when = timezone.make_aware(when, dt.UTC)
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
