"""The service desk's people: 临海's desk with two departments and a supervisor, 台州's supervisor above it,
and the `world` personas (an enterprise user of 临海's firm, a clerk of 临海市经济和信息化局)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from conftest import make_user
from industrybrain.accounts.choices import Role
from industrybrain.accounts.models import Department
from industrybrain.servicedesk.models import Category, Routing


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """The board is cached (keyed by the last change, but a test's clock and data are its own)."""
    cache.clear()


def local(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour), timezone.get_current_timezone())


@pytest.fixture
def desk(world) -> dict:
    linhai = world["linhai"]
    commerce = Department.objects.create(code="331082-SWJ", name="临海市商务局", region=linhai)
    tax = Department.objects.create(code="331082-SWU", name="国家税务总局临海市税务局", region=linhai)
    city_office = Department.objects.create(
        code="331000-JXJ", name="台州市经济和信息化局", region=world["linhai"].parent
    )
    Routing.objects.create(category=Category.objects.get(code="tax_rebate"), region=linhai, department=commerce)
    Routing.objects.create(category=Category.objects.get(code="policy"), region=linhai, department=world["department"])
    return {
        **world,
        "commerce": commerce,
        "tax": tax,
        "city_office": city_office,
        "commerce_clerk": make_user(
            "commerce_clerk", Role.CLERK, scope_region=linhai, department=commerce, email="c@x.cn"
        ),
        "tax_clerk": make_user("tax_clerk", Role.CLERK, scope_region=linhai, department=tax, email="t@x.cn"),
        "city_clerk": make_user("city_clerk", Role.CLERK, scope_region=linhai.parent, department=city_office),
        "supervisor": make_user("supervisor", Role.SUPERVISOR, scope_region=linhai, email="dubanban@x.cn"),
        "city_supervisor": make_user("city_supervisor", Role.SUPERVISOR, scope_region=linhai.parent, email="city@x.cn"),
        "jiaojiang_supervisor": make_user("jiaojiang_supervisor", Role.SUPERVISOR, scope_region=world["jiaojiang"]),
    }


@pytest.fixture
def people(desk) -> dict:
    """The desk and an enterprise user of 椒江's firm."""
    return {**desk, "jiaojiang_user": make_user("jiaojiang_user", Role.ENTERPRISE, enterprise=desk["jiaojiang_firm"])}
