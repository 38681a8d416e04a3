from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "industrybrain.servicedesk"
    label = "servicedesk"
    verbose_name = _("Enterprise service desk")

    def ready(self) -> None:
        from . import workdays
        from .models import CalendarOverride

        post_migrate.connect(_load_catalogue, sender=self)

        def forget(**kwargs: object) -> None:
            workdays.forget_overrides()
            transaction.on_commit(workdays.forget_overrides)  # again once committed: no reader kept the old day

        for signal in (post_save, post_delete):
            signal.connect(
                forget, sender=CalendarOverride, weak=False, dispatch_uid=f"servicedesk-calendar-{signal is post_save}"
            )


def _load_catalogue(**kwargs: object) -> None:
    """The shipped categories and deadline rules are in every database from the start."""
    from .catalogue import load_catalogue

    load_catalogue()
