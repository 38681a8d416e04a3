"""The overview page's content: KPI cards with trends, target progress and alarms, for one region.

Built from a handful of aggregate calls to the statistics facade, the targets module and the service desk's
metrics, then cached per (region, data version) for `COCKPIT_CACHE_SECONDS`: a big screen refreshing every few
seconds costs one cache read, and a landed batch (new data version) is shown at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from industrybrain.analytics import statistics, targets
from industrybrain.analytics.engine import store
from industrybrain.analytics.statistics import Question
from industrybrain.datahub.models import Target
from industrybrain.datahub.periods import Period
from industrybrain.registry.models import Region
from industrybrain.servicedesk.metrics import metrics
from industrybrain.servicedesk.models import ServiceRequest

from . import sparkline

# Alarm lines: configuration, not facts. READ: Lishui's dashboard warns when 规上数字经济核心制造业增加值 grows
# under 5% (DOMAIN §6); on-time and 满意率 lines are our defaults.
CORE_MANUFACTURING_GROWTH_ALARM = 0.05
ON_TIME_ALARM = 0.95


def _card(key: str, title: str, unit: str, value: float | None, trend: list[dict[str, Any]], **extra: Any) -> dict:
    values = [p["value"] for p in trend]
    return {
        "key": key,
        "title": title,
        "unit": unit,
        "value": value,
        "trend": trend,
        "sparkline": sparkline.points(values),
        **extra,
    }


def _statistic_card(key: str, title: str, question: Question, months: int = 12) -> dict[str, Any]:
    """A year-to-date figure with its growth, share of all (when narrowed) and the monthly trend."""
    answer = statistics.breakdown(replace(question, by="region"))
    monthly = statistics.trend(replace(question, year_to_date=False), periods=months)
    return _card(
        key,
        title,
        answer.indicator["unit"],
        answer.total.value,
        monthly["points"],
        growth=answer.total.growth,
        share_of_all=answer.total.share_of_all,
        period_label=answer.period_label,
        data_as_of=answer.data_as_of,
    )


def _mu_card(region: Region, year: int) -> dict[str, Any]:
    question = Question("tax_per_mu", Period("Y", year, 1), region.code)
    answer = statistics.breakdown(question)
    yearly = statistics.trend(question, periods=5)
    return _card(
        "tax_per_mu",
        _("Tax per mu"),
        answer.indicator["unit"],
        answer.total.value,
        yearly["points"],
        growth=answer.total.growth,
        period_label=answer.period_label,
        data_as_of=answer.data_as_of,
    )


def _desk_card(region: Region, now: dt.datetime) -> dict[str, Any]:
    requests = ServiceRequest.objects.filter(
        region__path__startswith=region.path, created__gte=now - dt.timedelta(days=365)
    )
    figures = metrics(requests, "month", now=now)
    trend = [{"period": r["key"], "label": r["key"], "value": r["on_time_rate"]} for r in figures["rows"]]
    total = figures["total"]
    return _card(
        "requests_on_time",
        _("Requests answered on time"),
        "%",
        total["on_time_rate"],
        trend,
        volume=total["volume"],
        open_overdue=total["open_overdue"],
        satisfaction_rate=total["satisfaction_rate"],
        period_label=_("last 12 months"),
        data_as_of=figures["as_of"],
    )


def _alarms(region: Region, month: Period, desk: dict[str, Any]) -> list[dict[str, Any]]:
    alarms = []
    core = Question(
        "value_added",
        month,
        region.code,
        year_to_date=True,
        above_scale=True,
        digital_economy="core_manufacturing",
        by="region",
    )
    answer = statistics.breakdown(core)
    line = CORE_MANUFACTURING_GROWTH_ALARM
    for row in [answer.total, *answer.rows]:
        if row.growth is not None and row.growth < line:
            text = _("%(region)s: core digital manufacturing value added grew %(growth).1f%%, under %(line).0f%%") % {
                "region": row.name,
                "growth": row.growth * 100,
                "line": line * 100,
            }
            alarms.append({"kind": "indicator", "region": row.name, "value": row.growth, "line": line, "text": text})
    if desk["open_overdue"]:
        alarms.append(
            {
                "kind": "requests",
                "value": desk["open_overdue"],
                "text": _("%(count)d open requests are overdue") % {"count": desk["open_overdue"]},
            }
        )
    if desk["value"] is not None and desk["value"] < ON_TIME_ALARM:
        alarms.append(
            {
                "kind": "requests",
                "value": desk["value"],
                "line": ON_TIME_ALARM,
                "text": _("On-time rate %(rate).1f%% is under %(line).0f%%")
                % {"rate": desk["value"] * 100, "line": ON_TIME_ALARM * 100},
            }
        )
    return alarms


def build(region: Region, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the overview shows, as plain data (the page's JSON)."""
    moment = now or timezone.now()
    month = statistics.latest_month("value_added")
    cards: list[dict[str, Any]] = []
    alarms: list[dict[str, Any]] = []
    if month is not None:
        above = Question("value_added", month, region.code, year_to_date=True, above_scale=True, by=None)
        cards.append(_statistic_card("value_added", _("Value added above designated size"), above))
        cards.append(
            _statistic_card(
                "de_core_value_added", _("Digital-economy core value added"), replace(above, digital_economy="core")
            )
        )
        cards.append(_mu_card(region, month.year - 1 if month.index < 12 else month.year))
    desk = _desk_card(region, moment)
    cards.append(desk)
    if month is not None:
        alarms = _alarms(region, month, desk)
    year = month.year if month else timezone.localdate().year
    current = Target.objects.filter(region__path__startswith=region.path, year__gte=year)
    progress = [targets.progress(t, year).as_dict() for t in current.select_related("region", "indicator")]
    return {
        "region": {"code": region.code, "name": region.name},
        "period": month.label if month else None,
        "period_label": month.label_zh(year_to_date=True) if month else None,
        "cards": cards,
        "targets": progress,
        "alarms": alarms,
        "data_version": store().meta("data_version"),
        "data_as_of": store().meta("data_as_of"),
    }


def cached(region: Region) -> dict[str, Any]:
    # titles and alarm texts are translated when built, so each language has its own entry
    key = f"cockpit:overview:{region.code}:{store().meta('data_version')}:{get_language()}"
    found = cache.get(key)
    if found is None:
        found = build(region)
        cache.set(key, found, settings.COCKPIT_CACHE_SECONDS)
    return found
