"""CSRF, XSS and SQL injection, tested rather than assumed (DESIGN §5)."""

import io

from django.test import Client

from industrybrain.registry.models import Enterprise


def test_posts_without_a_csrf_token_are_refused(world) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["linhai_analyst"])
    upload = io.BytesIO(b"uscc,name,region,industry\n")
    upload.name = "x.csv"
    assert client.post("/import/", {"kind": "enterprises", "file": upload}).status_code == 403
    assert client.post("/import/confirm/", {"token": "x"}).status_code == 403


def test_names_are_escaped_on_every_page(world, client) -> None:
    firm = world["linhai_firm"]
    firm.name = '<script>alert("x")</script>'
    firm.save()
    client.force_login(world["linhai_admin"])
    for url in ("/enterprises/", f"/enterprises/{firm.uscc}/", "/changes/"):
        page = client.get(url).content.decode()
        assert '<script>alert("x")</script>' not in page
        assert "&lt;script&gt;" in page


def test_filter_values_are_never_sql(world, client) -> None:
    client.force_login(world["linhai_analyst"])
    for value in ("' OR 1=1 --", '"; DROP TABLE registry_enterprise; --', "331082' OR '1'='1"):
        for field in ("name", "region", "industry", "park"):
            response = client.get("/enterprises/", {field: value})
            assert response.status_code in (200, 400)
            assert world["jiaojiang_firm"].uscc not in response.content.decode()
    assert Enterprise.objects.count() == 3


def test_the_login_page_is_public_and_everything_else_is_not(world, client) -> None:
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/admin/").status_code == 302
