from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    ANALYST = "analyst", _("Analyst")
    CLERK = "clerk", _("Department clerk")
    ENTERPRISE = "enterprise", _("Enterprise user")
