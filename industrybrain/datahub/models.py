"""Indicators, validation rules between them, import batches and targets.

The facts themselves (entity, indicator, period, value, batch) are not here: they live in the analytical
store behind `industrybrain.analytics.engine` (DESIGN §2). An ImportBatch row is the transactional record of
one landing; its id is the batch id the store keeps beside every value.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from industrybrain.core.models import ChangeLoggedModel, RestrictedQuerySet

from .choices import (
    Aggregation,
    BatchStatus,
    EntityLevel,
    FileLayout,
    Periodicity,
    Polarity,
    RuleOperator,
    Severity,
    ValueType,
)
from .formulas import FormulaError, parse_formula

code_validator = RegexValidator(r"^[a-z][a-z0-9_]*$", _("lower-case letters, digits and _, starting with a letter"))


class Indicator(ChangeLoggedModel):
    """A statistic the bureau collects or derives, e.g. 工业增加值 (stored) or 亩均税收 (derived by formula)."""

    code = models.CharField(_("code"), max_length=60, unique=True, validators=[code_validator])
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    value_type = models.CharField(_("value type"), max_length=10, choices=ValueType.choices, default="decimal")
    aggregation = models.CharField(_("aggregation"), max_length=10, choices=Aggregation.choices, default="sum")
    level = models.CharField(_("level"), max_length=12, choices=EntityLevel.choices, default="enterprise")
    periodicity = models.CharField(_("periodicity"), max_length=1, choices=Periodicity.choices, default="M")
    min_value = models.DecimalField(_("lowest valid value"), max_digits=24, decimal_places=6, null=True, blank=True)
    max_value = models.DecimalField(_("highest valid value"), max_digits=24, decimal_places=6, null=True, blank=True)
    polarity = models.CharField(_("polarity"), max_length=10, choices=Polarity.choices, default="positive")
    formula = models.CharField(
        _("formula"),
        max_length=300,
        blank=True,
        help_text=_("For derived indicators: arithmetic over other indicator codes, e.g. tax_paid / land_area."),
    )
    aliases = models.CharField(
        _("aliases"), max_length=300, blank=True, help_text=_("Other column names for it in files, separated by |.")
    )
    description = models.TextField(_("description"), blank=True)
    source_department = models.CharField(_("source department"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_derived(self) -> bool:
        return bool(self.formula)

    @property
    def is_flow(self) -> bool:
        """Flows add up over time, so year-to-date values exist for them."""
        return self.aggregation == Aggregation.SUM

    def clean(self) -> None:
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValidationError({"max_value": _("The highest valid value is below the lowest.")})
        if self.formula:
            try:
                names = parse_formula(self.formula).names
            except FormulaError as exc:
                raise ValidationError({"formula": str(exc)}) from exc
            known = set(Indicator.objects.filter(code__in=names).values_list("code", flat=True))
            if unknown := sorted(names - known - {self.code}):
                raise ValidationError({"formula": _("Unknown indicators: %(codes)s") % {"codes": ", ".join(unknown)}})
            if self.code in names:
                raise ValidationError({"formula": _("A formula cannot use the indicator it defines.")})

    def column_names(self) -> list[str]:
        """Every header a file may use for this indicator."""
        return [self.code, self.name, *[a.strip() for a in self.aliases.split("|") if a.strip()]]


class ValidationRule(ChangeLoggedModel):
    """A rule between indicators of one entity and period, e.g. 工业增加值 ≤ 工业总产值 (DHIS2 style)."""

    code = models.CharField(_("code"), max_length=60, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=150)
    left = models.CharField(_("left side"), max_length=300, help_text=_("A formula over indicator codes."))
    operator = models.CharField(_("operator"), max_length=2, choices=RuleOperator.choices)
    right = models.CharField(_("right side"), max_length=300, help_text=_("A formula over indicator codes."))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default="warning")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")

    def __str__(self) -> str:
        return f"{self.left} {self.operator} {self.right}"

    def clean(self) -> None:
        for side in ("left", "right"):
            try:
                parse_formula(getattr(self, side))
            except FormulaError as exc:
                raise ValidationError({side: str(exc)}) from exc

    def holds(self, left: float, right: float) -> bool:
        # Values carry six decimals; a relative tolerance keeps rounding in a file from raising false alarms.
        tolerance = 1e-9 * max(abs(left), abs(right), 1.0)
        return {
            "<=": left <= right + tolerance,
            "<": left < right - tolerance,
            ">=": left >= right - tolerance,
            ">": left > right + tolerance,
            "==": abs(left - right) <= tolerance,
        }[self.operator]


class ImportBatch(models.Model):
    """One file (or API call) of facts, landed whole or not at all."""

    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    layout = models.CharField(_("layout"), max_length=10, choices=FileLayout.choices)
    source = models.CharField(_("source"), max_length=20, default="web")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    scope_path = models.CharField(max_length=200, blank=True, db_index=True)
    status = models.CharField(_("batch status"), max_length=10, choices=BatchStatus.choices, default="pending")
    started = models.DateTimeField(_("started"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    facts_new = models.PositiveIntegerField(_("new values"), default=0)
    facts_changed = models.PositiveIntegerField(_("corrected values"), default=0)
    facts_unchanged = models.PositiveIntegerField(_("unchanged values"), default=0)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    @classmethod
    def visibility_filter(cls, user: Any) -> Q | None:
        # Analysts see the batches loaded inside their part of the tree; enterprise users see their enterprise's,
        # and park users those of their park: a batch's warnings name entities and values, and an enterprise's
        # or a park's scope path is its whole county, so the path alone would show them the county's batches.
        if user.scope_path is None:
            return Q(user=user)
        if getattr(user, "enterprise_id", None):
            return Q(user=user) | Q(user__enterprise_id=user.enterprise_id)
        if getattr(user, "scope_park_id", None):
            return Q(user=user) | Q(user__scope_park_id=user.scope_park_id)
        return Q(scope_path__startswith=user.scope_path) | Q(user=user)


class Target(ChangeLoggedModel):
    """A region's goal for an indicator in a year, e.g. 规上工业总产值 400亿 by 2025."""

    region = models.ForeignKey("registry.Region", verbose_name=_("region"), on_delete=models.PROTECT)
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("target value"), max_digits=24, decimal_places=6)
    above_scale_only = models.BooleanField(_("规上 only"), default=False)
    base_year = models.PositiveSmallIntegerField(_("base year"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["region_id", "indicator__code", "year"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "indicator", "year", "above_scale_only"], name="one_target_per_region_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.indicator.name} {self.year}: {self.value}"

    @classmethod
    def visibility_filter(cls, user: Any) -> Q | None:
        if user.scope_path is None:
            return Q(pk__in=[])
        return Q(region__path__startswith=user.scope_path)

    def change_scope_path(self) -> str:
        return self.region.path
