"""Registry API views. Lists and details start from `visible_to(request.user)`; writes are checked against the
same write-scope rule as the importers (registry.operations), so a file row and an API call are refused alike."""

from __future__ import annotations

from typing import Any

from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated

from industrybrain.core.api import CanEditMasterData, ChangeLoggedWriteMixin, ScopedQuerysetMixin
from industrybrain.core.bulk_import import Importer, RowRejected

from ..filtersets import (
    DigitalEconomyCategoryFilterSet,
    EnterpriseFilterSet,
    IndustryFilterSet,
    ParkFilterSet,
    RegionFilterSet,
)
from ..models import DigitalEconomyCategory, DigitalEconomyVersion, Enterprise, Industry, Park, Region
from ..operations import EnterpriseImporter, ParkImporter
from . import serializers

WRITE_PERMISSIONS = [IsAuthenticated, CanEditMasterData]


def check_scope_like_import(importer: type[Importer], user: Any, instance: Any, stored: Any) -> None:
    """Refuse with 403 what the importer would refuse as "outside your scope", naming the same field."""
    try:
        importer(user).check_scope(instance, stored)
    except RowRejected as rejected:
        raise PermissionDenied({rejected.column: [rejected.reason]}) from rejected


class RegionViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """GB/T 2260 regions: the user's subtree and the ancestors that name where it lies."""

    queryset = Region.objects.select_related("parent")
    serializer_class = serializers.RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "code"
    lookup_value_regex = r"\d{6}"
    ordering_fields = ["code", "name"]


class ParkViewSet(ScopedQuerysetMixin, ChangeLoggedWriteMixin, viewsets.ModelViewSet):
    queryset = Park.objects.select_related("region")
    serializer_class = serializers.ParkSerializer
    permission_classes = WRITE_PERMISSIONS
    filterset_class = ParkFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[\w-]+"
    ordering_fields = ["code", "name", "planned_area_mu"]

    def check_write_scope(self, instance: Park, stored: Park | None) -> None:
        check_scope_like_import(ParkImporter, self.request.user, instance, stored)


class IndustryViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 4754-2017: public reference data, read by every signed-in user."""

    queryset = Industry.objects.all()
    serializer_class = serializers.IndustrySerializer
    filterset_class = IndustryFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Z]{1,4}"
    ordering_fields = ["code"]


class DigitalEconomyVersionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = DigitalEconomyVersion.objects.all()
    serializer_class = serializers.DigitalEconomyVersionSerializer
    filterset_fields = ["is_current"]
    ordering_fields = ["imported_at", "name"]


class DigitalEconomyCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Categories with their GB/T 4754 mappings; the current version unless `version` is given."""

    queryset = DigitalEconomyCategory.objects.prefetch_related("mappings__industry")
    serializer_class = serializers.DigitalEconomyCategorySerializer
    filterset_class = DigitalEconomyCategoryFilterSet
    ordering_fields = ["code"]


class EnterpriseViewSet(ScopedQuerysetMixin, ChangeLoggedWriteMixin, viewsets.ModelViewSet):
    queryset = Enterprise.objects.select_related("region", "park", "industry")
    serializer_class = serializers.EnterpriseSerializer
    permission_classes = WRITE_PERMISSIONS
    filterset_class = EnterpriseFilterSet
    lookup_field = "uscc"
    lookup_value_regex = r"[0-9A-Za-z]{1,18}"
    ordering_fields = ["uscc", "name", "founded_on", "land_area_mu", "employees"]

    def check_write_scope(self, instance: Enterprise, stored: Enterprise | None) -> None:
        check_scope_like_import(EnterpriseImporter, self.request.user, instance, stored)
