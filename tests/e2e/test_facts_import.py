"""The data hub's import page with the demo's two sample files: the bad one gets a row-level report and lands
nothing, the good one is checked, confirmed, lands as a batch, and the cockpit shows the new month at once
(issue 6: "import a file with errors then a good one"; DESIGN §5)."""

from __future__ import annotations

import re

import pytest

from .support import column, expect

pytestmark = pytest.mark.e2e
CHANGES_DATA = True  # it lands a month of figures the other journeys' pages would show: run it last

MONTH = "2026年1—11月"  # the sample files' period, one month after the demo's last


def batches(page) -> list[str]:
    page.goto("/datahub/imports/")
    return column(page.locator("main table").last, "文件")


def check(page, path) -> dict:
    page.goto("/datahub/imports/")
    page.locator("main input[type=file]").set_input_files(path)
    page.get_by_role("button", name="校验文件").click()
    expect(page).to_have_url(re.compile(r"/datahub/imports/check/\w+/$"))
    expect(page.locator("main h1")).to_have_text(f"{path.name} 校验结果")
    answer = page.request.get(page.url.rstrip("/") + ".json")  # the same report, as JSON
    assert answer.ok
    return answer.json()["report"]


def test_a_file_with_errors_lands_nothing_and_a_good_one_lands(site, page_as) -> None:
    files = site.data_dir / "demo-files"
    page = page_as("county_analyst")
    before = batches(page)
    assert before and "good-2026-11.csv" not in before

    report = check(page, files / "bad-2026-11.csv")
    table = page.locator("main table").last
    expect(table.locator("tbody tr").first).to_be_visible()
    rows = column(table, "行")
    assert set(rows) == {"3", "4", "5", "6"}  # every row but the first has a problem
    reasons = " ".join(column(table, "原因"))
    for reason in ("不是有效的统一社会信用代码", "不是数字", "低于该指标的有效范围", "重复"):
        assert reason in reasons
    assert "lots" in column(table, "值")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    # the bad USCC once at its own cell, "lots", -4, and the repeated row's three values
    assert (report["ok"], report["error_count"]) == (False, 6)
    site.shot(page, "facts-import-errors")
    assert batches(page) == before  # nothing landed

    report = check(page, files / "good-2026-11.csv")
    assert (report["ok"], report["new"], report["changed"]) == (True, 15, 0)
    site.shot(page, "facts-import-checked")
    page.get_by_role("button", name="确认导入").click()
    expect(page).to_have_url(re.compile(r"/datahub/batches/\d+/$"))
    expect(page.locator("main h1")).to_contain_text("good-2026-11.csv")
    expect(page.locator(".messages")).to_contain_text("good-2026-11.csv")
    site.shot(page, "facts-import-landed")
    after = batches(page)
    assert len(after) == len(before) + 1 and "good-2026-11.csv" in after

    page.goto("/cockpit/")  # a new data version shows at once
    expect(page.locator("#card-value_added")).to_contain_text(MONTH)
