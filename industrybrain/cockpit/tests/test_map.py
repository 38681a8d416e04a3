"""The map page on numbers checkable by hand.

Facts (工业增加值, 2025年1—2月 year to date, and the same months of 2024):

| firm | county | 规上 | 2025 | 2024 |
|------|--------|------|------|------|
| A    | 临海   | yes  | 30   | 20   |
| B    | 临海   | yes  | 70   | 80   |
| C    | 椒江   | yes  | 150  | 100  |
| D    | 椒江   | no   | 500  | —    |

So 规上: 临海 100 (+0%), 椒江 150 (+50%), 台州 250 (+25%); all firms: 椒江 650. The index runs give every
indicator of a county the same place f between the spec's goalposts, so its score is 100·f.

Boundaries are small squares written by the tests into a vendor folder of their own (the real package's files
are checked by the last test, when `industrybrain assets` has installed them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from conftest import PASSWORD, make_enterprise
from industrybrain.cockpit import geo
from industrybrain.cockpit import map as choropleth
from industrybrain.core import assets
from industrybrain.datahub.operations import import_facts
from industrybrain.evaluations import operations
from industrybrain.registry.models import Region

TAIZHOU_COUNTIES = ["331002", "331003", "331004", "331022", "331023", "331024", "331081", "331082", "331083"]


def land(user, text: str) -> None:
    report = import_facts(text.strip().encode(), "facts.csv", user, dry_run=False)
    assert report.ok, report.errors


def client_for(user, language: str | None = None) -> Client:
    client = Client()
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert client.login(username=user.username, password=PASSWORD)
    return client


def square(x: int) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]]}


def write_boundaries(vendor: Path, parent: str, codes: list[str]) -> None:
    """A file laid out as the package's: the children of `parent`, adcodes as numbers, DataV-style properties."""
    features = [
        {"type": "Feature", "geometry": square(i),
         "properties": {"adcode": int(c), "name": f"package name {c}", "parent": {"adcode": int(parent)}, "level": "x"}}
        for i, c in enumerate(codes)
    ]  # fmt: skip
    (vendor / "geo").mkdir(parents=True, exist_ok=True)
    (vendor / "geo" / f"{parent}.json").write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def children(code: str) -> list[str]:
    return list(Region.objects.filter(parent_id=code).order_by("code").values_list("code", flat=True))


@pytest.fixture
def vendor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "vendor"
    monkeypatch.setattr(assets, "VENDOR_DIR", folder)
    return folder


@pytest.fixture
def taizhou(world, vendor: Path) -> dict:
    cache.clear()
    firms = {
        "A": make_enterprise("MA2DDDDD", "331082", "甲", is_above_scale=True),
        "B": make_enterprise("MA2EEEEE", "331082", "乙", is_above_scale=True),
        "C": make_enterprise("MA2FFFFF", "331002", "丙", is_above_scale=True),
        "D": make_enterprise("MA2GGGGG", "331002", "丁", is_above_scale=False),
    }
    lines = ["uscc,indicator,period,value"]
    for key, now, before in (("A", 30, 20), ("B", 70, 80), ("C", 150, 100), ("D", 500, None)):
        lines.append(f"{firms[key].uscc},value_added,2025年1—2月,{now}")
        if before is not None:
            lines.append(f"{firms[key].uscc},value_added,2024年1—2月,{before}")
    land(world["province_admin"], "\n".join(lines))
    write_boundaries(vendor, "330000", children("330000"))
    write_boundaries(vendor, "331000", TAIZHOU_COUNTIES)
    return {**world, "firms": firms}


def get_json(user, query: str = "") -> dict:
    response = client_for(user).get(f"/cockpit/map.json{query}")
    assert response.status_code == 200, response.content
    return response.json()


# --- indicator mode ---------------------------------------------------------------------------------------
def test_a_city_map_ranks_its_counties_with_growth_and_drill_down_links(taizhou) -> None:
    data = get_json(taizhou["city_analyst"])
    assert data["region"]["code"] == "331000" and data["mode"] == "indicator"
    assert data["measure"] == {"kind": "indicator", "code": "value_added", "name": "工业增加值", "unit": "万元",
                               "above_scale": True}  # fmt: skip
    assert data["period"] == "2025-02" and data["period_label"] == "2025年1—2月" and data["year_to_date"]
    rows = data["rows"]
    assert [r["code"] for r in rows][:2] == ["331002", "331082"] and len(rows) == 9  # every county is listed
    jiaojiang, linhai = rows[0], rows[1]
    assert (jiaojiang["value"], jiaojiang["rank"], jiaojiang["growth"]) == (150, 1, pytest.approx(0.5))
    assert (linhai["value"], linhai["rank"], linhai["growth"]) == (100, 2, pytest.approx(0))
    assert all(r["value"] is None and r["rank"] is None for r in rows[2:])  # 黄岩 … without data: no rank
    assert jiaojiang["url"] == "/cockpit/map/?region=331002&indicator=value_added&above_scale=1"


