from django.db import models
from django.utils.translation import gettext_lazy as _


class Aggregation(models.TextChoices):
    """How values of many entities, and of the periods within a year, combine."""

    SUM = "sum", _("Sum (a flow: adds across entities and over time)")
    LAST = "last", _("Last (a stock: adds across entities, latest value over time)")
    AVERAGE = "average", _("Average across entities")
    NONE = "none", _("Not aggregated (shown per entity only)")


class EntityLevel(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    REGION = "region", _("Region")


class Periodicity(models.TextChoices):
    MONTH = "M", _("Monthly")
    QUARTER = "Q", _("Quarterly")
    YEAR = "Y", _("Yearly")


class Polarity(models.TextChoices):
    POSITIVE = "positive", _("Higher is better")
    NEGATIVE = "negative", _("Lower is better")
    NEUTRAL = "neutral", _("Neutral")


class ValueType(models.TextChoices):
    DECIMAL = "decimal", _("Decimal number")
    INTEGER = "integer", _("Whole number")
    RATIO = "ratio", _("Ratio (0-1)")
    FLAG = "flag", _("Yes/no (1/0)")


class RuleOperator(models.TextChoices):
    LE = "<=", "≤"
    LT = "<", "<"
    GE = ">=", "≥"
    GT = ">", ">"
    EQ = "==", "="


class Severity(models.TextChoices):
    WARNING = "warning", _("Warning (reported, the batch still lands)")
    ERROR = "error", _("Error (the batch is refused)")


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("Landing")
    LANDED = "landed", _("Landed")
    UNCHANGED = "unchanged", _("No change (identical to stored data)")
    FAILED = "failed", _("Failed, nothing landed")


class FileLayout(models.TextChoices):
    LONG = "long", _("Long: entity, indicator, period, value")
    WIDE = "wide", _("Wide: one row per entity, one column per indicator")
