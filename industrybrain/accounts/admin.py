"""Accounts admin: an administrator manages the users and departments of their own subtree, and cannot hand
out more than they hold (superuser status and Django permissions stay with superusers)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from industrybrain.registry.admin import RegionScopedAdmin
from industrybrain.registry.operations import writable_regions

from .models import Department, User


@admin.register(Department)
class DepartmentAdmin(RegionScopedAdmin):
    list_display = ["code", "name", "region"]
    search_fields = ["code", "name"]
    list_select_related = ["region"]

    def writable_queryset(self, request: HttpRequest) -> QuerySet:
        return self.get_queryset(request).filter(region__in=writable_regions(request.user))


@admin.register(User)
class UserAdmin(RegionScopedAdmin, DjangoUserAdmin):
    list_display = ["username", "role", "scope_region", "scope_park", "is_staff", "is_active"]
    list_filter = ["role", "is_staff", "is_active"]
    list_select_related = ["scope_region", "scope_park"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Role and scope"), {"fields": ["role", "scope_region", "scope_park", "department", "enterprise"]}),
    ]

    def writable_queryset(self, request: HttpRequest) -> QuerySet:
        rows = self.get_queryset(request)
        # A scoped administrator must not be able to reset a superuser's password.
        return rows if request.user.is_superuser else rows.filter(is_superuser=False)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly
