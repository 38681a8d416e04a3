"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) over the service desk, in JSON and XML.

Services are the request categories (service_code = category code); requests are named by their number
(service_request_id). Statuses are only ``open`` and ``closed`` (办结, 评价 and merged are closed); the internal
status goes in ``status_notes``. ``api_key`` is a DRF token: an enterprise user files for its own enterprise, a
clerk or supervisor on an enterprise's behalf with ``account_id`` = its USCC. ``jurisdiction_id``, when given,
is a GB/T 2260 region code. Service discovery is public and rate-limited like the rest of the API; requests
are read only by those who may see them. Errors are Open311 error documents with the HTTP status as code.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, NotFound, ParseError, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from industrybrain.accounts.choices import Role
from industrybrain.core.api import Conflict
from industrybrain.registry.models import Enterprise, Region

from . import operations as ops
from .api.views import visible_requests
from .choices import Channel, Status
from .models import Category, ServiceRequest
from .transitions import TransitionError

CLOSED = (Status.CLOSED, Status.RATED, Status.MERGED)
MAX_WINDOW = dt.timedelta(days=90)
MAX_REQUESTS = 1000
REQUEST_FIELDS = (
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address",
    "address_id", "zipcode", "lat", "long", "media_url",
)  # fmt: skip
# XML: the element of one item of a list, by the list's element.
ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
         "values": "value"}  # fmt: skip
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- formats ---------------------------------------------------------------------------------------------------
class Open311JSONRenderer(JSONRenderer):
    format = "json"


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return ILLEGAL_XML.sub("", str(value))


def _xml_element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            element.append(_xml_element(key, item))
    elif isinstance(value, list):
        for item in value:
            element.append(_xml_element(ITEMS.get(tag, "item"), item))
    else:
        element.text = _xml_text(value)
    return element


class Open311XMLRenderer(BaseRenderer):
    """`<services><service>…`, `<service_requests><request>…`, `<service_definition>…`, `<errors><error>…`."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        context = renderer_context or {}
        response, view = context.get("response"), context.get("view")
        failed = response is not None and response.status_code >= 400
        root = "errors" if failed else getattr(view, "xml_root", "service_requests")
        element = _xml_element(root, data)
        return ET.tostring(element, encoding="utf-8", xml_declaration=True)


# --- errors, keys, jurisdictions --------------------------------------------------------------------------------
UNNAMED = ("detail", api_settings.NON_FIELD_ERRORS_KEY)


def error_document(code: int, data: Any) -> list[dict[str, Any]]:
    """DRF's error data as Open311 errors: [{code, description}], one per message."""
    if isinstance(data, dict) and set(data) == {"detail"}:
        return [{"code": code, "description": str(data["detail"])}]
    if isinstance(data, dict):
        return [
            {"code": code, "description": f"{field}: {message}" if field not in UNNAMED else str(message)}
            for field, messages in data.items()
            for message in (messages if isinstance(messages, list) else [messages])
        ]
    if isinstance(data, list):
        return [{"code": code, "description": str(message)} for message in data]
    return [{"code": code, "description": str(data)}]


def _body(request: Request) -> Any:
    data = request.data if request.method == "POST" else {}
    return data if hasattr(data, "get") else {}


class ApiKeyAuthentication(TokenAuthentication):
    """Open311's `api_key` parameter (query string or form body): a DRF token."""

    def authenticate(self, request: Request) -> Any:
        key = request.query_params.get("api_key") or _body(request).get("api_key")
        if not key:
            return None
        if not isinstance(key, str) or "\x00" in key:
            raise AuthenticationFailed(_("Invalid api_key."))
        return self.authenticate_credentials(key)


def jurisdiction(request: Request) -> Region | None:
    code = request.query_params.get("jurisdiction_id") or _body(request).get("jurisdiction_id")
    if not code:
        return None
    region = Region.objects.filter(code=code).first() if re.fullmatch(r"\d{6}", str(code)) else None
    if region is None:
        raise NotFound(_("Unknown jurisdiction_id %(code)s.") % {"code": str(code)[:20]})
    return region


