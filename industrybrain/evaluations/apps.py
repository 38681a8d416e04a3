from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "industrybrain.evaluations"
    label = "evaluations"
    verbose_name = _("Evaluations")

    def ready(self) -> None:
        post_migrate.connect(_load_shipped_specs, sender=self)


def _load_shipped_specs(**kwargs: object) -> None:
    """The specs shipped in evaluations/specs/ are in every database from the start."""
    from .operations import load_shipped_specs

    load_shipped_specs()
