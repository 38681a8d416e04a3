"""The service-desk API keeps the lines of the desk: each persona sees only its requests (a request it may not
see is a 404, never a 403), takes only the actions the transition table gives it (403), an action in the
wrong status is a 409 with the reason, and bad input is a 400 naming the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from industrybrain.servicedesk import operations as ops
from industrybrain.servicedesk.choices import Status
from industrybrain.servicedesk.models import Category, ServiceRequest

URL = "/api/servicedesk/requests/"


@pytest.fixture(autouse=True)
def fresh_throttle_budget() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(desk) -> Callable[[str | None], APIClient]:
    def client_for(persona: str | None) -> APIClient:
        client = APIClient()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        if persona is not None:
            token, _created = Token.objects.get_or_create(user=desk[persona])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


def file(desk, category: str = "tax_rebate", firm: str = "linhai_firm", user: str | None = "enterprise_user",
         at: dt.datetime | None = None, **extra) -> ServiceRequest:  # fmt: skip
    new = ops.NewRequest(enterprise=desk[firm], category=Category.objects.get(code=category),
                         title="出口退税迟迟未到账", description="2025年第三季度退税申报已审核，款项未到账。", **extra)  # fmt: skip
    return ops.file_request(new, desk[user] if user else None, at=at)


def post(client: APIClient, request: ServiceRequest, action: str, **data):
    return client.post(f"{URL}{request.number}/{action}/", data, format="json")


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


# --- categories ----------------------------------------------------------------------------------------------
def test_it_lists_categories_with_their_attributes_and_deadline_rule(api) -> None:
    body = api("enterprise_user").get("/api/servicedesk/categories/").json()
    permits = next(c for c in body["results"] if c["code"] == "permits")
    assert permits["attributes"][0]["code"] == "permit_type" and permits["attributes"][0]["required"] is True
    assert {"key": "environment", "name": "环评"} in permits["attributes"][0]["values"]
    assert permits["deadline_rule"] == {"complexity": "ordinary", "working_days": 5, "sign_working_days": 1}
    land = api("clerk").get("/api/servicedesk/categories/land/").json()
    assert land["deadline_rule"]["working_days"] == 3 and land["group_label"] == "Land and production factors"


def test_it_refuses_anonymous_callers(api, desk) -> None:
    request = file(desk)
    assert api(None).get("/api/servicedesk/categories/").status_code == 401
    assert api(None).get(URL).status_code == 401
    assert post(api(None), request, "sign").status_code == 401


# --- filing --------------------------------------------------------------------------------------------------
def test_an_enterprise_files_for_itself_and_the_request_is_routed(api, desk) -> None:
    response = api("enterprise_user").post(
        URL, {"category": "tax_rebate", "title": "退税未到账", "description": "三季度退税未到账", "attributes": {"amount": 12}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["lead_department"], body["channel"]) == ("dispatched", "331082-SWJ", "api")
    assert body["enterprise"] == desk["linhai_firm"].uscc and body["attributes"] == {"amount": 12.0}
    assert [e["action"] for e in body["events"]] == ["create", "dispatch"]
    assert body["available_actions"] == ["comment"] and body["is_overdue"] is False
    assert body["deadline"].endswith("+08:00")


def test_an_enterprise_cannot_file_for_another_or_as_a_hotline_call(api, desk) -> None:
    client = api("enterprise_user")
    base = {"category": "policy", "title": "咨询", "description": "政策咨询"}
    other = client.post(URL, {**base, "enterprise": desk["jiaojiang_firm"].uscc}, format="json")
    assert other.status_code == 400 and "enterprise" in other.json()
    phone = client.post(URL, {**base, "channel": "12345"}, format="json")
    assert phone.status_code == 400 and "channel" in phone.json()
    assert api("linhai_analyst").post(URL, {**base, "enterprise": desk["linhai_firm"].uscc, "channel": "phone"},
                                      format="json").status_code == 403  # fmt: skip
    assert ServiceRequest.objects.count() == 0


def test_a_clerk_registers_a_call_on_an_enterprises_behalf(api, desk) -> None:
    base = {"category": "policy", "title": "咨询", "description": "电话咨询技改补贴"}
    client = api("clerk")
    assert client.post(URL, base, format="json").json() == {
        "enterprise": ["Name the enterprise (USCC) the request is for."]
    }
    no_channel = client.post(URL, {**base, "enterprise": desk["linhai_firm"].uscc}, format="json")
    assert no_channel.status_code == 400 and "channel" in no_channel.json()
    elsewhere = client.post(URL, {**base, "enterprise": desk["jiaojiang_firm"].uscc, "channel": "phone"}, format="json")
    assert elsewhere.status_code == 400 and "enterprise" in elsewhere.json()
    response = client.post(URL, {**base, "enterprise": desk["linhai_firm"].uscc, "channel": "12345"}, format="json")
    assert response.status_code == 201, response.content
    stored = ServiceRequest.objects.get(number=response.json()["number"])
    assert (stored.channel, stored.registered_by, stored.lead_department) == (
        "12345",
        desk["clerk"],
        desk["department"],
    )


def test_it_checks_the_categorys_attributes(api) -> None:
    response = api("enterprise_user").post(
        URL, {"category": "permits", "title": "环评卡住", "description": "环评审批超时", "attributes": {"permit_type": "x"}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {"permit_type": ["Choose one of: construction, environment, other, safety."]}
    missing = api("enterprise_user").post(URL, {"category": "nope", "title": "t", "description": "d"}, format="json")
    assert missing.status_code == 400 and "category" in missing.json()


# --- who sees what -------------------------------------------------------------------------------------------
@pytest.fixture
def three(desk) -> dict[str, ServiceRequest]:
    """临海's firm: a rebate (商务局) and a policy question (经信局); 椒江's firm: a rebate (not routed)."""
    return {
        "rebate": file(desk),
        "policy": file(desk, "policy"),
        "jiaojiang": file(desk, firm="jiaojiang_firm", user=None),
    }


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("enterprise_user", {"rebate", "policy"}),
        ("commerce_clerk", {"rebate"}),
        ("clerk", {"policy"}),
        ("tax_clerk", set()),
        ("supervisor", {"rebate", "policy"}),
        ("jiaojiang_supervisor", {"jiaojiang"}),
        ("city_supervisor", {"rebate", "policy", "jiaojiang"}),
        ("linhai_analyst", {"rebate", "policy"}),
        ("unscoped", set()),
    ],
)
def test_each_persona_lists_only_its_requests(api, three, persona: str, expected: set[str]) -> None:
    assert set(numbers(api(persona).get(URL))) == {three[k].number for k in expected}


@pytest.mark.parametrize(
    ("persona", "other"), [("enterprise_user", "jiaojiang"), ("commerce_clerk", "policy"), ("supervisor", "jiaojiang")]
)
def test_a_request_one_may_not_see_is_not_found_for_reading_or_acting(api, three, persona: str, other: str) -> None:
    client = api(persona)
    assert client.get(f"{URL}{three[other].number}/").status_code == 404
    assert post(client, three[other], "comment", text="hello").status_code == 404
    assert client.get(f"{URL}QH999999-2025-000001/").status_code == 404


def test_an_assisting_department_sees_the_request_once(api, desk, three) -> None:
    ops.return_request(three["rebate"], desk["commerce_clerk"], "不属于我局")
    ops.dispatch(three["rebate"], desk["supervisor"], desk["commerce"], [(desk["tax"], "核实退税进度")])
    assert numbers(api("tax_clerk").get(URL)) == [three["rebate"].number]
    assert numbers(api("commerce_clerk").get(URL)) == [three["rebate"].number]  # lead and a part: listed once
    assert numbers(api("commerce_clerk").get(URL, {"department": "331082-SWU"})) == [three["rebate"].number]


# --- filters -------------------------------------------------------------------------------------------------
def test_it_filters_and_orders_the_list(api, desk, three) -> None:
    client = api("city_supervisor")
    old = file(desk, "policy", at=timezone.now() - dt.timedelta(days=40))
    assert numbers(client.get(URL, {"category": "policy"})) == [three["policy"].number, old.number]
    assert numbers(client.get(URL, {"status": "received"})) == [three["jiaojiang"].number]
    assert set(numbers(client.get(URL, {"status": ["received", "dispatched"]}))) == {
        r.number for r in [*three.values(), old]
    }
    assert set(numbers(client.get(URL, {"department": "331082-SWJ"}))) == {three["rebate"].number}
    assert set(numbers(client.get(URL, {"region": "331002"}))) == {three["jiaojiang"].number}
    assert numbers(client.get(URL, {"overdue": "true"})) == [old.number]
    assert old.number not in numbers(client.get(URL, {"overdue": "false"}))
    since = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert old.number not in numbers(client.get(URL, {"created_after": since}))
    assert numbers(client.get(URL, {"created_before": since})) == [old.number]
    assert set(numbers(client.get(URL, {"search": "恒达"}))) == {
        three["rebate"].number,
        three["policy"].number,
        old.number,
    }
    assert numbers(client.get(URL, {"search": three["jiaojiang"].number})) == [three["jiaojiang"].number]
    ordered = numbers(client.get(URL, {"ordering": "created"}))
    assert ordered[0] == old.number and len(ordered) == 4
    assert client.get(URL, {"created_after": "not-a-date"}).status_code == 400
    body = client.get(URL).json()["results"][0]
    assert {"number", "status", "status_label", "is_overdue", "deadline", "lead_department"} <= set(body)


# --- the loop through the API --------------------------------------------------------------------------------
def test_the_whole_loop_through_the_api(api, desk) -> None:
    request = file(desk)
    clerk, firm, supervisor = api("commerce_clerk"), api("enterprise_user"), api("supervisor")
    detail = clerk.get(f"{URL}{request.number}/").json()
    assert detail["available_actions"] == ["sign", "return", "transfer", "comment"]
    assert post(clerk, request, "sign", complexity="simple").json()["complexity"] == "simple"
    assert post(clerk, request, "suspend", reason="请补充报关单").json()["status"] == "suspended"
    assert post(firm, request, "resume", note="已补充").json()["status"] == "handling"
    assert (
        post(clerk, request, "request_extension", days=2, reason="需海关核查").json()["extensions"][0]["status"]
        == "pending"
    )
    body = post(supervisor, request, "approve_extension", note="同意").json()
    assert body["extensions"][0]["status"] == "approved" and body["extended_days"] == 2
    post(clerk, request, "request_extension", days=1, reason="再延一天")
    assert post(supervisor, request, "reject_extension").json()["extensions"][1]["status"] == "rejected"
    assert post(firm, request, "comment", text="请尽快").status_code == 200
    assert post(clerk, request, "answer", text="已到账").json()["status"] == "answered"
    assert post(supervisor, request, "close", note="办结").json()["status"] == "closed"
    body = post(firm, request, "rate", satisfaction="satisfied", comment="很好").json()
    assert (body["status"], body["satisfaction"]) == ("rated", "satisfied")
    assert [e["action"] for e in body["events"]] == [
        "create", "dispatch", "sign", "suspend", "resume", "request_extension", "approve_extension",
        "request_extension", "reject_extension", "comment", "answer", "close", "rate",
    ]  # fmt: skip


def test_dispatch_with_helpers_then_parts_return_and_transfer(api, desk) -> None:
    request = file(desk)
    returned = post(api("commerce_clerk"), request, "return", reason="退税属税务局")
    assert returned.status_code == 200 and returned.json()["status"] == "received"
    body = post(api("supervisor"), request, "dispatch", department="331082-SWU",
                assisting=[{"department": "331082-SWJ", "task": "提供报关数据"}], complexity="complex").json()  # fmt: skip
    assert (body["lead_department"], body["complexity"]) == ("331082-SWU", "complex")
    assert {(p["department"], p["role"]) for p in body["parts"]} == {("331082-SWU", "lead"), ("331082-SWJ", "assist")}
    post(api("tax_clerk"), request, "sign")
    waiting = post(api("tax_clerk"), request, "answer", text="已退税")
    assert waiting.status_code == 409 and "商务局" in waiting.json()["detail"]
    assert post(api("commerce_clerk"), request, "submit_part", result="报关数据已提供").status_code == 200
    moved = post(api("tax_clerk"), request, "transfer", department="331082-JXJ", reason="涉及技改补贴")
    assert (moved.json()["status"], moved.json()["lead_department"]) == ("dispatched", "331082-JXJ")
    assert api("tax_clerk").get(f"{URL}{request.number}/").status_code == 404  # no longer theirs


def test_escalate_and_merge(api, desk) -> None:
    first, duplicate = file(desk), file(desk)
    merged = post(api("supervisor"), duplicate, "merge", into=first.number)
    assert merged.status_code == 200 and (merged.json()["status"], merged.json()["merged_into"]) == (
        "merged",
        first.number,
    )
    up = post(api("supervisor"), first, "escalate", reason="跨区协调").json()
    assert (up["status"], up["level"]) == ("received", "city")
    assert post(api("city_supervisor"), first, "dispatch", department="331000-JXJ").json()["status"] == "dispatched"


# --- refusals ------------------------------------------------------------------------------------------------
def test_an_enterprise_cannot_sign_and_a_clerk_cannot_rate(api, desk) -> None:
    request = file(desk)
    refused = post(api("enterprise_user"), request, "sign")
    assert refused.status_code == 403 and request.number in refused.json()["detail"]
    ops.sign(request, desk["commerce_clerk"])
    ops.answer(request, desk["commerce_clerk"], "已办")
    ops.close(request, desk["commerce_clerk"])
    assert post(api("commerce_clerk"), request, "rate", satisfaction="satisfied").status_code == 403
    assert post(api("linhai_analyst"), request, "comment", text="看看").status_code == 403
    request.refresh_from_db()
    assert request.status == Status.CLOSED


def test_an_illegal_transition_is_a_conflict_with_the_reason(api, desk) -> None:
    request = file(desk)
    response = post(api("commerce_clerk"), request, "answer", text="太早了")
    assert response.status_code == 409
    assert response.json() == {"detail": "A request that is Dispatched (交办) cannot be Answered."}
    assert post(api("supervisor"), request, "approve_extension").status_code == 409  # dispatched: not yet
    ops.sign(request, desk["commerce_clerk"])
    assert post(api("supervisor"), request, "approve_extension").json() == {
        "detail": "No extension is waiting for a decision."
    }
    request.refresh_from_db()
    assert request.events.count() == 3


def test_bad_input_names_the_field(api, desk) -> None:
    request, other = file(desk), file(desk, firm="jiaojiang_firm", user=None)
    clerk = api("commerce_clerk")
    assert post(clerk, request, "return", reason="  ").json() == {"reason": ["This field may not be blank."]}
    assert post(clerk, request, "return").json() == {"reason": ["This field is required."]}
    ops.return_request(request, desk["commerce_clerk"], "不是我局")
    supervisor = api("supervisor")
    assert post(supervisor, request, "dispatch", department="nope").json() == {
        "department": ["No department with code nope."]
    }
    wrong_region = post(supervisor, request, "dispatch", department="331000-JXJ")
    assert wrong_region.status_code == 400 and "department" in wrong_region.json()
    assert post(supervisor, request, "merge", into=other.number).json() == {
        "into": ["No such request among those you may see."]
    }
    ops.dispatch(request, desk["supervisor"], desk["commerce"])
    ops.sign(request, desk["commerce_clerk"])
    assert "days" in post(clerk, request, "request_extension", days=99, reason="x").json()
    assert "days" in post(clerk, request, "request_extension", days="many", reason="x").json()
    ops.answer(request, desk["commerce_clerk"], "已办")
    ops.close(request, desk["commerce_clerk"])
    assert "satisfaction" in post(api("enterprise_user"), request, "rate", satisfaction="meh").json()
