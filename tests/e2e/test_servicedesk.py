"""The closed loop in the browser: the enterprise files a request, the rule for its category routes it to
经信局 on arrival, that department's clerk signs, answers and closes it, and the enterprise sees the answer and
rates it (issue 6: "file a request as an enterprise and close it as a clerk")."""

from __future__ import annotations

import re
import time

import pytest

from .support import LAPTOP, expect

pytestmark = pytest.mark.e2e

CATEGORY = "policy"  # 政策咨询: routed to the county's 经信局 (servicedesk/demo_topics.py ROUTES)
LEAD = "临海市经济和信息化局"  # the department of the demo's department_clerk
NUMBER = re.compile(r"/servicedesk/([A-Z0-9][A-Z0-9-]+)/$")


def badge(page):
    return page.locator("main h1 .badge")


def timeline(page) -> list[str]:
    return [text.strip() for text in page.locator("ol.sd-timeline li b").all_inner_texts()]


def fact(page, term: str):
    """The <dd> beside the <dt> named `term` in the request's facts."""
    return page.locator(f"dl.facts dt:text-is('{term}') + dd")


def act(page, action: str):
    return page.locator(f"#act-{action}")


def file_request(page, title: str) -> str:
    page.goto("/servicedesk/new/")
    expect(page.locator("main h1")).to_have_text("提交诉求")
    page.locator("#category").select_option(CATEGORY)
    page.get_by_role("button", name="继续").click()
    form = page.locator("form.card")
    expect(form.locator("h2")).to_have_text("政策咨询")
    form.get_by_role("button", name="提交诉求").click()  # empty: the browser asks for the required fields
    assert form.locator("#id_title").evaluate("field => field.validity.valueMissing")
    expect(page).to_have_url(re.compile(r"/servicedesk/new/\?category=policy$"))
    form.locator("#id_title").fill(title)
    form.locator("#id_description").fill(
        "我司今年完成智能化技术改造，想了解可以申报哪些技改补贴政策、需要准备哪些材料。"
    )
    form.locator("#id_contact_name").fill("王经理")
    form.locator("#id_contact_phone").fill("13800000000")
    form.get_by_role("button", name="提交诉求").click()
    expect(page).to_have_url(NUMBER)
    number = NUMBER.search(page.url).group(1)
    expect(page.locator(".messages")).to_contain_text(f"诉求 {number} 已提交")
    return number


def test_an_enterprise_files_a_request_and_the_clerk_closes_it(site, page_as) -> None:
    title = f"技改补贴政策咨询 {time.strftime('%H%M%S')}"
    enterprise = page_as("enterprise_user")
    number = file_request(enterprise, title)
    expect(enterprise.locator("main h1")).to_contain_text(title)
    expect(badge(enterprise)).to_have_text("已交办")  # routed on arrival: a rule names the lead department
    expect(fact(enterprise, "牵头部门")).to_contain_text(LEAD)
    expect(fact(enterprise, "诉求类别")).to_have_text("政策咨询")
    assert timeline(enterprise) == ["提交", "交办"]
    expect(act(enterprise, "sign")).to_have_count(0)  # not the enterprise's to sign
    site.shot(enterprise, "servicedesk-filed")

    other = page_as("commerce_clerk")  # another department learns nothing of it
    assert other.goto(f"/servicedesk/{number}/").status == 404

    clerk = page_as("department_clerk")
    clerk.goto(f"/servicedesk/?q={number}")
    row = clerk.locator("main table tbody tr", has_text=number)
    expect(row).to_contain_text("已交办")
    row.get_by_role("link", name=number).click()
    expect(badge(clerk)).to_have_text("已交办")
    expect(fact(clerk, "牵头部门")).to_contain_text("签收")  # "to sign by …"
    site.shot(clerk, "servicedesk-clerk-to-sign", sizes=(clerk.viewport_size, LAPTOP))

    act(clerk, "sign").get_by_role("button").click()
    expect(badge(clerk)).to_have_text("办理中")
    answer = "经核实，贵司符合技改补贴申报条件，请于本月底前通过政务服务网提交项目备案表和设备发票。"
    act(clerk, "answer").locator("textarea").fill(answer)
    act(clerk, "answer").get_by_role("button").click()
    expect(badge(clerk)).to_have_text("已反馈")
    expect(fact(clerk, "答复")).to_contain_text(answer)
    act(clerk, "close").get_by_role("button").click()
    expect(badge(clerk)).to_have_text("已办结")
    expect(fact(clerk, "办理时限")).to_contain_text("按时答复")
    assert timeline(clerk) == ["提交", "交办", "签收", "答复", "办结"]
    expect(act(clerk, "rate")).to_have_count(0)
    site.shot(clerk, "servicedesk-closed")

    enterprise.reload()
    expect(badge(enterprise)).to_have_text("已办结")
    expect(fact(enterprise, "答复")).to_contain_text(answer)
    rate = act(enterprise, "rate")
    rate.get_by_label("满意", exact=True).check()
    rate.locator("textarea").fill("答复及时，谢谢。")
    rate.get_by_role("button").click()
    expect(badge(enterprise)).to_have_text("已评价")
    expect(fact(enterprise, "评价")).to_contain_text("满意")
    assert timeline(enterprise)[-1] == "评价"
    site.shot(enterprise, "servicedesk-rated")
