"""Filters for the change log (the REST API's /api/changes/)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import ObjectChange


class ObjectChangeFilterSet(django_filters.FilterSet):
    model = django_filters.CharFilter(label=_("Object type"), field_name="content_type__model", lookup_expr="iexact")
    object_id = django_filters.CharFilter(label=_("object id"))
    action = django_filters.ChoiceFilter(label=_("Action"), choices=ObjectChange.Action.choices)
    source = django_filters.CharFilter(label=_("Source"))
    user = django_filters.CharFilter(label=_("User name"), field_name="user_name")
    request_id = django_filters.UUIDFilter(label=_("request id"))
    since = django_filters.IsoDateTimeFilter(label=_("Changed at or after"), field_name="time", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(label=_("Changed at or before"), field_name="time", lookup_expr="lte")

    class Meta:
        model = ObjectChange
        fields: list[str] = []
