"""Serializers of the registry API. Related objects are named by their codes (GB/T 2260 region, park code,
GB/T 4754 class), the same codes the import files and the pages use."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from industrybrain.core.api import CleanModelSerializer, CodeRelatedField

from ..models import (
    DigitalEconomyCategory,
    DigitalEconomyMapping,
    DigitalEconomyVersion,
    Enterprise,
    Industry,
    Park,
    Region,
)


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "is_active"]


class ParkSerializer(CleanModelSerializer):
    # Any GB/T 2260 code resolves (the standard is public); whether the user may write there is the view's check.
    region = CodeRelatedField(slug_field="code", queryset=Region.objects.all())
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Park
        fields = ["code", "name", "kind", "region", "region_name", "planned_area_mu", "created", "last_updated"]


class IndustrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["code", "name", "level", "parent", "section", "description"]


class VisibleParkField(CodeRelatedField):
    """A park code the user can see, or the enterprise's current park: a firm registered in one county may
    operate in another county's park, and sending back what was read must not fail."""

    def get_queryset(self) -> Any:
        parks = Park.objects.visible_to(self.context["request"].user)
        instance = getattr(self.parent, "instance", None)
        if isinstance(instance, Enterprise) and instance.park_id:
            parks = parks | Park.objects.filter(pk=instance.park_id)
        return parks


class EnterpriseSerializer(CleanModelSerializer):
    region = CodeRelatedField(slug_field="code", queryset=Region.objects.all())
    region_name = serializers.CharField(source="region.name", read_only=True)
    # The queryset here only types the field for the schema; get_queryset decides what resolves.
    park = VisibleParkField(slug_field="code", queryset=Park.objects.none(), allow_null=True, required=False)
    # Any GB/T 4754 code resolves, so that a division code meets the model's own "use a 4-digit class" rule.
    industry = CodeRelatedField(slug_field="code", queryset=Industry.objects.all())
    industry_name = serializers.CharField(source="industry.name", read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "uscc",
            "name",
            "region",
            "region_name",
            "park",
            "industry",
            "industry_name",
            "is_above_scale",
            "is_listed",
            "founded_on",
            "land_area_mu",
            "employees",
            "status",
            "ownership",
            "created",
            "last_updated",
        ]


class DigitalEconomyVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DigitalEconomyVersion
        fields = ["id", "name", "source", "imported_at", "is_current"]


class DigitalEconomyMappingSerializer(serializers.ModelSerializer):
    industry_name = serializers.CharField(source="industry.name", read_only=True)

    class Meta:
        model = DigitalEconomyMapping
        fields = ["industry", "industry_name", "verification", "note"]


class DigitalEconomyCategorySerializer(serializers.ModelSerializer):
    is_core = serializers.BooleanField(read_only=True, help_text="01-04: core industries (数字产业化).")
    mappings = DigitalEconomyMappingSerializer(many=True, read_only=True)

    class Meta:
        model = DigitalEconomyCategory
        fields = ["id", "version", "code", "name", "level", "is_core", "verification", "note", "mappings"]
