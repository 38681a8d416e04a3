"""Who sees what, through the restricted queryset, the pages and the exports (the API has its own tests)."""

import pytest

from industrybrain.registry.models import Enterprise, Region


def visible_names(user) -> set[str]:
    return set(Enterprise.objects.visible_to(user).values_list("name", flat=True))


def test_each_persona_sees_exactly_its_part(world) -> None:
    linhai, jiaojiang, commuter = (world[k].name for k in ("linhai_firm", "jiaojiang_firm", "commuter_firm"))
    assert visible_names(world["province_admin"]) == {linhai, jiaojiang, commuter}
    assert visible_names(world["city_analyst"]) == {linhai, jiaojiang, commuter}
    # The commuter firm is registered in 椒江 but operates in 临海's park: both counties see it.
    assert visible_names(world["linhai_analyst"]) == {linhai, commuter}
    assert visible_names(world["jiaojiang_analyst"]) == {jiaojiang, commuter}
    assert visible_names(world["park_analyst"]) == {commuter}
    assert visible_names(world["enterprise_user"]) == {linhai}
    assert visible_names(world["unscoped"]) == set()


def test_a_county_sees_its_subtree_and_the_ancestors_that_name_it(world) -> None:
    codes = set(Region.objects.visible_to(world["linhai_analyst"]).values_list("code", flat=True))
    assert codes == {"330000", "331000", "331082"}


def test_inactive_and_anonymous_users_see_nothing(world) -> None:
    user = world["province_admin"]
    user.is_active = False
    assert not Enterprise.objects.visible_to(user).exists()
    assert not Enterprise.objects.visible_to(None).exists()


@pytest.mark.parametrize(
    ("persona", "firm", "status"),
    [
        ("jiaojiang_analyst", "linhai_firm", 404),
        ("linhai_analyst", "jiaojiang_firm", 404),
        ("enterprise_user", "jiaojiang_firm", 404),
        ("enterprise_user", "commuter_firm", 404),
        ("park_analyst", "linhai_firm", 404),
        ("linhai_analyst", "commuter_firm", 200),
        ("enterprise_user", "linhai_firm", 200),
    ],
)
def test_pages_do_not_show_another_scope(world, client, persona: str, firm: str, status: int) -> None:
    client.force_login(world[persona])
    assert client.get(f"/enterprises/{world[firm].uscc}/").status_code == status


def test_lists_region_pages_and_exports_stay_in_scope(world, client) -> None:
    client.force_login(world["jiaojiang_analyst"])
    listing = client.get("/enterprises/").content.decode()
    assert world["jiaojiang_firm"].uscc in listing and world["linhai_firm"].uscc not in listing
    assert client.get("/regions/331082/").status_code == 404
    assert client.get("/regions/331000/").status_code == 200  # an ancestor, shown for orientation
    export = client.get("/export/enterprises.csv").content.decode("utf-8-sig")
    assert world["jiaojiang_firm"].uscc in export and world["linhai_firm"].uscc not in export
    assert client.get("/export/users.csv").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(world, client) -> None:
    for url in ("/", "/enterprises/", "/export/enterprises.csv", "/regions/330000/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
