"""Evaluations API: specs (read by all, added by analysts), runs, their results, explanations, checks, exports.

Status codes as everywhere (core.api): 401 not signed in; 403 the role may not do it, or the region is outside
the user's scope; 404 a run or entity the user may not see; 400 bad input (a spec's problems are listed one by
one with their place). Everything computed comes from `operations`; rows and files from `exports`.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from industrybrain.core.api import CanEditMasterData, Pagination, ScopedQuerysetMixin
from industrybrain.registry.models import Region

from .. import exports, operations
from ..models import EvaluationRun, EvaluationSpec
from ..operations import EvaluationError, SpecError
from . import serializers as s

BAD_INPUT = OpenApiResponse(OpenApiTypes.OBJECT, description="bad input: `detail`, or the field errors")
EXPORT_RESPONSES = {
    (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
    (200, "text/csv"): OpenApiTypes.BINARY,
    (400, "application/json"): OpenApiTypes.OBJECT,
}


def spec_problems(exc: SpecError) -> dict[str, Any]:
    problems = [{"place": place, "message": message} for place, message in exc.problems]
    detail = ngettext("The spec has %(n)d problem.", "The spec has %(n)d problems.", len(problems))
    return {"detail": detail % {"n": len(problems)}, "problems": problems}


def add_spec(text: str, user: Any) -> tuple[EvaluationSpec, bool]:
    """(the stored spec, whether it is new); a spec that cannot be read is a 400 listing its problems."""
    known = set(EvaluationSpec.objects.values_list("digest", flat=True))
    try:
        spec = operations.add_spec(text, user)
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except SpecError as exc:
        raise ValidationError(spec_problems(exc)) from exc
    except (TypeError, AttributeError, ValueError) as exc:
        # A value of an unexpected kind (a list where a mapping belongs …) that the parser does not yet report.
        raise ValidationError(spec_problems(SpecError([("", str(exc))]))) from exc
    return spec, spec.digest not in known


class EvaluationSpecViewSet(viewsets.GenericViewSet):
    """Evaluation specs (methods are public): the newest version of each; analysts add versions as YAML."""

    queryset = EvaluationSpec.objects.all()
    serializer_class = s.EvaluationSpecSerializer
    permission_classes = [IsAuthenticated, CanEditMasterData]
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return super().get_queryset().visible_to(self.request.user)

    def list(self, request: Request) -> Response:
        visible = set(self.get_queryset().values_list("pk", flat=True))
        page = self.paginate_queryset([spec for spec in operations.newest_specs() if spec.pk in visible])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, code: str) -> Response:
        # A NUL cannot be stored in a code, and PostgreSQL fails the query rather than finding nothing.
        spec = None if "\x00" in code else self.get_queryset().filter(code=code).order_by("-created", "-id").first()
        if spec is None:
            raise NotFound
        return Response(self.get_serializer(spec).data)

    @extend_schema(
        request=s.SpecUploadSerializer,
        responses={
            201: s.EvaluationSpecSerializer,
            200: OpenApiResponse(s.EvaluationSpecSerializer, description="the same content was already stored"),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="`detail` and `problems`: every problem of the spec as {place, message}; or field errors",
            ),
        },
    )
    def create(self, request: Request) -> Response:
        upload = s.SpecUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        spec, created = add_spec(upload.validated_data["text"], request.user)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(spec).data, status=code)


class EvaluationRunFilterSet(django_filters.FilterSet):
    spec = django_filters.CharFilter(field_name="spec__code", help_text="spec code")
    period = django_filters.CharFilter(help_text="year")
    region = django_filters.CharFilter(field_name="region__code", help_text="GB/T 2260 code of the run's region")

    class Meta:
        model = EvaluationRun
        fields: list[str] = []


def results_filter(run: EvaluationRun, params: dict[str, Any]) -> exports.RankingFilter:
    groups = tuple((g, params.get(g) or "") for g in run.spec.parsed.rank_within)
    fields = ("population", "grade", "tier", "reserve_tier", "search", "ordering")
    return exports.RankingFilter(**{f: params.get(f) or "" for f in fields}, groups=groups)


def read_or_400(compute: Any, *args: Any) -> Any:
    """Reading a stored run: a missing results file or spec is reported, not a server error."""
    try:
        return compute(*args)
    except EvaluationError as exc:
        raise ValidationError({"detail": str(exc)}) from exc


class EvaluationRunViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Stored runs over the user's region (or a region containing it), with their results."""

    queryset = EvaluationRun.objects.select_related("spec", "region", "created_by")
    serializer_class = s.EvaluationRunListSerializer
    permission_classes = [IsAuthenticated, CanEditMasterData]
    filterset_class = EvaluationRunFilterSet
    ordering_fields = ["id", "created", "period"]
    lookup_value_regex = r"\d+"

    @extend_schema(responses=s.EvaluationRunSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(s.EvaluationRunSerializer(self.get_object()).data)

    @extend_schema(
        request=s.RunRequestSerializer,
        responses={201: s.EvaluationRunSerializer, 400: BAD_INPUT},
    )
    def create(self, request: Request) -> Response:
        """Run a spec over the data hub's year for a region, synchronously, and store the run."""
        body = s.RunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            spec = operations.current_spec(data["spec"])
            region = self._region(data.get("region"), spec)
            run = operations.run_evaluation(
                spec, region, data["period"], request.user, with_uncertainty=data["uncertainty"]
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc) or None) from exc
        except EvaluationError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(s.EvaluationRunSerializer(run).data, status=status.HTTP_201_CREATED)

    def _region(self, code: str | None, spec: EvaluationSpec) -> Region:
        if not code:
            return operations.default_region(spec.parsed, self.request.user)
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise ValidationError({"region": [_("unknown region %(code)s") % {"code": code}]})
        return region

    @extend_schema(
        parameters=[s.ResultsQuerySerializer],
        responses={200: s.ResultRowSerializer(many=True), 400: BAD_INPUT},
        description="The run's rows you may see, by rank (unranked last). `county`/`city` filter by the group "
        "the spec ranks within.",
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def results(self, request: Request, pk: str) -> Response:
        run = self.get_object()
        query = s.ResultsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        table = read_or_400(exports.ranking, run, request.user)
        chosen = exports.filter_ranking(table, results_filter(run, query.validated_data))
        rows = exports.result_rows(run.spec.parsed, chosen)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.ResultRowSerializer(page, many=True).data)

    @extend_schema(
        responses={200: s.ExplanationSerializer, 400: BAD_INPUT},
        parameters=[OpenApiParameter("entity_id", str, OpenApiParameter.PATH, description="USCC or region code")],
    )
    @action(detail=True, methods=["get"], url_path=r"results/(?P<entity_id>[^/.]+)", filter_backends=[])
    def explanation(self, request: Request, pk: str, entity_id: str) -> Response:
        """One entity's score, rank and grade with why: contributions, peers, change, what-if, policies."""
        run = self.get_object()
        try:
            explained = read_or_400(operations.explain, run, entity_id, request.user)
        except LookupError as exc:
            raise NotFound from exc
        return Response(s.ExplanationSerializer(explained).data)

    @extend_schema(responses={200: s.VerificationSerializer, 400: BAD_INPUT})
    @action(detail=True, methods=["get"], filter_backends=[])
    def verify(self, request: Request, pk: str) -> Response:
        """Recompute the run from its stored inputs and spec, and say whether every number is reproduced."""
        return Response(s.VerificationSerializer(read_or_400(operations.verify_run, self.get_object())).data)

    def get_serializer_class(self) -> Any:
        return s.EvaluationRunSerializer if self.action == "retrieve" else super().get_serializer_class()


