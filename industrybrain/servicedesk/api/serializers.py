"""Serializers of the service-desk API. Requests are named by their number, categories by their code,
departments by their code and enterprises by their USCC, as on the pages and in Open311."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from industrybrain.accounts.choices import Role
from industrybrain.core.api import CodeRelatedField
from industrybrain.registry.models import Enterprise

from ..choices import Channel, Complexity, ExtensionStatus, Level, Satisfaction, Status
from ..models import Attachment, Category, DeadlineRule, Event, Extension, Part, ServiceRequest
from ..operations import DEFAULT_DAYS
from ..transitions import available

ON_BEHALF_CHANNELS = (Channel.PHONE, Channel.HOTLINE, Channel.VISIT)
OWN_CHANNELS = (Channel.WEB, Channel.API)


def values_field(choices: type) -> type[serializers.CharField]:
    """A read-only string whose values are listed in its description, not as an enum: the same field names
    (status, level, channel) are other choice sets in other apps, and enum components named after fields
    would collide."""
    described = {"type": "string", "description": "one of: " + ", ".join(choices.values)}
    return extend_schema_field(described)(type(f"{choices.__name__}Field", (serializers.CharField,), {}))


StatusField, LevelField, ChannelField = values_field(Status), values_field(Level), values_field(Channel)
ExtensionStatusField = values_field(ExtensionStatus)


# --- categories ----------------------------------------------------------------------------------------------
class AttributeValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class CategoryAttributeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    datatype = serializers.ChoiceField(
        choices=["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    )
    required = serializers.BooleanField(default=False)
    values = AttributeValueSerializer(many=True, required=False)


class DeadlineRuleSerializer(serializers.Serializer):
    complexity = serializers.CharField()
    working_days = serializers.IntegerField(help_text="working days from receipt to answer")
    sign_working_days = serializers.IntegerField(help_text="working days to sign for a dispatched request")


def deadline_rule(complexity: str) -> dict[str, Any]:
    rule = DeadlineRule.objects.filter(complexity=complexity).first()
    days, sign_days = (rule.working_days, rule.sign_working_days) if rule else DEFAULT_DAYS[complexity]
    return {"complexity": complexity, "working_days": days, "sign_working_days": sign_days}


class CategorySerializer(serializers.ModelSerializer):
    group_label = serializers.CharField(source="get_group_display", read_only=True)
    attributes = CategoryAttributeSerializer(many=True, read_only=True)
    deadline_rule = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = [
            "code", "name", "name_en", "group", "group_label", "description", "complexity", "keywords",
            "attributes", "deadline_rule", "is_active",
        ]  # fmt: skip

    @extend_schema_field(DeadlineRuleSerializer)
    def get_deadline_rule(self, category: Category) -> dict[str, Any]:
        return deadline_rule(category.complexity)


# --- requests: reading ---------------------------------------------------------------------------------------
class ServiceRequestListSerializer(serializers.ModelSerializer):
    status = StatusField(read_only=True)
    level = LevelField(read_only=True)
    channel = ChannelField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    enterprise = serializers.SlugRelatedField(slug_field="uscc", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lead_department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    lead_department_name = serializers.CharField(
        source="lead_department.name", read_only=True, default=None, allow_null=True
    )
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = ServiceRequest
        fields = [
            "number", "title", "status", "status_label", "category", "category_name", "enterprise",
            "enterprise_name", "region", "level", "lead_department", "lead_department_name", "channel", "complexity",
            "created", "sign_deadline", "deadline", "is_overdue", "updated",
        ]  # fmt: skip

    def get_is_overdue(self, request: ServiceRequest) -> bool:
        return request.is_overdue(timezone.now())


class PartSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = Part
        fields = ["department", "department_name", "role", "task", "result", "assigned_at", "done_at"]


class EventSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    from_status = StatusField(read_only=True)
    to_status = StatusField(read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    data = serializers.JSONField(read_only=True)

    class Meta:
        model = Event
        fields = ["time", "action", "action_label", "from_status", "to_status", "actor_name", "department", "note",
                  "data"]  # fmt: skip


class ExtensionSerializer(serializers.ModelSerializer):
    status = ExtensionStatusField(read_only=True)

    class Meta:
        model = Extension
        fields = ["id", "working_days", "reason", "status", "requested_at", "decided_at"]


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="download address (for those who see the request)")

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "content_type", "uploaded_at", "url"]

    def get_url(self, attachment: Attachment) -> str:
        return reverse(
            "servicedesk-api:request-attachment",
            kwargs={"number": attachment.request.number, "attachment_id": attachment.pk},
        )


class ServiceRequestSerializer(ServiceRequestListSerializer):
    attributes = serializers.JSONField(read_only=True)
    merged_into = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    parts = PartSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)
    extensions = ExtensionSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    available_actions = serializers.SerializerMethodField()

    class Meta(ServiceRequestListSerializer.Meta):
        fields = [
            *ServiceRequestListSerializer.Meta.fields,
            "description", "attributes", "contact_name", "contact_phone", "address", "latitude", "longitude",
            "dispatched_at", "signed_at", "suspended_at", "answered_at", "closed_at", "answer", "satisfaction",
            "rating_comment", "rated_at", "suspended_days", "extended_days", "returned_count", "transferred_count",
            "reopened_count", "escalated_count", "merged_into", "parts", "events", "extensions", "attachments",
            "available_actions",
        ]  # fmt: skip

    def get_available_actions(self, request: ServiceRequest) -> list[str]:
        return available(request, self.context["request"].user)


# --- requests: writing ---------------------------------------------------------------------------------------
def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class VisibleEnterpriseField(CodeRelatedField):
    """A USCC among the enterprises the user may see."""

    def get_queryset(self) -> Any:
        return Enterprise.objects.visible_to(self.context["request"].user)


class NewRequestSerializer(serializers.Serializer):
    enterprise = VisibleEnterpriseField(
        slug_field="uscc", queryset=Enterprise.objects.none(), required=False,
        help_text="USCC; required when a clerk or supervisor registers a request on an enterprise's behalf",
    )  # fmt: skip
    category = CodeRelatedField(slug_field="code", queryset=Category.objects.filter(is_active=True))
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=10000)
    attributes = serializers.DictField(required=False, help_text="the category's attributes by code")
    channel = serializers.ChoiceField(
        choices=[*OWN_CHANNELS, *ON_BEHALF_CHANNELS], required=False,
        help_text="web or api for an enterprise (default api); phone, 12345 or visit for a clerk registering it",
    )  # fmt: skip
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True,
        rounding=ROUND_HALF_UP,
    )  # fmt: skip
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False, allow_null=True,
        rounding=ROUND_HALF_UP,
    )  # fmt: skip

    def validate_attributes(self, value: dict[str, Any]) -> dict[str, Any]:
        if _has_nul(value):
            raise serializers.ValidationError(_("Null characters are not allowed."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        if user.role == Role.ENTERPRISE:
            attrs.setdefault("enterprise", user.enterprise)
            attrs.setdefault("channel", Channel.API)
            if attrs["channel"] not in OWN_CHANNELS:
                raise serializers.ValidationError(
                    {"channel": _("Only a clerk registers requests received by phone, 12345 or visit.")}
                )
            return attrs
        if attrs.get("enterprise") is None:
            raise serializers.ValidationError({"enterprise": _("Name the enterprise (USCC) the request is for.")})
        if attrs.get("channel") not in ON_BEHALF_CHANNELS:
            raise serializers.ValidationError(
                {"channel": _("A request registered on an enterprise's behalf came by phone, 12345 or visit.")}
            )
        return attrs


class DepartmentTaskSerializer(serializers.Serializer):
    department = serializers.CharField(max_length=32, help_text="department code")
    task = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DispatchSerializer(serializers.Serializer):
    department = serializers.CharField(max_length=32, help_text="code of the lead department")
    assisting = DepartmentTaskSerializer(many=True, required=False, default=list)
    complexity = serializers.ChoiceField(choices=Complexity.choices, required=False)


class SignSerializer(serializers.Serializer):
    complexity = serializers.ChoiceField(choices=Complexity.choices, required=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class TransferSerializer(ReasonSerializer):
    department = serializers.CharField(max_length=32, help_text="code of the department to take it over")


class ResultSerializer(serializers.Serializer):
    result = serializers.CharField(max_length=5000)


class MergeSerializer(serializers.Serializer):
    into = serializers.CharField(max_length=32, help_text="number of the request that carries on")


class ExtensionRequestSerializer(ReasonSerializer):
    days = serializers.IntegerField(help_text="working days, 1 to SERVICEDESK_MAX_EXTENSION_DAYS (10 by default)")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10000)


class RateSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, image, Office document, text or ZIP")
