"""Several years of realistic synthetic statistics for the demo region (see docs/demo-data.md).

Enterprises report the way 统计联网直报 does: year-to-date figures, the first one of a year being 1—2月 (there is
no January report around Spring Festival), then every month to 1—12月; yearly forms once a year. Output follows
a seasonal curve with the Spring Festival dip, grows at an industry-specific pace with firm-level noise, and
the other indicators follow from it (value added, revenue, tax, power, energy, exports). A few deliberate data
problems are planted so the checks have something to show: value added above output (a warning rule), a
twelve-fold jump (an outlier flag), and a correction batch that revises last month's figures.

Everything lands through the ordinary import pipeline, one batch per form and year, so the demo exercises
exactly the code a bureau's files do. Numbers depend only on the seed and the registry, never on the date.
The inputs of the evaluations (未来工厂 and maturity, the digital-economy index of every county of the
province) come from `demo_evaluations`, on random streams of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from industrybrain.accounts.choices import Role
from industrybrain.accounts.models import User
from industrybrain.registry.models import Enterprise, Region

from . import demo_evaluations
from .layouts import LongRows
from .models import Indicator, Target
from .operations import FactImportReport, _import_long
from .periods import Period

DEMO_END = Period("M", 2026, 10)  # the last month with data: fixed, so the demo is the same on any day
YEARS = {"county": 3, "city": 3, "province": 5}
# Share of a year's output by month: January and February carry the Spring Festival shutdown.
SEASON = np.array([0.070, 0.052, 0.085, 0.085, 0.087, 0.088, 0.084, 0.083, 0.087, 0.088, 0.090, 0.101])
SEASON = SEASON / SEASON.sum()
GROWTH = {"38": 0.15, "39": 0.12, "65": 0.14, "36": 0.07, "35": 0.06, "34": 0.05, "27": 0.08, "26": 0.05}
VALUE_ADDED_RATIO = {"39": 0.20, "27": 0.36, "26": 0.28, "17": 0.19, "38": 0.22}
MONTHLY_FLOWS = ("industrial_output", "value_added", "revenue", "profit", "tax_paid", "electricity",
                 "energy_consumption", "export_value")  # fmt: skip
TCE_PER_10K_KWH = 1.229  # 当量值: 0.1229 kgce per kWh
PROVINCE_BATCH_PREFIX = "demo-de-index-"  # batches of figures on every county of the province


@dataclass
class Firms:
    uscc: np.ndarray
    county: np.ndarray
    division: np.ndarray
    manufacturing: np.ndarray
    above_scale: np.ndarray
    employees: np.ndarray
    land: np.ndarray


@dataclass
class FactsSummary:
    batches: int = 0
    facts: int = 0
    warnings: int = 0
    reports: list[FactImportReport] = field(default_factory=list)


def _firms() -> Firms:
    rows = list(
        Enterprise.objects.order_by("uscc").values_list(
            "uscc", "region_id", "park__region_id", "industry_id", "industry__section", "is_above_scale",
            "employees", "land_area_mu",
        )
    )  # fmt: skip
    return Firms(
        uscc=np.array([r[0] for r in rows]),
        county=np.array([r[2] or r[1] for r in rows]),
        division=np.array([r[3][:2] for r in rows]),
        manufacturing=np.array([r[4] == "C" for r in rows]),
        above_scale=np.array([r[5] for r in rows]),
        employees=np.array([r[6] or 10 for r in rows], dtype=float),
        land=np.array([float(r[7] or 0) for r in rows]),
    )


class Generator:
    """All random draws for one region and seed, made in a fixed order so the result is reproducible."""

    def __init__(self, firms: Firms, seed: int, years: list[int]) -> None:
        self.firms, self.years = firms, years
        rng = self.rng = np.random.default_rng(seed)
        n = len(firms.uscc)
        per_person = np.where(firms.above_scale, 60.0, 25.0)
        self.base = firms.employees * per_person * rng.lognormal(0, 0.5, n)  # 万元 a year in the first year
        industry_growth = np.array([GROWTH.get(d, 0.04) for d in firms.division])
        self.growth = industry_growth + rng.normal(0, 0.08, n)
        self.va_ratio = np.array([VALUE_ADDED_RATIO.get(d, 0.24) for d in firms.division]) * rng.uniform(0.85, 1.15, n)
        self.sales_ratio = rng.uniform(0.92, 1.05, n)
        self.margin = rng.normal(0.06, 0.04, n)
        self.tax_rate = rng.uniform(0.025, 0.05, n)
        self.power = rng.lognormal(np.log(0.04), 0.5, n)  # 万千瓦时 per 万元 of output
        self.other_fuel = rng.uniform(0.0, 0.4, n)
        self.export_share = np.where(rng.random(n) < 0.3, rng.uniform(0.1, 0.6, n), 0.0)
        # Firm traits of the yearly forms: drawn once, so a firm's figures move smoothly from year to year.
        self.key_processes = rng.integers(5, 31, n)
        self.nc_share = rng.uniform(0.2, 0.6, n)
        self.devices = rng.integers(20, 501, n)
        self.networked_share = rng.uniform(0.15, 0.45, n)
        self.rd_ratio = rng.uniform(0.005, 0.05, n)
        self.robots = rng.poisson(firms.employees / 60)
        self.emission_factor = rng.lognormal(np.log(0.01), 0.4, n)

    def year_output(self, k: int) -> np.ndarray:
        noise = self.rng.lognormal(0, 0.05, len(self.base))
        return self.base * (1 + self.growth) ** k * noise

    def monthly(self, annual: np.ndarray) -> np.ndarray:
        """(firms × 12) output per month: the season, with a little noise per month."""
        noise = self.rng.lognormal(0, 0.04, (len(annual), 12))
        return annual[:, None] * SEASON[None, :] * noise

    def flows(self, output: np.ndarray) -> dict[str, np.ndarray]:
        manufacturing = self.firms.manufacturing[:, None]
        revenue = output * self.sales_ratio[:, None]
        electricity = output * self.power[:, None]
        return {
            "industrial_output": np.where(manufacturing, output, np.nan),
            "value_added": np.where(manufacturing, output * self.va_ratio[:, None], np.nan),
            "revenue": revenue,
            "profit": revenue * self.margin[:, None],
            "tax_paid": revenue * self.tax_rate[:, None],
            "electricity": electricity,
            "energy_consumption": electricity * TCE_PER_10K_KWH * (1 + self.other_fuel[:, None]),
            "export_value": np.where(manufacturing, output * self.export_share[:, None], np.nan),
        }

    def yearly(self, k: int, revenue: np.ndarray, energy: np.ndarray) -> dict[str, np.ndarray]:
        rng, firms, n = self.rng, self.firms, len(self.base)
        maker = firms.manufacturing
        progress = k / max(len(self.years) - 1, 1)  # digital adoption rises over the years
        key = self.key_processes
        devices = np.round(self.devices * (1 + self.growth * 0.5) ** k).astype(int).clip(1)
        uplift = 1 + 0.3 * progress
        return {
            "land_area": np.where(firms.land > 0, firms.land, np.nan),
            "employees_avg": np.round(firms.employees * (1 + self.growth * 0.3) ** k),
            "rd_expense": np.where(maker, revenue * self.rd_ratio * uplift, np.nan),
            "emissions": np.where(maker & (rng.random(n) < 0.8), energy * self.emission_factor, np.nan),
            "cloud_adoption": (rng.random(n) < 0.3 + 0.3 * progress).astype(float),
            "industrial_robots": np.where(maker & (firms.employees > 100), np.round(self.robots * uplift), np.nan),
            "key_processes": np.where(maker, key, np.nan),
            "key_processes_nc": np.where(maker, np.minimum(key, np.round(key * self.nc_share * uplift)), np.nan),
            "devices": np.where(maker, devices, np.nan),
            "devices_networked": np.where(maker, np.round(devices * self.networked_share * uplift), np.nan),
            "digital_design_tools": np.where(maker, (rng.random(n) < 0.5 + 0.25 * progress).astype(float), np.nan),
        }


def _rows(uscc: np.ndarray, columns: dict[str, np.ndarray], period: str, ytd: bool) -> pa.Table:
    """Long rows for one period: every firm × every indicator with a value."""
    parts = []
    for code, values in columns.items():
        present = ~np.isnan(values)
        count = int(present.sum())
        parts.append(
            pa.table(
                {
                    "__entity": pa.array(uscc[present]),
                    "__indicator": pa.array(np.full(count, code)),
                    "__value": pa.array(np.round(values[present], 4)),
                }
            )
        )
    table = pa.concat_tables(parts)
    n = table.num_rows
    return table.append_column("__period", pa.array(np.full(n, period))).append_column(
        "__ytd", pa.array(np.full(n, ytd))
    )


def long_table(parts: list[pa.Table]) -> pa.Table:
    """The import pipeline's long shape (see datahub.layouts) for generated rows."""
    table = pa.concat_tables(parts)
    n = table.num_rows
    table = table.append_column("__row", pa.array(np.arange(2, n + 2, dtype=np.int32)))
    table = table.append_column("__column", pa.array(np.full(n, "value")))
    table = table.append_column("__unit", pa.nulls(n, pa.string()))
    return table.select(["__row", "__column", "__entity", "__indicator", "__period", "__unit", "__ytd", "__value"])