def _has_nul(data: Any) -> bool:
    if hasattr(data, "lists"):
        return any(_has_nul(key) or _has_nul(values) for key, values in data.lists())
    if isinstance(data, dict):
        return any(_has_nul(key) or _has_nul(value) for key, value in data.items())
    if isinstance(data, list | tuple):
        return any(_has_nul(value) for value in data)
    return isinstance(data, str) and "\x00" in data


@extend_schema(exclude=True)  # Open311 is its own published spec, not part of /api/schema/
class Open311View(APIView):
    renderer_classes = [Open311JSONRenderer, Open311XMLRenderer]
    authentication_classes = [ApiKeyAuthentication, TokenAuthentication, SessionAuthentication]
    parser_classes = [FormParser, MultiPartParser, JSONParser]
    permission_classes = [IsAuthenticated]
    xml_root = "service_requests"
    region: Region | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if _has_nul(request.query_params) or _has_nul(_body(request)):
            raise ParseError(_("Null characters are not allowed."))
        self.region = jurisdiction(request)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages[0]})
        elif isinstance(exc, TransitionError):
            exc = Conflict(str(exc))
        response = super().handle_exception(exc)
        response.data = error_document(response.status_code, response.data)
        return response


# --- services ----------------------------------------------------------------------------------------------------
def service_name(category: Category) -> str:
    return category.name_en if get_language() == "en" and category.name_en else category.name


DATATYPE_DESCRIPTIONS = {
    "number": gettext_lazy("A number."),
    "datetime": gettext_lazy("A date and time (ISO 8601)."),
    "singlevaluelist": gettext_lazy("Choose one of the values."),
    "multivaluelist": gettext_lazy("Choose one or more of the values."),
}


def service_document(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": service_name(category),
        "description": category.description,
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": ",".join(k for k in category.keywords.split("|") if k),
        "group": str(category.get_group_display()),
    }


def attribute_document(attribute: dict[str, Any], order: int) -> dict[str, Any]:
    datatype = attribute.get("datatype", "string")
    return {
        "variable": True,
        "code": attribute["code"],
        "datatype": datatype,
        "required": bool(attribute.get("required")),
        "datatype_description": str(DATATYPE_DESCRIPTIONS.get(datatype, "")),
        "order": order,
        "description": attribute.get("name", attribute["code"]),
        "values": [{"key": str(v["key"]), "name": v.get("name", str(v["key"]))} for v in attribute.get("values", [])],
    }


class ServicesView(Open311View):
    """GET services.{fmt}: every active category."""

    permission_classes = [AllowAny]
    xml_root = "services"

    def get(self, request: Request, format: str) -> Response:
        return Response([service_document(c) for c in Category.objects.filter(is_active=True)])


class ServiceDefinitionView(Open311View):
    """GET services/{service_code}.{fmt}: the category's attributes."""

    permission_classes = [AllowAny]
    xml_root = "service_definition"

    def get(self, request: Request, service_code: str, format: str) -> Response:
        category = Category.objects.filter(code=service_code, is_active=True).first()
        if category is None:
            raise NotFound(_("Unknown service_code %(code)s.") % {"code": service_code})
        attributes = [attribute_document(a, order) for order, a in enumerate(category.attributes, start=1)]
        return Response({"service_code": category.code, "attributes": attributes})


# --- requests ----------------------------------------------------------------------------------------------------
def iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def request_document(request: ServiceRequest, http: Request) -> dict[str, Any]:
    closed = request.status in CLOSED
    attachment = next(iter(request.attachments.all()), None)
    media_url = ""
    if attachment is not None:
        path = reverse("servicedesk-api:request-attachment", args=[request.number, attachment.pk])
        media_url = http.build_absolute_uri(path)
    notice = request.answer
    if request.status == Status.MERGED and request.merged_into_id:
        notice = _("Merged into %(number)s.") % {"number": request.merged_into.number}
    return {
        "service_request_id": request.number,
        "status": "closed" if closed else "open",
        "status_notes": str(request.get_status_display()),
        "service_name": service_name(request.category),
        "service_code": request.category.code,
        "description": request.description,
        "agency_responsible": request.lead_department.name if request.lead_department_id else "",
        "service_notice": notice,
        "requested_datetime": iso(request.created),
        "updated_datetime": iso(request.closed_at if closed and request.closed_at else request.updated),
        "expected_datetime": iso(request.deadline),
        "address": request.address,
        "address_id": "",
        "zipcode": "",
        "lat": float(request.latitude) if request.latitude is not None else None,
        "long": float(request.longitude) if request.longitude is not None else None,
        "media_url": media_url,
    }


