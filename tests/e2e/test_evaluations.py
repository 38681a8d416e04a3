"""The evaluations' rankings: from the latest runs to the 亩均效益 ranking with its rank changes and grade
distribution, filtered to one grade, sorted by score, and on to one enterprise's explained grade."""

from __future__ import annotations

import re

import pytest

from .support import LAPTOP, column, expect

pytestmark = pytest.mark.e2e

MU = "工业企业亩均效益综合评价"


def test_the_mu_ranking_filters_sorts_and_explains(site, page_as) -> None:
    page = page_as("county_analyst")
    page.goto("/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="综合评价").click()
    latest = page.locator("main table").first
    expect(latest.get_by_role("link", name=MU)).to_be_visible()
    latest.get_by_role("link", name=MU).click()
    expect(page).to_have_url(re.compile(r"/evaluations/runs/\d+/$"))
    expect(page.locator("main h1")).to_have_text(f"{MU} · 2025 · 临海市")
    page.wait_for_function("() => document.querySelector('.chart[data-option-id] canvas')")  # the distribution

    ranking = page.locator("section[aria-labelledby=ranking-heading]")
    table = ranking.locator("table")
    expect(table.locator("tbody tr").first).to_be_visible()
    assert column(table, "排名")[0] == "1"
    changes = column(table, "与上次评价相比")
    assert changes and all(re.fullmatch(r"[▲▼]\d+|—|new|新增", c) for c in changes)  # against the 2024 run
    site.shot(page, "evaluation-ranking", sizes=(page.viewport_size, LAPTOP), settle_ms=1200)

    ranking.get_by_label("等级").select_option(label="D 倒逼整治类")
    ranking.get_by_role("button", name="筛选").click()
    expect(table.locator("tbody tr td").last).to_have_text("D 倒逼整治类")
    assert set(column(table, "等级")) == {"D 倒逼整治类"}

    table.locator("thead").get_by_role("link", name="得分").click()  # sorts, keeping the filter
    expect(table.locator("thead th[aria-sort=descending]")).to_contain_text("得分")
    scores = [float(s.replace(",", "")) for s in column(table, "得分")]
    assert scores == sorted(scores, reverse=True)
    assert set(column(table, "等级")) == {"D 倒逼整治类"}

    name = column(table, "名称")[0]
    table.get_by_role("link", name=name).first.click()
    expect(page).to_have_url(re.compile(r"/evaluations/runs/\d+/91331082[0-9A-Z]{10}/$"))
    expect(page.locator("main h1")).to_contain_text(name)
    expect(page.locator("main")).to_contain_text("倒逼整治类")  # its grade, D
    site.shot(page, "evaluation-enterprise-d-grade", settle_ms=1200)
