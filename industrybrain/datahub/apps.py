from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DatahubConfig(AppConfig):
    name = "industrybrain.datahub"
    label = "datahub"
    verbose_name = _("Data hub")

    def ready(self) -> None:
        post_migrate.connect(_load_catalogue, sender=self)


def _load_catalogue(**kwargs: object) -> None:
    """The shipped indicators and rules are in every database from the start."""
    from .operations import load_catalogue

    load_catalogue()
