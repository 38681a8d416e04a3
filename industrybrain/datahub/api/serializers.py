"""Serializers of the data-hub API: the indicator catalogue, rules, batches, targets and fact uploads."""

from __future__ import annotations

from rest_framework import serializers

from industrybrain.core.api import CleanModelSerializer
from industrybrain.registry.models import Region

from ..models import ImportBatch, Indicator, Target, ValidationRule


class IndicatorSerializer(CleanModelSerializer):
    is_derived = serializers.BooleanField(read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "code", "name", "name_en", "unit", "value_type", "aggregation", "level", "periodicity", "min_value",
            "max_value", "polarity", "formula", "aliases", "description", "source_department", "is_active",
            "is_derived",
        ]  # fmt: skip


class ValidationRuleSerializer(CleanModelSerializer):
    class Meta:
        model = ValidationRule
        fields = ["code", "name", "left", "operator", "right", "severity", "is_active"]


class ImportBatchSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id", "file_name", "file_sha256", "layout", "source", "user", "status", "started", "finished", "rows",
            "facts_new", "facts_changed", "facts_unchanged", "warnings", "message",
        ]  # fmt: skip
        read_only_fields = fields


class TargetSerializer(CleanModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    indicator = serializers.SlugRelatedField(slug_field="code", queryset=Indicator.objects.all())

    class Meta:
        model = Target
        fields = ["id", "region", "indicator", "year", "value", "above_scale_only", "base_year", "note"]


class FactFileSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=False)
    period = serializers.CharField(required=False, allow_blank=True, help_text="For files without a period column.")


class FactRecordSerializer(serializers.Serializer):
    entity = serializers.CharField(max_length=18, help_text="USCC of an enterprise or GB/T 2260 code of a region")
    indicator = serializers.CharField(max_length=100)
    period = serializers.CharField(max_length=30)
    value = serializers.CharField(max_length=40)
    unit = serializers.CharField(max_length=20, required=False, allow_null=True)
    ytd = serializers.BooleanField(required=False, allow_null=True, default=None)


class FactRecordsSerializer(serializers.Serializer):
    records = FactRecordSerializer(many=True, allow_empty=False, max_length=100_000)
    dry_run = serializers.BooleanField(default=False)


class RowErrorSerializer(serializers.Serializer):
    file = serializers.CharField()
    row = serializers.IntegerField()
    column = serializers.CharField()
    value = serializers.CharField()
    reason = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    file = serializers.CharField()
    layout = serializers.CharField()
    dry_run = serializers.BooleanField()
    ok = serializers.BooleanField()
    applied = serializers.BooleanField()
    batch_id = serializers.IntegerField(allow_null=True)
    rows = serializers.IntegerField()
    values = serializers.IntegerField()
    new = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error_count = serializers.IntegerField()
    errors = RowErrorSerializer(many=True)
    warnings = serializers.ListField(child=serializers.DictField())
    ignored_columns = serializers.ListField(child=serializers.CharField())
