"""Every persona of the demo signs in through the form and lands where their role starts; the cockpit overview
shows its KPI cards to everyone with a region, and refuses the enterprise user, who sees their own enterprise
and their own requests."""

from __future__ import annotations

import re

import pytest

from .support import LAPTOP, PERSONAS, expect

pytestmark = pytest.mark.e2e

CARDS = ("value_added", "de_core_value_added", "tax_per_mu", "requests_on_time")  # cockpit/overview.py
NUMBER = re.compile(r"\d")
COUNTY = "临海市"
SHOWCASE = "临海通中装备有限公司"  # the enterprise user's enterprise (registry/demo.py)


def test_the_personas_are_the_demo_users(site) -> None:
    demo = (site.data_dir / "demo.json").read_text()
    assert all(f'"{username}"' in demo for username in PERSONAS)


@pytest.mark.parametrize("username", [p for p in PERSONAS if p != "enterprise_user"])
def test_it_signs_in_and_shows_the_cockpit_overview(site, page_as, username) -> None:
    page = page_as(None)
    site.login(page, username)
    expect(page.locator("main h1")).to_contain_text(COUNTY)  # the top of the user's scope
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="驾驶舱").click()
    expect(page).to_have_url(re.compile(r"/cockpit/$"))
    expect(page.locator("main h1")).to_have_text(f"驾驶舱 · {COUNTY}")
    expect(page.locator("main")).to_contain_text("数据截至")
    for key in CARDS:
        card = page.locator(f"#card-{key}")
        expect(card.locator("h2")).not_to_be_empty()
        expect(card.locator(".figure")).to_have_text(NUMBER)  # a figure, not "—"
    expect(page.locator("#card-value_added")).to_contain_text("同比")
    expect(page.locator("#card-value_added svg.sparkline polyline")).to_have_count(1)
    expect(page.locator("#card-de_core_value_added")).to_contain_text("占比")
    expect(page.get_by_role("region", name="目标")).to_contain_text("工业增加值")
    expect(page.get_by_role("region", name="目标").locator("progress")).to_have_count(2)  # the demo's two targets
    if username == "demo_analyst":
        site.shot(page, "cockpit-overview", sizes=(page.viewport_size, LAPTOP))


def test_the_cockpit_overview_answers_as_json(page_as) -> None:
    page = page_as("county_analyst")
    answer = page.request.get("/cockpit.json")
    assert answer.ok
    data = answer.json()
    assert {c["key"] for c in data["cards"]} >= set(CARDS)
    assert data["region"]["name"] == COUNTY


def test_the_enterprise_user_sees_their_enterprise_and_desk_but_not_the_cockpit(site, page_as) -> None:
    page = page_as(None)
    site.login(page, "enterprise_user")
    expect(page.locator("main h1")).to_have_text(SHOWCASE)  # an enterprise user starts at their enterprise
    expect(page).to_have_url(re.compile(r"/enterprises/91[0-9A-Z]{16}/$"))
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="驾驶舱")).to_have_count(0)
    expect(nav.get_by_role("link", name="导入", exact=True)).to_have_count(0)
    site.shot(page, "enterprise-user-home")

    refused = page.goto("/cockpit/")
    assert refused is not None and refused.status == 403
    expect(page.locator("main h1")).to_have_text("无权访问")  # the 403 page, with the view's reason
    expect(page.locator("main")).to_contain_text("驾驶舱")
    site.shot(page, "enterprise-user-cockpit-refused")
    assert page.request.get("/cockpit.json").status == 403

    page.goto("/servicedesk/")
    expect(page.locator("main h1")).to_contain_text("企业诉求")
    rows = page.locator("main table tbody tr")
    expect(rows.first).to_be_visible()
    enterprises = {text.strip() for text in rows.locator("td:nth-child(3)").all_inner_texts()}
    assert enterprises == {SHOWCASE}  # only its own requests
    expect(page.get_by_role("link", name="提交诉求")).to_be_visible()


def test_the_big_screen_switch_is_kept_per_browser(site, page_as) -> None:
    page = page_as("demo_analyst")
    page.goto("/cockpit/")
    switch = page.locator("header #big-screen")
    expect(switch).to_have_attribute("aria-pressed", "false")
    switch.click()
    expect(page.locator("html")).to_have_class(re.compile(r"\bbig\b"))
    expect(switch).to_have_attribute("aria-pressed", "true")
    page.reload()  # kept in the browser, applied before the first paint
    expect(page.locator("html")).to_have_class(re.compile(r"\bbig\b"))
    expect(page.locator("#card-value_added .figure")).to_have_text(NUMBER)
    site.shot(page, "cockpit-overview-big-screen")
    page.locator("header #big-screen").click()
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bbig\b"))


def test_the_keyboard_reaches_the_content_first(page_as) -> None:
    page = page_as("county_analyst")
    page.goto("/cockpit/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_attribute("href", "#main")  # the first tab stop skips the header
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
