"""Users with a region scope and a role; departments of the governments that use the platform."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from industrybrain.core.models import ChangeLogged, ChangeLoggedModel, RestrictedQuerySet

from .choices import Role


class Department(ChangeLoggedModel):
    """A unit of a government at some level (e.g. 临海市经济和信息化局) that handles enterprise requests."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="departments")

    class Meta:
        ordering = ["region_id", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def visibility_filter(cls, user: Any) -> Q | None:
        if user.scope_path is None:
            return Q(pk__in=[])
        return Q(region__path__startswith=user.scope_path)

    def change_scope_path(self) -> str:
        return self.region.path


class ScopedUserManager(UserManager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass


class User(ChangeLogged, AbstractUser):
    """A person using the platform. What they see is bounded by their scope: a region node, a park, or
    (for an enterprise user) one enterprise. Changes to accounts (roles, scopes) are change-logged too."""

    snapshot_exclude = ("password", "last_login")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.ANALYST)
    scope_region = models.ForeignKey(
        "registry.Region",
        verbose_name=_("region scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    scope_park = models.ForeignKey(
        "registry.Park",
        verbose_name=_("park scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )

    objects = ScopedUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def clean(self) -> None:
        super().clean()
        if self.role == Role.ENTERPRISE and self.enterprise_id is None:
            raise ValidationError({"enterprise": _("An enterprise user must belong to an enterprise.")})
        if self.role == Role.CLERK and self.department_id is None:
            raise ValidationError({"department": _("A department clerk must belong to a department.")})
        if (
            self.scope_park_id
            and self.scope_region_id
            and not self.scope_park.region.path.startswith(self.scope_region.path)
        ):
            raise ValidationError({"scope_park": _("The park must lie inside the region scope.")})

    @property
    def scope_path(self) -> str | None:
        """The region-tree path this user is bounded by; None means the user sees no region data."""
        if self.scope_park_id:
            return self.scope_park.region.path
        if self.scope_region_id:
            return self.scope_region.path
        if self.role == Role.ENTERPRISE and self.enterprise_id:
            return self.enterprise.region.path
        return None

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.role == Role.ADMINISTRATOR

    @property
    def can_manage_reference_data(self) -> bool:
        """Classifications are national: only superusers and province-wide administrators replace them."""
        if self.is_superuser:
            return True
        region = self.scope_region if self.scope_region_id and not self.scope_park_id else None
        return self.is_administrator and region is not None and region.parent_id is None

    @property
    def can_edit_master_data(self) -> bool:
        return self.is_active and (self.is_superuser or self.role in (Role.ADMINISTRATOR, Role.ANALYST))

    def change_scope_path(self) -> str:
        return self.scope_path or ""

    @classmethod
    def visibility_filter(cls, user: Any) -> Q | None:
        if not user.is_administrator or user.scope_path is None:
            return Q(pk=user.pk)
        return (
            Q(pk=user.pk)
            | Q(scope_region__path__startswith=user.scope_path)
            | Q(scope_park__region__path__startswith=user.scope_path)
        )
