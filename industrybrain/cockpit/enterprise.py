"""The Enterprise 360° page: one enterprise's registry record, indicator trends, grades and service requests.

The costly parts — the trends (one query to the analytical store through the statistics facade) and the grades
(every stored run's results file) — do not depend on who asks, so they are cached per (enterprise, data
version, newest run); a landed batch or a new run is shown at once. What does depend on the user is cheap and
built on every view: the registry record, which of the runs they may see, and the requests they may see (a
clerk only their department's).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from industrybrain.analytics import statistics
from industrybrain.analytics.engine import store
from industrybrain.core.caching import VERSIONED_SECONDS, remembered
from industrybrain.core.datatable import Column, DataTable
from industrybrain.core.times import local_minute
from industrybrain.datahub.models import Indicator
from industrybrain.datahub.periods import Period
from industrybrain.evaluations import operations as evaluations
from industrybrain.evaluations.models import EvaluationRun
from industrybrain.registry.models import DigitalEconomyCategory, DigitalEconomyMapping, Enterprise
from industrybrain.servicedesk.models import ServiceRequest

# What an enterprise reports monthly (统计联网直报) and what its yearly forms and 亩均 figures add.
MONTHLY = ("industrial_output", "revenue", "value_added", "tax_paid", "electricity")
YEARLY = ("tax_per_mu", "value_added_per_mu", "labour_productivity", "rd_expense", "rd_intensity",
          "employees_avg", "land_area")  # fmt: skip
MONTHS_SHOWN = 24  # two years on the charts, so a season is seen against the one before
YEARS_SHOWN = 5
MAX_REQUESTS = 1000


def _growth(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return (now - before) / abs(before)


# --- the registry record (built per view: cheap, and labels follow the page's language) ----------------------
def digital_economy(industry_id: str) -> list[dict[str, Any]]:
    """The current digital-economy classification's items covering the enterprise's GB/T 4754 class."""
    mappings = list(
        DigitalEconomyMapping.objects.filter(category__version__is_current=True, industry_id=industry_id)
        .select_related("category")
        .order_by("category__code")
    )
    if not mappings:
        return []
    codes = {m.category.major_code for m in mappings}
    majors = dict(
        DigitalEconomyCategory.objects.filter(version__is_current=True, code__in=codes).values_list("code", "name")
    )
    return [
        {"code": m.category.code, "name": m.category.name, "major": m.category.major_code,
         "major_name": majors.get(m.category.major_code, ""), "is_core": m.category.is_core}
        for m in mappings
    ]  # fmt: skip


def registry_record(firm: Enterprise, user: Any) -> dict[str, Any]:
    park = firm.park
    links = {"registry": reverse("enterprise-detail", args=[firm.uscc])}
    if user.is_administrator:
        links["changes"] = reverse("accounts-api:objectchange-list") + f"?model=enterprise&object_id={firm.pk}"
    return {
        "uscc": firm.uscc, "name": firm.name,
        "region": {"code": firm.region_id, "name": firm.region.name},
        "park": {"code": park.code, "name": park.name, "region_name": park.region.name} if park else None,
        "industry": {"code": firm.industry_id, "name": firm.industry.name, "section": firm.industry.section},
        "digital_economy": digital_economy(firm.industry_id),
        "is_above_scale": firm.is_above_scale, "is_listed": firm.is_listed,
        "founded_on": firm.founded_on.isoformat() if firm.founded_on else None,
        "land_area_mu": None if firm.land_area_mu is None else float(firm.land_area_mu),
        "employees": firm.employees,
        "status": firm.status, "status_label": str(firm.get_status_display()),
        "ownership": firm.ownership, "ownership_label": str(firm.get_ownership_display()) if firm.ownership else "",
        "links": links,
    }  # fmt: skip


# --- trends (cached) -----------------------------------------------------------------------------------------
def latest_month() -> Period | None:
    """The cockpit's "now": the last month any enterprise reported one of the monthly indicators."""
    found = [m for m in (statistics.latest_month(code) for code in MONTHLY) if m is not None]
    return max(found) if found else None


def _indicator_meta(codes: tuple[str, ...]) -> dict[str, dict[str, str]]:
    rows = Indicator.objects.filter(code__in=codes).values("code", "name", "name_en", "unit")
    return {row["code"]: row for row in rows}


