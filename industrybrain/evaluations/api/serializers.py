"""Serializers of the evaluations API: specs with their trees, runs, result rows, explanations, comparisons.

Rows and explanations are plain dicts built by `exports` and `operations`; they go through these serializers
so that what is sent is exactly what the OpenAPI schema says.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from industrybrain.analytics.evaluation.spec import Leaf, Node, Spec

from ..exports import ORDERINGS
from ..models import EvaluationRun, EvaluationSpec

MAX_SPEC_CHARS = 200_000


# --- specs -------------------------------------------------------------------------------------------------
def node_dict(node: Node | Leaf) -> dict[str, Any]:
    """A tree node as data: inner nodes with their children, leaves with the column they read."""
    if isinstance(node, Leaf):
        normalise = {k: v for k, v in asdict(node.normalise).items() if v is not None}
        normalise["range"] = list(node.normalise.range)
        return {"code": node.code, "name": node.name, "weight": node.weight, "column": node.column,
                "per": node.per, "unit": node.unit, "polarity": node.polarity, "normalise": normalise}  # fmt: skip
    return {"code": node.code, "name": node.name, "weight": node.weight, "aggregation": node.aggregation,
            "weighting": node.weighting, "children": [node_dict(c) for c in node.children]}  # fmt: skip


def populations(spec: Spec) -> list[dict[str, Any]]:
    return [
        {
            "code": p.code,
            "name": p.name,
            "when": p.when.text if p.when else None,
            "grading": None
            if p.grading is None
            else {"method": p.grading.method, "classes": [asdict(c) for c in p.grading.classes]},
            "tree": node_dict(p.tree),
        }
        for p in spec.populations
    ]


class EvaluationSpecSerializer(serializers.ModelSerializer):
    description = serializers.SerializerMethodField()
    rank_within = serializers.SerializerMethodField()
    classes = serializers.SerializerMethodField()
    tiers = serializers.SerializerMethodField()
    populations = serializers.SerializerMethodField(
        help_text="Each population with its tree: nested nodes {code, name, weight, aggregation, weighting, "
        "children}; leaves {code, name, weight, column, per, unit, polarity, normalise}."
    )
    policies = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationSpec
        fields = ["code", "version", "name", "name_en", "entity", "digest", "is_shipped", "created", "description",
                  "rank_within", "classes", "tiers", "policies", "populations", "text"]  # fmt: skip

    def get_description(self, spec: EvaluationSpec) -> str:
        return spec.parsed.description

    def get_rank_within(self, spec: EvaluationSpec) -> list[str]:
        return list(spec.parsed.rank_within)

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_classes(self, spec: EvaluationSpec) -> list[dict[str, Any]]:
        return [asdict(c) for c in spec.parsed.classes]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_tiers(self, spec: EvaluationSpec) -> list[dict[str, Any]]:
        return [{"code": t.code, "name": t.name, "requires": t.requires.text,
                 "reserve": t.reserve.text if t.reserve else None} for t in spec.parsed.tiers]  # fmt: skip

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_policies(self, spec: EvaluationSpec) -> dict[str, Any]:
        return spec.parsed.policies

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_populations(self, spec: EvaluationSpec) -> list[dict[str, Any]]:
        return populations(spec.parsed)


class SpecUploadSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_SPEC_CHARS, trim_whitespace=False, help_text="the spec's YAML")


# --- runs --------------------------------------------------------------------------------------------------
class EvaluationRunListSerializer(serializers.ModelSerializer):
    spec = serializers.CharField(source="spec.code", read_only=True)
    spec_name = serializers.CharField(source="spec.name", read_only=True)
    spec_version = serializers.CharField(source="spec.version", read_only=True)
    entity = serializers.CharField(source="spec.entity", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = EvaluationRun
        fields = ["id", "spec", "spec_name", "spec_version", "entity", "period", "region", "region_name", "source",
                  "entities", "created"]  # fmt: skip


class EvaluationRunSerializer(EvaluationRunListSerializer):
    class Meta(EvaluationRunListSerializer.Meta):
        fields = [*EvaluationRunListSerializer.Meta.fields, "spec_digest", "data_version", "data_as_of",
                  "engine_version", "summary", "weights", "audit", "uncertainty"]  # fmt: skip


class RunRequestSerializer(serializers.Serializer):
    spec = serializers.CharField(max_length=60, help_text="spec code, e.g. mu_efficiency (its newest version)")
    period = serializers.IntegerField(min_value=1990, max_value=2100, help_text="the year evaluated")
    region = serializers.RegexField(
        r"^\d{6}$", required=False, help_text="GB/T 2260 code; default: your scope, or the province for indices"
    )
    uncertainty = serializers.BooleanField(required=False, default=True, help_text="run the Monte Carlo analysis")


# --- results -----------------------------------------------------------------------------------------------
class ResultsQuerySerializer(serializers.Serializer):
    population = serializers.CharField(required=False, allow_blank=True, max_length=60)
    grade = serializers.CharField(required=False, allow_blank=True, max_length=30)
    tier = serializers.CharField(required=False, allow_blank=True, max_length=60)
    reserve_tier = serializers.CharField(required=False, allow_blank=True, max_length=60)
    county = serializers.CharField(required=False, allow_blank=True, max_length=12, help_text="county code")
    city = serializers.CharField(required=False, allow_blank=True, max_length=12, help_text="city code")
    search = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="id or name")
    ordering = serializers.ChoiceField(choices=ORDERINGS, required=False, default="rank")


class ResultRowSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    population = serializers.CharField(allow_blank=True)
    population_name = serializers.CharField(allow_blank=True)
    score = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    grade = serializers.CharField(allow_null=True)
    grade_name = serializers.CharField(allow_blank=True)
    grade_reason = serializers.CharField(allow_blank=True)
    tier = serializers.CharField(allow_blank=True)
    tier_name = serializers.CharField(allow_blank=True)
    reserve_tier = serializers.CharField(allow_blank=True)
    reserve_tier_name = serializers.CharField(allow_blank=True)
    groups = serializers.DictField(child=serializers.CharField(allow_blank=True), help_text="e.g. county code")
    group_names = serializers.DictField(child=serializers.CharField(allow_blank=True))
    ranks_within = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    median_rank = serializers.FloatField(allow_null=True)
    rank_p5 = serializers.FloatField(allow_null=True)
    rank_p95 = serializers.FloatField(allow_null=True)
    nodes = serializers.DictField(child=serializers.FloatField(allow_null=True), help_text="node code → score")
    node_ranks = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField(allow_null=True)),
        help_text="inner node → {rank, <group>: rank within the group}",
    )


class ExplanationSerializer(serializers.Serializer):
    """operations.explain: an entity's grade and why (fields after `evaluated` only when it was evaluated)."""

    id = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    population = serializers.CharField(allow_blank=True)
    evaluated = serializers.BooleanField()
    grade = serializers.CharField(allow_null=True)
    grade_name = serializers.CharField(allow_blank=True)
    grade_reason = serializers.CharField(allow_blank=True)
    rank = serializers.FloatField(allow_null=True)
    tier = serializers.CharField(allow_blank=True)
    reserve_tier = serializers.CharField(allow_blank=True)
    previous_run = serializers.IntegerField(allow_null=True, required=False)
    median_rank = serializers.FloatField(allow_null=True, required=False)
    rank_p5 = serializers.FloatField(allow_null=True, required=False)
    rank_p95 = serializers.FloatField(allow_null=True, required=False)
    population_name = serializers.CharField(required=False)
    population_size = serializers.IntegerField(required=False)
    score = serializers.FloatField(allow_null=True, required=False)
    nodes = serializers.ListField(child=serializers.DictField(), required=False)
    indicators = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="per leaf: code, name, unit, polarity, raw, value, score, weight, contribution, percentile, "
        "population_median",
    )
    contributions_approximate = serializers.BooleanField(required=False)
    strengths = serializers.ListField(child=serializers.CharField(), required=False)
    weaknesses = serializers.ListField(child=serializers.CharField(), required=False)
    change = serializers.DictField(allow_null=True, required=False)
    what_if = serializers.DictField(required=False)
    policies = serializers.ListField(child=serializers.DictField(), required=False)


class VerificationSerializer(serializers.Serializer):
    identical = serializers.BooleanField()
    differing_columns = serializers.ListField(child=serializers.CharField())
    spec_digest = serializers.CharField()
    engine_version_then = serializers.CharField()
    engine_version_now = serializers.CharField()


class CompareQuerySerializer(serializers.Serializer):
    a = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="the earlier run")
    b = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="the later run")


class CompareRowSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    population = serializers.CharField(allow_blank=True)
    score_a = serializers.FloatField(allow_null=True)
    score_b = serializers.FloatField(allow_null=True)
    rank_a = serializers.IntegerField(allow_null=True)
    rank_b = serializers.IntegerField(allow_null=True)
    grade_a = serializers.CharField(allow_null=True)
    grade_b = serializers.CharField(allow_null=True)
    rank_change = serializers.IntegerField(allow_null=True, help_text="> 0: moved up in run b")
    grade_changed = serializers.BooleanField()
