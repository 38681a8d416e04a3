"""Registry admin. Regions and parks offered in forms are those the user may write, as in imports and the API
(registry.operations.writable_regions/writable_parks): a county administrator cannot pick another county."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from industrybrain.core.admin import ReferenceDataAdmin, ScopedAdminMixin

from .models import (
    DigitalEconomyCategory,
    DigitalEconomyMapping,
    DigitalEconomyVersion,
    Enterprise,
    Industry,
    Park,
    Region,
)
from .operations import writable_parks, writable_regions


class RegionScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Base for every admin of region-scoped data, here and in accounts."""

    def related_choices(self, request: HttpRequest, model: type[models.Model]) -> QuerySet | None:
        if model is Region:
            return writable_regions(request.user)
        if model is Park:
            return writable_parks(request.user)
        return super().related_choices(request, model)


@admin.register(Region)
class RegionAdmin(RegionScopedAdmin):
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]

    def writable_queryset(self, request: HttpRequest) -> QuerySet:
        return writable_regions(request.user)  # the ancestors a county sees are not its to rename

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A region's code and place in the tree come from GB/T 2260; moving one would leave its subtree's
        # materialised paths stale.
        return ["code", "level", "parent"] if obj is not None else []

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(Park)
class ParkAdmin(RegionScopedAdmin):
    list_display = ["code", "name", "kind", "region", "planned_area_mu"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    list_select_related = ["region"]

    def writable_queryset(self, request: HttpRequest) -> QuerySet:
        return self.get_queryset(request).filter(region__in=writable_regions(request.user))


@admin.register(Enterprise)
class EnterpriseAdmin(RegionScopedAdmin):
    list_display = ["uscc", "name", "region", "park", "industry", "is_above_scale", "status"]
    # Only choice fields here: a filter on region or park would list the whole province's parks.
    list_filter = ["status", "is_above_scale", "is_listed"]
    search_fields = ["uscc", "name"]
    list_select_related = ["region", "park", "industry"]
    autocomplete_fields = ["industry"]

    def writable_queryset(self, request: HttpRequest) -> QuerySet:
        user = request.user
        return self.get_queryset(request).filter(
            Q(region__in=writable_regions(user)) | Q(park__in=writable_parks(user))
        )


@admin.register(Industry)
class IndustryAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "level", "section"]
    list_filter = ["level", "section"]
    search_fields = ["code", "name"]


@admin.register(DigitalEconomyVersion)
class DigitalEconomyVersionAdmin(ReferenceDataAdmin):
    list_display = ["name", "source", "imported_at", "is_current"]


class DigitalEconomyMappingInline(admin.TabularInline):
    model = DigitalEconomyMapping
    extra = 0
    autocomplete_fields = ["industry"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(DigitalEconomyCategory)
class DigitalEconomyCategoryAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "level", "verification", "version"]
    list_filter = ["version", "level", "verification"]
    search_fields = ["code", "name"]
    list_select_related = ["version"]
    inlines = [DigitalEconomyMappingInline]