def _monthly_series(meta: dict[str, str], values: dict[Period, Any], latest: Period) -> dict[str, Any]:
    months = [latest.shifted(-k) for k in range(MONTHS_SHOWN - 1, -1, -1)]
    points = []
    for month in months:
        now, before = values[month].value, values[month.same_period_last_year()].value
        points.append({"period": month.label, "label": month.label_zh(), "value": now, "last_year": before,
                       "growth": _growth(now, before)})  # fmt: skip
    ytd, ytd_before = values[latest].year_to_date, values[latest.same_period_last_year()].year_to_date
    year_to_date = {"period": latest.label, "label": latest.label_zh(year_to_date=True), "value": ytd,
                    "last_year": ytd_before, "growth": _growth(ytd, ytd_before)}  # fmt: skip
    return {**meta, "year_to_date": year_to_date, "points": points}


def _reported(series: dict[str, Any]) -> bool:
    return series["year_to_date"]["value"] is not None or any(p["value"] is not None for p in series["points"])


def _yearly_rows(metas: dict[str, dict[str, str]], values: dict[str, Any], years: list[Period]) -> list[dict]:
    rows = []
    for code in YEARLY:
        by_year = {str(y.year): values[code][y].value for y in years}
        if all(v is None for v in by_year.values()):
            continue
        last = by_year[str(years[-1].year)]
        before = by_year[str(years[-2].year)] if len(years) > 1 else None
        rows.append({**metas[code], "values": by_year, "growth": _growth(last, before)})
    return rows


def trends(uscc: str) -> dict[str, Any]:
    """Monthly series of the last MONTHS_SHOWN months with the same months a year before, the year-to-date
    figures with growth, and the yearly figures of the last complete years: one facade call for all."""
    latest = latest_month()
    if latest is None:
        return {"period": None, "period_label": None, "monthly": [], "years": [], "yearly": []}
    months = [latest.shifted(-k) for k in range(MONTHS_SHOWN + 11, -1, -1)]
    last_year = latest.year if latest.index == 12 else latest.year - 1  # the yearly forms of a running year wait
    years = [Period("Y", y, 1) for y in range(last_year - YEARS_SHOWN + 1, last_year + 1)]
    values = statistics.enterprise_trend(uscc, MONTHLY + YEARLY, months + years)
    metas = _indicator_meta(MONTHLY + YEARLY)
    monthly = [_monthly_series(metas[code], values[code], latest) for code in MONTHLY]
    reported = [y for y in years if any(values[code][y].value is not None for code in YEARLY)]
    years = years[years.index(reported[0]) :] if reported else years[-2:]  # no empty years before the first one
    return {
        "period": latest.label,
        "period_label": latest.label_zh(year_to_date=True),
        "monthly": [s for s in monthly if _reported(s)],  # e.g. no 工业总产值 outside manufacturing
        "years": [y.year for y in years],
        "yearly": _yearly_rows(metas, values, years),
    }


# --- the cached part -----------------------------------------------------------------------------------------
def _all_runs() -> Any:
    return (
        EvaluationRun.objects.filter(spec__entity="enterprise")
        .select_related("spec", "region")
        .order_by("-period", "spec__code", "-created", "-id")
    )


def facts(uscc: str) -> dict[str, Any]:
    """What the store and the stored runs say about the enterprise (the same for every user)."""
    facts_store = store()
    return {
        "trends": trends(uscc),
        "grades": evaluations.enterprise_grades(uscc, _all_runs()),
        "data_version": facts_store.meta("data_version"),
        "data_as_of": facts_store.meta("data_as_of"),
    }


def cached_facts(uscc: str) -> dict[str, Any]:
    newest_run = EvaluationRun.objects.aggregate(newest=Max("pk"))["newest"]
    key = f"cockpit:enterprise:{uscc}:{store().meta('data_version')}:{newest_run}"
    return remembered(key, lambda: facts(uscc), seconds=VERSIONED_SECONDS)


