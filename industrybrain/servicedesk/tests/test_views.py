"""The service-desk pages: each persona sees only its requests, filing and every action through the page forms,
refused actions shown and changing nothing, the board equal to `metrics()`, exports, languages, JSON."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from openpyxl import load_workbook

from industrybrain.servicedesk import operations as ops
from industrybrain.servicedesk import views
from industrybrain.servicedesk.choices import Status
from industrybrain.servicedesk.metrics import metrics
from industrybrain.servicedesk.models import Attachment, Category, Event, ServiceRequest

from .conftest import local

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def as_user(client: Client, user, language: str = "en") -> Client:
    client.force_login(user)
    if language == "en":
        english(client)
    return client


def file(desk, category: str = "tax_rebate", title: str = "出口退税迟迟未到账", at=None, firm: str = "linhai_firm"):
    user = desk["enterprise_user"] if firm == "linhai_firm" else desk["jiaojiang_supervisor"]
    new = ops.NewRequest(enterprise=desk[firm], category=Category.objects.get(code=category), title=title,
                         description="2025年第三季度退税申报已审核，款项未到账。")  # fmt: skip
    return ops.file_request(new, user, at=at)


def numbers(client: Client, **params: str) -> list[str]:
    response = client.get("/servicedesk/index.json", params)
    assert response.status_code == 200, response.content[:300]
    return [r["number"] for r in response.json()["requests"]]


def post(client: Client, request: ServiceRequest, action: str, **fields: str):
    data = {"action": action, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(f"/servicedesk/{request.number}/", data)


def reload(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.get(pk=request.pk)


# --- who sees what -------------------------------------------------------------------------------------------
def test_each_persona_sees_only_its_requests(people, client) -> None:
    linhai = file(people)  # routed to 临海市商务局
    jiaojiang = file(people, firm="jiaojiang_firm")  # no routing in 椒江: waits for its supervisors
    seen = {
        "enterprise_user": [linhai], "jiaojiang_user": [jiaojiang], "commerce_clerk": [linhai], "tax_clerk": [],
        "clerk": [], "supervisor": [linhai], "jiaojiang_supervisor": [jiaojiang],
        "city_supervisor": [jiaojiang, linhai], "province_admin": [jiaojiang, linhai], "linhai_analyst": [linhai],
        "park_analyst": [], "unscoped": [],
    }  # fmt: skip
    for persona, expected in seen.items():
        as_user(client, people[persona])
        assert sorted(numbers(client)) == sorted(r.number for r in expected), persona
        for request in (linhai, jiaojiang):
            status = 200 if request in expected else 404
            for url in (f"/servicedesk/{request.number}/", f"/servicedesk/{request.number}.json"):
                assert client.get(url).status_code == status, (persona, url)
            posted = post(client, request, "comment", text="hi").status_code
            assert posted in ((302, 403) if status == 200 else (404,)), (persona, posted)


def test_pages_need_a_sign_in(people, client) -> None:
    request = file(people)
    for url in ("/servicedesk/", "/servicedesk/index.json", "/servicedesk/new/", "/servicedesk/board/",
                f"/servicedesk/{request.number}/", "/servicedesk/export.xlsx", "/servicedesk/board/export.csv"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_a_clerk_sees_led_and_assisted_requests_once(people, client) -> None:
    request = file(people)
    ops.return_request(request, people["commerce_clerk"], "退税属于税务局职责")
    ops.dispatch(request, people["supervisor"], people["tax"], [(people["commerce"], "提供出口报关数据")])
    for clerk in ("tax_clerk", "commerce_clerk"):
        as_user(client, people[clerk])
        assert numbers(client) == [request.number], clerk
        assert client.get(f"/servicedesk/{request.number}/").status_code == 200


def test_attachments_are_downloaded_only_by_those_who_see_the_request(people, client) -> None:
    request = file(people)
    as_user(client, people["enterprise_user"])
    client.post(
        f"/servicedesk/{request.number}/", {"action": "attach", "attach-files": SimpleUploadedFile("报关单.pdf", PDF)}
    )
    attachment = Attachment.objects.get()
    url = f"/servicedesk/{request.number}/attachments/{attachment.pk}/"
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    for stranger in ("jiaojiang_user", "tax_clerk"):
        as_user(client, people[stranger])
        assert client.get(url).status_code == 404


# --- the queue ---------------------------------------------------------------------------------------------
@pytest.fixture
def queue(people) -> dict:
    now = timezone.now()
    late = file(people, title="逾期的诉求", at=now - dt.timedelta(days=30))
    later = file(people, title="正常办理")
    soon = file(people, category="policy", title="快到期的诉求")
    ServiceRequest.objects.filter(pk=soon.pk).update(deadline=now + dt.timedelta(hours=2))
    waiting = file(people, title="等待企业补充材料")
    ops.sign(waiting, people["commerce_clerk"])
    ops.suspend(waiting, people["commerce_clerk"], "请补充报关单")
    done = file(people, title="已办结")
    ops.sign(done, people["commerce_clerk"])
    ops.answer(done, people["commerce_clerk"], "已解决")
    ops.close(done, people["commerce_clerk"])
    return {**people, "late": late, "later": later, "soon": soon, "waiting": waiting, "done": done}


def test_the_queue_puts_overdue_first_then_the_nearest_deadline(queue, client) -> None:
    as_user(client, queue["supervisor"])
    found = numbers(client)
    assert found[:2] == [queue["late"].number, queue["soon"].number]
    assert found[-1] == queue["done"].number
    rows = {r["title"]: r for r in client.get("/servicedesk/index.json").json()["requests"]}
    assert (rows["逾期的诉求"]["overdue"], rows["快到期的诉求"]["due_soon"], rows["等待企业补充材料"]["suspended"]) == (
        True,
        True,
        True,
    )
    assert not rows["正常办理"]["overdue"] and not rows["正常办理"]["due_soon"]
    html = client.get("/servicedesk/").content.decode()
    assert html.count('class="badge sd-overdue">Overdue') == 1 and "Due soon" in html and "Clock stopped" in html
    as_user(client, queue["enterprise_user"])  # an enterprise sees its newest first
    assert numbers(client)[0] == queue["done"].number


def test_the_queue_filters(queue, client) -> None:
    as_user(client, queue["commerce_clerk"])
    assert numbers(client, overdue="on") == [queue["late"].number]
    assert numbers(client, status="suspended") == [queue["waiting"].number]
    assert queue["done"].number not in numbers(client, status="open")
    assert numbers(client, q="补充材料") == [queue["waiting"].number]
    assert numbers(client, q=queue["later"].number) == [queue["later"].number]
    assert len(numbers(client, q="恒达汽车")) == 4  # the enterprise's name; 政策咨询 goes to the other department
    assert numbers(client, category="policy") == []
    as_user(client, queue["supervisor"])
    assert numbers(client, category="policy") == [queue["soon"].number] == numbers(client, q="快到期")
    assert numbers(client, department="331082-JXJ") == [queue["soon"].number]
    body = client.get("/servicedesk/index.json", {"status": "nonsense"}).json()
    assert body["page"]["count"] == 5  # an invalid filter filters nothing


def test_the_queue_pages(queue, client, monkeypatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    as_user(client, queue["supervisor"])
    body = client.get("/servicedesk/index.json", {"page": "3"}).json()
    assert body["page"] == {"number": 3, "pages": 3, "count": 5} and len(body["requests"]) == 1
    html = client.get("/servicedesk/", {"status": "open", "page": "2"}).content.decode()
    assert "?status=open&amp;page=1" in html and "Page 2 of 2" in html


def test_queue_exports_follow_the_filters(queue, client) -> None:
    as_user(client, queue["supervisor"])
    response = client.get("/servicedesk/export.xlsx", {"status": "open"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    with translation.override("en"):
        assert list(rows[0]) == views._export_columns()
    assert rows[0][:3] == ("Number", "Received", "Enterprise")
    assert [r[0] for r in rows[1:]] == numbers(client, status="open") and rows[1][10] == "Yes"
    text = client.get("/servicedesk/export.csv", {"overdue": "on"}).content.decode("utf-8-sig").splitlines()
    assert text[0].startswith("Number,Received,Enterprise") and len(text) == 2 and queue["late"].number in text[1]
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)  # 简体中文 by default
    header = next(
        load_workbook(io.BytesIO(client.get("/servicedesk/export.xlsx").content)).active.iter_rows(values_only=True)
    )
    with translation.override("zh-hans"):
        assert list(header) == views._export_columns()


# --- filing --------------------------------------------------------------------------------------------------
def test_the_category_choice_reloads_the_form_with_its_attributes(people, client) -> None:
    Category.objects.create(code="all_kinds", group="other", name="样例", name_en="Sample", attributes=[
        {"code": "s", "name": "文字", "datatype": "string"}, {"code": "n", "name": "数字", "datatype": "number"},
        {"code": "t", "name": "长文", "datatype": "text"},
        {"code": "one", "name": "单选", "datatype": "singlevaluelist", "required": True, "values": [{"key": "a", "name": "甲"}, {"key": "b", "name": "乙"}]},
        {"code": "many", "name": "多选", "name_en": "Several", "datatype": "multivaluelist", "values": [{"key": "x", "name": "子"}, {"key": "y", "name": "丑"}]},
    ])  # fmt: skip
    as_user(client, people["enterprise_user"])
    html = client.get("/servicedesk/new/").content.decode()
    assert '<select id="category" name="category">' in html and 'name="title"' not in html
    html = client.get("/servicedesk/new/", {"category": "all_kinds"}).content.decode()
    assert '<input type="text" name="attr_s"' in html and 'type="number" name="attr_n"' in html
    assert (
        '<textarea name="attr_t"' in html
        and '<select name="attr_one"' in html
        and '<option value="b">乙</option>' in html
    )
    assert html.count('type="checkbox" name="attr_many"') == 2 and "<legend>Several</legend>" in html
    assert 'name="uscc"' not in html and 'name="channel"' not in html  # an enterprise files for itself, on the web
    assert 'type="file" name="attachments" multiple' in html


def test_an_enterprise_files_with_attributes_and_attachments(people, client) -> None:
    as_user(client, people["enterprise_user"])
    form = {"category": "permits", "title": "环评审批卡在两个部门之间", "description": "环评批复后规划许可迟迟不办。",
            "attr_permit_type": "environment", "attr_stuck_between": "生态环境局、自然资源局", "channel": "phone",
            "attachments": [SimpleUploadedFile("批复.pdf", PDF), SimpleUploadedFile("说明.txt", "补充说明".encode())]}  # fmt: skip
    response = client.post("/servicedesk/new/", form)
    request = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/servicedesk/{request.number}/"
    assert request.attributes == {"permit_type": "environment", "stuck_between": "生态环境局、自然资源局"}
    assert (request.channel, request.enterprise, request.registered_by) == (
        "web",
        people["linhai_firm"],
        people["enterprise_user"],
    )
    assert sorted(request.attachments.values_list("name", flat=True)) == ["批复.pdf", "说明.txt"]
    html = client.get(response["Location"]).content.decode()
    assert "环评审批卡在两个部门之间" in html and "批复.pdf" in html and "环评" in html and "Filed" in html


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"attr_permit_type": ""}, "This field is required."),
        ({"attr_permit_type": "bribery"}, "Select a valid choice."),
        ({"title": "  "}, "This field is required."),
        ({"attachments": SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00 not a pdf")}, "病毒.pdf: The content of the file is not a PDF file."),
        ({"attachments": SimpleUploadedFile("setup.exe", b"MZ")}, "setup.exe: Files of type .exe are not accepted"),
    ],
)  # fmt: skip
def test_errors_are_shown_on_the_form_and_nothing_is_filed(people, client, change, message) -> None:
    as_user(client, people["enterprise_user"])
    form = {
        "category": "permits",
        "title": "环评审批",
        "description": "说明",
        "attr_permit_type": "environment",
        **change,
    }
    response = client.post("/servicedesk/new/", form)
    html = response.content.decode()
    assert response.status_code == 400 and message in html and "Nothing was filed" in html
    assert not ServiceRequest.objects.exists() and not Attachment.objects.exists() and not Event.objects.exists()
    assert 'value="环评审批"' in html or change.get("title")  # what was typed is kept


def test_a_clerk_registers_a_hotline_request_by_uscc(people, client) -> None:
    as_user(client, people["commerce_clerk"])
    form = {"category": "tax_rebate", "uscc": people["jiaojiang_firm"].uscc, "channel": "12345", "title": "12345转来",
            "description": "企业来电反映退税问题。", "contact_name": "王经理", "contact_phone": "13800000000"}  # fmt: skip
    html = client.post("/servicedesk/new/", form).content.decode()
    assert "No enterprise of your region has this code." in html and not ServiceRequest.objects.exists()
    response = client.post("/servicedesk/new/", {**form, "uscc": people["linhai_firm"].uscc.lower()})
    request = ServiceRequest.objects.get()
    assert response.status_code == 302 and (request.channel, request.registered_by) == (
        "12345",
        people["commerce_clerk"],
    )
    assert (request.contact_name, request.lead_department) == ("王经理", people["commerce"])
    html = client.get("/servicedesk/new/", {"category": "policy"}).content.decode()
    assert '<option value="phone">Telephone</option>' in html and 'value="web"' not in html


@pytest.mark.parametrize("persona", ["linhai_analyst", "unscoped"])
def test_only_enterprises_and_desk_staff_file(people, client, persona) -> None:
    as_user(client, people[persona])
    assert client.get("/servicedesk/new/").status_code == 403
    assert "File a request" not in client.get("/servicedesk/").content.decode()


# --- actions through the page ------------------------------------------------------------------------------
def test_sign_answer_close_and_rate_through_the_page_forms(people, client) -> None:
    request = file(people)
    as_user(client, people["commerce_clerk"])
    html = client.get(f"/servicedesk/{request.number}/").content.decode()
    assert all(f'id="act-{a}"' in html for a in ("sign", "return", "transfer", "comment"))
    assert 'id="act-answer"' not in html and "working days left" in html
    assert post(client, request, "sign", complexity="simple").status_code == 302
    assert reload(request).status == Status.HANDLING and reload(request).complexity == "simple"
    response = post(client, request, "answer", text="已协调税务局，款项将于本周内到账。")
    assert response.status_code == 302 and response["Location"] == f"/servicedesk/{request.number}/"
    assert post(client, request, "close").status_code == 302
    as_user(client, people["enterprise_user"])
    html = client.get(f"/servicedesk/{request.number}/").content.decode()
    assert 'id="act-rate"' in html and 'type="radio" name="rate-satisfaction" value="satisfied"' in html
    assert post(client, request, "rate", satisfaction="satisfied", comment="很快").status_code == 302
    request = reload(request)
    assert (request.status, request.satisfaction, request.rating_comment) == (Status.RATED, "satisfied", "很快")
    html = client.get(f"/servicedesk/{request.number}/").content.decode()
    for label in (
        "Filed",
        "Dispatched",
        "Signed for",
        "Answered",
        "Closed",
        "Rated",
        "已协调税务局",
        "Answered on time",
    ):
        assert label in html, label
    assert "What you can do now" not in html  # a rated request takes no more actions


def test_an_illegal_action_posted_by_hand_shows_an_error_and_changes_nothing(people, client) -> None:
    request = file(people)
    before = (reload(request).status, Event.objects.count())
    as_user(client, people["commerce_clerk"])
    response = post(client, request, "answer", text="太早了")
    assert response.status_code == 400 and "cannot be Answered" in response.content.decode()
    response = post(client, request, "return", reason="  ")
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert post(client, request, "teleport").status_code == 400
    as_user(client, people["enterprise_user"])
    response = post(client, request, "dispatch", lead="331082-SWU")  # the status is checked first
    assert response.status_code == 400 and "cannot be Dispatched" in response.content.decode()
    assert post(client, request, "sign").status_code == 403
    as_user(client, people["linhai_analyst"])  # sees the request, takes no part in it
    assert post(client, request, "comment", text="看看").status_code == 403
    assert (reload(request).status, Event.objects.count()) == before
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(people["commerce_clerk"])
    assert post(csrf_client, request, "sign").status_code == 403
    assert (reload(request).status, Event.objects.count()) == before


def test_return_dispatch_with_helpers_and_their_parts(people, client) -> None:
    request = file(people)
    as_user(client, people["commerce_clerk"])
    response = post(client, request, "return", reason="退税属于税务局职责")
    assert response.status_code == 302 and response["Location"] == "/servicedesk/"  # no longer theirs
    as_user(client, people["supervisor"])
    html = client.get(f"/servicedesk/{request.number}/").content.decode()
    assert '<option value="331082-SWU">国家税务总局临海市税务局</option>' in html and "台州市经济和信息化局" not in html
    response = post(client, request, "dispatch", lead="331082-SWU", complexity="complex", assist_1="331082-SWJ",
                    task_1="提供出口报关数据", assist_2="", task_2="", assist_3="", task_3="")  # fmt: skip
    assert response.status_code == 302
    response = post(client, request, "dispatch", lead="331082-SWU", complexity="simple", task_2="无部门的任务")
    assert response.status_code == 400  # already dispatched: refused, whatever the form says
    assert reload(request).complexity == "complex"
    as_user(client, people["tax_clerk"])
    assert post(client, request, "sign", complexity="complex").status_code == 302
    response = post(client, request, "answer", text="已退税")
    assert (
        response.status_code == 400
        and "Waiting for the assisting departments: 临海市商务局" in response.content.decode()
    )
    as_user(client, people["commerce_clerk"])
    html = client.get(f"/servicedesk/{request.number}/").content.decode()
    assert "提供出口报关数据" in html and "Waiting for its part" in html and 'id="act-submit_part"' in html
    assert post(client, request, "submit_part", result="报关数据已提供").status_code == 302
    as_user(client, people["tax_clerk"])
    assert post(client, request, "answer", text="已退税").status_code == 302
    assert reload(request).status == Status.ANSWERED


def test_transfer_extension_suspension_and_files(people, client) -> None:
    request = file(people, at=local(2025, 11, 3))
    as_user(client, people["commerce_clerk"])
    assert post(client, request, "transfer", department="331082-SWU", reason="税务局职责").status_code == 302
    as_user(client, people["tax_clerk"])
    post(client, request, "sign")
    response = post(client, request, "request_extension", days="99", reason="需海关核查")
    assert response.status_code == 400 and "less than or equal to 10" in response.content.decode()
    assert post(client, request, "request_extension", days="2", reason="需海关核查").status_code == 302
    deadline = reload(request).deadline
    as_user(client, people["supervisor"])
    html = client.get(f"/servicedesk/{request.number}/").content.decode()
    assert 'id="act-approve_extension"' in html and "需海关核查" in html
    assert post(client, request, "approve_extension", note="同意").status_code == 302
    assert reload(request).deadline.date() == (deadline + dt.timedelta(days=2)).date()  # 11-10 (Mon) → 11-12
    as_user(client, people["tax_clerk"])
    assert post(client, request, "suspend", reason="请补充报关单").status_code == 302
    as_user(client, people["enterprise_user"])
    html = client.get(f"/servicedesk/{request.number}/").content.decode()
    assert "Clock stopped" in html and 'id="act-resume"' in html and 'id="act-attach"' in html
    response = client.post(
        f"/servicedesk/{request.number}/", {"action": "attach", "attach-files": SimpleUploadedFile("a.exe", b"MZ")}
    )
    assert response.status_code == 400 and not Attachment.objects.exists()
    files = [SimpleUploadedFile("报关单.pdf", PDF), SimpleUploadedFile("清单.txt", b"list")]
    assert (
        client.post(f"/servicedesk/{request.number}/", {"action": "attach", "attach-files": files}).status_code == 302
    )
    assert post(client, request, "resume", note="已上传").status_code == 302
    assert reload(request).status == Status.HANDLING and Attachment.objects.count() == 2


def test_merge_and_escalate(people, client) -> None:
    request, duplicate = file(people), file(people, title="重复提交")
    other = file(people, firm="jiaojiang_firm")
    as_user(client, people["supervisor"])
    response = post(client, duplicate, "merge", into=other.number)
    assert response.status_code == 400 and "No request you can see has this number." in response.content.decode()
    response = post(client, duplicate, "merge", into=request.number.lower())
    assert response.status_code == 302 and reload(duplicate).status == Status.MERGED
    html = client.get(f"/servicedesk/{request.number}/").content.decode()
    assert duplicate.number in html
    assert post(client, request, "escalate", reason="涉及跨区协调").status_code == 302
    assert reload(request).level == "city"
    assert 'id="act-dispatch"' not in client.get(f"/servicedesk/{request.number}/").content.decode()
    as_user(client, people["city_supervisor"])
    html = client.get(f"/servicedesk/{request.number}/").content.decode()
    assert 'id="act-dispatch"' in html and '<option value="331000-JXJ">' in html and "331082-SWU" not in html


# --- the board ---------------------------------------------------------------------------------------------
@pytest.fixture
def history(people) -> dict:
    """Five requests in autumn 2025: rated on time, returned and still open (late), answered late, in policy,
    and one in 椒江."""
    rated = file(people, at=local(2025, 9, 26))
    ops.sign(rated, people["commerce_clerk"], at=local(2025, 9, 28))
    ops.answer(rated, people["commerce_clerk"], "已解决", at=local(2025, 10, 9))
    ops.close(rated, people["supervisor"], at=local(2025, 10, 9, 15))
    ops.rate(rated, people["enterprise_user"], "satisfied", at=local(2025, 10, 10))
    returned = file(people, at=local(2025, 10, 13))
    ops.return_request(returned, people["commerce_clerk"], "不归我们", at=local(2025, 10, 14))
    late = file(people, at=local(2025, 11, 3))
    ops.sign(late, people["commerce_clerk"], at=local(2025, 11, 5))
    ops.answer(late, people["commerce_clerk"], "答复", at=local(2025, 11, 20))
    ops.close(late, people["commerce_clerk"], at=local(2025, 11, 21))
    policy = file(people, category="policy", at=local(2025, 11, 10))
    file(people, firm="jiaojiang_firm", at=local(2025, 11, 12))
    file(people, at=local(2024, 1, 8))  # outside the period
    return {**people, "rated": rated, "returned": returned, "late": late, "policy": policy}


PERIOD = {"start": "2025-09-01", "end": "2025-12-31"}


def in_period(user) -> object:
    since, until = local(2025, 9, 1, 0), local(2026, 1, 1, 0)
    return ServiceRequest.objects.visible_to(user).filter(created__gte=since, created__lt=until)


@pytest.mark.parametrize("by", ["department", "category", "region", "month"])
def test_the_board_shows_what_metrics_computes(history, client, by) -> None:
    as_user(client, history["city_supervisor"])
    body = client.get("/servicedesk/board.json", {"by": by, **PERIOD}).json()
    expected = metrics(in_period(history["city_supervisor"]), by)
    names = {"tax_rebate": "Export tax rebate", "policy": "Policy consultation"}
    keys = ("key", "volume", "closed", "open", "open_overdue", "closed_rate", "signed_in_time_rate", "on_time_rate",
            "return_rate", "redo_rate", "satisfaction_rate", "mean_days", "p90_days")  # fmt: skip
    assert [{k: r[k] for k in keys} for r in body["rows"]] == [{k: r[k] for k in keys} for r in expected["rows"]]
    assert {k: body["total"][k] for k in keys} == {k: expected["total"][k] for k in keys}
    assert body["total"]["volume"] == 5 and (body["start"], body["end"]) == ("2025-09-01", "2025-12-31")
    if by == "category":
        assert {r["key"]: r["name"] for r in body["rows"]} == names  # names in the page's language


def test_the_board_page_shows_rates_as_percentages(history, client) -> None:
    as_user(client, history["supervisor"])
    body = client.get("/servicedesk/board.json", PERIOD).json()
    commerce = next(r for r in body["rows"] if r["key"] == "331082-SWJ")
    # 商务局 was handed 3 (signed 1 in time, 1 late, returned 1); it led 2 to the end, closed both, one on time.
    assert (commerce["volume"], commerce["closed"], commerce["return_rate"]) == (2, 2, pytest.approx(1 / 3))
    assert [r["percent"] for r in commerce["rates"]] == [33.3, 100.0, 50.0, 33.3, 0.0, 100.0]
    html = client.get("/servicedesk/board/", PERIOD).content.decode()
    assert '<td class="num">33.3%</td>' in html and "Signed in time" in html
    assert "Requests received from 2025-09-01 to 2025-12-31." in html
    # queues know no period; every department of the supervisor's county is listed, even with nothing open
    keys = ("code", "name", "open", "overdue", "due_soon", "own")
    assert [{k: q[k] for k in keys} for q in body["queues"]] == [
        {"code": "", "name": "Not dispatched yet", "open": 1, "overdue": 1, "due_soon": 0, "own": False},  # returned
        {"code": "331082-JXJ", "name": "临海市经济和信息化局", "open": 1, "overdue": 1, "due_soon": 0, "own": False},
        {"code": "331082-SWJ", "name": "临海市商务局", "open": 1, "overdue": 1, "due_soon": 0, "own": False},  # 2024's
        {"code": "331082-SWU", "name": "国家税务总局临海市税务局", "open": 0, "overdue": 0, "due_soon": 0, "own": False},
    ]  # fmt: skip
    assert body["rows"][0]["key"] == "" and body["rows"][0]["name"] == "Not dispatched yet"  # not metrics' "nan"
    assert "Not dispatched yet" in html and ">nan<" not in html


def test_the_board_defaults_to_the_last_twelve_months(history, client) -> None:
    fresh = file(history)
    as_user(client, history["supervisor"])
    body = client.get("/servicedesk/board.json").json()
    assert body["total"]["volume"] == 1 and body["by"] == "department"
    assert body["end"] == timezone.localdate().isoformat() and body["start"].endswith("-01")
    assert fresh.number in numbers(client)
    body = client.get("/servicedesk/board.json", {"by": "nonsense", "start": "2025-12-31", "end": "2025-09-01"}).json()
    assert body["by"] == "department" and body["total"]["volume"] == 1


def test_board_exports_open_with_the_right_headers(history, client) -> None:
    as_user(client, history["supervisor"])
    response = client.get("/servicedesk/board/export.xlsx", {"by": "category", **PERIOD})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("Category", "Volume", "Closed or rated", "Open", "Open and overdue", "Signed in time (%)",
                       "Closure rate (%)", "On-time rate (%)", "Return rate (%)", "Redo rate (%)", "Satisfaction rate (%)", "Mean working days",
                       "90th percentile working days")  # fmt: skip
    assert [r[0] for r in rows[1:]] == ["Policy consultation", "Export tax rebate", "Total"] and rows[-1][1] == 4
    text = client.get("/servicedesk/board/export.csv", PERIOD).content.decode("utf-8-sig").splitlines()
    assert text[0].startswith("Department,Volume,") and text[-1].startswith("Total,4,")


def test_the_board_is_not_for_enterprises(people, client) -> None:
    as_user(client, people["enterprise_user"])
    for url in ("/servicedesk/board/", "/servicedesk/board.json", "/servicedesk/board/export.xlsx"):
        assert client.get(url).status_code == 403
    assert "Performance board" not in client.get("/servicedesk/").content.decode()
    for persona in ("linhai_analyst", "commerce_clerk"):  # a clerk's board: their department's queue first
        as_user(client, people[persona])
        assert client.get("/servicedesk/board/").status_code == 200
        assert "Performance board" in client.get("/servicedesk/").content.decode()


# --- languages and JSON --------------------------------------------------------------------------------------
def test_pages_are_in_chinese_by_default_and_in_english_on_request(history, client) -> None:
    request = history["rated"]
    client.force_login(history["supervisor"])
    pages = ("/servicedesk/", "/servicedesk/new/?category=permits", f"/servicedesk/{request.number}/",
             "/servicedesk/board/?start=2025-09-01")  # fmt: skip
    chinese = ("企业诉求", "提交诉求", "办理过程", "办理绩效")
    for url, word in zip(pages, chinese, strict=True):
        html = client.get(url).content.decode()
        assert 'lang="zh-hans"' in html and word in html, url
    english(client)
    for url, word in zip(pages, ("Service desk", "File a request", "Timeline", "Performance board"), strict=True):
        html = client.get(url).content.decode()
        assert 'lang="en"' in html and word in html, url


def test_every_page_answers_as_json(history, client) -> None:
    request = history["late"]
    as_user(client, history["commerce_clerk"])
    body = client.get(f"/servicedesk/{request.number}.json").json()
    assert body == client.get(f"/servicedesk/{request.number}/", {"format": "json"}).json()
    assert body["service_request"]["number"] == request.number and body["service_request"]["clock"]["state"] == "late"
    assert [e["action"] for e in body["events"]] == ["create", "dispatch", "sign", "answer", "close"]
    assert [a["action"] for a in body["actions"]] == ["comment"] and body["parts"][0]["role"] == "lead"
    new = client.get("/servicedesk/new.json", {"category": "permits"}).json()
    assert new["category"]["attributes"][0]["code"] == "permit_type" and new["registrar"] is True
    assert {c["code"] for c in new["categories"]} >= {"policy", "tax_rebate", "permits"}
    queue = client.get("/servicedesk/", {"format": "json"}).json()
    assert queue["page"]["count"] == 3 and queue["may_file"] is True and queue["may_see_board"] is True
    as_user(client, history["supervisor"])
    board = client.get("/servicedesk/board/", {"format": "json", **PERIOD}).json()
    assert board["total"]["volume"] == 4 and board["rows"][0]["rates"][0]["label"] == "Signed in time"
