"""Every create, update and delete of master data is in the change log: who, when, before, after."""

from decimal import Decimal

from industrybrain.core.context import change_context
from industrybrain.core.models import ObjectChange
from industrybrain.registry.models import Enterprise, Park


def entries_for(obj) -> list[ObjectChange]:
    return list(
        ObjectChange.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name).order_by("id")
    )


def test_it_logs_create_update_and_delete_with_the_acting_user(world) -> None:
    user = world["linhai_analyst"]
    with change_context(user=user, source="web"):
        park = Park.objects.create(code="331082-P09", name="临海测试园", region=world["linhai"])
        park.planned_area_mu = Decimal("1200.5")
        park.save()
        park.save()  # nothing changed: no entry
        park_pk = park.pk
        park.delete()
    park.pk = park_pk
    create, update, delete = entries_for(park)
    assert [e.action for e in (create, update, delete)] == ["create", "update", "delete"]
    assert {e.user_id for e in (create, update, delete)} == {user.pk}
    assert {e.user_name for e in (create, update, delete)} == {"linhai_analyst"}
    assert create.prechange_data is None and create.postchange_data["name"] == "临海测试园"
    assert update.changed_fields() == [("planned_area_mu", None, "1200.50")]
    assert delete.prechange_data["planned_area_mu"] == "1200.50" and delete.postchange_data is None
    assert len({create.request_id, update.request_id, delete.request_id}) == 1  # one unit of work


def test_changes_outside_any_request_are_attributed_to_the_system(world) -> None:
    firm = world["linhai_firm"]
    firm.employees = 101
    firm.save()
    entry = entries_for(firm)[-1]
    assert (entry.user, entry.user_name, entry.source) == (None, "", "system")
    assert entry.changed_fields() == [("employees", 100, 101)]


def test_queryset_deletes_are_logged_too(world) -> None:
    firm = world["jiaojiang_firm"]
    Enterprise.objects.filter(pk=firm.pk).delete()
    assert entries_for(firm)[-1].action == "delete"


def test_administrators_read_the_log_of_their_own_subtree_only(world) -> None:
    linhai_change = entries_for(world["linhai_firm"])[0]
    jiaojiang_change = entries_for(world["jiaojiang_firm"])[0]
    visible = set(ObjectChange.objects.visible_to(world["linhai_admin"]))
    assert linhai_change in visible and jiaojiang_change not in visible
    assert {linhai_change, jiaojiang_change} <= set(ObjectChange.objects.visible_to(world["province_admin"]))
    assert not ObjectChange.objects.visible_to(world["linhai_analyst"]).exists()


def test_the_web_change_log_is_for_administrators(world, client) -> None:
    client.force_login(world["linhai_analyst"])
    assert client.get("/changes/").status_code == 403
    client.force_login(world["linhai_admin"])
    page = client.get("/changes/").content.decode()
    assert world["linhai_firm"].name in page and world["jiaojiang_firm"].name not in page


def test_account_changes_are_logged_without_the_password(world) -> None:
    user = world["linhai_analyst"]
    with change_context(user=world["province_admin"], source="web"):
        user.role = "administrator"
        user.set_password("another-password-2")
        user.save()
    entry = entries_for(user)[-1]
    assert entry.changed_fields() == [("role", "analyst", "administrator")]
    assert "password" not in entry.postchange_data and entry.user_name == "province_admin"
