"""The cockpit load benchmark's own arithmetic: percentiles, the mix of URLs the clients ask, and how the
clients share it. (The load run itself is a measurement, not a test.)"""

from __future__ import annotations

import math
from collections import Counter

from django.contrib.auth import authenticate
from django.test import Client

from industrybrain.benchmarks.cockpit_load import (
    BENCH_USER,
    CSRF_FIELD,
    Endpoint,
    client_slice,
    prepare,
    sample_counties,
    url_mix,
)
from industrybrain.benchmarks.loopback import latency_summary, percentile
from industrybrain.registry.models import Region, RegionLevel

OVERVIEW = Endpoint("/cockpit.json?region={region}")
MAP = Endpoint("/cockpit/map.json?region={region}&indicator={indicator}", (("indicator", ("a", "b", "c")),))
REGIONS = {"province": ["330000"], "city": ["330100", "330200"], "county": ["330102", "330105", "330203", "330205"]}


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 0.50) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99
    assert percentile(values, 1.0) == 100
    assert percentile(list(reversed(values)), 0.95) == 95  # order of arrival does not matter
    assert percentile([7.0], 0.95) == 7
    assert percentile([1.0, 2.0, 3.0], 0.5) == 2
    assert percentile([1.0, 2.0], 0.95) == 2  # never below the share asked: 1 is only the 50th percentile
    assert math.isnan(percentile([], 0.5))


def test_latency_summary_reports_milliseconds() -> None:
    summary = latency_summary([0.001 * v for v in range(1, 101)])
    assert summary["requests"] == 100
    assert round(summary["p50_ms"], 9) == 50 and round(summary["p95_ms"], 9) == 95
    assert round(summary["p99_ms"], 9) == 99 and round(summary["max_ms"], 9) == 100


def test_an_endpoint_fills_in_the_region_and_takes_its_parameters_in_turn() -> None:
    assert OVERVIEW.url("330000", 5) == "/cockpit.json?region=330000"
    urls = [MAP.url("330100", variant) for variant in range(4)]
    assert urls[0] == "/cockpit/map.json?region=330100&indicator=a"
    assert [u[-1] for u in urls] == ["a", "b", "c", "a"]


def test_the_mix_gives_each_level_an_equal_share_and_asks_every_endpoint_per_visit() -> None:
    mix = url_mix({"overview": OVERVIEW, "map": MAP}, REGIONS)
    levels = Counter(hit.level for hit in mix)
    assert levels["province"] == levels["city"] == levels["county"]
    assert Counter(hit.endpoint for hit in mix) == {"overview": len(mix) // 2, "map": len(mix) // 2}
    assert [hit.level for hit in mix[:6]] == ["province", "province", "city", "city", "county", "county"]
    assert {hit.endpoint for hit in mix[:2]} == {"overview", "map"}


def test_the_mix_covers_every_region_with_every_parameter_value() -> None:
    mix = url_mix({"overview": OVERVIEW, "map": MAP}, REGIONS)
    urls = {hit.url for hit in mix}
    for level, codes in REGIONS.items():
        for code in codes:
            assert f"/cockpit.json?region={code}" in urls, (level, code)
            for value in "abc":
                assert f"/cockpit/map.json?region={code}&indicator={value}" in urls
    # distinct URLs: one overview per region, three maps per region
    assert len(urls) == 7 * (1 + 3)


def test_the_mix_leaves_out_levels_a_region_does_not_have() -> None:
    mix = url_mix({"overview": OVERVIEW}, {"county": ["331082"], "city": []})
    assert [hit.url for hit in mix] == ["/cockpit.json?region=331082"]


def test_counties_are_sampled_across_the_cities() -> None:
    by_city = {"330200": ["330203", "330205", "330206"], "330100": ["330102", "330105"], "330300": ["330302"]}
    assert sample_counties(by_city, 3) == ["330102", "330203", "330302"]
    assert sample_counties(by_city, 5) == ["330102", "330203", "330302", "330105", "330205"]
    assert sorted(sample_counties(by_city, 99)) == sorted(c for cs in by_city.values() for c in cs)


def test_clients_start_at_their_own_place_in_the_cycle_and_wrap_around() -> None:
    mix = url_mix({"overview": OVERVIEW}, REGIONS)
    assert len(mix) == 12
    first, second = client_slice(mix, 0, 4, 15), client_slice(mix, 1, 4, 15)
    assert first[:12] == mix and first[12:] == mix[:3]
    assert second[0] == mix[3]
    assert [client_slice(mix, i, 4, 1)[0] for i in range(4)] == [mix[0], mix[3], mix[6], mix[9]]


def test_the_set_up_makes_a_user_of_the_root_and_lists_its_regions_by_level(db) -> None:
    prepared = prepare("330000", 3)  # 浙江: its 11 cities, and 3 counties from 3 cities
    regions = prepared["regions"]
    assert regions["province"] == ["330000"] and len(regions["city"]) == 11
    cities = Region.objects.filter(code__in=regions["city"], is_active=True, level=RegionLevel.CITY)
    assert cities.count() == 11
    counties = Region.objects.filter(code__in=regions["county"], is_active=True, level=RegionLevel.COUNTY)
    assert len({county.parent_id for county in counties}) == 3
    user = authenticate(username=BENCH_USER, password=prepared["password"])
    assert user is not None and user.scope_region_id == "330000"
    again = prepare("330000", 3)  # a new password each run; the old one no longer works
    assert authenticate(username=BENCH_USER, password=prepared["password"]) is None
    assert authenticate(username=BENCH_USER, password=again["password"]) is not None
    assert prepare("331000", 3)["regions"]["county"] == list(
        Region.objects.filter(parent_id="331000", is_active=True).order_by("code").values_list("code", flat=True)
    )  # a city's own counties are all asked for


def test_the_clients_find_the_csrf_token_in_the_login_form(db) -> None:
    page = Client().get("/accounts/login/").content
    assert CSRF_FIELD.search(page) is not None
