"""Regions (GB/T 2260) and parks, industries (GB/T 4754-2017) with the digital-economy classification,
and enterprises keyed by their 统一社会信用代码."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from industrybrain.accounts.choices import Role
from industrybrain.core.models import ChangeLoggedModel, RestrictedQuerySet

from .choices import (
    DigitalEconomyLevel,
    EnterpriseStatus,
    IndustryLevel,
    Ownership,
    ParkKind,
    RegionLevel,
    Verification,
)
from .uscc import check_uscc

CORE_DIGITAL_ECONOMY_CATEGORIES = ("01", "02", "03", "04")  # 数字产业化; "05" is 产业数字化


def validate_uscc(value: str) -> None:
    result = check_uscc(value)
    if not result.is_valid:
        raise ValidationError(
            _("%(code)s is not a valid unified social credit code: %(reasons)s"),
            params={"code": value, "reasons": "; ".join(result.errors)},
            code="invalid_uscc",
        )


def _in_scope(user: Any, region_field: str) -> Q:
    """Rows whose region lies in the user's subtree (no rows when the user has no scope)."""
    if user.scope_path is None:
        return Q(pk__in=[])
    return Q(**{f"{region_field}__path__startswith": user.scope_path})


class Region(ChangeLoggedModel):
    """A node of the administrative tree: province, city (地级市) or county-level unit."""

    code = models.CharField(
        _("code"), max_length=6, primary_key=True, validators=[RegexValidator(r"^\d{6}$", _("six digits"))]
    )
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path "330000/331000/331082/": a subtree is one indexed prefix match.
    path = models.CharField(max_length=200, editable=False, db_index=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Cleared for codes withdrawn by a re-districting."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        expected_parent = {
            RegionLevel.PROVINCE: None,
            RegionLevel.CITY: RegionLevel.PROVINCE,
            RegionLevel.COUNTY: RegionLevel.CITY,
        }.get(self.level)
        parent_level = self.parent.level if self.parent_id else None
        if parent_level != expected_parent:
            raise ValidationError(
                {
                    "parent": _("A %(level)s must sit under a %(parent)s.")
                    % {"level": self.level, "parent": expected_parent or "nothing"}
                }
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.path = (self.parent.path if self.parent_id else "") + f"{self.code}/"
        super().save(*args, **kwargs)

    def ancestor_codes(self) -> list[str]:
        return self.path.strip("/").split("/")[:-1]

    @classmethod
    def visibility_filter(cls, user: Any) -> Q | None:
        # A user sees their subtree, plus the ancestors that name where it lies (for breadcrumbs and maps).
        if user.scope_path is None:
            return Q(pk__in=[])
        ancestors = user.scope_path.strip("/").split("/")[:-1]
        return Q(path__startswith=user.scope_path) | Q(code__in=ancestors)

    def change_scope_path(self) -> str:
        return self.path


class Park(ChangeLoggedModel):
    """An industrial park or platform (园区, 产业平台) under a county-level region."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=ParkKind.choices, default=ParkKind.OTHER)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="parks")
    planned_area_mu = models.DecimalField(
        _("planned area (亩)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("park")
        verbose_name_plural = _("parks")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.region_id and self.region.level != RegionLevel.COUNTY:
            raise ValidationError({"region": _("A park lies under a county-level region.")})

    @classmethod
    def visibility_filter(cls, user: Any) -> Q | None:
        if user.scope_park_id:
            return Q(pk=user.scope_park_id)
        return _in_scope(user, "region")

    def change_scope_path(self) -> str:
        return self.region.path


class Industry(models.Model):
    """A GB/T 4754-2017 node: 门类 (letter), 大类 (2 digits), 中类 (3) or 小类 (4). Public reference data."""

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=IndustryLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    section = models.CharField(_("section"), max_length=1)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_manufacturing(self) -> bool:
        return self.section == "C"

    def covers(self, class_code: str, class_section: str) -> bool:
        """Whether a 4-digit class lies under this node (sections are letters, other levels are prefixes)."""
        return class_section == self.code if self.level == IndustryLevel.SECTION else class_code.startswith(self.code)


class DigitalEconomyVersion(models.Model):
    """One edition of the digital-economy classification's mapping onto GB/T 4754. Statistics record which
    version they used, so replacing the mapping never changes an earlier result."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    is_current = models.BooleanField(_("current"), default=False)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("digital-economy classification version")
        verbose_name_plural = _("digital-economy classification versions")
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="one_current_de_version")
        ]

    def __str__(self) -> str:
        return self.name