def _land(name: str, table: pa.Table, user: Any) -> FactImportReport:
    report = FactImportReport(file=name, dry_run=False)
    _import_long(LongRows(table, "long", source_rows=table.num_rows), name.encode(), report, user, source="demo")
    if not report.ok:
        raise RuntimeError(f"demo batch {name} was refused: {report.errors[:5]}")
    return report


def _plant_problems(firms: Firms, monthly: dict[str, np.ndarray], cumulative: dict[str, np.ndarray]) -> None:
    """Deliberate data problems in the latest full year (see the module docstring)."""
    makers = np.flatnonzero(firms.manufacturing & firms.above_scale)
    if len(makers) < 2:
        return
    cumulative["value_added"][makers[0], 5] = cumulative["industrial_output"][makers[0], 5] * 1.3  # 增加值 > 总产值
    for code in ("industrial_output", "value_added"):  # a twelve-fold jump over the year before
        monthly[code][makers[1], :] *= 12
        cumulative[code][makers[1], :] *= 12


def demo_batches(scale: str, seed: int) -> Iterator[tuple[str, pa.Table]]:
    """(file name, long table) of every demo batch, in landing order."""
    firms = _firms()
    end = DEMO_END
    years = list(range(end.year - YEARS[scale] + 1, end.year + 1))
    generator = Generator(firms, seed, years)
    maturity = demo_evaluations.MaturityInputs(firms, seed)  # its own random streams: the above is unchanged
    counties = demo_evaluations.zhejiang_counties()
    outputs: dict[int, np.ndarray] = {}
    for k, year in enumerate(years):
        months = end.index if year == end.year else 12
        outputs[year] = generator.year_output(k)
        monthly = generator.flows(generator.monthly(outputs[year]))
        cumulative = {code: np.cumsum(values, axis=1) for code, values in monthly.items()}
        if year == end.year - 1:
            _plant_problems(firms, monthly, cumulative)
        # 1—2月 is the first report of a year: nobody reports January alone.
        parts = [
            _rows(firms.uscc, {c: v[:, m - 1] for c, v in cumulative.items()}, f"{year}年1—{m}月", True)
            for m in range(2, months + 1)
        ]
        yield f"demo-monthly-{year}.csv", long_table(parts)
        if months == 12:
            yearly = generator.yearly(k, cumulative["revenue"][:, 11], cumulative["energy_consumption"][:, 11])
            yield f"demo-yearly-{year}.csv", long_table([_rows(firms.uscc, yearly, str(year), False)])
            yield from _evaluation_inputs(firms, maturity, counties, seed, year)
        if year == end.year:
            yield _correction(firms, cumulative, year, months)
    yield "demo-gdp.csv", long_table([_gdp(firms, outputs)])


