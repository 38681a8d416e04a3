"""The demo region: deterministic, valid, realistic enough to show, and scoped like real data."""

from collections import Counter

import pytest

from industrybrain.accounts.models import User
from industrybrain.core.models import ObjectChange
from industrybrain.registry.demo import SCALES, build_demo_region, generate_region, short_name
from industrybrain.registry.models import Enterprise, Industry, Park, Region
from industrybrain.registry.uscc import check_uscc


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_region_and_another_seed_does_not() -> None:
    first, again, other = generate_region("county", 7), generate_region("county", 7), generate_region("county", 8)
    assert first == again
    assert [e.uscc for e in first[0].enterprises] != [e.uscc for e in other[0].enterprises]


@pytest.mark.django_db
def test_scales_have_their_sizes_and_counties_differ() -> None:
    county = generate_region("county", 2026)
    assert [len(p.enterprises) for p in county] == [SCALES["county"].enterprises]
    sizes = [len(p.enterprises) for p in generate_region("city", 2026)]
    assert sum(sizes) == SCALES["city"].enterprises and len(sizes) == 9
    assert max(sizes) > 1.5 * min(sizes)


@pytest.mark.django_db
def test_a_county_keeps_its_rows_when_the_region_grows() -> None:
    # One random stream per county: 临海 comes out the same whether generated alone or with all of 台州.
    alone = generate_region("county", 3)[0]
    in_city = next(p for p in generate_region("city", 3) if p.county == "331082")
    assert [e.name for e in alone.enterprises[:50]] == [e.name for e in in_city.enterprises[:50]]


@pytest.mark.django_db
def test_every_code_is_valid_unique_and_carries_its_county() -> None:
    plans = generate_region("city", 2026)
    firms = [e for plan in plans for e in plan.enterprises]
    assert len({e.uscc for e in firms}) == len(firms)
    assert all(check_uscc(e.uscc).is_valid and e.uscc[2:8] == e.county for e in firms)
    assert len({(e.county, e.name) for e in firms}) == len(firms)


@pytest.mark.django_db
def test_the_industry_mix_is_mostly_manufacturing_with_local_specialities() -> None:
    plans = generate_region("city", 2026)
    classes = dict(Industry.objects.filter(level="class").values_list("code", "section"))
    firms = [e for plan in plans for e in plan.enterprises]
    assert all(e.industry in classes for e in firms)
    sections = Counter(classes[e.industry] for e in firms)
    assert 0.7 < sections["C"] / len(firms) < 0.95
    for plan in plans:
        top = {code for code, _n in Counter(e.industry for e in plan.enterprises).most_common(4)}
        assert set(plan.specialities) & top, plan.county
    assert len({plan.specialities for plan in plans}) > 1  # counties differ


@pytest.mark.django_db
def test_parks_belong_to_counties_and_some_firms_operate_next_door() -> None:
    plans = generate_region("city", 2026)
    park_county = {p.code: p.county for plan in plans for p in plan.parks}
    assert all(2 <= len(plan.parks) <= 4 for plan in plans)
    firms = [e for plan in plans for e in plan.enterprises if e.park]
    commuters = [e for e in firms if park_county[e.park] != e.county]
    assert 0.01 < len(commuters) / len(firms) < 0.06


@pytest.mark.django_db
def test_distributions_look_like_a_zhejiang_county() -> None:
    firms = generate_region("county", 2026)[0].enterprises
    manufacturing = [e for e in firms if e.industry[:2].isdigit() and 13 <= int(e.industry[:2]) <= 43]
    above = [e for e in manufacturing if e.is_above_scale]
    assert 0.15 < len(above) / len(manufacturing) < 0.25
    median = sorted(e.employees for e in above)[len(above) // 2]
    assert 100 < median < 220
    tenants = [e for e in manufacturing if not e.is_above_scale and e.land_area_mu is None]
    assert 0.1 < len(tenants) / len(manufacturing) < 0.2


def test_short_names() -> None:
    assert [short_name(n) for n in ("临海市", "景宁畲族自治县", "椒江区", "鄞州区")] == ["临海", "景宁", "椒江", "鄞州"]
    assert set(SCALES) == {"county", "city", "province"}


@pytest.mark.django_db
def test_building_writes_everything_logged_and_scoped() -> None:
    summary = build_demo_region("county", 2026)
    assert summary.enterprises == Enterprise.objects.count() == SCALES["county"].enterprises
    assert summary.parks == Park.objects.count()
    created = ObjectChange.objects.filter(action="create", source="demo", content_type__model="enterprise")
    assert created.count() == summary.enterprises
    county_analyst = User.objects.get(username="county_analyst")
    assert county_analyst.check_password(summary.password)
    assert Enterprise.objects.visible_to(county_analyst).count() == summary.enterprises
    enterprise_user = User.objects.get(username="enterprise_user")
    assert list(Enterprise.objects.visible_to(enterprise_user)) == [enterprise_user.enterprise]
    assert Region.objects.get(code=summary.root_code).name == "临海市"
    with pytest.raises(ValueError, match="already holds enterprises"):
        build_demo_region("county", 2026)
