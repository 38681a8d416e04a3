"""The REST API keeps the same lines as the pages: each persona reads only its part, writes only inside its
write scope, and every write lands in the change log as an "api" change by the token's user."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from industrybrain.core.models import ObjectChange
from industrybrain.registry.models import Enterprise, Park
from industrybrain.registry.uscc import make_uscc

NEW_USCC = make_uscc("9", "1", "331082", "MA2DDDDD")


@pytest.fixture
def api(world) -> Callable[[str | None], APIClient]:
    """A client authenticated the way integrations are: a real token in the Authorization header."""

    def client_for(persona: str | None) -> APIClient:
        client = APIClient()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # assert on English messages
        if persona is not None:
            token, _created = Token.objects.get_or_create(user=world[persona])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


def codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row.get("uscc") or row.get("code") for row in response.json()["results"]}


def new_firm(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "uscc": NEW_USCC,
        "name": "临海市新建机械有限公司",
        "region": "331082",
        "industry": "3670",
    }
    data.update(fields)
    return data


def changes_of(obj: object) -> list[ObjectChange]:
    return list(ObjectChange.objects.filter(object_id=str(obj.pk), content_type__model="enterprise").order_by("id"))


# --- reading -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("persona", "firms"),
    [
        ("city_analyst", {"linhai_firm", "jiaojiang_firm", "commuter_firm"}),
        ("linhai_analyst", {"linhai_firm", "commuter_firm"}),
        ("jiaojiang_analyst", {"jiaojiang_firm", "commuter_firm"}),
        ("park_analyst", {"commuter_firm"}),
        ("enterprise_user", {"linhai_firm"}),
        ("unscoped", set()),
    ],
)
def test_it_lists_only_the_enterprises_the_persona_may_see(world, api, persona: str, firms: set[str]) -> None:
    assert codes(api(persona).get("/api/enterprises/")) == {world[f].uscc for f in firms}


@pytest.mark.parametrize(
    ("persona", "firm"),
    [("linhai_analyst", "jiaojiang_firm"), ("jiaojiang_analyst", "linhai_firm"), ("enterprise_user", "commuter_firm")],
)
def test_it_answers_404_for_an_enterprise_outside_the_scope(world, api, persona: str, firm: str) -> None:
    assert api(persona).get(f"/api/enterprises/{world[firm].uscc}/").status_code == 404


def test_it_shows_an_enterprise_inside_the_scope_with_its_codes(world, api) -> None:
    body = api("linhai_analyst").get(f"/api/enterprises/{world['commuter_firm'].uscc}/").json()
    assert (body["region"], body["park"], body["industry"]) == ("331002", "331082-P01", "3825")


def test_it_refuses_anonymous_requests(world, api) -> None:
    anonymous = api(None)
    assert anonymous.get("/api/enterprises/").status_code == 401
    assert anonymous.post("/api/enterprises/", new_firm(), format="json").status_code == 401
    assert anonymous.get("/api/me/").status_code == 401
    assert not Enterprise.objects.filter(uscc=NEW_USCC).exists()


def test_it_refuses_a_wrong_token(world, api) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/enterprises/").status_code == 401


@pytest.mark.parametrize(
    ("query", "firms"),
    [
        # 临海's subtree includes the firm registered in 椒江 that operates in 临海's park.
        ("region=331082", {"linhai_firm", "commuter_firm"}),
        ("region=331002", {"jiaojiang_firm", "commuter_firm"}),
        ("park=331082-P01", {"commuter_firm"}),
        ("industry=36", {"linhai_firm"}),
        ("industry=272", {"jiaojiang_firm"}),
        ("industry=C", {"linhai_firm", "jiaojiang_firm", "commuter_firm"}),
        ("is_above_scale=true", {"jiaojiang_firm"}),
        ("is_above_scale=false", {"linhai_firm", "commuter_firm"}),
        ("q=海正", {"jiaojiang_firm"}),
    ],
)
def test_it_filters_enterprises(world, api, query: str, firms: set[str]) -> None:
    Enterprise.objects.filter(pk=world["jiaojiang_firm"].pk).update(is_above_scale=True)
    assert codes(api("city_analyst").get(f"/api/enterprises/?{query}")) == {world[f].uscc for f in firms}


def test_filters_never_widen_the_scope(world, api) -> None:
    assert codes(api("linhai_analyst").get("/api/enterprises/?region=331002")) == {world["commuter_firm"].uscc}


# --- writing -----------------------------------------------------------------------------------------------
def test_it_creates_with_a_token_and_logs_the_change_as_api_by_that_user(world, api) -> None:
    response = api("linhai_analyst").post("/api/enterprises/", new_firm(employees=12), format="json")
    assert response.status_code == 201, response.content
    firm = Enterprise.objects.get(uscc=NEW_USCC)
    assert (firm.region_id, firm.industry_id, firm.employees) == ("331082", "3670", 12)
    (entry,) = changes_of(firm)
    assert (entry.action, entry.source, entry.user, entry.user_name) == (
        "create",
        "api",
        world["linhai_analyst"],
        "linhai_analyst",
    )


def test_it_updates_and_deletes_inside_the_scope_and_logs_both(world, api) -> None:
    client, firm = api("linhai_analyst"), world["linhai_firm"]
    response = client.patch(f"/api/enterprises/{firm.uscc}/", {"employees": 150}, format="json")
    assert response.status_code == 200 and response.json()["employees"] == 150
    update = changes_of(firm)[-1]
    assert update.changed_fields() == [("employees", 100, 150)]
    assert (update.source, update.user_name) == ("api", "linhai_analyst")
    client.post("/api/enterprises/", new_firm(), format="json")
    created = Enterprise.objects.get(uscc=NEW_USCC)
    assert client.delete(f"/api/enterprises/{NEW_USCC}/").status_code == 204
    assert not Enterprise.objects.filter(uscc=NEW_USCC).exists()
    assert [(e.action, e.source, e.user_name) for e in changes_of(created)][-1] == ("delete", "api", "linhai_analyst")


def test_a_firm_operating_in_another_countys_park_can_be_sent_back_unchanged(world, api) -> None:
    # 椒江 cannot see 临海's park, but a full update of its own commuter firm must not fail on the park code.
    client, uscc = api("jiaojiang_analyst"), world["commuter_firm"].uscc
    body = client.get(f"/api/enterprises/{uscc}/").json()
    response = client.put(f"/api/enterprises/{uscc}/", {**body, "employees": 7}, format="json")
    assert response.status_code == 200, response.content
    assert Enterprise.objects.get(uscc=uscc).park_id == world["park"].pk


def test_it_refuses_to_create_outside_the_scope_and_changes_nothing(world, api) -> None:
    client = api("linhai_analyst")
    before = ObjectChange.objects.count()
    for region in ("331002", "331000"):  # another county; an ancestor (visible, but not writable)
        response = client.post("/api/enterprises/", new_firm(region=region), format="json")
        assert response.status_code == 403 and response.json() == {"region": ["outside your scope"]}
    assert not Enterprise.objects.filter(uscc=NEW_USCC).exists()
    assert ObjectChange.objects.count() == before


def test_it_refuses_to_move_an_enterprise_out_of_the_scope(world, api) -> None:
    firm = world["linhai_firm"]
    response = api("linhai_analyst").patch(f"/api/enterprises/{firm.uscc}/", {"region": "331002"}, format="json")
    assert response.status_code == 403 and "region" in response.json()
    firm.refresh_from_db()
    assert firm.region_id == "331082" and len(changes_of(firm)) == 1  # only its creation


def test_it_cannot_touch_another_countys_enterprise(world, api) -> None:
    client, firm = api("jiaojiang_analyst"), world["linhai_firm"]
    assert client.patch(f"/api/enterprises/{firm.uscc}/", {"name": "x"}, format="json").status_code == 404
    assert client.delete(f"/api/enterprises/{firm.uscc}/").status_code == 404
    firm.refresh_from_db()
    assert firm.name == "临海市恒达汽车零部件有限公司"


def test_an_unscoped_analyst_cannot_create_anywhere(world, api) -> None:
    assert api("unscoped").post("/api/enterprises/", new_firm(), format="json").status_code == 403
    assert not Enterprise.objects.filter(uscc=NEW_USCC).exists()


@pytest.mark.parametrize("persona", ["clerk", "enterprise_user"])
def test_clerks_and_enterprise_users_are_read_only(world, api, persona: str) -> None:
    client, firm = api(persona), world["linhai_firm"]
    assert client.post("/api/enterprises/", new_firm(), format="json").status_code == 403
    assert client.patch(f"/api/enterprises/{firm.uscc}/", {"employees": 1}, format="json").status_code == 403
    assert client.delete(f"/api/enterprises/{firm.uscc}/").status_code == 403
    firm.refresh_from_db()
    assert firm.employees == 100 and not Enterprise.objects.filter(uscc=NEW_USCC).exists()


def test_it_rejects_an_invalid_uscc_with_the_reason(world, api) -> None:
    bad = NEW_USCC[:-1] + ("0" if NEW_USCC[-1] != "0" else "1")
    response = api("linhai_analyst").post("/api/enterprises/", new_firm(uscc=bad), format="json")
    assert response.status_code == 400
    (message,) = response.json()["uscc"]
    assert "is not a valid unified social credit code" in message and "check character is" in message


def test_it_applies_the_models_own_rules(world, api) -> None:
    client = api("linhai_analyst")
    response = client.post("/api/enterprises/", new_firm(industry="36"), format="json")
    assert response.status_code == 400 and "Use a 4-digit GB/T 4754 class (小类)." in response.json()["industry"]
    response = client.post("/api/parks/", {"code": "331082-P02", "name": "x", "region": "331000"}, format="json")
    assert response.status_code == 400 and response.json() == {"region": ["A park lies under a county-level region."]}
    response = client.post("/api/enterprises/", new_firm(uscc=world["jiaojiang_firm"].uscc), format="json")
    assert response.status_code == 400 and "uscc" in response.json()


def test_it_refuses_a_nul_character_in_a_code_instead_of_failing(world, api) -> None:
    # PostgreSQL cannot hold NUL in text and fails the lookup query; found by the schemathesis run.
    response = api("linhai_analyst").post("/api/parks/", {"code": "P9", "name": "x", "region": "33\x00"}, format="json")
    assert response.status_code == 400 and "region" in response.json()


def test_a_delete_that_others_depend_on_is_a_conflict_not_a_crash(world, api) -> None:
    client, firm = api("linhai_analyst"), world["linhai_firm"]  # the enterprise user belongs to this firm
    response = client.delete(f"/api/enterprises/{firm.uscc}/")
    assert response.status_code == 409 and "users (1)" in response.json()["detail"]
    response = client.delete("/api/parks/331082-P01/")  # the commuter firm and the park analyst are in it
    assert response.status_code == 409 and "enterprises (1)" in response.json()["detail"]
    assert Enterprise.objects.filter(pk=firm.pk).exists() and Park.objects.filter(code="331082-P01").exists()


def test_parks_are_written_inside_the_scope_only(world, api) -> None:
    client = api("linhai_analyst")
    park = {"code": "331082-P02", "name": "临海头门港新区", "region": "331082", "kind": "development_zone"}
    assert client.post("/api/parks/", park, format="json").status_code == 201
    assert client.patch("/api/parks/331082-P02/", {"region": "331002"}, format="json").status_code == 403
    assert Park.objects.get(code="331082-P02").region_id == "331082"
    # A park user works inside the park, but the park itself belongs to the county.
    response = api("park_analyst").patch("/api/parks/331082-P01/", {"name": "改名"}, format="json")
    assert response.status_code == 403
    assert codes(api("jiaojiang_analyst").get("/api/parks/")) == set()


# --- reference data, the caller, the change log --------------------------------------------------------------
def test_regions_are_the_subtree_and_its_ancestors(world, api) -> None:
    assert codes(api("linhai_analyst").get("/api/regions/")) == {"330000", "331000", "331082"}
    assert codes(api("linhai_analyst").get("/api/regions/?level=county")) == {"331082"}
    assert api("linhai_analyst").get("/api/regions/331002/").status_code == 404


def test_industries_are_reference_data_for_every_signed_in_user(world, api) -> None:
    response = api("enterprise_user").get("/api/industries/?parent=C&level=division&page_size=100")
    assert {"13", "36", "43"} <= codes(response) and "01" not in codes(response)
    assert api("unscoped").get("/api/industries/3670/").json()["parent"] == "367"
    assert api(None).get("/api/industries/").status_code == 401


def test_digital_economy_categories_default_to_the_current_version(world, api) -> None:
    client = api("linhai_analyst")
    (current,) = [v for v in client.get("/api/digital-economy/versions/").json()["results"] if v["is_current"]]
    categories = client.get("/api/digital-economy/categories/?level=category").json()["results"]
    assert {c["code"] for c in categories} == {"01", "02", "03", "04", "05"}
    assert {c["version"] for c in categories} == {current["id"]}
    items = client.get("/api/digital-economy/categories/?level=item&code=01").json()["results"]
    assert items and all(m["industry"] for item in items for m in item["mappings"])
    assert client.get("/api/digital-economy/categories/?version=999999").status_code == 400


def test_me_says_who_the_caller_is(world, api) -> None:
    body = api("park_analyst").get("/api/me/").json()
    assert body["username"] == "park_analyst" and body["role"] == "analyst"
    assert (body["scope_region"], body["scope_park"], body["scope_path"]) == (
        "331082",
        "331082-P01",
        "330000/331000/331082/",
    )
    assert body["can_edit_master_data"] is True and body["is_administrator"] is False


def test_the_change_log_is_for_administrators_of_the_subtree(world, api) -> None:
    api("linhai_analyst").patch(f"/api/enterprises/{world['linhai_firm'].uscc}/", {"employees": 5}, format="json")
    entries = api("linhai_admin").get("/api/changes/?model=enterprise&source=api").json()["results"]
    assert [(e["object_repr"], e["action"], e["user"]) for e in entries] == [
        ("临海市恒达汽车零部件有限公司", "update", "linhai_analyst")
    ]
    jiaojiang = str(world["jiaojiang_firm"].pk)
    assert api("linhai_admin").get(f"/api/changes/?model=enterprise&object_id={jiaojiang}").json()["results"] == []
    assert api("province_admin").get(f"/api/changes/?model=enterprise&object_id={jiaojiang}").json()["count"] == 1
    assert api("linhai_analyst").get("/api/changes/").json()["count"] == 0
    assert api("linhai_admin").get("/api/changes/?action=delete").json()["count"] == 0
    assert api("linhai_admin").get("/api/changes/?since=2000-01-01T00:00:00Z&user=linhai_analyst").json()["count"] == 1
