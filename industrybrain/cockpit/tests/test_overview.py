"""The overview on a hand-checkable 临海: two 规上 firms (one digital-economy core manufacturing), one request."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from conftest import PASSWORD, make_enterprise
from industrybrain.cockpit import overview, sparkline
from industrybrain.datahub.operations import import_facts


def land(user, text: str) -> None:
    report = import_facts(text.strip().encode(), "facts.csv", user, dry_run=False)
    assert report.ok, report.errors


@pytest.fixture
def linhai(world) -> dict:
    cache.clear()
    core = make_enterprise("MA2DDDDD", "331082", "电子", industry_id="3911", is_above_scale=True)
    parts = make_enterprise("MA2EEEEE", "331082", "零部件", industry_id="3670", is_above_scale=True)
    lines = ["uscc,indicator,period,value"]
    for firm, now, before in ((core, 30, 20), (parts, 70, 80)):
        lines += [f"{firm.uscc},value_added,2025年1—2月,{now}", f"{firm.uscc},value_added,2024年1—2月,{before}"]
    land(world["province_admin"], "\n".join(lines))
    return world


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_cards_show_the_year_so_far_with_growth_and_share(linhai) -> None:
    data = overview.build(linhai["linhai"])
    assert data["period"] == "2025-02" and data["period_label"] == "2025年1—2月"
    cards = {c["key"]: c for c in data["cards"]}
    above = cards["value_added"]
    assert above["value"] == 100 and above["growth"] == pytest.approx(0)  # 100 this year, 100 last
    core = cards["de_core_value_added"]
    assert core["value"] == 30 and core["growth"] == pytest.approx(0.5) and core["share_of_all"] == pytest.approx(0.3)
    assert cards["requests_on_time"]["value"] is None  # no requests yet: no rate, not 0%


def test_slow_core_manufacturing_growth_raises_an_alarm(linhai) -> None:
    assert not [a for a in overview.build(linhai["linhai"])["alarms"] if a["kind"] == "indicator"]  # +50%
    firm = linhai["linhai"].enterprises.get(name="电子")
    land(linhai["province_admin"], f"uscc,indicator,period,value\n{firm.uscc},value_added,2025年1—2月,20.5")
    alarms = [a for a in overview.build(linhai["linhai"])["alarms"] if a["kind"] == "indicator"]
    assert [(a["region"], a["value"]) for a in alarms] == [("临海市", pytest.approx(0.025))]  # 20.5 vs 20: under 5%


def test_the_page_and_its_json_respect_scopes(linhai) -> None:
    analyst = client_for(linhai["linhai_analyst"])
    page = analyst.get("/cockpit/")
    assert page.status_code == 200 and "临海市" in page.content.decode()
    body = analyst.get("/cockpit.json").json()
    assert body["region"]["code"] == "331082" and len(body["cards"]) == 4
    assert analyst.get("/cockpit/?region=331002").status_code == 403  # 椒江 is not theirs
    assert client_for(linhai["enterprise_user"]).get("/cockpit/").status_code == 403
    city = client_for(linhai["city_analyst"]).get("/cockpit/?region=331082")
    assert city.status_code == 200
    assert Client().get("/cockpit/").status_code == 302  # to the login page


def test_sparklines_scale_into_the_box_and_skip_gaps() -> None:
    assert sparkline.points([None, 5.0]) == ""
    drawn = sparkline.points([1.0, None, 3.0])
    assert drawn == "2.0,30.0 118.0,2.0"  # lowest at the bottom, highest at the top, the gap skipped


def test_warm_builds_the_overview_of_every_scoped_region_and_later_views_are_cache_hits(world, client) -> None:
    from django.core.cache import cache
    from django.utils import translation

    from industrybrain.cockpit import overview

    cache.clear()
    scoped = {u.scope_region_id for u in world.values() if getattr(u, "scope_region_id", None)}
    assert overview.warm() == len(scoped)
    calls = []
    original = overview.statistics_part
    overview.statistics_part = lambda region: calls.append(region) or original(region)
    try:
        with translation.override("zh-hans"):  # warm() builds in the default language
            overview.cached(world["linhai"])
        assert calls == []  # already built by warm()
        overview.cached(world["linhai"])  # English: not warmed
        assert calls == [world["linhai"]]
    finally:
        overview.statistics_part = original
