"""Shared personas (healthchecks style): a few users at different scopes, with an enterprise on each side
of every boundary that a test may try to cross."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import translation

from industrybrain.accounts.choices import Role
from industrybrain.accounts.models import Department, User
from industrybrain.registry.models import Enterprise, Park, Region
from industrybrain.registry.uscc import make_uscc

PASSWORD = "persona-password-1"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """The production hasher is slow on purpose; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fact_store() -> Iterator[None]:
    """Every test gets its own empty analytical store (in memory; opened only if the test uses it)."""
    from industrybrain.analytics import dimensions, engine

    engine.configure(":memory:")
    dimensions.forget_synced()
    yield
    engine.configure(":memory:")


@pytest.fixture(autouse=True)
def pending_uploads_dir(settings, tmp_path) -> None:
    """Checked uploads wait for confirmation on disk (core.pending): each test gets its own directory."""
    settings.PENDING_UPLOADS_DIR = tmp_path / "pending-uploads"


@pytest.fixture(autouse=True)
def evaluation_runs_dir(settings, tmp_path) -> None:
    """Stored evaluation runs write Parquet files: each test gets its own directory."""
    settings.EVALUATIONS_DIR = tmp_path / "evaluations"


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Operations called directly in tests report in English (pages choose their language per request)."""
    with translation.override("en"):
        yield


def make_enterprise(org_body: str, region_code: str, name: str, **fields: object) -> Enterprise:
    defaults: dict[str, object] = {"industry_id": "3670", "land_area_mu": Decimal("20.00"), "employees": 100}
    defaults.update(fields)
    return Enterprise.objects.create(
        uscc=make_uscc("9", "1", region_code, org_body), name=name, region_id=region_code, **defaults
    )


def make_user(username: str, role: str, **fields: object) -> User:
    user = User(username=username, role=role, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def world(db: None) -> dict[str, object]:
    """台州 (331000) with two counties: 临海 (331082, with a park) and 椒江 (331002); one enterprise in each,
    one registered in 椒江 but operating in 临海's park, and a user for every role."""
    linhai, jiaojiang = Region.objects.get(code="331082"), Region.objects.get(code="331002")
    park = Park.objects.create(code="331082-P01", name="临海经济开发区", region=linhai, kind="development_zone")
    linhai_firm = make_enterprise("MA2AAAAA", "331082", "临海市恒达汽车零部件有限公司")
    jiaojiang_firm = make_enterprise("MA2BBBBB", "331002", "台州市椒江海正医药有限公司", industry_id="2720")
    commuter_firm = make_enterprise("MA2CCCCC", "331002", "椒江区跨区光伏有限公司", industry_id="3825", park=park)
    department = Department.objects.create(code="331082-JXJ", name="临海市经济和信息化局", region=linhai)
    return {
        "linhai": linhai,
        "jiaojiang": jiaojiang,
        "park": park,
        "linhai_firm": linhai_firm,
        "jiaojiang_firm": jiaojiang_firm,
        "commuter_firm": commuter_firm,
        "department": department,
        "province_admin": make_user("province_admin", Role.ADMINISTRATOR, scope_region_id="330000", is_staff=True),
        "city_analyst": make_user("city_analyst", Role.ANALYST, scope_region_id="331000"),
        "linhai_analyst": make_user("linhai_analyst", Role.ANALYST, scope_region=linhai),
        "jiaojiang_analyst": make_user("jiaojiang_analyst", Role.ANALYST, scope_region=jiaojiang),
        "park_analyst": make_user("park_analyst", Role.ANALYST, scope_region=linhai, scope_park=park),
        "linhai_admin": make_user("linhai_admin", Role.ADMINISTRATOR, scope_region=linhai, is_staff=True),
        "clerk": make_user("clerk", Role.CLERK, scope_region=linhai, department=department),
        "enterprise_user": make_user("enterprise_user", Role.ENTERPRISE, enterprise=linhai_firm),
        "unscoped": make_user("unscoped", Role.ANALYST),
    }
