"""The registry's import page: a file with errors gets a row-level report and changes nothing; a good file is
checked (dry run), confirmed and lands (issue 6: "import a file with errors then a good one"; DESIGN §5)."""

from __future__ import annotations

import pytest

from industrybrain.registry.uscc import make_uscc

from .support import expect

pytestmark = pytest.mark.e2e

HEADER = "uscc,name,region,park,industry,is_above_scale,land_area_mu,employees"
NEW = make_uscc("9", "1", "331082", "MAE2E001")
SECOND = make_uscc("9", "1", "331082", "MAE2E002")
THIRD = make_uscc("9", "1", "331082", "MAE2E003")
BAD_CHECK = THIRD[:-1] + ("1" if THIRD.endswith("0") else "0")  # the check character no longer checks


def good_file() -> bytes:
    return (
        f"{HEADER}\n"
        f"{NEW},临海市端到端新材料有限公司,331082,331082-P01,2929,是,12.5,40\n"
        f"{SECOND},临海市端到端眼镜有限公司,331082,,3587,否,,8\n"
    ).encode()


def bad_file() -> bytes:
    return (
        f"{HEADER}\n"
        f"{NEW},临海市端到端新材料有限公司,331082,331082-P01,2929,是,12.5,40\n"
        f"{BAD_CHECK},校验码错误有限公司,331082,,2929,否,1,1\n"
        f"{SECOND},行业不存在有限公司,331082,,9999,否,1,1\n"
    ).encode()


def check(page, name: str, content: bytes) -> None:
    page.get_by_label("文件内容").select_option("enterprises")
    page.locator("#id_file").set_input_files({"name": name, "mimeType": "text/csv", "buffer": content})
    page.get_by_role("button", name="校验文件").click()
    expect(page.locator("main h2").last).to_have_text(f"{name} 校验结果")


def test_a_file_with_errors_changes_nothing_and_a_good_one_lands(site, page_as) -> None:
    page = page_as("county_analyst")
    page.goto("/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="导入", exact=True).click()
    expect(page.locator("main h1")).to_contain_text("导入")

    check(page, "firms-bad.csv", bad_file())
    report = page.locator("main section.card").last
    expect(report.locator("p.error")).to_have_text("2 处错误：未导入任何数据。")
    rows = report.locator("table tbody tr")
    expect(rows).to_have_count(2)
    cells = [[c.strip() for c in row.locator("td").all_inner_texts()] for row in rows.all()]
    assert [(c[0], c[1], c[2], c[3]) for c in cells] == [
        ("firms-bad.csv", "3", "uscc", BAD_CHECK),
        ("firms-bad.csv", "4", "industry", "9999"),
    ]
    assert all(c[4] for c in cells)  # every error says why
    expect(report.get_by_role("button", name="确认导入")).to_have_count(0)
    site.shot(page, "registry-import-errors")
    assert page.request.get(f"/enterprises/{NEW}/").status == 404  # the good row did not land either

    check(page, "firms.csv", good_file())
    report = page.locator("main section.card").last
    expect(report).to_contain_text("将新增 2 条，更新 0 条，0 条无变化。")
    assert page.request.get(f"/enterprises/{NEW}/").status == 404  # a dry run
    site.shot(page, "registry-import-checked")
    report.get_by_role("button", name="确认导入").click()
    expect(page.locator(".messages")).to_contain_text("已导入 firms.csv：新增 2 条，更新 0 条，0 条无变化。")

    page.goto(f"/enterprises/{NEW}/")
    expect(page.locator("main h1")).to_have_text("临海市端到端新材料有限公司")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("临海经济开发区")
    expect(facts).to_contain_text(NEW)

    admin = page_as("demo_admin")  # the change log names who imported what
    admin.goto("/changes/")
    expect(admin.locator("main table")).to_contain_text("临海市端到端眼镜有限公司")
    expect(admin.locator("main table")).to_contain_text("county_analyst")
