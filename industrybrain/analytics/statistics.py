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
from typing import Any

from django.utils.translation import gettext as _

from industrybrain.datahub.formulas import parse_formula
from industrybrain.datahub.models import Indicator
from industrybrain.datahub.periods import Period
from industrybrain.registry.models import (
    CORE_DIGITAL_ECONOMY_CATEGORIES,
    DigitalEconomyCategory,
    DigitalEconomyVersion,
    Industry,
    Park,
    Region,
)

from . import dimensions
from .engine import store

GROUPINGS = ("region", "park", "section", "division", "group", "class", "digital_economy", "above_scale")
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
    by: str = "region"
    above_scale: bool | None = None
    industry: str | None = None  # a GB/T 4754 node: section letter or 2-4 digits
    digital_economy: str | None = None  # a key of DIGITAL_ECONOMY_SCOPES
    park: str | None = None
    de_version: int | None = None

    @property
    def filtered(self) -> bool:
        return self.above_scale is not None or bool(self.industry) or bool(self.digital_economy)


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


def _scoped(t: Any, question: Question, region: Region) -> Any:
    """Restrict a table keyed like the cube (county, park, class4, above_scale) to the question's population."""
    con = store().ibis()
    regions, industries = con.table("regions"), con.table("industries")
    t = t.join(regions.select("code", "path"), t.county == regions.code)
    t = t.join(industries, t.class4 == industries.class4).select(
        *[c for c in t.columns if c not in ("code", "class4_right")], "section", "division", "grp"
    )
    t = t.filter(t.path.startswith(region.path))
    if question.above_scale is not None:
        t = t.filter(t.above_scale == question.above_scale)
    if question.park:
        t = t.filter(t.park == question.park)
    if question.industry:
        node = question.industry
        t = t.filter(t.section == node if node.isalpha() else t.class4.startswith(node))
    if question.digital_economy:
        majors = DIGITAL_ECONOMY_SCOPES[question.digital_economy]
        de = con.table("de_map")
        classes = de.filter(de.version_id == _de_version(question), de.major.isin(majors)).class4
        t = t.filter(t.class4.isin(classes))
        if question.digital_economy == "core_manufacturing":
            t = t.filter(t.section == "C")
    return t


def _in_slot(t: Any, slot_: Slot) -> Any:
    return t.filter(
        t.indicator == slot_.indicator, t.pkind == slot_.pkind, t.year == slot_.year, t.idx.isin(slot_.indexes)
    )


def _filtered_cube(question: Question, region: Region, slot_: Slot) -> Any:
    return _scoped(_in_slot(store().ibis().table("cube"), slot_), question, region)


def _group_column(question: Question, region: Region, t: Any) -> Any:
    depth = len(region.path.strip("/").split("/"))
    if question.by == "region":
        return t.path.split("/")[depth]
    return {
        "park": t.park,
        "section": t.section,
        "division": t.division,
        "group": t.grp,
        "class": t.class4,
        "above_scale": t.above_scale.cast("string"),
    }[question.by]


def _sums(question: Question, region: Region, indicator: Indicator, period: Period) -> dict[str, Decimal | None]:
    """Per row key (and "" for the total): the indicator's summed value, None where no enterprise had one."""
    found = slot(indicator, period, question.year_to_date)
    if found is None:
        return {}
    t = _filtered_cube(question, region, found)
    value, count = t[found.column], t[found.column.replace("_sum", "_n")]
    total = t.aggregate(v=value.sum(), n=count.sum()).to_pyarrow().to_pylist()
    results: dict[str, Decimal | None] = {"": _present(total[0])}
    if question.by == "digital_economy":
        results.update(_sums_by_category(question, t, found))
        return results
    keyed = t.mutate(key=_group_column(question, region, t)).group_by("key")
    for row in keyed.aggregate(v=value.sum(), n=count.sum()).to_pyarrow().to_pylist():
        if row["key"]:
            results[row["key"]] = _present(row)
    return results


def _sums_by_category(question: Question, t: Any, found: Slot) -> dict[str, Decimal | None]:
    """A class may belong to several categories: each category sums its own classes (rows may overlap)."""
    de = store().ibis().table("de_map")
    pairs = de.filter(de.version_id == _de_version(question)).select("class4", "major").distinct()
    joined = t.join(pairs, t.class4 == pairs.class4)
    value, count = joined[found.column], joined[found.column.replace("_sum", "_n")]
    rows = joined.group_by("major").aggregate(v=value.sum(), n=count.sum()).to_pyarrow().to_pylist()
    return {r["major"]: _present(r) for r in rows}


def _present(row: dict[str, Any]) -> Decimal | None:
    return row["v"] if row["n"] else None


def _region_sums(question: Question, region: Region, indicator: Indicator, period: Period) -> dict[str, Any]:
    """Region-level indicators: each region's reported value; a region without one sums its counties'."""
    found = slot(indicator, period, question.year_to_date)
    if found is None or question.by != "region":
        return {}
    facts = (
        store()
        .query(
            """SELECT f.entity_id AS code, r.path, r.level, f.value FROM facts f JOIN regions r ON r.code = f.entity_id
           WHERE f.entity_kind = 'R' AND f.indicator = ? AND f.pkind = ? AND f.year = ? AND f.idx = ?
             AND f.ytd = ? AND starts_with(r.path, ?)""",
            [indicator.code, found.pkind, found.year, found.indexes[-1], found.column == "ytd_sum", region.path],
        )
        .to_pylist()
    )
    own = {f["code"]: f["value"] for f in facts}
    counties = [f for f in facts if f["level"] == "county"]
    results: dict[str, Any] = {}
    for key in [region.code, *region.children.values_list("code", flat=True)]:
        parts = [f["value"] for f in counties if f"{key}/" in f["path"]]
        summed = sum(parts, Decimal(0)) if parts and indicator.aggregation == "sum" else None
        results[key] = own.get(key, summed)
    results[""] = results.pop(region.code)
    return results