def parse_moment(value: str, field: str) -> dt.datetime:
    """A W3C / ISO 8601 date-time (or a date: its midnight), in the server's time zone when none is given."""
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)) is not None:
            moment = dt.datetime.combine(day, dt.time.min)
        if moment is not None and timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise ValidationError({field: _("Use an ISO 8601 date and time, e.g. 2025-10-01T00:00:00+08:00.")})
    if not 1900 <= moment.year <= 2999:  # also keeps time-zone arithmetic and the window clear of overflows
        raise ValidationError({field: _("The date is out of range.")})
    return moment


def window(params: Any) -> tuple[dt.datetime, dt.datetime]:
    """(start, end): at most 90 days; the last 90 days by default, 90 days from one end when only it is given."""
    start = parse_moment(params["start_date"], "start_date") if params.get("start_date") else None
    end = parse_moment(params["end_date"], "end_date") if params.get("end_date") else None
    if start is None:
        end = end or timezone.now()
        start = end - MAX_WINDOW
    elif end is None:
        end = start + MAX_WINDOW
    if end < start:
        raise ValidationError({"end_date": _("end_date is before start_date.")})
    if end - start > MAX_WINDOW:
        raise ValidationError({"end_date": _("Ask for at most 90 days between start_date and end_date.")})
    return start, end