def test_the_province_map_shows_its_cities_and_all_firms_when_not_only_above_scale(taizhou) -> None:
    data = get_json(taizhou["province_admin"])
    assert len(data["rows"]) == 11 and data["rows"][0]["code"] == "331000"
    assert (data["rows"][0]["value"], data["rows"][0]["growth"]) == (250, pytest.approx(0.25))
    everyone = get_json(taizhou["city_analyst"], "?indicator=value_added")  # the box unticked: all firms
    assert everyone["measure"]["above_scale"] is False
    assert {r["code"]: r["value"] for r in everyone["rows"][:2]} == {"331002": 650, "331082": 100}
    assert everyone["rows"][0]["url"].endswith("indicator=value_added&above_scale=0")


def test_the_chart_option_is_data_matched_to_the_served_boundaries(taizhou) -> None:
    data = get_json(taizhou["city_analyst"])
    option = data["option"]
    [series] = option["series"]
    assert series["type"] == "map" and series["map"] == data["boundaries"]["name"] == "ib-331000"
    by_name = {d["name"]: d for d in series["data"]}
    assert by_name["椒江区"] == {"name": "椒江区", "value": 150, "code": "331002",
                                "url": "/cockpit/map/?region=331002&indicator=value_added&above_scale=1"}  # fmt: skip
    legend = option["visualMap"]
    assert (legend["min"], legend["max"]) == (100, 150) and legend["formatter"] == "{value} 万元"
    # the served GeoJSON names each feature as the registry does, so the chart's names match by code
    served = client_for(taizhou["city_analyst"]).get(data["boundaries"]["url"]).json()
    names = {f["properties"]["code"]: f["properties"]["name"] for f in served["features"]}
    assert names["331002"] == "椒江区" and set(names) == set(TAIZHOU_COUNTIES)


def test_a_county_page_selects_the_county_and_lists_its_top_enterprises(taizhou) -> None:
    firms = taizhou["firms"]
    data = get_json(taizhou["linhai_analyst"])  # the top of their scope: 临海
    assert data["region"]["code"] == "331082" and data["selected"] == "331082"
    assert data["boundaries"]["key"] == "331000"  # drawn on 台州's map
    [only] = data["option"]["series"][0]["data"]  # no neighbour's value on a county user's screen
    assert only == {"name": "临海市", "value": 100, "code": "331082", "selected": True}
    assert (data["option"]["visualMap"]["min"], data["option"]["visualMap"]["max"]) == (0, 100)  # one value: from 0
    top = data["enterprises"]["rows"]
    assert [(r["rank"], r["name"], r["value"]) for r in top] == [(1, "乙", 70), (2, "甲", 30)]
    assert top[0]["url"] == f"/cockpit/enterprise/{firms['B'].uscc}/"
    page = client_for(taizhou["linhai_analyst"]).get("/cockpit/map/").content.decode()
    assert f'href="/cockpit/enterprise/{firms["B"].uscc}/"' in page and "临海市: 100.00 万元" in page


def test_the_page_lists_every_region_with_links_and_a_way_back_up(taizhou) -> None:
    page = client_for(taizhou["city_analyst"]).get("/cockpit/map/?region=331000").content.decode()
    assert 'href="/cockpit/map/?region=331002&amp;indicator=value_added&amp;above_scale=1"' in page
    assert page.count('class="num">150.00<') == 1 and 'class="num">50.0%<' in page
    assert 'data-geo-url="/cockpit/map/geo/331000.json?v=' in page and 'id="map-option"' in page
    assert "浙江省" in page and 'href="/cockpit/map/?region=330000' not in page  # the province: a name, not a link
    county = client_for(taizhou["city_analyst"]).get("/cockpit/map/?region=331082").content.decode()
    assert 'href="/cockpit/map/?region=331000&amp;indicator=value_added&amp;above_scale=1"' in county


def test_the_overview_links_to_the_map(taizhou) -> None:
    page = client_for(taizhou["city_analyst"]).get("/cockpit/").content.decode()
    assert 'href="/cockpit/map/?region=331000"' in page