class CompareView(APIView):
    """Two runs of the same evaluation side by side: every entity you may see in either, with the changes."""

    pagination_class = Pagination

    @extend_schema(
        parameters=[s.CompareQuerySerializer], responses={200: s.CompareRowSerializer(many=True), 400: BAD_INPUT}
    )
    def get(self, request: Request) -> Response:
        query = s.CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        runs = EvaluationRun.objects.visible_to(request.user).select_related("spec")
        first = get_object_or_404(runs, pk=query.validated_data["a"])
        second = get_object_or_404(runs, pk=query.validated_data["b"])
        table = read_or_400(operations.compare, first, second, request.user)
        paginator = Pagination()
        rows = exports.LazyRows(table, exports.compare_row)
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(s.CompareRowSerializer(page, many=True).data)


class PassthroughRenderer(BaseRenderer):
    """Lets `?format=xlsx|csv` through DRF's content negotiation; the view answers with the file itself."""

    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else b""


class XlsxRenderer(PassthroughRenderer):
    media_type = exports.EXPORT_TYPES["xlsx"]
    format = "xlsx"


class CsvRenderer(PassthroughRenderer):
    media_type = "text/csv"
    format = "csv"


class ExportView(APIView):
    """The 公示名单 of a run as .xlsx (title row, a block per population) or flat .csv: only rows you may see."""

    renderer_classes = [JSONRenderer, XlsxRenderer, CsvRenderer]

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["xlsx", "csv"], description="default xlsx")],
        responses=EXPORT_RESPONSES,
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        return self.download(request, pk, request.query_params.get("format") or "xlsx")

    def download(self, request: Request, pk: int, file_format: str) -> HttpResponse:
        if file_format not in exports.EXPORT_TYPES:
            raise ValidationError({"detail": _("Use format xlsx or csv.")})
        run = get_object_or_404(EvaluationRun.objects.visible_to(request.user).select_related("spec"), pk=pk)
        data = read_or_400(exports.export, run, request.user, file_format)
        response = HttpResponse(data, content_type=exports.EXPORT_TYPES[file_format])
        response["Content-Disposition"] = f'attachment; filename="{exports.filename(run, file_format)}"'
        return response

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        """An unknown ?format= is answered by `download` (400), not by DRF's 404."""
        return super().perform_content_negotiation(request, force=True)

    def handle_exception(self, exc: Exception) -> Response:
        """Errors are JSON, whatever file format was asked for."""
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


class ExportFileView(ExportView):
    """The same, with the format in the path: export.xlsx or export.csv."""

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, OpenApiParameter.PATH, enum=["xlsx", "csv"])],
        responses=EXPORT_RESPONSES,
    )
    def get(self, request: Request, pk: int, file_format: str) -> HttpResponse:  # type: ignore[override]
        return self.download(request, pk, file_format)
