from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "industrybrain.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        post_migrate.connect(_load_reference_data, sender=self)


def _load_reference_data(**kwargs: object) -> None:
    """Regions, industries and the digital-economy classification are in every database from the start."""
    from .operations import load_reference_data

    load_reference_data()
