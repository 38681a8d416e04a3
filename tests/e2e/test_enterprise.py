"""The enterprise 360° page: registry record, key figures with growth, grades, requests and monthly trend charts
on one page, for the analysts of its region and for the enterprise itself, and for no other enterprise."""

from __future__ import annotations

import re

import pytest

from .support import LAPTOP, expect

pytestmark = pytest.mark.e2e

GRADE = re.compile(r"\b[ABCD]\b")  # 亩均效益 classes


def open_360(page, uscc: str, name: str):
    answer = page.goto(f"/cockpit/enterprise/{uscc}/")
    assert answer is not None and answer.status == 200
    expect(page.locator("main h1")).to_contain_text(name)
    expect(page.locator("main")).to_contain_text(uscc)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.chart[data-option-id]')].every(c => c.querySelector('canvas'))"
    )
    return page


def test_an_analyst_sees_an_enterprise_in_360_degrees(site, page_as) -> None:
    uscc, name = site.enterprise_of("enterprise_user")
    page = open_360(page_as("county_analyst"), uscc, name)
    registry = page.locator("section[aria-labelledby=e360-registry]")
    expect(registry).to_contain_text("临海市 (331082)")
    figures = page.locator("section[aria-labelledby=e360-figures] article")
    expect(figures.first).to_be_visible()
    assert figures.count() >= 4
    expect(figures.filter(has_text="工业增加值").locator("p").first).to_have_text(re.compile(r"\d"))
    expect(figures.filter(has_text="同比").first).to_be_visible()
    mu = figures.filter(has_text="亩均效益")
    expect(mu.locator("p").first).to_have_text(GRADE)
    expect(mu.get_by_role("link")).to_have_attribute("href", re.compile(rf"^/evaluations/runs/\d+/{uscc}/$"))
    charts = page.locator("section[aria-labelledby=e360-trends] .chart canvas")
    expect(charts.first).to_be_visible()
    expect(page.locator("section[aria-labelledby=e360-grades] table tbody tr").first).to_be_visible()
    site.shot(page, "cockpit-enterprise", sizes=(page.viewport_size, LAPTOP), settle_ms=1200)
    site.shot(page, "cockpit-enterprise", full_page=True)

    mu.get_by_role("link").click()  # the grade, explained
    expect(page).to_have_url(re.compile(rf"/evaluations/runs/\d+/{uscc}/$"))
    expect(page.locator("main h1")).to_contain_text(name)
    expect(page.locator("main")).to_contain_text(GRADE)
    site.shot(page, "evaluation-enterprise-grade")


def test_an_enterprise_sees_its_own_360_page_and_no_other(site, page_as) -> None:
    uscc, name = site.enterprise_of("enterprise_user")
    page = open_360(page_as("enterprise_user"), uscc, name)
    requests = page.locator("section[aria-labelledby=e360-figures] article").last
    expect(requests.locator("p").first).to_have_text(re.compile(r"^\d+$"))
    ((other,),) = site.query("SELECT uscc FROM registry_enterprise WHERE uscc != ? ORDER BY uscc LIMIT 1", uscc)
    assert page.goto(f"/cockpit/enterprise/{other}/").status == 404  # not even its existence
