"""The current user, and the change log (administrators, for their own subtree: see ObjectChange.visibility)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from industrybrain.core.api import ScopedQuerysetMixin
from industrybrain.core.filtersets import ObjectChangeFilterSet
from industrybrain.core.models import ObjectChange

from .serializers import MeSerializer, ObjectChangeSerializer


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class ObjectChangeViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ObjectChange.objects.select_related("content_type")
    serializer_class = ObjectChangeSerializer
    filterset_class = ObjectChangeFilterSet
    ordering_fields = ["time", "id"]
