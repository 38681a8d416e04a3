"""Queries over the cube and the enterprise-period values, written as Ibis expressions.

Building and compiling an Ibis expression costs far more than DuckDB needs to answer it (milliseconds over a
few thousand cube rows), so each expression is compiled once per *shape* — the cells, the population and the
grouping — and the SQL is kept. The SQL does not depend on the data, so it stays valid as batches land.

One query answers every period a question needs (this year, last year, the previous period) and both the
filtered population (规上, an industry, a digital-economy scope) and the whole one (for "share of all").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .engine import store

GROUP_COLUMNS = {
    "park": "park",
    "section": "section",
    "division": "division",
    "group": "grp",
    "class": "class4",
    "above_scale": "above_scale",
    "ownership": "ownership",
}


@dataclass(frozen=True)
class Population:
    """Who is counted: a region's subtree (optionally one park), narrowed by flags, industry or digital-economy
    categories. The narrowing is applied as a condition, so the unnarrowed sums come with the same query."""

    region_path: str
    park: str | None = None
    above_scale: bool | None = None
    ownership: str | None = None  # an Ownership value
    industry: str | None = None  # section letter or 2-4 digit prefix
    de_majors: tuple[str, ...] = ()
    de_version: int | None = None
    manufacturing_only: bool = False

    @property
    def narrowed(self) -> bool:
        return self.above_scale is not None or bool(self.ownership) or bool(self.industry) or bool(self.de_majors)


@dataclass(frozen=True)
class Cells:
    """Cube cells of one indicator: a kind of period, some years and period numbers, and which sum."""

    indicator: str
    pkind: str
    years: tuple[int, ...]
    indexes: tuple[int, ...]
    column: str  # value_sum or ytd_sum


def _with_dimensions(t: Any) -> Any:
    con = store().ibis()
    regions, industries = con.table("regions"), con.table("industries")
    places = regions.select(region_code=regions.code, path=regions.path)
    kinds = industries.select(class_code=industries.class4, section=industries.section,
                              division=industries.division, grp=industries.grp)  # fmt: skip
    t = t.join(places, t.county == places.region_code)
    return t.join(kinds, t.class4 == kinds.class_code)


def _narrowing(t: Any, population: Population) -> Any | None:
    """The population's narrowing as one boolean expression (None when it is not narrowed)."""
    conditions = []
    if population.above_scale is not None:
        conditions.append(t.above_scale == population.above_scale)
    if population.ownership:
        conditions.append(t.ownership == population.ownership)
    if population.industry:
        node = population.industry
        conditions.append(t.section == node if node.isalpha() else t.class4.startswith(node))
    if population.de_majors:
        de = store().ibis().table("de_map")
        classes = de.filter(de.version_id == population.de_version, de.major.isin(population.de_majors)).class4
        conditions.append(t.class4.isin(classes))
        if population.manufacturing_only:
            conditions.append(t.section == "C")
    if not conditions:
        return None
    condition = conditions[0]
    for more in conditions[1:]:
        condition &= more
    return condition


def _in_population(t: Any, cells: Cells, population: Population) -> Any:
    t = t.filter(t.indicator == cells.indicator, t.pkind == cells.pkind, t.year.isin(cells.years),
                 t.idx.isin(cells.indexes))  # fmt: skip
    t = _with_dimensions(t)
    t = t.filter(t.path.startswith(population.region_path))
    if population.park:
        t = t.filter(t.park == population.park)
    return t


@lru_cache(maxsize=2048)
def _cube_sql(cells: Cells, population: Population, by: str | None, depth: int) -> str:
    import ibis

    con = store().ibis()
    t = _in_population(con.table("cube"), cells, population)
    keys = ["year", "idx"]
    if by == "region":
        t = t.mutate(key=t.path.split("/")[depth])
        keys.insert(0, "key")
    elif by == "digital_economy":
        de = con.table("de_map")
        pairs = de.filter(de.version_id == population.de_version).select(de_class="class4", key="major").distinct()
        t = t.join(pairs, t.class4 == pairs.de_class)
        keys.insert(0, "key")
    elif by is not None:
        t = t.mutate(key=t[GROUP_COLUMNS[by]].cast("string"))
        keys.insert(0, "key")
    value, count = t[cells.column], t[cells.column.replace("_sum", "_n")]
    where = _narrowing(t, population)
    expr = t.group_by(keys).aggregate(
        v=value.sum(where=where), n=count.sum(where=where), v_all=value.sum(), n_all=count.sum()
    )
    return ibis.to_sql(expr, dialect="duckdb")


def cube_sums(cells: Cells, population: Population, by: str | None, depth: int) -> list[dict[str, Any]]:
    """Rows of (key,) year, idx, v, n (the narrowed population) and v_all, n_all (the whole one)."""
    return store().query(_cube_sql(cells, population, by, depth)).to_pylist()


@lru_cache(maxsize=512)
def _entity_sql(cells: Cells, population: Population) -> str:
    import ibis

    con = store().ibis()
    rows, entities = con.table("entity_periods"), con.table("entities")
    t = rows.join(entities, rows.entity_id == entities.uscc)
    t = _in_population(t, cells, population)
    where = _narrowing(t, population)
    if where is not None:
        t = t.filter(where)
    column = t["ytd_value" if cells.column == "ytd_sum" else "value"]
    expr = t.group_by(["entity_id", "year", "idx"]).aggregate(v=column.sum(), n=column.count())
    return ibis.to_sql(expr, dialect="duckdb")


def entity_sums(cells: Cells, population: Population) -> list[dict[str, Any]]:
    """Rows of entity_id, year, idx, v, n for each enterprise of the narrowed population."""
    return store().query(_entity_sql(cells, population)).to_pylist()


@lru_cache(maxsize=512)
def _ranking_sql(cells: Cells, population: Population, limit: int, descending: bool) -> tuple[str, str]:
    """The first `limit` enterprises by value, and how many have one: sorted in the engine, not in Python."""
    import ibis

    con = store().ibis()
    rows, entities = con.table("entity_periods"), con.table("entities")
    t = _in_population(rows.join(entities, rows.entity_id == entities.uscc), cells, population)
    where = _narrowing(t, population)
    if where is not None:
        t = t.filter(where)
    column = t["ytd_value" if cells.column == "ytd_sum" else "value"]
    summed = t.group_by("entity_id").aggregate(v=column.sum(), n=column.count())
    summed = summed.filter(summed.n > 0)
    order = ibis.desc(summed.v) if descending else summed.v
    top = summed.order_by([order, summed.entity_id]).limit(limit)
    return ibis.to_sql(top, dialect="duckdb"), ibis.to_sql(summed.count(), dialect="duckdb")


def entity_ranking(
    cells: Cells, population: Population, limit: int, descending: bool
) -> tuple[list[dict[str, Any]], int]:
    """(entity_id, v) of the first `limit` enterprises, and the number of enterprises with a value."""
    top_sql, count_sql = _ranking_sql(cells, population, limit, descending)
    facts = store()
    count = facts.query(count_sql).column(0)[0].as_py()
    return facts.query(top_sql).to_pylist(), count
