"""The cockpit map, drilled down by clicking it as a leader would: 浙江省 → 台州市 → 临海市 → an enterprise's
360° page (issue 6: "drill down the map to a county and an enterprise")."""

from __future__ import annotations

import re

import pytest

from .support import LAPTOP, PROVINCE_ANALYST, expect

pytestmark = pytest.mark.e2e

MAP = ".chart[data-geo-name]"
CITIES = 11  # 浙江's prefecture-level cities
TAIZHOU_PARTS = 9  # 台州市's districts and counties


def drawn_map(page):
    """The map's ECharts canvas, once the boundaries are loaded and the chart is drawn."""
    page.wait_for_function(f"() => document.querySelector('{MAP}')?._chart")
    canvas = page.locator(f"{MAP} canvas").first
    expect(canvas).to_be_visible()
    return canvas


def click_on_map(page, name: str) -> None:
    """Click the middle of the region `name` on the drawn map (the chart follows the item's link)."""
    canvas = drawn_map(page)
    x, y = page.evaluate(
        f"name => document.querySelector('{MAP}')._chart.convertToPixel({{seriesIndex: 0}}, name)", name
    )
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def ranked(page) -> list[str]:
    return [text.strip() for text in page.locator("main table tbody tr td:nth-child(2)").all_inner_texts()]


def test_the_map_drills_down_from_the_province_to_an_enterprise(site, page_as) -> None:
    page = page_as(PROVINCE_ANALYST)
    page.goto("/cockpit/map/")
    expect(page.locator("main h1")).to_contain_text("浙江省")
    drawn_map(page)
    names = ranked(page)
    assert len(names) == CITIES and "台州市" in names and "杭州市" in names
    assert ranked(page)[0] == "台州市"  # the only city of the county demo with statistics ranks first
    site.shot(page, "cockpit-map-province", sizes=(page.viewport_size, LAPTOP), settle_ms=1200)

    click_on_map(page, "台州市")
    expect(page).to_have_url(re.compile(r"[?&]region=331000\b"))
    expect(page.locator("main h1")).to_contain_text("台州市")
    expect(page.locator("main .crumbs").get_by_role("link", name="浙江省")).to_be_visible()  # the way back up
    drawn_map(page)
    names = ranked(page)
    assert len(names) == TAIZHOU_PARTS and names[0] == "临海市"
    site.shot(page, "cockpit-map-city", settle_ms=1200)

    click_on_map(page, "临海市")
    expect(page).to_have_url(re.compile(r"[?&]region=331082\b"))
    expect(page.locator("main h1")).to_contain_text("临海市")
    crumbs = page.locator("main .crumbs")
    expect(crumbs.get_by_role("link", name="台州市")).to_be_visible()
    drawn_map(page)
    rows = page.locator("main table tbody tr")  # a county lists its top enterprises
    expect(rows).to_have_count(10)
    first = rows.first.locator("a").first
    name = first.inner_text().strip()
    assert name.startswith("临海")
    site.shot(page, "cockpit-map-county", settle_ms=1200)

    first.click()
    expect(page).to_have_url(re.compile(r"/cockpit/enterprise/91331082[0-9A-Z]{10}/$"))
    expect(page.locator("main h1")).to_contain_text(name)


def test_the_map_shows_an_evaluation_score(site, page_as) -> None:
    page = page_as(PROVINCE_ANALYST)
    page.goto("/cockpit/map/?region=331000")
    form = page.locator("main form").filter(has=page.locator("#map-evaluation"))
    form.locator("#map-evaluation").select_option(label="数字经济发展综合评价指数")
    form.get_by_role("button").click()
    expect(page.locator("main h1")).to_contain_text("数字经济发展综合评价指数")
    drawn_map(page)
    scores = page.locator("main table tbody tr td:nth-child(3)").all_inner_texts()
    assert len(scores) == TAIZHOU_PARTS and all(re.search(r"\d", s) for s in scores)  # every county is scored
    site.shot(page, "cockpit-map-evaluation", settle_ms=1200)


def test_a_county_user_cannot_climb_above_the_county(page_as) -> None:
    page = page_as("county_analyst")
    page.goto("/cockpit/map/")
    expect(page.locator("main h1")).to_contain_text("临海市")
    expect(page.locator("main .crumbs").get_by_role("link")).to_have_count(0)  # 浙江省 › 台州市 named, not linked
    assert page.goto("/cockpit/map/?region=331000").status == 403
