"""Shared REST API building blocks: pagination, scoped viewsets, the write permission, validated writes.

The status codes every endpoint keeps to: 401 not signed in; 403 the user's role may not write, or the change
would touch something outside the user's write scope (the body names the field); 404 not visible to the user;
400 invalid data, including the model's own `clean()` rules; 409 a delete refused because others still refer
to the object.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


class CanEditMasterData(permissions.BasePermission):
    """Everyone signed in may read what they can see; administrators and analysts may write."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        # getattr: an anonymous user has no such property, and must get a 401/403, not a server error.
        return bool(getattr(request.user, "can_edit_master_data", False))


class ScopedQuerysetMixin:
    """Every API list and detail starts from the restricted queryset: what the user may see, nothing else."""

    queryset: Any

    def get_queryset(self) -> Any:
        return super().get_queryset().visible_to(self.request.user)  # type: ignore[misc]


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The object is still in use.")
    default_code = "conflict"


class CodeRelatedField(serializers.SlugRelatedField):
    """A related object named by its code. A NUL character is refused before the lookup: PostgreSQL cannot
    hold one in a text value and fails the query instead of finding no row."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class CleanModelSerializer(serializers.ModelSerializer):
    """Validates like a model form: the object as it would be saved goes through `full_clean()`, so the
    model's own rules (`clean()`, field validators, unique constraints) hold for API writes as for the UI and
    imports. The validated object is kept as `candidate` for the view's write-scope check."""

    candidate: models.Model | None = None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        candidate = self._build_candidate(attrs)
        try:
            candidate.full_clean()
        except DjangoValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
            key = api_settings.NON_FIELD_ERRORS_KEY
            raise serializers.ValidationError(
                {key if k == NON_FIELD_ERRORS else k: v for k, v in errors.items()}
            ) from exc
        self.candidate = candidate
        return attrs

    def _build_candidate(self, attrs: dict[str, Any]) -> models.Model:
        """A copy of the stored object (or a new one) with the submitted values; the stored one stays as it
        is, so a refused update leaves nothing half-applied in memory either."""
        model = self.Meta.model
        if self.instance is None:
            candidate = model()
        else:
            stored = {f.attname: getattr(self.instance, f.attname) for f in model._meta.concrete_fields}
            candidate = model(**stored)
            candidate._state.adding = False
        for name, value in attrs.items():
            setattr(candidate, name, value)
        return candidate


class ChangeLoggedWriteMixin:
    """Writes through the API: checked against the user's write scope, saved atomically with their change-log
    entry, and a delete that others still depend on answers 409 instead of a server error."""

    def check_write_scope(self, instance: Any, stored: Any) -> None:
        """Raise PermissionDenied when the user may not write `instance` (or change `stored`)."""
        raise NotImplementedError

    def perform_create(self, serializer: CleanModelSerializer) -> None:
        self.check_write_scope(serializer.candidate, None)
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer: CleanModelSerializer) -> None:
        self.check_write_scope(serializer.candidate, serializer.instance)
        with transaction.atomic():
            serializer.save()

    def perform_destroy(self, instance: Any) -> None:
        self.check_write_scope(instance, instance)
        try:
            with transaction.atomic():
                instance.delete()
        except (ProtectedError, RestrictedError) as exc:
            raise Conflict(_refused_delete_message(exc)) from exc


def _refused_delete_message(exc: ProtectedError | RestrictedError) -> str:
    blockers = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", set())
    counts: dict[str, int] = {}
    for obj in blockers:
        name = str(obj._meta.verbose_name_plural)
        counts[name] = counts.get(name, 0) + 1
    objects = ", ".join(f"{name} ({n})" for name, n in sorted(counts.items()))
    return _("It cannot be deleted while other records refer to it: %(objects)s.") % {"objects": objects}
