"""Service-desk API: categories, requests, one POST endpoint per action, attachments.

Status codes (core.api): 401 not signed in; 403 the user may not take the action (the transition table's
actors) or may not file for that enterprise; 404 a request the user may not see (its existence is not
revealed); 400 bad input, with the field it concerns; 409 the action is not possible in the request's
current status (the transition table's sources). Every change goes through `operations`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q, QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from industrybrain.accounts.choices import Role
from industrybrain.accounts.models import Department
from industrybrain.core.api import Conflict
from industrybrain.registry.models import Region

from .. import operations as ops
from ..attachments import add_attachment
from ..choices import Status
from ..models import Attachment, Category, Part, ServiceRequest
from ..transitions import TransitionError
from . import serializers as s

ERROR = OpenApiTypes.OBJECT
ACTION_RESPONSES = {
    200: s.ServiceRequestSerializer,
    400: OpenApiResponse(ERROR, description="bad input: the field errors"),
    403: OpenApiResponse(ERROR, description="you may not take this action on the request"),
    404: OpenApiResponse(ERROR, description="no such request among those you may see"),
    409: OpenApiResponse(ERROR, description="the action is not possible in the request's current status"),
}


@contextmanager
def operation_errors(field: str | None = None) -> Iterator[None]:
    """An operation's refusals as API errors: ValidationError → 400 (a message without a field is put on
    `field`), PermissionDenied → 403, TransitionError → 409."""
    try:
        yield
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError(exc.message_dict) from exc
        raise ValidationError({field or api_settings.NON_FIELD_ERRORS_KEY: exc.messages}) from exc
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc) or None) from exc
    except TransitionError as exc:
        raise Conflict(str(exc)) from exc


def overdue_condition(now: Any) -> Q:
    """`ServiceRequest.is_overdue` as a query."""
    suspended = Q(status=Status.SUSPENDED, suspended_at__isnull=False)
    late_answer = Q(answered_at__isnull=False, answered_at__gt=F("deadline"))
    late_suspension = Q(answered_at__isnull=True) & suspended & Q(suspended_at__gt=F("deadline"))
    still_open = Q(answered_at__isnull=True, deadline__lt=now) & ~suspended
    return Q(deadline__isnull=False) & ~Q(status=Status.MERGED) & (late_answer | late_suspension | still_open)


def visible_requests(user: Any) -> QuerySet:
    """The requests the user may see, each once (a clerk's condition follows the parts, a to-many relation)."""
    return ServiceRequest.objects.filter(pk__in=ServiceRequest.objects.visible_to(user).values("pk"))


class ServiceRequestFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=gettext_lazy("request status"))
    category = django_filters.CharFilter(field_name="category__code", help_text="category code")
    department = django_filters.CharFilter(method="filter_department", help_text="department code, lead or assisting")
    region = django_filters.CharFilter(method="filter_region", help_text="GB/T 2260 code: requests of its subtree")
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text="past the deadline, or answered late")
    created_after = django_filters.DateFilter(
        field_name="created", lookup_expr="date__gte", label="received on or after"
    )
    created_before = django_filters.DateFilter(
        field_name="created", lookup_expr="date__lte", label="received on or before"
    )
    search = django_filters.CharFilter(method="filter_search", help_text="number, title, description or enterprise")

    class Meta:
        model = ServiceRequest
        fields: list[str] = []

    def filter_department(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        parts = Part.objects.filter(department__code=value).values("request_id")
        return queryset.filter(Q(lead_department__code=value) | Q(pk__in=parts))

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        region = Region.objects.filter(code=value).first()
        return queryset.filter(region__path__startswith=region.path) if region else queryset.none()

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        overdue = queryset.filter(overdue_condition(timezone.now()))
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(number__icontains=value) | Q(title__icontains=value) | Q(description__icontains=value)
            | Q(enterprise__name__icontains=value) | Q(enterprise__uscc__startswith=value.upper())
        )  # fmt: skip


class CanFileRequests(permissions.BasePermission):
    """Reading is for everyone signed in (the queryset says what); enterprises, clerks and supervisors file."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS or getattr(view, "action", None) != "create":
            return True
        user = request.user
        if user.is_superuser:
            return True
        if user.role == Role.ENTERPRISE:
            return bool(user.enterprise_id)
        return user.role in (Role.CLERK, Role.SUPERVISOR, Role.ADMINISTRATOR)


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Request categories with their Open311-style attributes and the deadline rule of their complexity."""

    queryset = Category.objects.all()
    serializer_class = s.CategorySerializer
    lookup_field = "code"
    lookup_value_regex = r"[\w-]+"
    filterset_fields = ["group", "is_active"]
    ordering_fields = ["code", "name", "group"]


class ServiceRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Requests the user may see: an enterprise its own, a clerk its department's (lead or assisting),
    supervisors and analysts their region's."""

    queryset = ServiceRequest.objects.all()
    serializer_class = s.ServiceRequestListSerializer
    permission_classes = [permissions.IsAuthenticated, CanFileRequests]
    filterset_class = ServiceRequestFilterSet
    ordering_fields = ["created", "deadline", "number", "updated", "status"]
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9-]+"

    def get_queryset(self) -> QuerySet:
        queryset = visible_requests(self.request.user).select_related(
            "category", "enterprise", "region", "lead_department"
        )
        if self.action != "retrieve":  # lists use few columns; actions only need the row (detail_of reads again)
            return queryset
        return queryset.select_related("merged_into").prefetch_related(
            "parts__department", "events__department", "extensions", "attachments__request"
        )

    def get_serializer_class(self) -> Any:
        return s.ServiceRequestListSerializer if self.action == "list" else s.ServiceRequestSerializer

    def detail_of(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        """The request as it is now (read again: an action may have changed who sees it)."""
        request = (
            ServiceRequest.objects.select_related("category", "enterprise", "region", "lead_department", "merged_into")
            .prefetch_related("parts__department", "events__department", "extensions", "attachments__request")
            .get(pk=pk)
        )
        return Response(s.ServiceRequestSerializer(request, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        request=s.NewRequestSerializer,
        responses={
            201: s.ServiceRequestSerializer,
            400: OpenApiResponse(ERROR, description="bad input: the field errors"),
            403: OpenApiResponse(ERROR, description="you may not file requests for this enterprise"),
        },
    )
    def create(self, request: Request) -> Response:
        """File a request: an enterprise user for its own enterprise; a clerk or supervisor for an enterprise
        of their region, received by phone, 12345 or visit."""
        body = s.NewRequestSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        new = ops.NewRequest(
            enterprise=data["enterprise"], category=data["category"], title=data["title"],
            description=data["description"], channel=data["channel"], attributes=data.get("attributes") or {},
            contact_name=data.get("contact_name", ""), contact_phone=data.get("contact_phone", ""),
            address=data.get("address", ""), latitude=data.get("latitude"), longitude=data.get("longitude"),
        )  # fmt: skip
        with operation_errors():
            filed = ops.file_request(new, request.user)
        return self.detail_of(filed.pk, status.HTTP_201_CREATED)

    # --- actions ---------------------------------------------------------------------------------------------
    def act(self, request: Request, body_class: type, run: Callable[..., Any], field: str | None = None) -> Response:
        """Find the request (404 if unseen), read the body (400), run the operation (400/403/409)."""
        target = self.get_object()
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        with operation_errors(field):
            run(target, request.user, **body.validated_data)
        return self.detail_of(target.pk)

    @extend_schema(request=s.DispatchSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_request(self, request: Request, number: str) -> Response:
        """交办: a supervisor hands the request to a lead department, with assisting departments."""

        def run(target: ServiceRequest, user: Any, department: str, assisting: list, complexity: str = "") -> Any:
            helpers = [(department_named(a["department"], "assisting"), a.get("task", "")) for a in assisting]
            return ops.dispatch(target, user, department_named(department), helpers, complexity or None)

        return self.act(request, s.DispatchSerializer, run)

    @extend_schema(request=s.SignSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, number: str) -> Response:
        """签收: the lead department accepts the request (and may reclassify its complexity)."""
        return self.act(request, s.SignSerializer, lambda t, u, complexity=None: ops.sign(t, u, complexity))

    @extend_schema(request=s.ReasonSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_request(self, request: Request, number: str) -> Response:
        """退回: not this department's; back to the supervisors to dispatch again."""
        return self.act(request, s.ReasonSerializer, ops.return_request, "reason")

    @extend_schema(request=s.TransferSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, number: str) -> Response:
        """转办: hand the request to another department of the region holding it."""

        def run(target: ServiceRequest, user: Any, department: str, reason: str) -> Any:
            return ops.transfer(target, user, department_named(department), reason)

        return self.act(request, s.TransferSerializer, run, "reason")

    @extend_schema(request=s.ResultSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def submit_part(self, request: Request, number: str) -> Response:
        """An assisting department hands in its part."""
        return self.act(request, s.ResultSerializer, ops.submit_part, "result")

    @extend_schema(request=s.ReasonSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, number: str) -> Response:
        """A hard case goes up a level (county → city → province)."""
        return self.act(request, s.ReasonSerializer, ops.escalate, "reason")

    @extend_schema(request=s.MergeSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, number: str) -> Response:
        """Merge a duplicate into another open request of the same enterprise."""

        def run(target: ServiceRequest, user: Any, into: str) -> Any:
            other = visible_requests(user).filter(number=into).first()
            if other is None:
                raise DjangoValidationError({"into": _("No such request among those you may see.")})
            return ops.merge(target, user, other)

        return self.act(request, s.MergeSerializer, run, "into")

    @extend_schema(request=s.ExtensionRequestSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def request_extension(self, request: Request, number: str) -> Response:
        """The lead department asks the supervisors for more working days."""
        return self.act(request, s.ExtensionRequestSerializer, ops.request_extension, "reason")

    @extend_schema(request=s.NoteSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def approve_extension(self, request: Request, number: str) -> Response:
        """A supervisor approves the pending extension: the deadline moves."""
        return self.act(request, s.NoteSerializer, lambda t, u, note: ops.decide_extension(t, u, True, note))

    @extend_schema(request=s.NoteSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def reject_extension(self, request: Request, number: str) -> Response:
        """A supervisor rejects the pending extension."""
        return self.act(request, s.NoteSerializer, lambda t, u, note: ops.decide_extension(t, u, False, note))

    @extend_schema(request=s.ReasonSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, number: str) -> Response:
        """Wait for the enterprise (the clock stops); the reason says what it must provide."""
        return self.act(request, s.ReasonSerializer, ops.suspend, "reason")

    @extend_schema(request=s.NoteSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, number: str) -> Response:
        """The clock runs again; the deadline moves by the working days waited."""
        return self.act(request, s.NoteSerializer, ops.resume, "note")

    @extend_schema(request=s.TextSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, number: str) -> Response:
        """反馈: the lead department's answer, once every assisting part is in."""
        return self.act(request, s.TextSerializer, ops.answer, "text")

    @extend_schema(request=s.NoteSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, number: str) -> Response:
        """办结: the answer stands; the enterprise is asked to rate it."""
        return self.act(request, s.NoteSerializer, ops.close, "note")

    @extend_schema(request=s.RateSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def rate(self, request: Request, number: str) -> Response:
        """评价 by the enterprise; "unsatisfied" the first time reopens the request."""
        return self.act(request, s.RateSerializer, ops.rate, "satisfaction")

    @extend_schema(request=s.TextSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def comment(self, request: Request, number: str) -> Response:
        """A comment on the timeline, by anyone taking part."""
        return self.act(request, s.TextSerializer, ops.comment, "text")

    # --- attachments -----------------------------------------------------------------------------------------
    @extend_schema(
        request={"multipart/form-data": s.UploadSerializer},
        responses={201: s.ServiceRequestSerializer, **{k: v for k, v in ACTION_RESPONSES.items() if k != 200}},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request: Request, number: str) -> Response:
        """Add a file (the enterprise, the departments taking part, the supervisors)."""
        target = self.get_object()
        body = s.UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with operation_errors("file"):
            add_attachment(target, request.user, body.validated_data["file"])
        return self.detail_of(target.pk, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("attachment_id", int, OpenApiParameter.PATH)],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            (404, "application/json"): OpenApiResponse(ERROR, description="no such file on a request you may see"),
        },
    )
    @action(
        detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>\d+)", url_name="attachment",
        filter_backends=[],
    )  # fmt: skip
    def attachment(self, request: Request, number: str, attachment_id: str) -> FileResponse:
        """Download a file of a request you may see."""
        target = self.get_object()
        attachment = Attachment.objects.filter(request=target, pk=attachment_id).first()
        if attachment is None:
            raise NotFound
        try:
            handle = attachment.file.open("rb")
        except (OSError, ValueError) as exc:
            raise NotFound(_("The file is missing from the store.")) from exc
        return FileResponse(handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type)


def department_named(code: str, field: str = "department") -> Department:
    department = Department.objects.filter(code=code).select_related("region").first()
    if department is None:
        raise DjangoValidationError({field: _("No department with code %(code)s.") % {"code": code}})
    return department
