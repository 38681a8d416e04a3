"""The board's figures on five requests whose every number can be checked by hand."""

from __future__ import annotations

import pytest

from industrybrain.servicedesk import operations as ops
from industrybrain.servicedesk.metrics import metrics
from industrybrain.servicedesk.models import Category, ServiceRequest

from .conftest import local


def file(desk, at):
    new = ops.NewRequest(enterprise=desk["linhai_firm"], category=Category.objects.get(code="tax_rebate"),
                         title="退税", description="退税未到账")  # fmt: skip
    return ops.file_request(new, desk["enterprise_user"], at=at)


@pytest.fixture
def five(desk) -> dict:
    """All filed Monday 2025-11-03 (due 11-10), handed to 商务局:
    A answered 11-05 and rated satisfied; B answered 11-12 (late), closed, rated basic;
    C returned once, re-dispatched to 税务局, still handling at 11-14 (overdue);
    D signed late (11-05, limit 11-04), still handling, due 11-10 (overdue at 11-14);
    E answered on time, rated unsatisfied → reopened, handling (not overdue: new deadline 11-14+5)."""
    c = desk["commerce_clerk"]
    a, b, c_, d, e = (file(desk, local(2025, 11, 3, 9 + i)) for i in range(5))
    for r in (a, b, e):
        ops.sign(r, c, at=local(2025, 11, 3, 15))
    ops.answer(a, c, "好了", at=local(2025, 11, 5))
    ops.close(a, c, at=local(2025, 11, 5, 12))
    ops.rate(a, desk["enterprise_user"], "satisfied", at=local(2025, 11, 6))
    ops.answer(b, c, "好了", at=local(2025, 11, 12))
    ops.close(b, c, at=local(2025, 11, 12, 12))
    ops.rate(b, desk["enterprise_user"], "basic", at=local(2025, 11, 13))
    ops.return_request(c_, c, "不归我们", at=local(2025, 11, 3, 16))
    ops.dispatch(c_, desk["supervisor"], desk["tax"], at=local(2025, 11, 4))
    ops.sign(c_, desk["tax_clerk"], at=local(2025, 11, 4, 10))
    ops.sign(d, c, at=local(2025, 11, 5))
    ops.answer(e, c, "好了", at=local(2025, 11, 6))
    ops.close(e, c, at=local(2025, 11, 6, 12))
    ops.rate(e, desk["enterprise_user"], "unsatisfied", "没解决", at=local(2025, 11, 14))
    return desk


def test_the_totals(five) -> None:
    total = metrics(ServiceRequest.objects.all(), "category", now=local(2025, 11, 14, 12))["total"]
    assert (total["volume"], total["closed"], total["open"], total["open_overdue"]) == (5, 2, 3, 2)
    assert total["closed_rate"] == pytest.approx(2 / 5)
    # On time: A (answered 11-05 ≤ 11-10) of closed A, B plus open overdue C, D: 1 / (2 + 2).
    assert total["on_time_rate"] == pytest.approx(1 / 4)
    # Hand-overs: five by routing + C again = 6; signed in time: A, B, E (11-03 ≤ 11-04) and C at 税务局 = 4.
    assert total["signed_in_time_rate"] == pytest.approx(4 / 6)
    assert total["return_rate"] == pytest.approx(1 / 6)
    # Redone: E of the ever-closed A, B, E.
    assert total["redo_rate"] == pytest.approx(1 / 3)
    assert total["satisfaction_rate"] == pytest.approx(2 / 3)  # satisfied, basic; E's "unsatisfied" counts
    # A: Mon 09:00 → Wed 12:00 = 2 days 3 h = 2.125 working days; B: Mon 10:00 → next Wed 12:00 = 7 working days
    # (the weekend does not count) + 2 h = 7 + 1/12.
    assert total["mean_days"] == pytest.approx((2.125 + 7 + 1 / 12) / 2)


def test_departments_are_credited_with_their_own_hand_overs(five) -> None:
    rows = {
        r["key"]: r for r in metrics(ServiceRequest.objects.all(), "department", now=local(2025, 11, 14, 12))["rows"]
    }
    commerce, tax = rows["331082-SWJ"], rows["331082-SWU"]
    assert commerce["volume"] == 4 and tax["volume"] == 1  # lead at the end
    assert commerce["return_rate"] == pytest.approx(1 / 5)  # 5 handed to 商务局, 1 returned
    assert commerce["signed_in_time_rate"] == pytest.approx(3 / 5)  # A, B, E in time; D late; C returned
    assert tax["signed_in_time_rate"] == 1 and tax["on_time_rate"] == 0  # C open and overdue


def test_nothing_to_count(db) -> None:
    result = metrics(ServiceRequest.objects.none(), "month")
    assert result["rows"] == [] and result["total"]["volume"] == 0
