from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    ANALYST = "analyst", _("Analyst")
    CLERK = "clerk", _("Department clerk")
    SUPERVISOR = "supervisor", _("Supervisor (督办)")
    ENTERPRISE = "enterprise", _("Enterprise user")
