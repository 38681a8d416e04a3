from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "industrybrain.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from industrybrain.datahub.models import Indicator
        from industrybrain.registry.models import DigitalEconomyMapping, DigitalEconomyVersion, Enterprise, Park, Region

        from .dimensions import mark_dirty

        # What the store's copy of the registry is made of: a change re-syncs it before the next question.
        for model in (Enterprise, Park, Region, DigitalEconomyMapping, DigitalEconomyVersion, Indicator):
            post_save.connect(mark_dirty, sender=model, dispatch_uid=f"analytics-dirty-save-{model.__name__}")
            post_delete.connect(mark_dirty, sender=model, dispatch_uid=f"analytics-dirty-delete-{model.__name__}")
