"""Open311 GeoReport v2: the spec's field names in JSON and in XML, open/closed with the internal status in
status_notes, the 90-day window, the key's user seeing only its requests, and every refusal an Open311 error
document."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from industrybrain.servicedesk import operations as ops
from industrybrain.servicedesk.choices import Status
from industrybrain.servicedesk.models import Category, ServiceRequest

V2 = "/open311/v2"
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description", "order", "description",
                    "values"}  # fmt: skip
REQUIRED_REQUEST_FIELDS = {"service_request_id", "status", "service_code", "requested_datetime"}
OPTIONAL_REQUEST_FIELDS = {
    "status_notes", "service_name", "description", "agency_responsible", "service_notice", "updated_datetime",
    "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
}  # fmt: skip


@pytest.fixture(autouse=True)
def fresh_throttle_budget() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def client(language: str = "en") -> Client:
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return browser


def key(desk, persona: str) -> str:
    return Token.objects.get_or_create(user=desk[persona])[0].key


def file(desk, category: str = "tax_rebate", firm: str = "linhai_firm", at: dt.datetime | None = None,
         **extra) -> ServiceRequest:  # fmt: skip
    new = ops.NewRequest(enterprise=desk[firm], category=Category.objects.get(code=category), title="退税未到账",
                         description="三季度退税未到账", **extra)  # fmt: skip
    return ops.file_request(new, None, at=at)


def xml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    return ET.fromstring(response.content)  # raises unless well-formed


def as_dict(element: ET.Element) -> dict[str, str]:
    return {child.tag: child.text or "" for child in element}


def assert_error(response, status: int, text: str = "") -> None:
    assert response.status_code == status, response.content
    if response["Content-Type"].startswith("text/xml"):
        root = xml(response)
        assert root.tag == "errors" and [e.tag for e in root] == ["error"] * len(root)
        errors = [as_dict(e) for e in root]
    else:
        errors = response.json()
    assert errors and all(set(e) == {"code", "description"} and int(e["code"]) == status for e in errors)
    assert text in " ".join(str(e["description"]) for e in errors)


# --- services ------------------------------------------------------------------------------------------------
def test_anyone_lists_the_services_in_json_and_xml(db) -> None:
    services = client().get(f"{V2}/services.json").json()
    assert all(set(s) == SERVICE_FIELDS for s in services)
    rebate = next(s for s in services if s["service_code"] == "tax_rebate")
    assert rebate == {"service_code": "tax_rebate", "service_name": "Export tax rebate", "description": "",
                      "metadata": True, "type": "realtime", "keywords": "退税", "group": "Trade services"}  # fmt: skip
    talent = next(s for s in services if s["service_code"] == "talent")
    assert (talent["metadata"], talent["keywords"]) == (False, "人才,招工,落户")
    root = xml(client("zh-hans").get(f"{V2}/services.xml"))
    assert root.tag == "services" and {e.tag for e in root} == {"service"} and len(root) == len(services)
    first = next(as_dict(e) for e in root if e.findtext("service_code") == "tax_rebate")
    assert set(first) == SERVICE_FIELDS and first["service_name"] == "出口退税" and first["metadata"] == "true"


def test_a_service_definition_lists_its_attributes(db) -> None:
    definition = client().get(f"{V2}/services/permits.json").json()
    assert definition["service_code"] == "permits"
    first, second = definition["attributes"]
    assert set(first) == ATTRIBUTE_FIELDS and set(second) == ATTRIBUTE_FIELDS
    assert (first["code"], first["datatype"], first["required"], first["order"], first["variable"]) == (
        "permit_type", "singlevaluelist", True, 1, True)  # fmt: skip
    assert first["values"][0] == {"key": "construction", "name": "工程建设"}
    assert (second["order"], second["required"], second["values"]) == (2, False, [])
    root = xml(client().get(f"{V2}/services/permits.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "permits"
    attributes = root.find("attributes").findall("attribute")
    assert {c.tag for c in attributes[0]} == ATTRIBUTE_FIELDS
    assert [v.findtext("key") for v in attributes[0].find("values").findall("value")] == [
        "construction", "environment", "safety", "other"]  # fmt: skip
    assert attributes[0].findtext("required") == "true"


def test_unknown_services_and_jurisdictions_are_error_documents(db) -> None:
    assert_error(client().get(f"{V2}/services/nope.json"), 404, "Unknown service_code nope.")
    assert_error(client().get(f"{V2}/services/nope.xml"), 404, "Unknown service_code nope.")
    assert_error(client().get(f"{V2}/services.xml", {"jurisdiction_id": "999999"}), 404, "Unknown jurisdiction_id")
    assert_error(client().get(f"{V2}/services.json", {"jurisdiction_id": "taizhou.gov"}), 404)
    assert client().get(f"{V2}/services.json", {"jurisdiction_id": "331082"}).status_code == 200
    assert_error(client().post(f"{V2}/services.json"), 405)


def test_anonymous_discovery_is_rate_limited(db, monkeypatch) -> None:
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "1000/minute"})
    responses = [client().get(f"{V2}/services.xml") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert_error(responses[-1], 429, "throttled")


# --- filing --------------------------------------------------------------------------------------------------
def post(path: str, data: dict, language: str = "en"):
    return client(language).post(path, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded")


def test_an_enterprise_files_with_its_api_key(desk) -> None:
    response = post(f"{V2}/requests.json", {
        "api_key": key(desk, "enterprise_user"), "jurisdiction_id": "331082", "service_code": "tax_rebate",
        "description": "三季度出口退税未到账\n已申报两个月", "attribute[amount]": "12.5", "lat": "28.858312",
        "long": "121.145811", "address_string": "临海市古城街道", "first_name": "王", "last_name": "芳",
        "phone": "13800000000", "email": "wang@example.cn",
    })  # fmt: skip
    assert response.status_code == 201, response.content
    [reply] = response.json()
    assert set(reply) == {"service_request_id", "service_notice", "account_id"}
    assert reply["account_id"] == desk["linhai_firm"].uscc and reply["service_notice"].startswith("Received.")
    stored = ServiceRequest.objects.get(number=reply["service_request_id"])
    assert (stored.channel, stored.title, stored.attributes) == ("open311", "三季度出口退税未到账", {"amount": 12.5})
    assert (str(stored.latitude), stored.contact_name, stored.address) == ("28.858312", "王 芳", "临海市古城街道")
    assert stored.lead_department == desk["commerce"]


def test_a_clerk_files_on_behalf_with_the_account_id_and_xml_answers_in_xml(desk) -> None:
    data = {"api_key": key(desk, "clerk"), "service_code": "permits", "description": "环评审批超时",
            "attribute[permit_type]": "environment"}  # fmt: skip
    assert_error(post(f"{V2}/requests.xml", data), 400, "account_id: Give the USCC")
    response = post(f"{V2}/requests.xml", {**data, "account_id": desk["linhai_firm"].uscc})
    assert response.status_code == 201
    root = xml(response)
    assert root.tag == "service_requests" and [e.tag for e in root] == ["request"]
    assert set(as_dict(root[0])) == {"service_request_id", "service_notice", "account_id"}
    stored = ServiceRequest.objects.get(number=root[0].findtext("service_request_id"))
    assert (stored.registered_by, stored.attributes) == (desk["clerk"], {"permit_type": "environment"})
    elsewhere = post(f"{V2}/requests.json", {**data, "account_id": desk["jiaojiang_firm"].uscc})
    assert_error(elsewhere, 400, "No enterprise with this USCC")


def test_filing_refusals_are_error_documents(desk) -> None:
    base = {"service_code": "permits", "description": "环评审批超时"}
    assert_error(post(f"{V2}/requests.json", base), 401)
    assert_error(post(f"{V2}/requests.xml", {**base, "api_key": "wrong"}), 401, "Invalid token")
    firm = {**base, "api_key": key(desk, "enterprise_user")}
    assert_error(post(f"{V2}/requests.json", firm), 400, "permit_type: This attribute is required.")
    assert_error(post(f"{V2}/requests.json", {**firm, "attribute[permit_type]": "x", "attribute[color]": "red"}), 400,
                 "color: Unknown attribute for this category.")  # fmt: skip
    assert_error(post(f"{V2}/requests.json", {**firm, "service_code": "nope"}), 400, "Unknown service_code nope.")
    assert_error(post(f"{V2}/requests.json", {**firm, "lat": "nan", "attribute[permit_type]": "other"}), 400, "lat:")
    other = {**firm, "attribute[permit_type]": "other", "account_id": desk["jiaojiang_firm"].uscc}
    assert_error(post(f"{V2}/requests.json", other), 400, "only for itself")
    outside = {**firm, "attribute[permit_type]": "other", "jurisdiction_id": "331002"}
    assert_error(post(f"{V2}/requests.json", outside), 400, "outside this jurisdiction")
    analyst = {**base, "attribute[permit_type]": "other", "api_key": key(desk, "linhai_analyst"),
               "account_id": desk["linhai_firm"].uscc}  # fmt: skip
    assert_error(post(f"{V2}/requests.json", analyst), 403)
    assert not ServiceRequest.objects.exists()


def test_multi_value_attributes_arrive_as_lists(desk, monkeypatch) -> None:
    category = Category.objects.get(code="other")
    category.attributes = [{"code": "topics", "name": "主题", "datatype": "multivaluelist", "required": True,
                            "values": [{"key": "a", "name": "甲"}, {"key": "b", "name": "乙"}]}]  # fmt: skip
    category.save()
    response = post(f"{V2}/requests.json", {"api_key": key(desk, "enterprise_user"), "service_code": "other",
                                             "description": "两件事", "attribute[topics][]": ["a", "b"]})  # fmt: skip
    assert response.status_code == 201, response.content
    assert ServiceRequest.objects.get().attributes == {"topics": ["a", "b"]}


# --- reading -------------------------------------------------------------------------------------------------
def test_requests_carry_the_specs_fields_in_json_and_xml(desk) -> None:
    request = file(desk, latitude=28.85, longitude=121.14, address="临海市古城街道")
    params = {"api_key": key(desk, "enterprise_user")}
    [body] = client().get(f"{V2}/requests.json", params).json()
    assert set(body) == REQUIRED_REQUEST_FIELDS | OPTIONAL_REQUEST_FIELDS
    assert body["service_request_id"] == request.number and body["status"] == "open"
    assert (body["service_code"], body["service_name"], body["agency_responsible"]) == (
        "tax_rebate", "Export tax rebate", "临海市商务局")  # fmt: skip
    assert body["status_notes"] == "Dispatched (交办)"
    assert (body["lat"], body["long"], body["address"]) == (28.85, 121.14, "临海市古城街道")
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        moment = dt.datetime.fromisoformat(body[field])
        assert moment.utcoffset() == dt.timedelta(hours=8), field
    assert dt.datetime.fromisoformat(body["expected_datetime"]) == request.deadline
    root = xml(client().get(f"{V2}/requests.xml", params))
    assert root.tag == "service_requests" and [e.tag for e in root] == ["request"]
    fields = as_dict(root[0])
    assert set(fields) == REQUIRED_REQUEST_FIELDS | OPTIONAL_REQUEST_FIELDS
    assert (fields["service_request_id"], fields["status"], fields["lat"]) == (request.number, "open", "28.85")


def test_status_is_open_or_closed_with_the_internal_status_in_the_notes(desk) -> None:
    handling, rated, merged, duplicate = file(desk), file(desk), file(desk), file(desk)
    ops.sign(handling, desk["commerce_clerk"])
    ops.sign(rated, desk["commerce_clerk"])
    ops.answer(rated, desk["commerce_clerk"], "已到账")
    ops.close(rated, desk["commerce_clerk"])
    ops.rate(rated, desk["enterprise_user"], "satisfied")
    ops.merge(merged, desk["supervisor"], duplicate)
    rated.refresh_from_db()
    params = {"api_key": key(desk, "supervisor")}
    found = {r["service_request_id"]: r for r in client().get(f"{V2}/requests.json", params).json()}
    assert (found[handling.number]["status"], found[handling.number]["status_notes"]) == (
        "open",
        "Being handled (处置)",
    )
    assert (found[rated.number]["status"], found[rated.number]["service_notice"]) == ("closed", "已到账")
    assert dt.datetime.fromisoformat(found[rated.number]["updated_datetime"]) == rated.closed_at.replace(microsecond=0)
    assert found[merged.number]["status"] == "closed"
    assert found[merged.number]["service_notice"] == f"Merged into {duplicate.number}."
    chinese = client("zh-hans").get(f"{V2}/requests/{handling.number}.json", params).json()[0]
    with translation.override("zh-hans"):
        assert chinese["status_notes"] == str(Status.HANDLING.label)
    closed = client().get(f"{V2}/requests.json", {**params, "status": "closed"}).json()
    assert {r["service_request_id"] for r in closed} == {rated.number, merged.number}
    both = client().get(f"{V2}/requests.json", {**params, "status": "open,closed"}).json()
    assert len(both) == 4
    assert_error(client().get(f"{V2}/requests.json", {**params, "status": "pending"}), 400, "Use open, closed")


def test_each_key_sees_only_its_requests(desk) -> None:
    own, policy, other = file(desk), file(desk, "policy"), file(desk, firm="jiaojiang_firm")
    seen = {
        persona: {r["service_request_id"] for r in client().get(f"{V2}/requests.json", {"api_key": key(desk, persona)}).json()}
        for persona in ("enterprise_user", "commerce_clerk", "jiaojiang_supervisor", "city_supervisor", "unscoped")
    }  # fmt: skip
    assert seen == {
        "enterprise_user": {own.number, policy.number},
        "commerce_clerk": {own.number},
        "jiaojiang_supervisor": {other.number},
        "city_supervisor": {own.number, policy.number, other.number},
        "unscoped": set(),
    }
    city = {"api_key": key(desk, "city_supervisor")}
    only_jiaojiang = client().get(f"{V2}/requests.json", {**city, "jurisdiction_id": "331002"}).json()
    assert [r["service_request_id"] for r in only_jiaojiang] == [other.number]
    assert_error(client().get(f"{V2}/requests.json"), 401)
    assert_error(client().get(f"{V2}/requests.xml"), 401)
    assert_error(client().get(f"{V2}/requests/{other.number}.json", {"api_key": key(desk, "enterprise_user")}), 404)
    assert_error(client().get(f"{V2}/requests/{own.number}.xml"), 401)


def test_one_request_by_id_by_alias_and_by_token(desk) -> None:
    request = file(desk)
    params = {"api_key": key(desk, "enterprise_user")}
    for path in (f"requests/{request.number}.json", f"request/{request.number}.json"):
        [body] = client().get(f"{V2}/{path}", params).json()
        assert body["service_request_id"] == request.number
    root = xml(client().get(f"{V2}/request/{request.number}.xml", params))
    assert root[0].findtext("service_request_id") == request.number
    assert client().get(f"{V2}/tokens/{request.number}.json", params).json() == [
        {"service_request_id": request.number, "token": request.number}]  # fmt: skip
    assert xml(client().get(f"{V2}/tokens/{request.number}.xml", params))[0].findtext("token") == request.number
    assert_error(client().get(f"{V2}/tokens/QH331082-2025-999999.json", params), 404)


def test_the_window_is_at_most_90_days_and_the_last_90_by_default(desk) -> None:
    now = timezone.now()
    recent, old = file(desk), file(desk, at=now - dt.timedelta(days=120))
    params = {"api_key": key(desk, "supervisor")}

    def ids(**query: str) -> set[str]:
        response = client().get(f"{V2}/requests.json", {**params, **query})
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in response.json()}

    assert ids() == {recent.number}
    start = (now - dt.timedelta(days=130)).isoformat()
    assert ids(start_date=start) == {old.number}  # 90 days from the start
    assert ids(start_date=start, end_date=(now - dt.timedelta(days=50)).isoformat()) == {old.number}
    assert ids(end_date=(now - dt.timedelta(days=100)).date().isoformat()) == {old.number}
    assert ids(service_request_id=f"{old.number},{recent.number}") == {old.number, recent.number}  # ids override
    assert ids(service_code="policy") == set()
    assert ids(service_code="policy,tax_rebate") == {recent.number}
    assert_error(client().get(f"{V2}/requests.json", {**params, "start_date": start, "end_date": now.isoformat()}),
                 400, "at most 90 days")  # fmt: skip
    assert_error(client().get(f"{V2}/requests.xml", {**params, "start_date": now.isoformat(), "end_date": start}),
                 400, "before start_date")  # fmt: skip
    assert_error(client().get(f"{V2}/requests.json", {**params, "start_date": "yesterday"}), 400, "ISO 8601")


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "0001-01-01T00:00:00+14:00"},
        {"start_date": "2999-12-31T23:59:59-12:00"},
        {"end_date": "0001-01-02"},
        {"start_date": "9999-12-31T23:59:59"},
        {"start_date": "2025-02-30"},
        {"service_request_id": "a\x00b"},
        {"service_code": ",,,"},
        {"status": ","},
        {"jurisdiction_id": "\x00"},
    ],
)
def test_odd_queries_are_answered_not_crashed_on(desk, query: dict[str, str]) -> None:
    response = client().get(f"{V2}/requests.xml", {"api_key": key(desk, "supervisor"), **query})
    assert response.status_code in (200, 400, 404), response.content
    xml(response)


def test_odd_bodies_are_answered_not_crashed_on(desk) -> None:
    api_key = key(desk, "enterprise_user")
    as_json = client().post(f"{V2}/requests.json?api_key={api_key}", "[1, 2]", content_type="application/json")
    assert_error(as_json, 400, "Invalid data. Expected a dictionary, but got list.")
    nested = client().post(f"{V2}/requests.json?api_key={api_key}", {"service_code": "policy", "description": "x",
                           "attribute": {"policy_name": "技改\x00"}}, content_type="application/json")  # fmt: skip
    assert_error(nested, 400, "Null characters")
    broken = client().post(f"{V2}/requests.json?api_key={api_key}", "{", content_type="application/json")
    assert_error(broken, 400)


def test_media_url_points_at_the_first_attachment(desk, settings, tmp_path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from industrybrain.servicedesk.attachments import add_attachment

    settings.MEDIA_ROOT = tmp_path
    request = file(desk)
    attachment = add_attachment(request, desk["enterprise_user"], SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF"))
    [body] = client().get(f"{V2}/requests/{request.number}.json", {"api_key": key(desk, "enterprise_user")}).json()
    assert (
        body["media_url"] == f"http://testserver/api/servicedesk/requests/{request.number}/attachments/{attachment.pk}/"
    )
