"""The overview page's content: KPI cards with trends, target progress and alarms, for one region.

Built from a handful of aggregate calls to the statistics facade, the targets module and the service desk's
metrics, then cached in three parts keyed by what each depends on (see `cached`): a big screen refreshing every
few seconds costs a few cache reads, and a landed batch (new data version) or a changed request shows at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from industrybrain.analytics import statistics, targets
from industrybrain.analytics.engine import store
from industrybrain.analytics.statistics import Question
from industrybrain.core.caching import VERSIONED_SECONDS, remembered
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


def _region_requests(region: Region) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.filter(region__path__startswith=region.path)


def _desk_card(region: Region, now: dt.datetime) -> dict[str, Any]:
    requests = _region_requests(region).filter(created__gte=now - dt.timedelta(days=365))
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


def _indicator_alarms(region: Region, month: Period) -> list[dict[str, Any]]:
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
    return alarms


def _desk_alarms(desk: dict[str, Any]) -> list[dict[str, Any]]:
    alarms = []
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


def statistics_part(region: Region) -> dict[str, Any]:
    """What depends only on the analytical store: the statistics cards and their alarms (one data version)."""
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
        alarms = _indicator_alarms(region, month)
    return {
        "region": {"code": region.code, "name": region.name},
        "period": month.label if month else None,
        "period_label": month.label_zh(year_to_date=True) if month else None,
        "year": month.year if month else timezone.localdate().year,
        "cards": cards,
        "alarms": alarms,
        "data_version": store().meta("data_version"),
        "data_as_of": store().meta("data_as_of"),
    }


def targets_part(region: Region, year: int) -> list[dict[str, Any]]:
    current = _targets(region, year)
    return [targets.progress(t, year).as_dict() for t in current.select_related("region", "indicator")]


def _targets(region: Region, year: int) -> QuerySet[Target]:
    return Target.objects.filter(region__path__startswith=region.path, year__gte=year)


def _assemble(figures: dict[str, Any], progress: list[dict[str, Any]], desk: dict[str, Any]) -> dict[str, Any]:
    answer = {key: value for key, value in figures.items() if key != "year"}
    return {
        **answer,
        "cards": [*figures["cards"], desk],
        "targets": progress,
        "alarms": [*figures["alarms"], *_desk_alarms(desk)],
    }


def build(region: Region, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the overview shows, as plain data (the page's JSON)."""
    figures = statistics_part(region)
    return _assemble(figures, targets_part(region, figures["year"]), _desk_card(region, now or timezone.now()))


def cached(region: Region) -> dict[str, Any]:
    """`build` from three cache entries, each keyed by what it depends on, so that a change shows at once and
    nothing is rebuilt while nothing changed: the statistics cards by the data version; the targets by the data
    version and the targets' rows; the desk card by the last change to the region's requests — and, since
    requests become overdue as time passes, rebuilt after `COCKPIT_LIVE_SECONDS` at the latest. Texts are
    translated when built, so each language has its own entries."""
    language = get_language()
    version = store().meta("data_version")
    base = f"cockpit:overview:{region.code}:{language}"
    figures = remembered(f"{base}:{version}", lambda: statistics_part(region), seconds=VERSIONED_SECONDS)
    year = figures["year"]
    rows = list(_targets(region, year).order_by("pk").values_list("pk", "value", "year", "above_scale_only"))
    progress = remembered(
        f"{base}:targets:{version}:{hash(repr(rows))}", lambda: targets_part(region, year), seconds=VERSIONED_SECONDS
    )
    last = _region_requests(region).aggregate(changed=Max("updated"), count=Count("id"))
    desk = remembered(
        f"{base}:desk:{last['changed'].timestamp() if last['changed'] else 0}:{last['count']}",
        lambda: _desk_card(region, timezone.now()),
        seconds=settings.COCKPIT_LIVE_SECONDS,
    )
    return _assemble(figures, progress, desk)


def warm() -> int:
    """Build the overview of every region a user is scoped to, in the default language, so that the first
    visitor after a start does not wait for the engine's first compilations (about a second at province scale).
    Run by `serve` in the background; returns how many overviews were built."""
    from django.contrib.auth import get_user_model
    from django.utils import translation

    codes = get_user_model().objects.exclude(scope_region=None).values_list("scope_region", flat=True).distinct()
    built = 0
    with translation.override(settings.LANGUAGE_CODE):
        for region in Region.objects.filter(code__in=list(codes)).order_by("code"):
            cached(region)
            built += 1
    return built