# --- evaluation mode --------------------------------------------------------------------------------------
GOALPOSTS = {  # the shipped digital_economy_index's (low, high) per indicator
    "fiveg_per_10k": (0, 80), "gigabit_share": (0, 0.6), "de_core_va_share": (0, 0.3),
    "de_manufacturing_growth": (-0.1, 0.3), "software_revenue": (0, 200), "industrial_cloud_rate": (0, 1),
    "industrial_nc_rate": (0, 1), "smart_factories": (0, 60), "online_retail_share": (0, 0.8),
    "cross_border_ecommerce": (0, 150), "gov_online_rate": (0.5, 1), "mobile_internet_per_100": (50, 150),
}  # fmt: skip


def index_run(user, year: int, places: dict[str, float]):
    rows = []
    for code, f in places.items():
        region = Region.objects.get(code=code)
        values = {k: low + f * (high - low) for k, (low, high) in GOALPOSTS.items()}
        rows.append({"code": code, "name": region.name, "city": region.parent_id, **values})
    spec = operations.current_spec("digital_economy_index")
    province = Region.objects.get(code="330000")
    return operations.run_evaluation(spec, province, year, user, data=pd.DataFrame(rows), with_uncertainty=False)


@pytest.fixture
def scored(taizhou) -> dict:
    """2025: 临海 30, 椒江 60, 上城 90; 2024: 临海 20."""
    index_run(taizhou["province_admin"], 2024, {"331082": 0.2, "331002": 0.6})
    run = index_run(taizhou["province_admin"], 2025, {"331082": 0.3, "331002": 0.6, "330102": 0.9})
    return {**taizhou, "run": run}


def test_an_evaluation_shows_all_counties_on_the_province_map(scored, vendor: Path) -> None:
    for city in children("330000"):
        write_boundaries(vendor, city, children(city))
    data = get_json(scored["province_admin"], "?evaluation=digital_economy_index")
    assert data["mode"] == "evaluation" and data["period"] == "2025" and data["period_label"] == "2025年"
    assert (
        data["measure"]["run"]["id"] == scored["run"].pk and data["measure"]["unit"] == "分"
    )  # points, in the default 简体中文
    rows = data["rows"]
    assert len(rows) == 90 and data["boundaries"]["key"] == "330000-counties"
    top = [(r["name"], r["value"], r["rank"]) for r in rows[:3]]
    assert top == [("上城区", pytest.approx(90), 1), ("椒江区", pytest.approx(60), 2), ("临海市", pytest.approx(30), 3)]
    assert rows[2]["change"] == pytest.approx(10) and rows[1]["change"] == pytest.approx(0)  # vs 2024's run
    assert rows[0]["change"] is None  # 上城 was not in 2024's run
    assert rows[0]["url"] == "/cockpit/map/?region=330102&evaluation=digital_economy_index"
    assert data["boundaries"]["available"] and data["boundaries"]["no_boundary"] == []
    assert {"code": "digital_economy_index", "name": "数字经济发展综合评价指数"} in data["choices"]["evaluations"]


def test_a_county_user_sees_the_evaluation_among_its_neighbours_without_links(scored) -> None:
    data = get_json(scored["linhai_analyst"], "?evaluation=digital_economy_index")
    assert [(r["code"], r["rank"], r["selected"]) for r in data["rows"][:2]] == [
        ("331002", 1, False),
        ("331082", 2, True),
    ]
    assert all(r["url"] is None for r in data["rows"]) and data["enterprises"] is None
    older = get_json(scored["linhai_analyst"], "?evaluation=digital_economy_index&period=2024")
    assert older["measure"]["run"]["period"] == "2024" and older["rows"][1]["value"] == pytest.approx(20)


def test_questions_the_map_cannot_answer_are_a_clear_400(scored) -> None:
    client = client_for(scored["city_analyst"], "en")
    enterprise_spec = client.get("/cockpit/map.json?evaluation=mu_efficiency")
    assert enterprise_spec.status_code == 400 and "evaluates enterprises" in enterprise_spec.content.decode()
    assert client.get("/cockpit/map.json?indicator=no_such").status_code == 400
    assert client.get("/cockpit/map.json?indicator=value_added&period=sometime").status_code == 400
    assert client.get("/cockpit/map.json?evaluation=no_such").status_code == 400


# --- scope, cache, boundaries -----------------------------------------------------------------------------
def test_it_answers_only_for_regions_in_scope(taizhou) -> None:
    assert client_for(taizhou["linhai_analyst"]).get("/cockpit/map/?region=331002").status_code == 403
    assert client_for(taizhou["linhai_analyst"]).get("/cockpit/map.json?region=331000").status_code == 403
    assert client_for(taizhou["enterprise_user"]).get("/cockpit/map/").status_code == 403
    assert client_for(taizhou["park_analyst"]).get("/cockpit/map.json").status_code == 403
    assert client_for(taizhou["unscoped"]).get("/cockpit/map/").status_code == 403
    assert Client().get("/cockpit/map.json").status_code == 302  # to the login page
    assert client_for(taizhou["city_analyst"]).get("/cockpit/map/?format=json").json()["region"]["code"] == "331000"


