"""The benchmark's workload: the demo region's statistics as files, a correction batch, and the monthly
question set, described once so that our implementation and the baselines do exactly the same work."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from industrybrain.datahub.demo import DEMO_END

FILE_COLUMNS = ("uscc", "indicator", "period", "value")


@dataclass(frozen=True)
class Files:
    """Everything the measurements read, written once per scale under the bench directory."""

    root: Path

    @property
    def all_facts(self) -> Path:  # every demo fact, long layout: what the stores hold
        return self.root / "all-facts.parquet"

    @property
    def import_parquet(self) -> Path:  # one year of monthly forms
        return self.root / "import.parquet"

    @property
    def import_csv(self) -> Path:
        return self.root / "import.csv"

    @property
    def import_xlsx(self) -> Path:  # a wide monthly report
        return self.root / "import.xlsx"

    def correction(self, size: int) -> Path:
        return self.root / f"correction-{size}.parquet"

    @property
    def enterprises(self) -> Path:  # uscc, county, park, class4, above_scale, section, land
        return self.root / "enterprises.parquet"


def as_file_table(long: pa.Table) -> pa.Table:
    """The import pipeline's long shape (datahub.layouts) as a plain long file a bureau would send."""
    return pa.table(
        {
            "uscc": long.column("__entity"),
            "indicator": long.column("__indicator"),
            "period": long.column("__period"),
            "value": long.column("__value"),
        }
    )


def correction_of(facts: pa.Table, size: int, seed: int = 11) -> pa.Table:
    """`size` existing values of the latest year-to-date month, revised by +1%: a typical corrected batch."""
    latest = f"{DEMO_END.year}年1—{DEMO_END.index}月"
    candidates = facts.filter(pc.equal(facts.column("period"), latest))
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(candidates.num_rows, size=min(size, candidates.num_rows), replace=False))
    picked = candidates.take(pa.array(chosen))
    revised = pc.round(pc.multiply(picked.column("value").cast(pa.float64()), 1.01), 4)
    return picked.set_column(3, "value", revised)


def write_wide_xlsx(path: Path, facts: pa.Table, rows: int) -> int:
    """A wide report (one row per enterprise, one column per indicator) of the latest month; returns cells."""
    from openpyxl import Workbook

    latest = f"{DEMO_END.year}年1—{DEMO_END.index}月"
    month = facts.filter(pc.equal(facts.column("period"), latest)).to_pylist()
    by_firm: dict[str, dict[str, float]] = {}
    for row in month:
        by_firm.setdefault(row["uscc"], {})[row["indicator"]] = row["value"]
    indicators = sorted({row["indicator"] for row in month})
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([f"{latest}规上工业企业主要指标"])
    sheet.append(["统一社会信用代码", *indicators])
    cells = 0
    for uscc, values in list(by_firm.items())[:rows]:
        sheet.append([uscc, *[values.get(code) for code in indicators]])
        cells += sum(1 for code in indicators if values.get(code) is not None)
    workbook.save(path)
    return cells


def write_files(files: Files, batches: list[tuple[str, pa.Table]], excel_rows: int) -> dict[str, int]:
    """Write every file of the workload; returns their sizes in values."""
    files.root.mkdir(parents=True, exist_ok=True)
    tables = {name: as_file_table(table) for name, table in batches}
    everything = pa.concat_tables(tables.values())
    pq.write_table(everything, files.all_facts)
    monthly = max((t for n, t in tables.items() if "monthly" in n), key=lambda t: t.num_rows)
    pq.write_table(monthly, files.import_parquet)
    import pyarrow.csv as pacsv

    pacsv.write_csv(monthly, files.import_csv)
    sizes = {"all_facts": everything.num_rows, "import_rows": monthly.num_rows}
    for size in (1_000, 10_000):
        pq.write_table(correction_of(everything, size), files.correction(size))
    sizes["excel_cells"] = write_wide_xlsx(files.import_xlsx, everything, excel_rows)
    return sizes


@dataclass(frozen=True)
class MonthlyQuestion:
    """One question of the bureau's monthly report, as data for every implementation."""

    name: str
    indicator: str
    kind: str  # breakdown, top, trend
    by: str = "region"
    above_scale: bool | None = None
    core_manufacturing: bool = False
    year_to_date: bool = True
    yearly: bool = False


def monthly_questions(has_children: bool) -> list[MonthlyQuestion]:
    """The set the bureau asks every month (DESIGN §1 item 2); a county has parks where a city has counties."""
    parts = "region" if has_children else "park"
    return [
        MonthlyQuestion("规上工业增加值 by area", "value_added", "breakdown", by=parts, above_scale=True),
        MonthlyQuestion("工业增加值 by industry division", "value_added", "breakdown", by="division"),
        MonthlyQuestion(
            "数字经济核心制造业增加值 by area", "value_added", "breakdown", by=parts, core_manufacturing=True
        ),
        MonthlyQuestion("top 10 by 工业总产值", "industrial_output", "top"),
        MonthlyQuestion("工业总产值 trend, 12 months", "industrial_output", "trend"),
        MonthlyQuestion(
            "亩均税收 by area, last year", "tax_per_mu", "breakdown", by=parts, year_to_date=False, yearly=True
        ),
    ]
