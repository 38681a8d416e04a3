from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class ParkKind(models.TextChoices):
    DEVELOPMENT_ZONE = "development_zone", _("Economic development zone")
    HIGH_TECH_ZONE = "high_tech_zone", _("High-tech zone")
    INDUSTRIAL_CLUSTER = "industrial_cluster", _("Industrial cluster zone")
    SMALL_MICRO_PARK = "small_micro_park", _("Small and micro enterprise park")
    CHARACTERISTIC_TOWN = "characteristic_town", _("Characteristic town")
    OTHER = "other", _("Other platform")


class IndustryLevel(models.TextChoices):
    SECTION = "section", _("Section (门类)")
    DIVISION = "division", _("Division (大类)")
    GROUP = "group", _("Group (中类)")
    CLASS = "class", _("Class (小类)")


class DigitalEconomyLevel(models.TextChoices):
    CATEGORY = "category", _("Category (大类)")
    SUBCATEGORY = "subcategory", _("Subcategory (中类)")
    ITEM = "item", _("Item (小类)")


class Verification(models.TextChoices):
    VERIFIED = "verified", _("Verified")
    INFERRED = "inferred", _("Inferred")
    UNVERIFIED = "unverified", _("Unverified")


class EnterpriseStatus(models.TextChoices):
    OPERATING = "operating", _("Operating")
    SUSPENDED = "suspended", _("Suspended")
    MOVED_OUT = "moved_out", _("Moved out")
    REVOKED = "revoked", _("Licence revoked")
    DEREGISTERED = "deregistered", _("Deregistered")


class Ownership(models.TextChoices):
    """登记注册类型, grouped as statistics publish it (e.g. 出口额 by enterprise type)."""

    STATE = "state", _("State-owned")
    COLLECTIVE = "collective", _("Collective")
    PRIVATE = "private", _("Private")
    FOREIGN = "foreign", _("Foreign, Hong Kong, Macao and Taiwan invested")
    OTHER = "other", _("Other")
