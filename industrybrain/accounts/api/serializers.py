"""Serializers of the accounts API: who the caller is, and the change log."""

from __future__ import annotations

from rest_framework import serializers

from industrybrain.core.models import ObjectChange

from ..models import User


class MeSerializer(serializers.ModelSerializer):
    """The caller's identity and scope: what a client needs to know before it asks for data."""

    scope_region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    scope_park = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    enterprise = serializers.SlugRelatedField(slug_field="uscc", read_only=True, allow_null=True)
    scope_path = serializers.CharField(
        read_only=True, allow_null=True, help_text="Region-tree path, e.g. 330000/331000/"
    )
    is_administrator = serializers.BooleanField(read_only=True)
    can_edit_master_data = serializers.BooleanField(read_only=True)
    can_manage_reference_data = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "username",
            "role",
            "scope_region",
            "scope_park",
            "scope_path",
            "department",
            "enterprise",
            "is_administrator",
            "can_edit_master_data",
            "can_manage_reference_data",
        ]
        read_only_fields = fields


class ObjectChangeSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="content_type.model", read_only=True)
    user = serializers.CharField(source="user_name", read_only=True)

    class Meta:
        model = ObjectChange
        fields = [
            "id",
            "time",
            "user",
            "source",
            "request_id",
            "action",
            "model",
            "object_id",
            "object_repr",
            "prechange_data",
            "postchange_data",
        ]
