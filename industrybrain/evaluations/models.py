"""Evaluation specs (the YAML text, versioned by content) and stored runs.

A run's results and the exact input table it read are Parquet files beside the databases
(settings.EVALUATIONS_DIR), written once and never changed: with the spec text (kept here, matched by its
digest) they reproduce the run bit for bit (`operations.verify_run`).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from industrybrain.analytics.evaluation.parsing import load_spec_text
from industrybrain.analytics.evaluation.spec import Spec
from industrybrain.core.models import RestrictedQuerySet
from industrybrain.registry.models import Region

from .choices import EntityKind, RunSource


class EvaluationSpec(models.Model):
    """One version of an evaluation spec. Editing a spec adds a row (new digest); runs keep theirs."""

    code = models.CharField(_("code"), max_length=60)
    version = models.CharField(_("version"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    entity = models.CharField(_("evaluates"), max_length=12, choices=EntityKind.choices)
    text = models.TextField(_("YAML text"))
    digest = models.CharField(_("content digest"), max_length=64)
    is_shipped = models.BooleanField(_("shipped with Industry Brain"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["code", "-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["code", "digest"], name="evaluation_spec_code_digest")]
        verbose_name = _("evaluation spec")
        verbose_name_plural = _("evaluation specs")

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"

    @classmethod
    def visibility_filter(cls, user: Any) -> Q | None:
        return None  # methods are public: everybody may read how they are evaluated

    @cached_property
    def parsed(self) -> Spec:
        return load_spec_text(self.text)


class EvaluationRunQuerySet(RestrictedQuerySet):
    pass


class EvaluationRun(models.Model):
    """One run of a spec over the data of a region and year (or over a file)."""

    spec = models.ForeignKey(EvaluationSpec, verbose_name=_("spec"), on_delete=models.PROTECT, related_name="runs")
    spec_digest = models.CharField(_("spec digest"), max_length=64)
    period = models.CharField(_("period"), max_length=10)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=RunSource.choices, default=RunSource.DATA_HUB)
    data_version = models.CharField(_("data version"), max_length=80, blank=True)
    data_as_of = models.CharField(_("data as of"), max_length=40, blank=True)
    engine_version = models.CharField(_("engine version"), max_length=30)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entities = models.PositiveIntegerField(_("entities"), default=0)
    summary = models.JSONField(_("summary"), default=dict)  # population → grade → count, tiers → count
    weights = models.JSONField(_("weights"), default=dict)  # population → node → child → weight used
    audit = models.JSONField(_("audit"), default=dict)
    uncertainty = models.JSONField(_("uncertainty"), default=dict)  # runs, factors, sensitivity

    objects = EvaluationRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")

    def __str__(self) -> str:
        return f"{self.spec.name} {self.period} · {self.region.name} #{self.pk}"

    @classmethod
    def visibility_filter(cls, user: Any) -> Q | None:
        """Runs over the user's subtree, or over a region containing it (the province's index of all counties
        is every county's business); enterprise users see the runs that graded their enterprise's region."""
        path = user.scope_path
        if path is None:
            return Q(pk__in=[])
        ancestors = path.strip("/").split("/")
        return Q(region__path__startswith=path) | Q(region_id__in=ancestors)

    @property
    def directory(self) -> Path:
        return Path(settings.EVALUATIONS_DIR)

    @property
    def results_path(self) -> Path:
        return self.directory / f"run-{self.pk}-results.parquet"

    @property
    def inputs_path(self) -> Path:
        return self.directory / f"run-{self.pk}-inputs.parquet"