def _listed(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def search(user: Any, params: Any, region: Region | None) -> QuerySet:
    requests = visible_requests(user)
    if region is not None:
        requests = requests.filter(region__path__startswith=region.path)
    if ids := params.get("service_request_id"):  # overrides every other filter (the spec)
        requests = requests.filter(number__in=_listed(ids)[:MAX_REQUESTS])
    else:
        if codes := params.get("service_code"):
            requests = requests.filter(category__code__in=_listed(codes))
        start, end = window(params)
        requests = requests.filter(created__gte=start, created__lte=end)
        if wanted := params.get("status"):
            statuses = set(_listed(wanted))
            if not statuses or statuses - {"open", "closed"}:
                raise ValidationError({"status": _("Use open, closed or both.")})
            if statuses == {"open"}:
                requests = requests.exclude(status__in=CLOSED)
            elif statuses == {"closed"}:
                requests = requests.filter(status__in=CLOSED)
    related = ("category", "lead_department", "merged_into")
    return requests.select_related(*related).prefetch_related("attachments").order_by("-created", "-id")


class RequestsView(Open311View):
    """GET requests.{fmt}: the requests the key's user may see; POST requests.{fmt}: file one."""

    def get(self, request: Request, format: str) -> Response:
        found = search(request.user, request.query_params, self.region)[:MAX_REQUESTS]
        return Response([request_document(r, request) for r in found])

    def post(self, request: Request, format: str) -> Response:
        body = NewOpen311RequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        enterprise = self.enterprise(request.user, data.get("account_id", ""))
        new = ops.NewRequest(
            enterprise=enterprise, category=self.category(data["service_code"]), title=title_of(data["description"]),
            description=data["description"], channel=Channel.OPEN311, attributes=attribute_values(request.data),
            contact_name=" ".join(n for n in (data.get("first_name"), data.get("last_name")) if n),
            contact_phone=data.get("phone", ""), address=data.get("address_string", ""),
            latitude=data.get("lat"), longitude=data.get("long"),
        )  # fmt: skip
        filed = ops.file_request(new, request.user)
        if filed.deadline:
            notice = _("Received. The answer is due by %(time)s.") % {"time": iso(filed.deadline)}
        else:
            notice = _("Received. It will be dispatched to the responsible department.")
        reply = {"service_request_id": filed.number, "service_notice": notice, "account_id": enterprise.uscc}
        return Response([reply], status=201)

    def enterprise(self, user: Any, account_id: str) -> Enterprise:
        """The key's enterprise; or, for a clerk filing on its behalf, the enterprise named by account_id."""
        account_id = account_id.strip().upper()
        if user.role == Role.ENTERPRISE:
            if user.enterprise is None or (account_id and account_id != user.enterprise.uscc):
                raise DjangoValidationError({"account_id": _("An enterprise files requests only for itself.")})
            enterprise = user.enterprise
        else:
            if not account_id:
                raise DjangoValidationError({"account_id": _("Give the USCC of the enterprise the request is for.")})
            enterprise = Enterprise.objects.visible_to(user).filter(uscc=account_id).first()
            if enterprise is None:
                raise DjangoValidationError({"account_id": _("No enterprise with this USCC among those you may see.")})
        if self.region is not None and not enterprise.region.path.startswith(self.region.path):
            raise DjangoValidationError({"jurisdiction_id": _("The enterprise is outside this jurisdiction.")})
        return enterprise

    @staticmethod
    def category(code: str) -> Category:
        category = Category.objects.filter(code=code, is_active=True).first()
        if category is None:
            raise DjangoValidationError({"service_code": _("Unknown service_code %(code)s.") % {"code": code}})
        return category


class NewOpen311RequestSerializer(serializers.Serializer):
    service_code = serializers.CharField(max_length=40)
    description = serializers.CharField(max_length=10000)
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False,
                                   rounding="ROUND_HALF_UP")  # fmt: skip
    long = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False,
                                    rounding="ROUND_HALF_UP")  # fmt: skip
    address_string = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address_id = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    device_id = serializers.CharField(max_length=200, required=False, allow_blank=True)
    account_id = serializers.CharField(max_length=18, required=False, allow_blank=True)
    first_name = serializers.CharField(max_length=24, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=25, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    media_url = serializers.URLField(max_length=500, required=False, allow_blank=True)


ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def attribute_values(data: Any) -> dict[str, Any]:
    """`attribute[code]=value` (and `attribute[code][]=v1&attribute[code][]=v2` for multi-value lists)."""
    values: dict[str, Any] = {}
    if isinstance(data.get("attribute"), dict):  # a JSON body may nest them
        values.update(data["attribute"])
    for key in list(data.keys()):
        match = ATTRIBUTE_KEY.match(str(key))
        if match is None:
            continue
        many = data.getlist(key) if hasattr(data, "getlist") else data[key]
        if match.group(2) or (isinstance(many, list) and len(many) > 1):
            values[match.group(1)] = many if isinstance(many, list) else [many]
        else:
            values[match.group(1)] = many[0] if isinstance(many, list) and many else many
    return values


def title_of(description: str) -> str:
    line = description.strip().splitlines()[0].strip() if description.strip() else ""
    return line if len(line) <= 60 else f"{line[:59]}…"


class RequestView(Open311View):
    """GET requests/{id}.{fmt} (and request/{id}.{fmt}): one request, as a list of one."""

    def get(self, request: Request, service_request_id: str, format: str) -> Response:
        found = search(request.user, {"service_request_id": service_request_id}, self.region).first()
        if found is None:
            raise NotFound(_("No request %(id)s among those you may see.") % {"id": service_request_id})
        return Response([request_document(found, request)])


class TokenView(Open311View):
    """GET tokens/{token}.{fmt}: the token is the request's number."""

    def get(self, request: Request, token: str, format: str) -> Response:
        found = search(request.user, {"service_request_id": token}, self.region).first()
        if found is None:
            raise NotFound(_("No request for token %(token)s among those you may see.") % {"token": token})
        return Response([{"service_request_id": found.number, "token": token}])
