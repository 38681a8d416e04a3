from django.db import models
from django.utils.translation import gettext_lazy as _


class EntityKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprises")
    REGION = "region", _("Regions")


class RunSource(models.TextChoices):
    DATA_HUB = "hub", _("Data hub")
    FILE = "file", _("File")
