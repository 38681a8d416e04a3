"""The change log and the base classes every master-data model builds on."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Self

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .context import current_change_context


class RestrictedQuerySet(models.QuerySet):
    """The one place where "who may see what" is applied: UI, API, admin and exports all call `visible_to`."""

    def visible_to(self, user: Any) -> Self:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        # Visibility filters follow to-one relations only, so no row can appear twice and no DISTINCT is needed.
        condition = self.model.visibility_filter(user)
        return self if condition is None else self.filter(condition)


class ChangeLogged:
    """Mixin: every create, update and delete of the model is written to the change log (core.signals)."""

    # Fields left out of snapshots: they change on every save, say nothing about the data, or are secret.
    snapshot_exclude: tuple[str, ...] = ("created", "last_updated")

    @classmethod
    def visibility_filter(cls, user: Any) -> Q | None:
        """Rows `user` may see, as a Q; None means all rows. Scoped models override this."""
        return None

    def snapshot(self) -> dict[str, Any]:
        """A JSON-safe dict of the stored field values (foreign keys by their key)."""
        data = {}
        for f in self._meta.concrete_fields:  # type: ignore[attr-defined]
            if f.name in self.snapshot_exclude:
                continue
            value = getattr(self, f.attname)
            if isinstance(f, models.DecimalField) and isinstance(value, Decimal):
                value = value.quantize(Decimal(1).scaleb(-f.decimal_places))  # "12.5" and "12.50" are equal
            data[f.attname] = value
        return json.loads(json.dumps(data, cls=DjangoJSONEncoder))

    def change_scope_path(self) -> str:
        """The region path that owns this object, so that scoped administrators see its changes."""
        return ""


class ChangeLoggedModel(ChangeLogged, models.Model):
    """Master data: change-logged, with creation and update times, read through the restricted queryset."""

    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_updated = models.DateTimeField(_("last updated"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True


class ObjectChange(models.Model):
    """One create, update or delete of one master-data object: who, when, before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")

    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=20)
    request_id = models.UUIDField(_("request id"), db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    scope_path = models.CharField(max_length=200, blank=True, db_index=True)
    prechange_data = models.JSONField(_("before"), null=True, blank=True)
    postchange_data = models.JSONField(_("after"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = _("change")
        verbose_name_plural = _("change log")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    @classmethod
    def visibility_filter(cls, user: Any) -> Q | None:
        # Only administrators read the change log, and only for their own part of the region tree.
        if not user.is_administrator or user.scope_path is None:
            return Q(pk__in=[])
        return Q(scope_path__startswith=user.scope_path)

    @classmethod
    def build(cls, instance: ChangeLoggedModel, action: str, before: dict | None, after: dict | None) -> ObjectChange:
        context = current_change_context()
        actor = context.actor
        return cls(
            user=actor,
            user_name=actor.get_username() if actor else "",
            source=context.source,
            request_id=context.request_id,
            action=action,
            content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
            object_id=str(instance.pk),
            object_repr=str(instance)[:200],
            scope_path=instance.change_scope_path(),
            prechange_data=before,
            postchange_data=after,
        )

    def changed_fields(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for each field whose value differs."""
        before, after = self.prechange_data or {}, self.postchange_data or {}
        names = sorted(set(before) | set(after))
        return [(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]
