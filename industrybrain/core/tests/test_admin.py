"""The admin keeps the lines the pages and the API keep: a county administrator sees and picks only their county,
the change log is read-only, and reference data is for superusers to edit."""

from __future__ import annotations

from django.contrib import admin
from django.test import RequestFactory

from industrybrain.accounts.models import User
from industrybrain.core.models import ObjectChange
from industrybrain.registry.models import Enterprise, Industry, Region
from industrybrain.registry.uscc import make_uscc


def admin_request(user: User):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_it_lists_only_the_county_administrators_enterprises(world, client) -> None:
    client.force_login(world["linhai_admin"])
    page = client.get("/admin/registry/enterprise/").content.decode()
    assert world["linhai_firm"].uscc in page and world["commuter_firm"].uscc in page
    assert world["jiaojiang_firm"].uscc not in page
    assert client.get(f"/admin/registry/enterprise/{world['jiaojiang_firm'].pk}/change/").status_code == 302


def test_it_offers_only_writable_regions_and_parks_as_choices(world, client) -> None:
    client.force_login(world["linhai_admin"])
    form = client.get("/admin/registry/enterprise/add/").context["adminform"].form
    assert set(form.fields["region"].queryset.values_list("code", flat=True)) == {"331082"}
    assert set(form.fields["park"].queryset.values_list("code", flat=True)) == {"331082-P01"}
    client.force_login(world["province_admin"])
    form = client.get("/admin/registry/enterprise/add/").context["adminform"].form
    assert {"331082", "331002", "330000"} <= set(form.fields["region"].queryset.values_list("code", flat=True))


def test_a_forged_choice_of_another_county_is_refused(world, client) -> None:
    client.force_login(world["linhai_admin"])
    uscc = make_uscc("9", "1", "331002", "MA2EEEEE")
    data = {"uscc": uscc, "name": "伪造", "region": "331002", "industry": "3670", "status": "operating"}
    response = client.post("/admin/registry/enterprise/add/", data)
    assert response.status_code == 200 and "region" in response.context["adminform"].form.errors
    assert not Enterprise.objects.filter(uscc=uscc).exists()


def test_an_admin_edit_is_validated_and_logged(world, client) -> None:
    client.force_login(world["linhai_admin"])
    uscc = make_uscc("9", "1", "331082", "MA2EEEEE")
    data = {"uscc": uscc, "name": "临海新厂", "region": "331082", "industry": "36", "status": "operating"}
    response = client.post("/admin/registry/enterprise/add/", data)
    assert "industry" in response.context["adminform"].form.errors  # a division, not a 4-digit class
    response = client.post("/admin/registry/enterprise/add/", {**data, "industry": "3670"})
    assert response.status_code == 302
    firm = Enterprise.objects.get(uscc=uscc)
    entry = ObjectChange.objects.get(content_type__model="enterprise", object_id=str(firm.pk), action="create")
    assert entry.user_name == "linhai_admin"


def test_the_ancestors_a_county_sees_are_not_its_to_change(world, client) -> None:
    client.force_login(world["linhai_admin"])
    assert client.get("/admin/registry/region/331082/change/").status_code == 200
    response = client.post("/admin/registry/region/331000/change/", {"name": "改名", "is_active": "on"})
    assert response.status_code == 403 and Region.objects.get(code="331000").name == "台州市"


def test_the_change_log_cannot_be_added_to_changed_or_deleted(world, client) -> None:
    model_admin = admin.site._registry[ObjectChange]
    superuser = User.objects.create_superuser("root", "root@example.org", "root-password-1")
    entry = ObjectChange.objects.first()
    for user in (world["linhai_admin"], superuser):
        request = admin_request(user)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, entry)
        assert not model_admin.has_delete_permission(request, entry)
    client.force_login(superuser)
    assert client.get("/admin/core/objectchange/add/").status_code == 403


def test_the_county_administrator_reads_only_its_own_change_log(world, client) -> None:
    client.force_login(world["linhai_admin"])
    page = client.get("/admin/core/objectchange/").content.decode()
    assert world["linhai_firm"].name in page and world["jiaojiang_firm"].name not in page


def test_reference_data_is_read_only_below_superuser(world, client) -> None:
    client.force_login(world["province_admin"])
    assert client.get("/admin/registry/industry/3670/change/").status_code == 200
    response = client.post("/admin/registry/industry/3670/change/", {"name": "改名"})
    assert response.status_code == 403 and Industry.objects.get(code="3670").name != "改名"
    model_admin = admin.site._registry[Industry]
    assert not model_admin.has_add_permission(admin_request(world["province_admin"]))


def test_only_staff_administrators_use_the_admin(world, client) -> None:
    client.force_login(world["linhai_analyst"])
    assert client.get("/admin/registry/enterprise/").status_code == 302  # to the admin login
    world["linhai_analyst"].is_staff = True
    world["linhai_analyst"].save()
    assert client.get("/admin/registry/enterprise/").status_code == 403  # staff, but not an administrator


def test_a_county_administrator_cannot_grant_superuser_status(world) -> None:
    model_admin = admin.site._registry[User]
    request = admin_request(world["linhai_admin"])
    assert "is_superuser" in model_admin.get_readonly_fields(request, world["linhai_analyst"])
    visible = set(model_admin.get_queryset(request).values_list("username", flat=True))
    assert "jiaojiang_analyst" not in visible and "linhai_analyst" in visible
    form = model_admin.get_form(request, world["linhai_analyst"])()
    assert set(form.fields["scope_region"].queryset.values_list("code", flat=True)) == {"331082"}
