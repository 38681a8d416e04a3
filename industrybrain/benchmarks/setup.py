"""One-time set-up of a benchmark scale (runs in a fresh process with Django on the scale's data directory):
the demo region, its statistics landed in our store batch by batch, and the workload files for everyone."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.core.management import call_command

from .workload import Files, monthly_questions, write_files


def _enterprise_table(root_path: str) -> pa.Table:
    """The firms' attributes the baselines join on: where they count, industry, flags, the area they roll up to."""
    from industrybrain.analytics.dimensions import enterprise_attributes
    from industrybrain.registry.models import DigitalEconomyMapping, Region

    firms = enterprise_attributes().to_pylist()
    core = set(
        DigitalEconomyMapping.objects.filter(
            category__version__is_current=True, category__code__regex=r"^0[1-4]"
        ).values_list("industry_id", flat=True)
    )
    depth = len(root_path.strip("/").split("/"))
    paths = dict(Region.objects.values_list("code", "path"))
    for firm in firms:
        parts = paths[firm["county"]].strip("/").split("/")
        firm["division"] = firm["class4"][:2]
        firm["core_manufacturing"] = firm["class4"] in core and "13" <= firm["class4"][:2] <= "43"
        firm["area"] = parts[depth] if len(parts) > depth else firm["park"]
    return pa.Table.from_pylist(firms)


def build(scale: str, seed: int, root: str, excel_rows: int) -> dict[str, Any]:
    from industrybrain.accounts.models import User
    from industrybrain.analytics.engine import store
    from industrybrain.datahub.demo import DEMO_END, PROVINCE_BATCH_PREFIX, _land, demo_batches, province_feed
    from industrybrain.registry.demo import build_demo_region

    call_command("migrate", interactive=False, verbosity=0)
    summary = build_demo_region(scale, seed=seed)
    admin = User.objects.get(username="demo_admin")
    batches = []
    feed = province_feed()
    for name, table in demo_batches(scale, seed):
        if name.startswith(PROVINCE_BATCH_PREFIX):  # all 90 counties' index inputs: not the county's workload
            _land(name, table, feed)
            continue
        _land(name, table, admin)
        batches.append((name, table))
    facts = store()
    facts.cursor().execute("CHECKPOINT").fetchall()
    files = Files(Path(root) / "files")
    sizes = write_files(files, batches, excel_rows)
    region = admin.scope_region
    pq.write_table(_enterprise_table(region.path), files.enterprises)
    has_children = region.children.exists()
    return {
        "files": str(files.root),
        "sizes": sizes,
        "root": region.code,
        "year": DEMO_END.year,
        "enterprises": summary.enterprises,
        "excel_period": f"{DEMO_END.year}年1—{DEMO_END.index}月",
        "questions": [dataclasses.asdict(q) for q in monthly_questions(has_children)],
    }
