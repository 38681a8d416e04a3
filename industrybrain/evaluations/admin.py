"""Specs and runs in the admin: read only. A spec changes by adding a version (API or CLI), and a stored run is a
record that `verify_run` must be able to reproduce, so neither is edited by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from industrybrain.core.admin import ScopedAdminMixin

from .models import EvaluationRun, EvaluationSpec


class ReadOnlyScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """What the administrator may see (visible_to), and nothing to add, change or delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EvaluationSpec)
class EvaluationSpecAdmin(ReadOnlyScopedAdmin):
    list_display = ["code", "version", "name", "entity", "is_shipped", "created", "short_digest"]
    list_filter = ["entity", "is_shipped"]
    search_fields = ["code", "name", "name_en", "digest"]

    @admin.display(description=_("content digest"))
    def short_digest(self, spec: EvaluationSpec) -> str:
        return spec.digest[:12]


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ReadOnlyScopedAdmin):
    list_display = ["id", "spec", "period", "region", "source", "entities", "engine_version", "created"]
    list_filter = ["spec__code", "period", "source"]
    search_fields = ["spec__code", "spec__name", "region__code", "region__name", "data_version"]
    list_select_related = ["spec", "region"]
    date_hierarchy = "created"