def test_a_repeat_is_a_cache_hit_until_new_data_lands(taizhou, monkeypatch: pytest.MonkeyPatch) -> None:
    built = []
    original = choropleth.build
    monkeypatch.setattr(choropleth, "build", lambda *args: built.append(args) or original(*args))
    client = client_for(taizhou["city_analyst"])
    first = client.get("/cockpit/map.json").json()
    assert client.get("/cockpit/map.json").json() == first and len(built) == 1
    assert client.get("/cockpit/map/").status_code == 200 and len(built) == 1  # the page reads the same context
    land(
        taizhou["province_admin"],
        f"uscc,indicator,period,value\n{taizhou['firms']['A'].uscc},value_added,2025年1—2月,40",
    )
    again = client.get("/cockpit/map.json").json()
    assert len(built) == 2 and again["rows"][1]["value"] == 110  # a new data version is shown at once


def test_without_boundary_files_the_page_still_lists_every_value(taizhou, vendor: Path) -> None:
    for path in (vendor / "geo").iterdir():
        path.unlink()
    data = get_json(taizhou["city_analyst"])
    assert data["boundaries"]["available"] is False and data["boundaries"]["url"] is None
    assert len(data["rows"]) == 9 and data["rows"][0]["value"] == 150
    assert data["option"]["visualMap"]["max"] == 150  # the legend's data is there for when the files are
    page = client_for(taizhou["city_analyst"], "en").get("/cockpit/map/").content.decode()
    assert "map boundaries are not installed" in page and 'id="map-option"' not in page and "椒江区" in page
    assert client_for(taizhou["city_analyst"]).get("/cockpit/map/geo/331000.json").status_code == 404


def test_pre_2021_hangzhou_boundaries_leave_linping_and_qiantang_listed_not_drawn(taizhou, vendor: Path) -> None:
    """A package of the old vintage (下城 330103 and 江干 330104, no 临平 or 钱塘): the two new districts stay in
    the list and are named as lacking a boundary; the retired codes' shapes get no data."""
    old = ["330102", "330103", "330104", "330105", "330106", "330108", "330109", "330110", "330111", "330112",
           "330122", "330127", "330182"]  # fmt: skip
    write_boundaries(vendor, "330100", old)
    data = get_json(taizhou["province_admin"], "?region=330100")
    assert len(data["rows"]) == 13  # the registry's current 13 districts and counties, none dropped
    assert data["boundaries"]["no_boundary"] == [
        {"code": "330113", "name": "临平区"},
        {"code": "330114", "name": "钱塘区"},
    ]
    drawn = {d["code"] for d in data["option"]["series"][0]["data"]}
    assert drawn == set(old) - {"330103", "330104"}  # current codes only; 下城/江干 shapes stay without data
    page = client_for(taizhou["province_admin"], "en").get("/cockpit/map/?region=330100").content.decode()
    assert "no boundary in the installed map package" in page and "临平区 (330113)" in page


def test_every_current_city_and_county_is_drawn_or_listed_as_without_boundary(taizhou, vendor: Path) -> None:
    write_boundaries(vendor, "330100", ["330102", "330105", "330106", "330108"])  # a package missing some
    for city in children("330000"):
        data = choropleth.build(
            Region.objects.get(code=city), choropleth.Choice("value_added"), taizhou["city_analyst"]
        )
        if not data["boundaries"]["available"]:
            continue  # no file for this city in this test: only the list is shown
        listed = {r["code"] for r in data["boundaries"]["no_boundary"]}
        drawn = {d["code"] for d in data["option"]["series"][0]["data"]}
        assert drawn | listed == set(children(city)) and not drawn & listed


@pytest.mark.skipif(not assets.geo_file("330000").is_file(), reason="boundaries not installed (`industrybrain assets`)")
def test_the_installed_package_draws_every_zhejiang_city_and_county(db) -> None:
    """The real files (post-2021 vintage): no region of the registry lacks a boundary."""
    assert geo.codes("330000") == frozenset(children("330000"))
    counties = set(Region.objects.filter(level="county", path__startswith="330000/").values_list("code", flat=True))
    assert len(counties) == 90 and geo.codes("330000-counties") == frozenset(counties)
    assert {"330113", "330114"} <= counties and not {"330103", "330104"} & geo.codes("330000-counties")
