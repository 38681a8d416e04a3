"""The board: department queues (overdue first, counts per department, a clerk's own department first), the
metrics charts and the tables beside them, exports of every table, the brief cache, and the queue page's table."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from industrybrain.servicedesk import board, queues
from industrybrain.servicedesk import operations as ops
from industrybrain.servicedesk.metrics import metrics, metrics_by
from industrybrain.servicedesk.models import ServiceRequest

from .conftest import local
from .test_views import as_user, file

PERIOD = {"start": "2025-09-01", "end": "2025-12-31"}


def row(code: str, *, late: bool = False, soon: bool = False, deadline: dt.datetime | None = None, name: str = ""):
    """A hand-built open-request row, as `queues.open_requests` gives them."""
    created = local(2025, 11, 3)
    return {"department_code": code, "department_name": name or code, "late": late, "soon": soon,
            "deadline": deadline, "created": created}  # fmt: skip


# --- the rules, on hand-built rows ---------------------------------------------------------------------------
def test_the_queue_order_is_overdue_then_due_soon_then_deadline() -> None:
    rows = {
        "no deadline": row("A"),
        "later": row("A", deadline=local(2025, 11, 20)),
        "sooner": row("A", deadline=local(2025, 11, 12)),
        "due soon": row("A", soon=True, deadline=local(2025, 11, 14)),
        "overdue last week": row("A", late=True, deadline=local(2025, 11, 7)),
        "overdue for a month": row("A", late=True, deadline=local(2025, 10, 10)),
    }
    ordered = sorted(rows, key=lambda name: queues.queue_order(rows[name]))
    assert ordered == ["overdue for a month", "overdue last week", "due soon", "sooner", "later", "no deadline"]


def test_counts_per_department_on_hand_built_rows() -> None:
    rows = [row("A", late=True), row("A", late=True), row("A"), row("B", soon=True), row("B"), row(""),
            row("C", late=True)]  # fmt: skip
    found = queues.department_queues(rows, departments=[("D", "无诉求的部门"), ("A", "A")])
    assert [(q["code"], q["open"], q["overdue"], q["due_soon"]) for q in found] == [
        ("A", 3, 2, 0),  # most overdue first
        ("C", 1, 1, 0),
        ("B", 2, 0, 1),  # then the most due soon
        ("", 1, 0, 0),  # then the most open; "" (not dispatched yet) before codes
        ("D", 0, 0, 0),  # a department of the scope with nothing open is still listed
    ]
    mine = queues.department_queues(rows, own="B")
    assert [q["code"] for q in mine] == ["B", "A", "C", ""] and mine[0]["own"] and not mine[1]["own"]
    assert [r["department_code"] for r in queues.in_queue(rows, "")] == [""]


def test_chart_options_carry_the_rows_numbers() -> None:
    period = board.Period("department", dt.date(2025, 9, 1), dt.date(2025, 12, 31))
    months = [
        {"key": "2025-10", "name": "2025-10", "volume": 3, "on_time_rate": 2 / 3, "satisfaction_rate": 1.0},
        {"key": "2025-11", "name": "2025-11", "volume": 0, "on_time_rate": None, "satisfaction_rate": None},
    ]
    trend = board.trend_chart(months, period)
    assert trend["xAxis"]["data"] == ["2025-10", "2025-11"]
    assert [s["type"] for s in trend["series"]] == ["bar", "line"] and trend["series"][1]["yAxisIndex"] == 1
    assert trend["series"][0]["data"] == [3, 0] and trend["series"][1]["data"] == [66.7, None]
    assert trend["title"]["subtext"] == "2025-09-01 – 2025-12-31"  # a downloaded PNG says for when
    groups = [{"name": "商务局", "on_time_rate": 0.5, "satisfaction_rate": 1.0, "url": "/q?dept=SWJ"},
              {"name": "税务局", "on_time_rate": None, "satisfaction_rate": None, "url": "/q?dept=SWU"}]  # fmt: skip
    bars = board.rates_chart(groups, "按部门", period)
    assert bars["yAxis"]["data"] == ["商务局", "税务局"] and bars["yAxis"]["inverse"] is True  # first row on top
    assert bars["series"][0]["data"] == [{"value": 50.0, "url": "/q?dept=SWJ"}, {"value": None, "url": "/q?dept=SWU"}]
    assert bars["series"][1]["data"][0] == {"value": 100.0, "url": "/q?dept=SWJ"}
    assert board.worst_first([{"name": "b", "on_time_rate": None, "volume": 9}, {"name": "a", "on_time_rate": 0.9,
                              "volume": 1}, {"name": "c", "on_time_rate": 0.5, "volume": 1}]) == [
        {"name": "c", "on_time_rate": 0.5, "volume": 1}, {"name": "a", "on_time_rate": 0.9, "volume": 1},
        {"name": "b", "on_time_rate": None, "volume": 9}]  # fmt: skip


# --- the board's queues, through the page ------------------------------------------------------------------
@pytest.fixture
def open_desk(people) -> dict:
    """商务局 leads five open requests (two overdue, one due soon), 经信局 one, one waits for dispatch."""
    now = timezone.now()
    oldest = file(people, title="逾期一个月", at=now - dt.timedelta(days=40))
    older = file(people, title="逾期两周", at=now - dt.timedelta(days=25))
    soon = file(people, title="快到期")
    later = file(people, title="按期办理")
    far = file(people, title="期限很远")
    ServiceRequest.objects.filter(pk=soon.pk).update(deadline=now + dt.timedelta(hours=2))
    ServiceRequest.objects.filter(pk=far.pk).update(deadline=now + dt.timedelta(days=60))
    policy = file(people, category="policy", title="政策咨询")
    returned = file(people, title="退回待交办")
    ops.return_request(returned, people["commerce_clerk"], "不归我们")
    done = file(people, title="已办结")
    ops.sign(done, people["commerce_clerk"])
    ops.answer(done, people["commerce_clerk"], "已解决")
    ops.close(done, people["commerce_clerk"])
    return {**people, "oldest": oldest, "older": older, "soon": soon, "later": later, "far": far,
            "policy": policy, "returned": returned, "done": done}  # fmt: skip


def board_json(client: Client, **params: str) -> dict:
    response = client.get("/servicedesk/board.json", params)
    assert response.status_code == 200, response.content[:300]
    return response.json()


def test_a_department_queue_lists_overdue_first_then_due_soon_then_by_deadline(open_desk, client) -> None:
    as_user(client, open_desk["supervisor"])
    body = board_json(client, dept="331082-SWJ")
    expected = [open_desk[k].number for k in ("oldest", "older", "soon", "later", "far")]
    assert [r["number"] for r in body["queue"]["rows"]] == expected  # the closed one is in no queue
    assert body["department"] == {"code": "331082-SWJ", "name": "临海市商务局"}
    assert body["queue"]["rows"][0]["url"] == f"/servicedesk/{open_desk['oldest'].number}/"
    html = client.get("/servicedesk/board/", {"dept": "331082-SWJ"}).content.decode()
    assert html.index(expected[0]) < html.index(expected[2]) < html.index(expected[4])
    assert html.count('<tr class="sd-late">') == 2 and 'class="badge sd-soon">Due soon' in html
    waiting = board_json(client, dept="-")  # the requests no department leads yet
    assert [r["number"] for r in waiting["queue"]["rows"]] == [open_desk["returned"].number]
    assert waiting["department"]["code"] == "" and waiting["department"]["name"] == "Not dispatched yet"


def test_the_board_counts_each_departments_queue(open_desk, client) -> None:
    as_user(client, open_desk["supervisor"])
    body = board_json(client)
    counts = [(q["code"], q["open"], q["overdue"], q["due_soon"]) for q in body["queues"]]
    assert counts == [("331082-SWJ", 5, 2, 1), ("", 1, 0, 0), ("331082-JXJ", 1, 0, 0), ("331082-SWU", 0, 0, 0)]
    assert body["department"]["code"] == "331082-SWJ"  # the most overdue queue is open by default
    assert body["queues"][0]["url"].endswith("&dept=331082-SWJ#queue") and body["queues"][1]["url"].endswith(
        "dept=-#queue"
    )
    assert board_json(client, dept="331002-NOPE")["department"]["code"] == "331082-SWJ"  # not on the board: default
    assert board_json(client, dept="")["department"]["code"] == "331082-SWJ"  # an emptied field: the default too


def test_the_board_shows_only_what_the_viewer_may_see(open_desk, client) -> None:
    other = file(open_desk, firm="jiaojiang_firm", title="椒江的诉求")  # no routing in 椒江: waits for dispatch
    as_user(client, open_desk["jiaojiang_supervisor"])
    body = board_json(client)
    assert [(q["code"], q["open"]) for q in body["queues"]] == [("", 1)]  # 椒江 has no departments of its own here
    assert [r["number"] for r in body["queue"]["rows"]] == [other.number]
    html = client.get("/servicedesk/board/").content.decode()
    assert "临海市商务局" not in html and open_desk["oldest"].number not in html
    as_user(client, open_desk["city_supervisor"])  # the city sees both counties' queues and its own office
    codes = [q["code"] for q in board_json(client)["queues"]]
    assert codes[:2] == ["331082-SWJ", ""] and "331000-JXJ" in codes
    assert next(q for q in board_json(client)["queues"] if q["code"] == "")["open"] == 2
    for persona in ("unscoped", "park_analyst"):  # nothing to see: an empty board, not an error
        as_user(client, open_desk[persona])
        body = board_json(client)
        assert (body["queues"], body["department"], body["queue"]["rows"], body["total"]["volume"]) == ([], None, [], 0)
        assert "No open requests." in client.get("/servicedesk/board/").content.decode()


def test_a_clerk_sees_their_own_departments_queue_first(open_desk, client) -> None:
    request = open_desk["returned"]  # 税务局 leads it, 商务局 assists
    ops.dispatch(request, open_desk["supervisor"], open_desk["tax"], [(open_desk["commerce"], "提供出口报关数据")])
    as_user(client, open_desk["tax_clerk"])
    body = board_json(client)
    assert [(q["code"], q["open"], q["own"]) for q in body["queues"]] == [("331082-SWU", 1, True)]
    as_user(client, open_desk["commerce_clerk"])
    body = board_json(client)
    assert [(q["code"], q["open"], q["own"]) for q in body["queues"]] == [
        ("331082-SWJ", 5, True),
        ("331082-SWU", 1, False),  # assisted: the clerk sees it, under the department that leads it
    ]  # 经信局's policy request is not the clerk's to see, nor are departments with nothing they can see
    assert body["department"]["code"] == "331082-SWJ"
    assert open_desk["policy"].number not in client.get("/servicedesk/board/").content.decode()
    as_user(client, open_desk["clerk"])  # 经信局's clerk: their queue first, even when it is not the longest
    assert board_json(client)["queues"][0]["code"] == "331082-JXJ"


# --- the metrics: same numbers for the JSON, the charts and the tables ---------------------------------------
@pytest.fixture
def autumn(people) -> dict:
    """Three requests received in autumn 2025: one rated on time (商务局), one answered late (商务局), one on
    policy still open and overdue (经信局)."""
    rated = file(people, at=local(2025, 9, 26))
    ops.sign(rated, people["commerce_clerk"], at=local(2025, 9, 28))
    ops.answer(rated, people["commerce_clerk"], "已解决", at=local(2025, 10, 9))
    ops.close(rated, people["supervisor"], at=local(2025, 10, 9, 15))
    ops.rate(rated, people["enterprise_user"], "satisfied", at=local(2025, 10, 10))
    late = file(people, at=local(2025, 11, 3))
    ops.sign(late, people["commerce_clerk"], at=local(2025, 11, 5))
    ops.answer(late, people["commerce_clerk"], "答复", at=local(2025, 11, 20))
    ops.close(late, people["commerce_clerk"], at=local(2025, 11, 21))
    file(people, category="policy", at=local(2025, 11, 10))
    return people


def test_the_charts_draw_the_numbers_in_the_tables_beside_them(autumn, client) -> None:
    as_user(client, autumn["supervisor"])
    body = board_json(client, **PERIOD)
    assert [(r["key"], r["volume"]) for r in body["by_month"]] == [("2025-09", 1), ("2025-11", 2)]
    trend = body["charts"]["trend"]
    assert trend["xAxis"]["data"] == ["2025-09", "2025-11"] and trend["series"][0]["data"] == [1, 2]
    # September: closed on time (1 of 1); November: one closed late, one open and overdue (0 of 2)
    assert trend["series"][1]["data"] == [100.0, 0.0]
    departments = body["charts"]["departments"]
    names = [r["name"] for r in body["by_department"]]
    assert departments["yAxis"]["data"] == names == ["临海市经济和信息化局", "临海市商务局"]  # worst on time first
    assert [d["value"] for d in departments["series"][0]["data"]] == [0.0, 50.0]
    assert [d["value"] for d in departments["series"][1]["data"]] == [None, 100.0]  # rated: only the first
    assert departments["series"][0]["data"][1]["url"].endswith("dept=331082-SWJ#queue")
    categories = body["charts"]["categories"]
    assert categories["yAxis"]["data"] == ["Policy consultation", "Export tax rebate"]
    assert categories["series"][0]["data"][1]["url"] == "/servicedesk/?category=tax_rebate"
    html = client.get("/servicedesk/board/", PERIOD).content.decode()
    for chart in ("sd-trend", "sd-departments", "sd-categories"):
        assert f'data-option-id="{chart}"' in html and f'<script id="{chart}" type="application/json">' in html
    assert 'data-file-name="service-desk-monthly"' in html and "echarts" in html
    assert '<td class="num">50.0%</td>' in html  # 商务局's on-time rate in the table beside its chart


def test_metrics_by_groups_one_read_several_ways(autumn) -> None:
    requests = ServiceRequest.objects.all()
    now = local(2025, 12, 1)
    together = metrics_by(requests, ("month", "department", "category", "region"), now)
    for by, found in together.items():
        assert found == metrics(requests, by, now), by
    with pytest.raises(ValueError):
        metrics_by(requests, ("colour",), now)


# --- exports of every table ----------------------------------------------------------------------------------
def test_every_board_table_exports(open_desk, client) -> None:
    as_user(client, open_desk["supervisor"])
    response = client.get("/servicedesk/board/", {"dept": "331082-SWJ", "q-export": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="department-queue.csv"'
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == ["Number", "Title", "Enterprise", "Category", "Request status", "Received", "Deadline"]
    assert [line[0] for line in lines[1:]] == [open_desk[k].number for k in ("oldest", "older", "soon", "later", "far")]
    assert lines[1][5] == timezone.localtime(open_desk["oldest"].created).strftime("%Y-%m-%d %H:%M")  # wall clock
    response = client.get("/servicedesk/board/", {"dq-export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("Lead department", "Open", "Overdue", "Due soon") and rows[1] == ("临海市商务局", 5, 2, 1)
    for prefix, name in (("mm-", "service-desk-months"), ("md-", "service-desk-departments"),
                         ("mc-", "service-desk-categories"), ("m-", "service-desk-department")):  # fmt: skip
        response = client.get("/servicedesk/board/", {f"{prefix}export": "csv"})
        assert response["Content-Disposition"] == f'attachment; filename="{name}.csv"', prefix
    searched = client.get("/servicedesk/board/", {"dept": "331082-SWJ", "q-q": "快到期", "q-export": "csv"})
    assert len(searched.content.decode("utf-8-sig").splitlines()) == 2  # the export follows the table's search


def test_board_tables_sort_and_page_apart(open_desk, client) -> None:
    as_user(client, open_desk["supervisor"])
    body = board_json(client, **{"dept": "331082-SWJ", "q-sort": "-deadline", "dq-sort": "name"})
    assert body["queue"]["sort"] == "-deadline" and body["queue"]["rows"][0]["number"] == open_desk["far"].number
    html = client.get("/servicedesk/board/", {"dept": "331082-SWJ", "q-per_page": "2", "q-page": "2"}).content.decode()
    assert "Rows 3–4 of 5" in html and "Page 2 of 3" in html and 'id="dt-department-queues"' in html


# --- the cache -----------------------------------------------------------------------------------------------
def test_the_board_is_cached_until_a_request_changes(open_desk, client, monkeypatch) -> None:
    built = []
    original = board.build
    monkeypatch.setattr(board, "build", lambda *args, **kw: built.append(1) or original(*args, **kw))
    as_user(client, open_desk["supervisor"])
    first = board_json(client)
    assert board_json(client)["queues"] == first["queues"] and len(built) == 1
    client.get("/servicedesk/board/")  # the page reads the same entry as its JSON
    assert len(built) == 1
    board_json(client, **PERIOD)  # another period, another entry
    assert len(built) == 2
    ops.sign(open_desk["later"], open_desk["commerce_clerk"])
    assert board_json(client)["queues"][0]["open"] == 5 and len(built) == 3  # a changed request shows at once


# --- the queue page's table ----------------------------------------------------------------------------------
def test_the_queue_page_sorts_and_keeps_its_filters(open_desk, client) -> None:
    as_user(client, open_desk["supervisor"])
    body = client.get("/servicedesk/index.json", {"sort": "created", "status": "open"}).json()
    created = [ServiceRequest.objects.get(number=r["number"]).created for r in body["requests"]]
    assert body["sort"] == "created" and created == sorted(created) and len(created) == 7
    html = client.get("/servicedesk/", {"status": "open", "sort": "-deadline"}).content.decode()
    assert '<input type="hidden" name="sort" value="-deadline">' in html  # the filter form keeps the order
    assert 'href="/servicedesk/export.xlsx?status=open&amp;sort=-deadline"' in html
    exported = client.get("/servicedesk/export.csv", {"status": "open", "sort": "created"}).content
    numbers = [line.split(",")[0] for line in exported.decode("utf-8-sig").splitlines()[1:]]
    assert numbers == [r["number"] for r in body["requests"]]