class DigitalEconomyCategory(models.Model):
    """A node of the classification: 大类 01-05, 中类 (4 digits) or 小类 (6 digits)."""

    version = models.ForeignKey(DigitalEconomyVersion, on_delete=models.CASCADE, related_name="categories")
    code = models.CharField(_("code"), max_length=6)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=DigitalEconomyLevel.choices)
    industries = models.ManyToManyField(
        Industry,
        verbose_name=_("GB/T 4754 classes"),
        through="DigitalEconomyMapping",
        related_name="digital_economy_categories",
    )
    verification = models.CharField(_("verification"), max_length=12, choices=Verification.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["version", "code"]
        verbose_name = _("digital-economy category")
        verbose_name_plural = _("digital-economy categories")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_de_code_per_version")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def major_code(self) -> str:
        return self.code[:2]

    @property
    def is_core(self) -> bool:
        """01-04 are the core industries (数字产业化); 05 is 产业数字化."""
        return self.major_code in CORE_DIGITAL_ECONOMY_CATEGORIES


class DigitalEconomyMapping(models.Model):
    """One 小类 -> GB/T 4754 class pair, with how sure the source is of it (a 小类 may cover several classes)."""

    category = models.ForeignKey(DigitalEconomyCategory, on_delete=models.CASCADE, related_name="mappings")
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, related_name="+")
    verification = models.CharField(_("verification"), max_length=12, choices=Verification.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["category", "industry"]
        constraints = [models.UniqueConstraint(fields=["category", "industry"], name="unique_de_mapping")]

    def __str__(self) -> str:
        return f"{self.category.code} -> {self.industry_id}"


class EnterpriseQuerySet(RestrictedQuerySet):
    def in_region(self, region: Region) -> EnterpriseQuerySet:
        """Registered in the region's subtree, or operating in one of its parks."""
        return self.filter(Q(region__path__startswith=region.path) | Q(park__region__path__startswith=region.path))

    def summary(self) -> dict[str, Any]:
        """Headline counts for a page: enterprises, 规上, land (亩) and employees."""
        totals = self.aggregate(
            enterprises=Count("pk"),
            above_scale=Count("pk", filter=Q(is_above_scale=True)),
            land_area_mu=Sum("land_area_mu"),
            employees=Sum("employees"),
        )
        return totals

    def count_by_industry(self) -> dict[str, int]:
        """Enterprises per 4-digit class; callers roll these up to any level of the GB/T 4754 tree."""
        rows = self.order_by().values("industry_id").annotate(n=Count("pk"))
        return {row["industry_id"]: row["n"] for row in rows}


class Enterprise(ChangeLoggedModel):
    """An enterprise, identified by its 统一社会信用代码 (USCC)."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc])
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        Region,
        verbose_name=_("registration region"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        help_text=_("Where the enterprise is registered; it may operate elsewhere (see park)."),
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("park"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("industry"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"level": IndustryLevel.CLASS},
    )
    is_above_scale = models.BooleanField(_("above designated size (规上)"), default=False)
    is_listed = models.BooleanField(_("listed"), default=False)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    land_area_mu = models.DecimalField(
        _("land area (亩)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=EnterpriseStatus.choices, default=EnterpriseStatus.OPERATING
    )
    ownership = models.CharField(
        _("ownership"), max_length=12, choices=Ownership.choices, blank=True, help_text=_("Empty when unknown.")
    )

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        ordering = ["uscc"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.industry_id and self.industry.level != IndustryLevel.CLASS:
            raise ValidationError({"industry": _("Use a 4-digit GB/T 4754 class (小类).")})

    @property
    def uscc_region_code(self) -> str:
        return self.uscc[2:8]

    @classmethod
    def visibility_filter(cls, user: Any) -> Q | None:
        # Registered in the user's subtree, or operating in one of its parks.
        if user.role == Role.ENTERPRISE:
            return Q(pk=user.enterprise_id) if user.enterprise_id else Q(pk__in=[])
        if user.scope_park_id:
            return Q(park_id=user.scope_park_id)
        return _in_scope(user, "region") | _in_scope(user, "park__region")

    def change_scope_path(self) -> str:
        return self.region.path
