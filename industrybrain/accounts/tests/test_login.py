from django.core.cache import cache

from conftest import PASSWORD


def test_it_signs_in_and_out(world, client) -> None:
    response = client.post("/accounts/login/", {"username": "linhai_analyst", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/enterprises/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/enterprises/").status_code == 302


def test_repeated_failures_are_refused_for_a_while(world, client, settings) -> None:
    cache.clear()
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": "linhai_analyst", "password": "wrong"}).status_code == 200
    refused = client.post("/accounts/login/", {"username": "linhai_analyst", "password": PASSWORD})
    assert refused.status_code == 429
    cache.clear()
    assert client.post("/accounts/login/", {"username": "linhai_analyst", "password": PASSWORD}).status_code == 302


def test_an_enterprise_user_starts_at_their_enterprise(world, client) -> None:
    client.force_login(world["enterprise_user"])
    assert client.get("/")["Location"] == f"/enterprises/{world['linhai_firm'].uscc}/"