# --- per user --------------------------------------------------------------------------------------------------
def visible_grades(grades: list[dict[str, Any]], uscc: str, user: Any) -> list[dict[str, Any]]:
    """The grades of the runs this user may see, each with the link to its explanation and what-if."""
    asked = EvaluationRun.objects.visible_to(user).filter(pk__in=[g["run"] for g in grades])
    runs = set(asked.values_list("pk", flat=True))
    return [
        {**g, "url": reverse("evaluation-entity", kwargs={"pk": g["run"], "entity_id": uscc})}
        for g in grades
        if g["run"] in runs
    ]  # fmt: skip


def service_requests(firm: Enterprise, user: Any, now: dt.datetime) -> list[dict[str, Any]]:
    """The enterprise's requests this user may see, newest first."""
    found = (
        ServiceRequest.objects.visible_to(user)
        .filter(enterprise=firm)
        .select_related("category", "lead_department")
        .order_by("-created", "-id")[:MAX_REQUESTS]
    )
    return [
        {"number": r.number, "title": r.title, "category": r.category.name,
         "status": r.status, "status_label": str(r.get_status_display()),
         "department": r.lead_department.name if r.lead_department else "",
         "created": r.created.isoformat(), "deadline": r.deadline.isoformat() if r.deadline else None,
         "overdue": r.is_overdue(now), "open": r.is_open,
         "satisfaction": r.satisfaction,
         "satisfaction_label": str(r.get_satisfaction_display()) if r.satisfaction else "",
         "url": reverse("servicedesk-request", kwargs={"number": r.number})}
        for r in found
    ]  # fmt: skip


def _latest_grades(grades: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest grade of each evaluation (grades come newest period first)."""
    newest: dict[str, dict[str, Any]] = {}
    for grade in grades:
        newest.setdefault(grade["spec"], grade)
    return list(newest.values())


def build(firm: Enterprise, user: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the page shows, as plain data (the page's JSON)."""
    moment = now or timezone.now()
    found = cached_facts(firm.uscc)
    grades = visible_grades(found["grades"], firm.uscc, user)
    requests = service_requests(firm, user, moment)
    open_requests = [r for r in requests if r["open"]]
    return {
        "enterprise": registry_record(firm, user),
        "trends": found["trends"],
        "grades": grades,
        "latest_grades": _latest_grades(grades),
        "requests": requests,
        "requests_summary": {
            "total": len(requests),
            "open": len(open_requests),
            "overdue": sum(1 for r in open_requests if r["overdue"]),
        },
        "data_version": found["data_version"],
        "data_as_of": found["data_as_of"],
    }


# --- the HTML page: charts and tables over the same data -------------------------------------------------------
def _name(meta: dict[str, Any]) -> str:
    return meta["name_en"] if get_language() == "en" and meta.get("name_en") else meta["name"]


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _signed_percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:+.1f}%"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def chart_option(series: dict[str, Any]) -> dict[str, Any]:
    """A line of the monthly values, and a dashed one of the same months a year before."""
    points = series["points"]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "left": "center"},
        "grid": {"left": 64, "right": 24, "top": 40, "bottom": 32},
        "xAxis": {"type": "category", "data": [p["period"] for p in points]},
        "yAxis": {"type": "value", "name": series["unit"]},
        "series": [
            {"name": _name(series), "type": "line", "data": [_rounded(p["value"]) for p in points]},
            {"name": _("Same month last year"), "type": "line", "symbol": "none", "lineStyle": {"type": "dashed"},
             "data": [_rounded(p["last_year"]) for p in points]},
        ],
    }  # fmt: skip


def _trend_table(request: HttpRequest, uscc: str, series: dict[str, Any]) -> DataTable:
    unit = series["unit"]
    columns = [
        Column("period", _("Month"), kind="code"),
        Column("value", _("Value (%(unit)s)") % {"unit": unit}, kind="number"),
        Column("last_year", _("Last year (%(unit)s)") % {"unit": unit}, kind="number"),
        Column("growth", _("Year on year"), kind="percent"),
    ]
    return DataTable(request, columns, series["points"], name=f"{uscc}-{series['code']}", prefix=f"{series['code']}-",
                     per_page=12, default_sort="-period", caption=_name(series))  # fmt: skip


