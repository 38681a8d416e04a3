"""The bureau's monthly questions, answered from the cube: roll-ups along the region tree and by industry,
digital-economy category, park or 规上 flag, with 同比/环比 growth, shares, ranks, top-N enterprises and
"data as of" on every answer.

A question is a `Question`; `breakdown` answers it. The computations are Ibis expressions over the store's
tables (cube, entity_periods, and the registry's copies), so the same code can run on another engine.
Derived indicators (亩均税收 …) are computed from the *aggregated* components of each row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from industrybrain.datahub.formulas import parse_formula
from industrybrain.datahub.models import Indicator
from industrybrain.datahub.periods import Period
from industrybrain.registry.choices import Ownership
from industrybrain.registry.models import (
    CORE_DIGITAL_ECONOMY_CATEGORIES,
    DigitalEconomyCategory,
    DigitalEconomyVersion,
    Industry,
    Park,
    Region,
)

from . import dimensions
from .cube import Cells, Population, cube_sums, entity_ranking, entity_sums
from .engine import store

GROUPINGS = (
    "region", "park", "section", "division", "group", "class", "digital_economy", "above_scale", "ownership",
)  # fmt: skip
DIGITAL_ECONOMY_SCOPES = {
    "core": CORE_DIGITAL_ECONOMY_CATEGORIES,
    "core_manufacturing": CORE_DIGITAL_ECONOMY_CATEGORIES,
    "all": ("01", "02", "03", "04", "05"),
    **{code: (code,) for code in ("01", "02", "03", "04", "05")},
}


class QuestionError(ValueError):
    """The question cannot be answered as asked (unknown indicator, bad grouping …)."""


@dataclass(frozen=True)
class Question:
    indicator: str
    period: Period
    region: str  # the region whose parts are compared (its children, parks, industries …)
    year_to_date: bool = False
    by: str | None = "region"  # None: the whole population only
    above_scale: bool | None = None
    ownership: str | None = None  # an Ownership value (登记注册类型 group)
    industry: str | None = None  # a GB/T 4754 node: section letter or 2-4 digits
    digital_economy: str | None = None  # a key of DIGITAL_ECONOMY_SCOPES
    park: str | None = None
    de_version: int | None = None

    @property
    def filtered(self) -> bool:
        return self.above_scale is not None or bool(self.ownership) or bool(self.industry) or bool(self.digital_economy)


@dataclass
class Row:
    key: str
    name: str
    value: float | None
    last_year: float | None = None
    growth: float | None = None  # 同比, as a fraction (0.182 = 18.2%)
    previous: float | None = None
    change: float | None = None  # 环比 for months and quarters that are not year-to-date
    share: float | None = None  # of the total of the rows' population
    share_of_all: float | None = None  # of the same row without the industry/DE/规上 filters
    rank: int | None = None


@dataclass
class Answer:
    question: dict[str, Any]
    indicator: dict[str, Any]
    period_label: str
    total: Row
    rows: list[Row] = field(default_factory=list)
    data_as_of: str | None = None
    data_version: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def authorise(question: Question, user: Any) -> Question:
    """The question as this user may ask it: about a region inside their own subtree (a park user: their park
    only). Enterprise users and users without a scope get no regional statistics."""
    from django.core.exceptions import PermissionDenied

    path = getattr(user, "scope_path", None)
    if path is None or getattr(user, "role", None) == "enterprise":
        raise PermissionDenied(_("Regional statistics are not available to this account."))
    region = _region(question.region)
    if not region.path.startswith(path):
        raise PermissionDenied(_("That region is outside your scope."))
    if user.scope_park_id:
        return replace(question, park=user.scope_park.code)
    return question


# --- components and periods ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    """Where in the cube an indicator's value for a period sits."""

    indicator: str
    pkind: str
    year: int
    indexes: tuple[int, ...]
    column: str  # value_sum or ytd_sum


def slot(indicator: Indicator, period: Period, year_to_date: bool) -> Slot | None:
    """The cube cells holding `indicator` for `period`: a year of a monthly flow is December's year-to-date
    value, a quarter of a monthly flow sums its months, a yearly stock serves every month of its year."""
    own, wanted, code = indicator.periodicity, period.kind, indicator.code
    ytd = year_to_date and indicator.is_flow
    if own == wanted:
        return Slot(code, own, period.year, (period.index,), "ytd_sum" if ytd else "value_sum")
    order = "MQY"
    if order.index(own) < order.index(wanted):  # coarser question than the data: fold
        last = 12 if own == "M" else 4
        per = 3 if (own, wanted) == ("M", "Q") else last
        end = last if wanted == "Y" else period.index * per
        if indicator.is_flow and (ytd or wanted == "Y"):
            return Slot(code, own, period.year, (end,), "ytd_sum")
        if indicator.is_flow:
            return Slot(code, own, period.year, tuple(range(end - per + 1, end + 1)), "value_sum")
        return Slot(code, own, period.year, (end,), "value_sum")
    if not indicator.is_flow:  # a stock known per year answers for every month of it
        return Slot(code, own, period.year, (1,) if own == "Y" else (4,), "value_sum")
    return None