def _evaluation_inputs(
    firms: Firms, maturity: demo_evaluations.MaturityInputs, counties: list[str], seed: int, year: int
) -> Iterator[tuple[str, pa.Table]]:
    """The year's 未来工厂 / maturity inputs of the firms, then the digital-economy index inputs of every county
    of the province (the demo's own counties count their firms that clear the 数字化车间 thresholds)."""
    values = maturity.year(year)
    yield f"demo-maturity-{year}.csv", long_table([_rows(firms.uscc, values, str(year), False)])
    own = demo_evaluations.eligible_by_county(firms, values)
    regions, columns = demo_evaluations.region_values(seed, year, counties, own)
    yield f"{PROVINCE_BATCH_PREFIX}{year}.csv", long_table([_rows(regions, columns, str(year), False)])


def province_feed() -> User:
    """The importer of the figures the province publishes on all its counties. A county user may land region
    facts only inside its own subtree (datahub.operations.entity_map), so these batches are landed by a
    province-scoped analyst that exists only in memory: no account is created, and the batch records no user
    and the province's scope."""
    province = Region.objects.get(code=demo_evaluations.PROVINCE)
    return User(username="demo_province_feed", role=Role.ANALYST, scope_region=province)


def build_demo_facts(scale: str, seed: int, user: Any, progress: Any = None) -> FactsSummary:
    summary = FactsSummary()
    step = progress or (lambda _message: None)
    feed = None
    for name, table in demo_batches(scale, seed):
        importer = user
        if name.startswith(PROVINCE_BATCH_PREFIX):
            importer = feed = feed or province_feed()
        summary.reports.append(_land(name, table, importer))
        step(f"{name}: {table.num_rows:,} values")
    summary.batches = len(summary.reports)
    summary.facts = sum(r.new + r.changed for r in summary.reports)
    summary.warnings = sum(len(r.warnings) for r in summary.reports)
    return summary


