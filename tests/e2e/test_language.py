"""简体中文 by default; the header's language switch turns every page to English, and back."""

from __future__ import annotations

import re

import pytest

from .support import expect

pytestmark = pytest.mark.e2e


def switch(page, code: str) -> None:
    page.locator("header #language").select_option(code)  # submits the form on change
    expect(page.locator("html")).to_have_attribute("lang", code)


def test_the_language_switch_turns_the_pages_to_english_and_back(site, page_as) -> None:
    page = page_as("county_analyst")
    page.goto("/cockpit/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("main h1")).to_have_text("驾驶舱 · 临海市")

    switch(page, "en")
    expect(page).to_have_url(re.compile(r"/cockpit/$"))  # back on the page it was switched on
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Service desk")).to_be_visible()
    expect(page.locator("main h1")).to_have_text("Cockpit · 临海市")  # names stay as registered
    expect(page.locator("#card-value_added")).to_contain_text("year on year")
    expect(page.get_by_role("region", name="Targets")).to_be_visible()
    site.shot(page, "cockpit-overview-en")

    nav.get_by_role("link", name="Service desk").click()  # the choice holds from page to page
    expect(page.locator("main h1")).to_contain_text("Service desk")
    expect(page.locator("main table thead")).to_contain_text("Lead department")

    switch(page, "zh-hans")
    expect(page.locator("main h1")).to_contain_text("企业诉求")
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="驾驶舱")).to_be_visible()


def test_the_cockpit_cards_follow_the_language(page_as) -> None:
    page = page_as("county_analyst")
    page.goto("/cockpit/")  # built (and cached) in 简体中文
    expect(page.locator("#card-value_added h2")).to_have_text("规上工业增加值")
    switch(page, "en")
    expect(page.locator("#card-value_added h2")).to_have_text("Value added above designated size", timeout=2_000)
    switch(page, "zh-hans")
