from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from industrybrain.datahub.periods import PeriodError, parse_period
from industrybrain.registry.choices import Ownership

from ..statistics import DIGITAL_ECONOMY_SCOPES, GROUPINGS, Question


class QuestionSerializer(serializers.Serializer):
    """Query parameters of the statistics endpoints."""

    indicator = serializers.CharField(help_text="indicator code, e.g. value_added")
    period = serializers.CharField(help_text="2024, 2024Q1, 2024-07 or 2024年1—7月 (which implies ytd)")
    region = serializers.RegexField(r"^\d{6}$", required=False, help_text="defaults to the top of your scope")
    ytd = serializers.BooleanField(required=False, default=False, help_text="year-to-date (1—N月累计)")
    by = serializers.ChoiceField(choices=GROUPINGS, required=False, default="region")
    above_scale = serializers.BooleanField(required=False, allow_null=True, default=None)
    ownership = serializers.ChoiceField(choices=Ownership.choices, required=False, help_text="登记注册类型 group")
    industry = serializers.RegexField(r"^([A-T]|\d{2,4})$", required=False)
    digital_economy = serializers.ChoiceField(choices=sorted(DIGITAL_ECONOMY_SCOPES), required=False)
    park = serializers.CharField(required=False, max_length=32)
    de_version = serializers.IntegerField(required=False, min_value=1)

    def validate_period(self, value: str) -> Any:
        try:
            return parse_period(value)
        except PeriodError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def question(self, default_region: str) -> Question:
        data = self.validated_data
        parsed = data["period"]
        if not data.get("region") and not default_region:
            raise serializers.ValidationError({"region": [_("give a region")]})
        return Question(
            indicator=data["indicator"],
            period=parsed.period,
            region=data.get("region") or default_region,
            year_to_date=data["ytd"] or parsed.year_to_date,
            by=data["by"],
            above_scale=data["above_scale"],
            ownership=data.get("ownership"),
            industry=data.get("industry"),
            digital_economy=data.get("digital_economy"),
            park=data.get("park"),
            de_version=data.get("de_version"),
        )