def values(question: Question, indicator: Indicator, period: Period) -> dict[str, float | None]:
    """Row key -> value of the (stored or derived) indicator for `period`; "" is the total."""
    region = _region(question.region)
    if not indicator.is_derived:
        getter = _region_sums if indicator.level == "region" else _sums
        return {k: None if v is None else float(v) for k, v in getter(question, region, indicator, period).items()}
    formula = parse_formula(indicator.formula)
    parts = {code: values(question, _indicator(code), period) for code in formula.names}
    keys = set().union(*(p.keys() for p in parts.values())) if parts else set()
    return {k: formula.evaluate({code: parts[code].get(k) for code in formula.names}) for k in keys}


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
    return dict(Industry.objects.filter(code__in=keys).values_list("code", "name"))


def breakdown(question: Question) -> Answer:
    if question.by not in GROUPINGS:
        raise QuestionError(_("unknown grouping %(by)s") % {"by": question.by})
    if question.digital_economy and question.digital_economy not in DIGITAL_ECONOMY_SCOPES:
        raise QuestionError(_("unknown digital-economy scope %(scope)s") % {"scope": question.digital_economy})
    dimensions.ensure_current()
    indicator = _indicator(question.indicator)
    period = question.period
    now = values(question, indicator, period)
    last_year = values(question, indicator, period.same_period_last_year())
    previous = {} if question.year_to_date or period.kind == "Y" else values(question, indicator, period.previous())
    unfiltered = values(replace(question, above_scale=None, industry=None, digital_economy=None), indicator, period)
    version = _de_version(question)
    names = _names(question, [k for k in now if k], version)
    total_value = now.get("")

    def row(key: str, name: str) -> Row:
        value = now.get(key)
        share = value / total_value if value is not None and total_value else None
        return Row(
            key=key,
            name=name,
            value=value,
            last_year=last_year.get(key),
            growth=_growth(value, last_year.get(key)),
            previous=previous.get(key),
            change=_growth(value, previous.get(key)),
            share=share,
            share_of_all=(value / unfiltered[key])
            if question.filtered and value is not None and unfiltered.get(key)
            else None,
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
        return {k: formula.evaluate({c: parts[c].get(k) for c in formula.names}) for k in keys}
    found = slot(indicator, period, question.year_to_date)
    if found is None or indicator.level != "enterprise":
        return {}
    con = store().ibis()
    rows, entities = con.table("entity_periods"), con.table("entities")
    t = _in_slot(rows, found)
    t = t.join(entities, t.entity_id == entities.uscc)
    t = _scoped(t, question, region)
    column = "ytd_value" if found.column == "ytd_sum" else "value"
    summed = t.group_by("entity_id").aggregate(v=t[column].sum(), n=t[column].count())
    return {r["entity_id"]: float(r["v"]) for r in summed.to_pyarrow().to_pylist() if r["n"]}


def top_enterprises(question: Question, user: Any, limit: int = 10) -> dict[str, Any]:
    """The enterprises with the highest values (lowest, for a negative indicator), among those the user sees."""
    from industrybrain.registry.models import Enterprise

    dimensions.ensure_current()
    indicator = _indicator(question.indicator)
    found = enterprise_values(question, indicator, question.period)
    ordered = sorted(((v, k) for k, v in found.items() if v is not None), reverse=indicator.polarity != "negative")
    candidates = [k for _v, k in ordered[: limit * 5]]
    visible = dict(Enterprise.objects.visible_to(user).filter(uscc__in=candidates).values_list("uscc", "name"))
    top = [{"uscc": k, "name": visible[k], "value": v} for v, k in ordered[: limit * 5] if k in visible][:limit]
    for rank, row in enumerate(top, start=1):
        row["rank"] = rank
    facts = store()
    return {
        "indicator": {"code": indicator.code, "name": indicator.name, "unit": indicator.unit},
        "period_label": question.period.label_zh(question.year_to_date),
        "population": len(ordered),
        "rows": top,
        "data_as_of": facts.meta("data_as_of"),
        "data_version": facts.meta("data_version"),
    }


def trend(question: Question, periods: int = 12) -> dict[str, Any]:
    """The total of the question's population over the last `periods` periods, oldest first."""
    dimensions.ensure_current()
    indicator = _indicator(question.indicator)
    points = []
    for step in range(periods - 1, -1, -1):
        period = question.period.shifted(-step)
        value = values(question, indicator, period).get("")
        points.append({"period": period.label, "label": period.label_zh(question.year_to_date), "value": value})
    return {
        "indicator": {"code": indicator.code, "name": indicator.name, "unit": indicator.unit},
        "points": points,
        "data_as_of": store().meta("data_as_of"),
    }