def _yearly_table(request: HttpRequest, uscc: str, data: dict[str, Any]) -> DataTable:
    years = [str(y) for y in data["years"]]
    columns = [Column("name", _("Indicator")), Column("unit", _("Unit"), sortable=False)]
    columns += [Column(f"y{y}", y, kind="number") for y in years]
    columns.append(Column("growth", _("Change on the year before"), kind="percent"))
    rows = []
    for row in data["yearly"]:
        ratio = row["unit"] == "ratio"  # a share reads as a percentage; the rows share number columns
        values = {f"y{y}": None if v is None else v * 100 if ratio else v for y, v in row["values"].items()}
        rows.append({"name": _name(row), "unit": "%" if ratio else row["unit"], "growth": row["growth"], **values})
    return DataTable(request, columns, rows, name=f"{uscc}-yearly", prefix="yearly-", caption=_("Yearly figures"))


def _grade_table(request: HttpRequest, uscc: str, grades: list[dict[str, Any]]) -> DataTable:
    columns = [
        Column("period", _("Year"), kind="code"),
        Column("evaluation", _("Evaluation"), link="url", choices=True),
        Column("population_name", _("Population")),
        Column("score", _("Score"), kind="number"),
        Column("rank", _("Rank"), kind="integer"),
        Column("ranked", _("Ranked in population"), kind="integer"),
        Column("county_rank", _("Rank in county"), kind="integer"),
        Column("grade_text", _("Grade"), choices=True),
        Column("tier_name", _("Tier")),
        Column("reserve_tier_name", _("Reserve candidate for")),
        Column("region_name", _("Run over")),
    ]
    rows = [
        {**g, "evaluation": _evaluation_name(g), "county_rank": g["ranks_within"].get("county"),
         "grade_text": f"{g['grade']} {g['grade_name']}".strip() if g["grade"] else ""}
        for g in grades
    ]  # fmt: skip
    return DataTable(request, columns, rows, name=f"{uscc}-grades", prefix="grades-", caption=_("Grades"))


def _evaluation_name(grade: dict[str, Any]) -> str:
    return grade["spec_name_en"] if get_language() == "en" and grade["spec_name_en"] else grade["spec_name"]


def _request_table(request: HttpRequest, uscc: str, requests: list[dict[str, Any]]) -> DataTable:
    columns = [
        Column("number", _("Number"), kind="code", link="url"),
        Column("title", _("Title")),
        Column("category", _("Category"), choices=True),
        Column("status_label", _("Request status"), choices=True),
        Column("department", _("Lead department"), choices=True),
        Column("filed", _("Filed"), kind="code"),
        Column("due", _("Deadline"), kind="code"),
        Column("overdue_text", _("Overdue"), choices=True),
        Column("satisfaction_label", _("Satisfaction"), choices=True),
    ]
    rows = [
        {**r, "filed": _local_day(r["created"]), "due": _local_day(r["deadline"]),
         "overdue_text": _("Overdue") if r["overdue"] else ""}
        for r in requests
    ]  # fmt: skip
    return DataTable(request, columns, rows, name=f"{uscc}-requests", prefix="requests-", caption=_("Service requests"))


def _local_day(moment: str | None) -> str:
    return timezone.localtime(dt.datetime.fromisoformat(moment)).date().isoformat() if moment else ""


def page(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """The HTML page's charts and tables, built from the same data as the JSON."""
    uscc = data["enterprise"]["uscc"]
    monthly = [
        {"series": s, "name": _name(s), "option": chart_option(s), "chart_id": f"chart-{s['code']}",
         "value_text": _number(s["year_to_date"]["value"]), "growth_text": _signed_percent(s["year_to_date"]["growth"]),
         "table": _trend_table(request, uscc, s)}
        for s in data["trends"]["monthly"]
    ]  # fmt: skip
    yearly = _yearly_table(request, uscc, data["trends"])
    grades = _grade_table(request, uscc, data["grades"])
    requests = _request_table(request, uscc, data["requests"])
    return {
        "monthly": monthly,
        "yearly_table": yearly,
        "grade_table": grades,
        "request_table": requests,
        "data_as_of_text": local_minute(data["data_as_of"]) or "—",
        "grade_cards": [{**g, "evaluation": _evaluation_name(g)} for g in data["latest_grades"]],
        "tables": [*(m["table"] for m in monthly), yearly, grades, requests],
    }