def _correction(firms: Firms, cumulative: dict[str, np.ndarray], year: int, months: int) -> tuple[str, pa.Table]:
    """Twenty firms revise last month's 1—N月 output and value added by 1-3%."""
    makers = np.flatnonzero(firms.manufacturing)[:20]
    factor = 1 + np.linspace(0.01, 0.03, len(makers))
    revised = {c: cumulative[c][makers, months - 2] * factor for c in ("industrial_output", "value_added")}
    part = _rows(firms.uscc[makers], revised, f"{year}年1—{months - 1}月", True)
    return f"demo-correction-{year}-{months - 1:02d}.csv", long_table([part])


def _gdp(firms: Firms, outputs: dict[int, np.ndarray]) -> pa.Table:
    """County GDP (亿元, quarterly, year-to-date): industry's output with a services share on top; quarters
    are published once complete."""
    counties = sorted(set(firms.county))
    rows = []
    for year, output in outputs.items():
        for county in counties:
            annual = output[firms.county == county].sum() * 2.2 / 10_000
            for quarter in range(1, 5):
                if year < DEMO_END.year or quarter <= DEMO_END.index // 3:
                    rows.append((county, f"{year}Q{quarter}", round(annual * SEASON[: quarter * 3].sum(), 4)))
    return pa.table(
        {
            "__entity": pa.array([r[0] for r in rows]),
            "__indicator": pa.array(["gdp"] * len(rows)),
            "__value": pa.array([r[2] for r in rows]),
            "__period": pa.array([r[1] for r in rows]),
            "__ytd": pa.array([True] * len(rows)),
        }
    )


def create_demo_targets(root: Region) -> list[Target]:
    """Targets for the latest year as a county sets them: 规上 value added and output 8% above last year."""
    from industrybrain.analytics.statistics import Question, total

    year = DEMO_END.year
    targets = []
    for code in ("value_added", "industrial_output"):
        indicator = Indicator.objects.get(code=code)
        question = Question(code, Period("Y", year - 1, 1), root.code, year_to_date=True, above_scale=True)
        last_year = total(question, indicator, question.period)
        if last_year is None:
            continue
        goal = Decimal(round(last_year * 1.08, -2))
        targets.append(Target.objects.create(region=root, indicator=indicator, year=year, value=goal,
                                             above_scale_only=True, base_year=year - 1, note="+8%"))  # fmt: skip
    return targets


def _latest_year_to_date(firms: list[str], root: Region) -> dict[str, list[float]]:
    """Each sampled firm's 1—N月 output, value added and power of the last demo month."""
    from industrybrain.analytics.statistics import Question, _indicator, enterprise_values

    codes = ("industrial_output", "value_added", "electricity")
    question = Question(codes[0], DEMO_END, root.code, year_to_date=True)
    found = {code: enterprise_values(question, _indicator(code), DEMO_END) for code in codes}
    return {uscc: [found[code].get(uscc) or 0.0 for code in codes] for uscc in firms}


def write_demo_files(directory: Path, firms_sample: list[str], root: Region) -> list[Path]:
    """Two files to try the import with, in the report layout of the next month's 1—N月 figures: a good one
    (each firm's last figures plus a month's worth) and one with a problem on every row."""
    directory.mkdir(parents=True, exist_ok=True)
    following = DEMO_END.shifted(1)
    period = following.label_zh(year_to_date=True)
    header = "统一社会信用代码,企业名称,时期,工业总产值（万元）,工业增加值（万元）,用电量（万千瓦时）\n"
    latest = _latest_year_to_date(firms_sample, root)
    grown = {u: [round(v * (following.index / DEMO_END.index), 2) for v in values] for u, values in latest.items()}
    good_rows = "".join(f"{u},,{period},{o},{v},{p}\n" for u, (o, v, p) in grown.items())
    good = directory / f"good-{following.label}.csv"
    good.write_text(f"{period}规上工业企业主要指标,,,,,\n" + header + good_rows, encoding="utf-8")
    first, second, third = (grown[u] for u in firms_sample[:3])
    bad_rows = [
        f"{firms_sample[0]},,{period},{first[0]},{first[1]},{first[2]}\n",
        f"91331082MA2XXXXX0X,,{period},800,200,30\n",  # not a valid USCC
        f"{firms_sample[1]},,{period},lots,{second[1]},{second[2]}\n",  # not a number
        f"{firms_sample[2]},,{period},{third[0]},{third[1]},-4\n",  # below the valid range
        f"{firms_sample[0]},,{period},{first[0]},{first[1]},{first[2]}\n",  # the same firm twice
    ]
    bad = directory / f"bad-{following.label}.csv"
    bad.write_text(header + "".join(bad_rows), encoding="utf-8")
    return [good, bad]