# --- the query ------------------------------------------------------------------------------------------
def _region(code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise QuestionError(_("unknown region %(code)s") % {"code": code})
    return region


def _de_version(question: Question) -> int | None:
    if not question.digital_economy and question.by != "digital_economy":
        return None
    if question.de_version:
        return question.de_version
    current = DigitalEconomyVersion.objects.filter(is_current=True).values_list("pk", flat=True).first()
    if current is None:
        raise QuestionError(_("no digital-economy classification is loaded"))
    return current


def population(question: Question, region: Region) -> Population:
    scope = question.digital_economy
    return Population(
        region_path=region.path,
        park=question.park,
        above_scale=question.above_scale,
        ownership=question.ownership,
        industry=question.industry,
        de_majors=DIGITAL_ECONOMY_SCOPES[scope] if scope else (),
        de_version=_de_version(question),
        manufacturing_only=scope == "core_manufacturing",
    )


class Sums(NamedTuple):
    """An indicator's value for one row: the narrowed population's and the whole one's (None where no
    enterprise had a value), and how many enterprises had one (for count() in formulas)."""

    value: float | None = None
    whole: float | None = None
    count: int = 0
    whole_count: int = 0


NOTHING = Sums()
# Values of one indicator: per period, per row key ("" = the whole population).
Values = dict[Period, dict[str, Sums]]


def _fold(rows: list[dict[str, Any]], found: Slot) -> dict[str, Sums]:
    """Sum the rows of one slot per key: a quarter of monthly values spans three cells."""
    sums: dict[str, list] = {}
    for row in rows:
        if row["year"] != found.year or row["idx"] not in found.indexes:
            continue
        entry = sums.setdefault(row.get("key", ""), [Decimal(0), 0, Decimal(0), 0])
        entry[0] += row["v"] or 0
        entry[1] += row["n"] or 0
        entry[2] += row["v_all"] or 0
        entry[3] += row["n_all"] or 0
    return {
        k: Sums(float(v) if n else None, float(va) if na else None, int(n), int(na))
        for k, (v, n, va, na) in sums.items()
    }


def _derive(formula: Any, parts: dict[str, dict[str, Sums]], key: str) -> Sums:
    """A derived indicator for one row, from its components' sums (narrowed and whole alike)."""
    found = {code: parts[code].get(key, NOTHING) for code in formula.names}
    value = formula.evaluate({c: s.value for c, s in found.items()}, {c: s.count for c, s in found.items()})
    whole = formula.evaluate({c: s.whole for c, s in found.items()}, {c: s.whole_count for c, s in found.items()})
    return Sums(value, whole)


def _stored_values(question: Question, region: Region, indicator: Indicator, periods: list[Period]) -> Values:
    slots = {p: slot(indicator, p, question.year_to_date) for p in periods}
    found = [s for s in slots.values() if s is not None]
    if not found:
        return {p: {} for p in periods}
    cells = Cells(
        indicator=indicator.code,
        pkind=found[0].pkind,
        years=tuple(sorted({s.year for s in found})),
        indexes=tuple(sorted({i for s in found for i in s.indexes})),
        column=found[0].column,
    )
    people = population(question, region)
    depth = len(region.path.strip("/").split("/"))
    rows = cube_sums(cells, people, question.by, depth) if question.by else []
    # Every grouping but the digital-economy one puts each cell under exactly one key (empty when it has
    # none, e.g. no park), so the total is the sum of the rows; categories may share classes and overlap.
    partitions = question.by is not None and question.by != "digital_economy"
    totals = [{**r, "key": ""} for r in rows] if partitions else cube_sums(cells, people, None, depth)
    result: Values = {}
    for period, found_slot in slots.items():
        if found_slot is None:
            result[period] = {}
            continue
        keyed = {k: v for k, v in _fold(rows, found_slot).items() if k}
        result[period] = {**keyed, "": _fold(totals, found_slot).get("", NOTHING)}
    return result


def _region_facts(found: Slot, region: Region) -> list[dict[str, Any]]:
    """The values reported for regions themselves in `region`'s subtree, with each region's path and level."""
    return (
        store()
        .query(
            """SELECT f.entity_id AS code, r.path, r.level, f.value FROM facts f JOIN regions r ON r.code = f.entity_id
           WHERE f.entity_kind = 'R' AND f.indicator = ? AND f.pkind = ? AND f.year = ? AND f.idx = ?
             AND f.ytd = ? AND starts_with(r.path, ?)""",
            [found.indicator, found.pkind, found.year, found.indexes[-1], found.column == "ytd_sum", region.path],
        )
        .to_pylist()
    )


def _region_sums(question: Question, region: Region, indicator: Indicator, period: Period) -> dict[str, Sums]:
    """Region-level indicators: each region's reported value; a region without one sums its counties'."""
    found = slot(indicator, period, question.year_to_date)
    if found is None:
        return {}
    facts = _region_facts(found, region)
    own = {f["code"]: f["value"] for f in facts}
    counties = [f for f in facts if f["level"] == "county"]
    results: dict[str, Any] = {}
    children = region.children.values_list("code", flat=True) if question.by == "region" else []
    for key in [region.code, *children]:
        parts = [f["value"] for f in counties if f"{key}/" in f["path"]]
        summed = sum(parts, Decimal(0)) if parts and indicator.aggregation == "sum" else None
        value = own.get(key, summed)
        results[key] = NOTHING if value is None else Sums(float(value), float(value), 1, 1)
    results[""] = results.pop(region.code)
    return results


def latest_month(indicator_code: str) -> Period | None:
    """The last month for which the indicator has any value in the store (the cockpit's "now")."""
    rows = (
        store()
        .query(
            "SELECT max(CAST(year AS INTEGER) * 100 + idx) AS latest FROM cube"
            " WHERE indicator = ? AND pkind = 'M' AND ytd_n > 0",
            [indicator_code],
        )
        .to_pylist()
    )
    latest = rows[0]["latest"] if rows else None
    return None if latest is None else Period("M", latest // 100, latest % 100)


def reported_region_values(indicator: Indicator, period: Period, region: Region) -> dict[str, float]:
    """Region code -> the value reported for that region itself, for every region in `region`'s subtree."""
    found = slot(indicator, period, False)
    if found is None or indicator.level != "region":
        return {}
    return {row["code"]: float(row["value"]) for row in _region_facts(found, region)}


def values(question: Question, indicator: Indicator, periods: list[Period]) -> Values:
    """The (stored or derived) indicator for each period: per row key, the narrowed and the whole value."""
    region = _region(question.region)
    if indicator.is_derived:
        formula = parse_formula(indicator.formula)
        parts = {code: values(question, _indicator(code), periods) for code in formula.names}
        result: Values = {}
        for period in periods:
            by_code = {c: parts[c][period] for c in formula.names}
            keys = set().union(*(p.keys() for p in by_code.values()))
            result[period] = {k: _derive(formula, by_code, k) for k in keys}
        return result
    if indicator.level == "region":
        return {p: _region_sums(question, region, indicator, p) for p in periods}
    return _stored_values(question, region, indicator, periods)


def total(question: Question, indicator: Indicator, period: Period) -> float | None:
    """The whole population's value of the question for one period."""
    whole = replace(question, by=None)
    return values(whole, indicator, [period])[period].get("", NOTHING).value


def _indicator(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise QuestionError(_("unknown indicator %(code)s") % {"code": code})
    return indicator


# --- the answer ------------------------------------------------------------------------------------------
def _growth(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return (now - before) / abs(before)


def _ranks(rows: list[Row], descending: bool) -> None:
    """Min rank with ties (1, 2, 2, 4); rows without a value get none."""
    ranked = sorted((r for r in rows if r.value is not None), key=lambda r: r.value, reverse=descending)
    for row in ranked:
        row.rank = 1 + sum(
            1 for other in ranked if (other.value > row.value if descending else other.value < row.value)
        )


def _names(question: Question, keys: Iterable[str], version: int | None) -> dict[str, str]:
    keys = list(keys)
    if question.by == "region":
        return dict(Region.objects.filter(code__in=keys).values_list("code", "name"))
    if question.by == "park":
        return dict(Park.objects.filter(code__in=keys).values_list("code", "name"))
    if question.by == "digital_economy":
        rows = DigitalEconomyCategory.objects.filter(version_id=version, code__in=keys).values_list("code", "name")
        return dict(rows)
    if question.by == "above_scale":
        return {"true": _("规上"), "false": _("规下")}
    if question.by == "ownership":
        return {**{str(k): str(v) for k, v in Ownership.choices}, "": _("Unknown")}
    return dict(Industry.objects.filter(code__in=keys).values_list("code", "name"))


def breakdown(question: Question) -> Answer:
    if question.by not in GROUPINGS:
        raise QuestionError(_("unknown grouping %(by)s") % {"by": question.by})
    if question.digital_economy and question.digital_economy not in DIGITAL_ECONOMY_SCOPES:
        raise QuestionError(_("unknown digital-economy scope %(scope)s") % {"scope": question.digital_economy})
    dimensions.ensure_current()
    indicator = _indicator(question.indicator)
    period = question.period
    before = period.same_period_last_year()
    previous = None if question.year_to_date or period.kind == "Y" else period.previous()
    found = values(question, indicator, [p for p in (period, before, previous) if p is not None])
    now, last_year = found[period], found[before]
    earlier = found[previous] if previous is not None else {}
    names = _names(question, [k for k in now if k], _de_version(question))
    total_value = now.get("", NOTHING).value

    def row(key: str, name: str) -> Row:
        value, whole = now.get(key, NOTHING).value, now.get(key, NOTHING).whole
        before_value, earlier_value = last_year.get(key, NOTHING).value, earlier.get(key, NOTHING).value
        return Row(
            key=key,
            name=name,
            value=value,
            last_year=before_value,
            growth=_growth(value, before_value),
            previous=earlier_value,
            change=_growth(value, earlier_value),
            share=value / total_value if value is not None and total_value else None,
            share_of_all=value / whole if question.filtered and value is not None and whole else None,
        )

    rows = [row(k, names.get(k, k)) for k in sorted(k for k in now if k)]
    _ranks(rows, descending=indicator.polarity != "negative")
    facts = store()
    return Answer(
        question={**asdict(question), "period": period.label},
        indicator={"code": indicator.code, "name": indicator.name, "unit": indicator.unit},
        period_label=period.label_zh(question.year_to_date),
        total=row("", _region(question.region).name),
        rows=rows,
        data_as_of=facts.meta("data_as_of"),
        data_version=facts.meta("data_version"),
    )


# --- enterprises and trends -------------------------------------------------------------------------------
def enterprise_values(question: Question, indicator: Indicator, period: Period) -> dict[str, float | None]:
    """USCC -> the indicator's value for each enterprise in the question's population (derived ones too)."""
    region = _region(question.region)
    if indicator.is_derived:
        formula = parse_formula(indicator.formula)
        parts = {code: enterprise_values(question, _indicator(code), period) for code in formula.names}
        keys = set().union(*(p.keys() for p in parts.values()))
        return {
            k: formula.evaluate(
                {c: parts[c].get(k) for c in formula.names},
                {c: int(parts[c].get(k) is not None) for c in formula.names},  # one enterprise: 1 if it reported
            )
            for k in keys
        }
    found = slot(indicator, period, question.year_to_date)
    if found is None or indicator.level != "enterprise":
        return {}
    cells = Cells(indicator.code, found.pkind, (found.year,), found.indexes, found.column)
    sums: dict[str, list] = {}
    for row in entity_sums(cells, population(question, region)):
        entry = sums.setdefault(row["entity_id"], [Decimal(0), 0])
        entry[0] += row["v"] or 0
        entry[1] += row["n"]
    return {k: float(v) for k, (v, n) in sums.items() if n}


def _ranked(question: Question, indicator: Indicator, count: int) -> tuple[list[tuple[float, str]], int]:
    """The first `count` (value, USCC) pairs in ranking order, and how many enterprises have a value. A stored
    indicator is ranked in the engine; a derived one needs every enterprise's components first."""
    descending = indicator.polarity != "negative"
    found = slot(indicator, question.period, question.year_to_date)
    if not indicator.is_derived and found is not None and indicator.level == "enterprise":
        cells = Cells(indicator.code, found.pkind, (found.year,), found.indexes, found.column)
        rows, size = entity_ranking(cells, population(question, _region(question.region)), count, descending)
        return [(float(r["v"]), r["entity_id"]) for r in rows], size
    values_by_firm = enterprise_values(question, indicator, question.period)
    ordered = sorted(((v, k) for k, v in values_by_firm.items() if v is not None), reverse=descending)
    return ordered[:count], len(ordered)


def top_enterprises(question: Question, user: Any, limit: int = 10) -> dict[str, Any]:
    """The enterprises with the highest values (lowest, for a negative indicator), among those the user sees."""
    from industrybrain.registry.models import Enterprise

    dimensions.ensure_current()
    indicator = _indicator(question.indicator)
    ordered, population_size = _ranked(question, indicator, limit * 5)
    candidates = [k for _v, k in ordered]
    visible = dict(Enterprise.objects.visible_to(user).filter(uscc__in=candidates).values_list("uscc", "name"))
    top = [{"uscc": k, "name": visible[k], "value": v} for v, k in ordered if k in visible][:limit]
    for rank, row in enumerate(top, start=1):
        row["rank"] = rank
    facts = store()
    return {
        "indicator": {"code": indicator.code, "name": indicator.name, "unit": indicator.unit},
        "period_label": question.period.label_zh(question.year_to_date),
        "population": population_size,
        "rows": top,
        "data_as_of": facts.meta("data_as_of"),
        "data_version": facts.meta("data_version"),
    }


def trend(question: Question, periods: int = 12) -> dict[str, Any]:
    """The total of the question's population over the last `periods` periods, oldest first."""
    dimensions.ensure_current()
    indicator = _indicator(question.indicator)
    wanted = [question.period.shifted(-step) for step in range(periods - 1, -1, -1)]
    found = values(replace(question, by=None), indicator, wanted)  # type: ignore[arg-type]
    points = [
        {"period": p.label, "label": p.label_zh(question.year_to_date), "value": found[p].get("", NOTHING).value}
        for p in wanted
    ]
    return {
        "indicator": {"code": indicator.code, "name": indicator.name, "unit": indicator.unit},
        "points": points,
        "data_as_of": store().meta("data_as_of"),
    }


class EnterprisePoint(NamedTuple):
    """One enterprise's indicator in one period: the period's own value and the year-to-date one (for a stock,
    the value itself, as year-to-date questions answer it)."""

    value: float | None = None
    year_to_date: float | None = None


def enterprise_trend(
    uscc: str, indicator_codes: Iterable[str], periods: Iterable[Period]
) -> dict[str, dict[Period, EnterprisePoint]]:
    """Indicator code -> period -> one enterprise's value, stored and derived indicators alike (亩均税收 from its
    own tax and land), periods of any kind mixed. One query reads every component of every indicator: an
    enterprise page draws all its charts from it."""
    wanted = [_indicator(code) for code in indicator_codes]
    asked = list(periods)
    stored: dict[str, Indicator] = {}
    formulas: dict[str, Any] = {}

    def collect(indicator: Indicator) -> None:
        if not indicator.is_derived:
            stored[indicator.code] = indicator
            return
        formula = formulas.setdefault(indicator.code, parse_formula(indicator.formula))
        for name in formula.names:
            collect(_indicator(name))

    for indicator in wanted:
        collect(indicator)
    slots = {
        (code, p, ytd): slot(indicator, p, ytd)
        for code, indicator in stored.items()
        if indicator.level == "enterprise"
        for p in asked
        for ytd in (False, True)
    }
    found = [s for s in slots.values() if s is not None]
    cells: dict[tuple[str, str, int, int], dict[str, Any]] = {}
    if found:
        sql = """SELECT indicator, pkind, CAST(year AS INTEGER) AS year, CAST(idx AS INTEGER) AS idx, value, ytd_value
                 FROM entity_periods WHERE entity_id = ? AND list_contains(?, indicator) AND list_contains(?, year)"""
        params = [uscc, sorted({s.indicator for s in found}), sorted({s.year for s in found})]
        cells = {(r["indicator"], r["pkind"], r["year"], r["idx"]): r for r in store().query(sql, params).to_pylist()}

    def read(code: str, period: Period, ytd: bool) -> float | None:
        if code in formulas:
            formula = formulas[code]
            parts = {name: read(name, period, ytd) for name in formula.names}
            return formula.evaluate(parts, {name: int(v is not None) for name, v in parts.items()})
        place = slots.get((code, period, ytd))
        if place is None:
            return None
        column = "ytd_value" if place.column == "ytd_sum" else "value"
        present = [cell[column] for i in place.indexes if (cell := cells.get((code, place.pkind, place.year, i)))]
        present = [v for v in present if v is not None]
        return float(sum(present, Decimal(0))) if present else None

    return {i.code: {p: EnterprisePoint(read(i.code, p, False), read(i.code, p, True)) for p in asked} for i in wanted}
