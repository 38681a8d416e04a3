"""The admin keeps the same lines as the pages and the API: rows come from `visible_to(user)`, foreign-key choices
from what the user may see (or write), and the user's role decides who may use it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import ObjectChange, RestrictedQuerySet

admin.site.site_header = admin.site.site_title = _("Industry Brain")


def may_administer(user: Any) -> bool:
    """Superusers, and staff administrators who have a scope. Django's per-model permissions are not used: the
    role and the scope already say what an administrator may do, and two systems of rights would drift apart."""
    if not (user.is_active and user.is_staff):
        return False
    return user.is_superuser or (user.is_administrator and user.scope_path is not None)


class ScopedAdminMixin:
    """For master data: the changelist is what the user may see; change and delete only what they may write."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).visible_to(request.user)  # type: ignore[misc]

    def writable_queryset(self, request: HttpRequest) -> QuerySet:
        """Rows the user may change or delete; models whose visible rows include read-only ones narrow this."""
        return self.get_queryset(request)

    def related_choices(self, request: HttpRequest, model: type[models.Model]) -> QuerySet | None:
        """Choices for a foreign key to `model`: its visible rows when it is scoped, else Django's default."""
        rows = model._default_manager.all()
        return rows.visible_to(request.user) if isinstance(rows, RestrictedQuerySet) else None

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        choices = self.related_choices(request, db_field.related_model)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_administer(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_administer(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request.user) and (obj is None or self._is_writable(request, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def _is_writable(self, request: HttpRequest, obj: Any) -> bool:
        return self.writable_queryset(request).filter(pk=obj.pk).exists()


class ReferenceDataAdmin(admin.ModelAdmin):
    """National classifications: administrators read them, only superusers edit them by hand (a new edition is
    loaded as a new version, see registry.operations)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_administer(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(ObjectChange)
class ObjectChangeAdmin(admin.ModelAdmin):
    """The change log is a record: it is read here, never written."""

    list_display = ["time", "user_name", "source", "action", "content_type", "object_repr"]
    list_filter = ["action", "source", "content_type"]
    search_fields = ["object_repr", "object_id", "user_name"]
    date_hierarchy = "time"
    list_select_related = ["content_type"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).visible_to(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_administer(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
