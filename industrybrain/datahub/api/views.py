"""Data-hub API: the catalogue (read by all, written by reference-data administrators), import batches,
targets, and fact imports from a file or as JSON records (the same pipeline as the page and the CLI)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from industrybrain.core.api import CanEditMasterData, ChangeLoggedWriteMixin, ScopedQuerysetMixin
from industrybrain.registry.operations import writable_regions

from ..models import ImportBatch, Indicator, Target, ValidationRule
from ..operations import FactImportReport, import_facts, import_records
from . import serializers


class CanManageCatalogue(permissions.BasePermission):
    """The indicator catalogue and its rules are shared by the whole platform: like the classifications, only
    superusers and province-wide administrators change them."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(getattr(request.user, "can_manage_reference_data", False))


class CatalogueWriteMixin(ChangeLoggedWriteMixin):
    def check_write_scope(self, instance: Any, stored: Any) -> None:
        """The permission class already limits writers to catalogue administrators."""


class IndicatorViewSet(CatalogueWriteMixin, viewsets.ModelViewSet):
    queryset = Indicator.objects.all()
    serializer_class = serializers.IndicatorSerializer
    permission_classes = [permissions.IsAuthenticated, CanManageCatalogue]
    lookup_field = "code"
    lookup_value_regex = r"[a-z][a-z0-9_]*"
    filterset_fields = ["level", "periodicity", "aggregation", "is_active"]
    ordering_fields = ["code", "name"]


class ValidationRuleViewSet(CatalogueWriteMixin, viewsets.ModelViewSet):
    queryset = ValidationRule.objects.all()
    serializer_class = serializers.ValidationRuleSerializer
    permission_classes = [permissions.IsAuthenticated, CanManageCatalogue]
    lookup_field = "code"
    lookup_value_regex = r"[a-z][a-z0-9_]*"
    filterset_fields = ["severity", "is_active"]


class ImportBatchViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ImportBatch.objects.select_related("user")
    serializer_class = serializers.ImportBatchSerializer
    filterset_fields = ["status", "layout", "source"]
    ordering_fields = ["id", "started"]


class TargetViewSet(ScopedQuerysetMixin, ChangeLoggedWriteMixin, viewsets.ModelViewSet):
    queryset = Target.objects.select_related("region", "indicator")
    serializer_class = serializers.TargetSerializer
    permission_classes = [permissions.IsAuthenticated, CanEditMasterData]
    filterset_fields = ["year", "indicator__code", "region__code"]
    ordering_fields = ["year", "id"]

    def check_write_scope(self, instance: Target, stored: Target | None) -> None:
        # The registry's write-scope rule, as for parks and enterprises: the user's own subtree only.
        allowed = writable_regions(self.request.user)
        for target in (instance, stored):
            if target is not None and not allowed.filter(pk=target.region_id).exists():
                raise PermissionDenied({"region": [_("outside your scope")]})

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: str | None = None) -> Response:
        """Progress towards the target so far, and where the present pace leads."""
        from industrybrain.analytics.targets import progress

        return Response(progress(self.get_object(), timezone.localdate().year).as_dict())


# A 400 is either the import report (rows refused) or the usual field errors of a malformed request.
_IMPORT_RESPONSES = {
    200: serializers.ImportReportSerializer,
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="the import report with row errors, or field errors"),
}


def _report_response(report: FactImportReport) -> Response:
    body = serializers.ImportReportSerializer(report.as_dict()).data
    return Response(body, status=status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST)


class FactFileImportView(APIView):
    """Upload a fact file (CSV, .xlsx, Parquet; long or wide). 200 with the report when it landed or would
    land (dry run); 400 with the row-level report when anything is wrong, in which case nothing landed."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=serializers.FactFileSerializer,
        responses=_IMPORT_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        form = serializers.FactFileSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        report = import_facts(
            upload.read(),
            upload.name,
            request.user,
            dry_run=form.validated_data["dry_run"],
            period=form.validated_data.get("period") or None,
            source="api",
        )
        return _report_response(report)


class FactRecordsImportView(APIView):
    """Send facts as JSON records; checked and landed exactly like a file."""

    parser_classes = [JSONParser]

    @extend_schema(
        request=serializers.FactRecordsSerializer,
        responses=_IMPORT_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        body = serializers.FactRecordsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        records = [dict(r) for r in body.validated_data["records"]]
        report = import_records(records, request.user, dry_run=body.validated_data["dry_run"], source="api")
        return _report_response(report)
