"""Walking a request through every path of the loop, with the clock and the timeline checked by hand."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from industrybrain.servicedesk import operations as ops
from industrybrain.servicedesk.choices import Status
from industrybrain.servicedesk.models import Category, Event
from industrybrain.servicedesk.transitions import TransitionError, available

from .conftest import local


def file(desk, category: str = "tax_rebate", at=None, **extra):
    new = ops.NewRequest(enterprise=desk["linhai_firm"], category=Category.objects.get(code=category),
                         title="出口退税迟迟未到账", description="2025年第三季度退税申报已审核，款项未到账。", **extra)  # fmt: skip
    return ops.file_request(new, desk["enterprise_user"], at=at or local(2025, 9, 26))


def test_the_whole_loop_with_deadlines_on_working_days(desk) -> None:
    # Friday 2025-09-26; the National Day week follows (10-01..10-08 off, Sunday 09-28 and Saturday 10-11 worked).
    request = file(desk)
    assert request.status == Status.DISPATCHED and request.lead_department == desk["commerce"]
    assert request.number.startswith("QH331082-2025-")
    assert request.sign_deadline == local(2025, 9, 28, 0).replace(hour=23, minute=59, second=59)  # Sunday, worked
    # Ordinary: 5 working days after Friday: 09-28 (Sun), 09-29, 09-30, 10-09, 10-10.
    assert request.deadline.date().isoformat() == "2025-10-10"
    assert [m.to for m in mail.outbox] == [["c@x.cn"]]
    ops.sign(request, desk["commerce_clerk"], at=local(2025, 9, 28))
    ops.answer(request, desk["commerce_clerk"], "已协调税务局，款项将于本周内到账。", at=local(2025, 10, 9))
    ops.close(request, desk["supervisor"], at=local(2025, 10, 9, 15))
    ops.rate(request, desk["enterprise_user"], "satisfied", "很快", at=local(2025, 10, 10))
    request.refresh_from_db()
    assert request.status == Status.RATED and request.satisfaction == "satisfied"
    actions = list(request.events.values_list("action", flat=True))
    assert actions == ["create", "dispatch", "sign", "answer", "close", "rate"]


def test_returned_requests_are_counted_and_dispatched_again(desk) -> None:
    request = file(desk)
    with pytest.raises(ValidationError):
        ops.return_request(request, desk["commerce_clerk"], "  ")
    ops.return_request(request, desk["commerce_clerk"], "退税属于税务局职责")
    request.refresh_from_db()
    assert (request.status, request.returned_count, request.lead_department) == (Status.RECEIVED, 1, None)
    ops.dispatch(request, desk["supervisor"], desk["tax"], [(desk["commerce"], "提供出口报关数据")])
    ops.sign(request, desk["tax_clerk"])
    with pytest.raises(TransitionError, match="Waiting for the assisting departments: 临海市商务局"):
        ops.answer(request, desk["tax_clerk"], "已退税")
    ops.submit_part(request, desk["commerce_clerk"], "报关数据已提供")
    ops.answer(request, desk["tax_clerk"], "已退税")
    request.refresh_from_db()
    assert request.status == Status.ANSWERED


def test_suspension_stops_the_clock_and_extensions_move_it(desk) -> None:
    request = file(desk, at=local(2025, 11, 3))  # Monday; ordinary → due Monday 11-10
    ops.sign(request, desk["commerce_clerk"], at=local(2025, 11, 3, 11))
    assert request.events.count() == 3
    request.refresh_from_db()
    assert request.deadline.date().isoformat() == "2025-11-10"
    ops.suspend(request, desk["commerce_clerk"], "请补充报关单", at=local(2025, 11, 4))
    ops.resume(request, desk["enterprise_user"], "已上传", at=local(2025, 11, 7))  # Wed, Thu, Fri waited: 3
    request.refresh_from_db()
    assert (request.suspended_days, request.deadline.date().isoformat()) == (3, "2025-11-13")
    ops.request_extension(request, desk["commerce_clerk"], 2, "需海关核查")
    with pytest.raises(PermissionDenied):
        ops.decide_extension(request, desk["commerce_clerk"], approve=True)
    ops.decide_extension(request, desk["supervisor"], approve=True)
    request.refresh_from_db()
    assert (request.extended_days, request.deadline.date().isoformat()) == (2, "2025-11-17")


def test_escalation_goes_to_the_city_with_a_new_clock(desk) -> None:
    request = file(desk)
    ops.escalate(request, desk["supervisor"], "涉及跨区协调", at=local(2025, 10, 13))
    request.refresh_from_db()
    assert (request.status, request.level, request.handling_region.code) == (Status.RECEIVED, "city", "331000")
    with pytest.raises(PermissionDenied):  # the county's office no longer holds it
        ops.dispatch(request, desk["supervisor"], desk["commerce"])
    with pytest.raises(ValidationError):  # a county department cannot take a city-level request
        ops.dispatch(request, desk["city_supervisor"], desk["commerce"])
    ops.dispatch(request, desk["city_supervisor"], desk["city_office"], at=local(2025, 10, 13, 11))
    assert request.deadline.date().isoformat() == "2025-10-20"
    assert "city@x.cn" in [to for m in mail.outbox for to in m.to]


def test_unsatisfied_reopens_once_then_the_rating_stands(desk) -> None:
    request = file(desk)
    ops.sign(request, desk["commerce_clerk"])
    for round_ in range(2):
        ops.answer(request, desk["commerce_clerk"], f"第{round_ + 1}次答复")
        ops.close(request, desk["commerce_clerk"])
        ops.rate(request, desk["enterprise_user"], "unsatisfied", "没有解决")
        request.refresh_from_db()
        if round_ == 0:
            assert (request.status, request.reopened_count) == (Status.HANDLING, 1)
    assert request.status == Status.RATED and request.satisfaction == "unsatisfied"
    assert list(request.events.values_list("action", flat=True)).count("reopen") == 1


def test_illegal_transitions_and_strangers_are_refused_and_change_nothing(desk) -> None:
    request = file(desk)
    with pytest.raises(TransitionError):
        ops.answer(request, desk["commerce_clerk"], "太早了")  # not signed yet
    with pytest.raises(PermissionDenied):
        ops.sign(request, desk["tax_clerk"])  # not their request
    with pytest.raises(PermissionDenied):
        ops.dispatch(request, desk["jiaojiang_supervisor"], desk["tax"])
    request.refresh_from_db()
    assert request.status == Status.DISPATCHED and request.events.count() == 2
    assert available(request, desk["commerce_clerk"]) == ["sign", "return", "transfer", "comment"]
    assert available(request, desk["tax_clerk"]) == []


def test_the_timeline_cannot_be_rewritten(desk) -> None:
    event = file(desk).events.first()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        Event.objects.all().update(note="x")
    with pytest.raises(TypeError):
        Event.objects.all().delete()


def test_overdue_requests_are_warned_then_referred_once(desk) -> None:
    request = file(desk, at=local(2025, 11, 3))  # due 11-10 23:59:59
    ops.sign(request, desk["commerce_clerk"], at=local(2025, 11, 3, 11))
    mail.outbox.clear()
    assert ops.check_deadlines(at=local(2025, 11, 10, 9)) == {"warned": 1, "overdue": 0}
    assert mail.outbox[0].to == ["c@x.cn"]
    assert ops.check_deadlines(at=local(2025, 11, 11, 9)) == {"warned": 0, "overdue": 1}
    assert {"dubanban@x.cn", "city@x.cn"} <= {to for m in mail.outbox for to in m.to}
    assert ops.check_deadlines(at=local(2025, 11, 12, 9)) == {"warned": 0, "overdue": 0}
    request.refresh_from_db()
    assert request.is_overdue(local(2025, 11, 12))
