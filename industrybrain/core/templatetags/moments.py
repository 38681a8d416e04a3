"""`{% load moments %}{{ data.data_as_of|moment }}`: a stored ISO time (the store's "data as of", a run's time)
as people read it — local time, to the minute — instead of the raw `2026-11-23T00:19:11.619585+00:00`."""

from __future__ import annotations

import datetime as dt

from django import template

from industrybrain.core.times import local_minute

register = template.Library()


@register.filter
def moment(value: str | dt.datetime | None) -> str:
    return local_minute(value) or "—"
