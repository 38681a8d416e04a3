"""Keeping the store's copies of the registry (enterprises, regions, industries, the digital-economy map and
which indicators are flows) in step with the ORM.

The cube is keyed on each enterprise's county, park, industry class and 规上 flag, so these copies must be
current before a batch lands or a statistic is read. A cheap fingerprint of the registry decides whether
anything needs sending; when it does, only enterprises whose attributes changed move in the cube.
"""

from __future__ import annotations

import hashlib
import threading
import time

import pyarrow as pa
from django.db.models import Count, Max

from industrybrain.datahub.models import Indicator
from industrybrain.registry.models import (
    DigitalEconomyMapping,
    Enterprise,
    Industry,
    Region,
)

from .engine import store

_lock = threading.Lock()
_synced: dict[str, str] = {}  # store path -> fingerprint last sent
_checked_at: dict[str, float] = {}  # store path -> when the fingerprint was last compared
_dirty = threading.Event()  # set by this process's own registry changes (signals)
# Another process (a CLI import beside the server) may change the registry too: compare at most this often.
RECHECK_SECONDS = 2.0


def _fingerprint() -> str:
    parts = [
        Enterprise.objects.aggregate(n=Count("pk"), last=Max("last_updated")),
        Region.objects.aggregate(n=Count("pk"), last=Max("last_updated")),
        DigitalEconomyMapping.objects.aggregate(n=Count("pk"), last=Max("pk")),
        Indicator.objects.aggregate(n=Count("pk"), last=Max("last_updated")),
        Industry.objects.count(),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def enterprise_attributes() -> pa.Table:
    """Where each enterprise counts in statistics: the county it operates in (its park's county when it is in a
    park, else its registration region; 法人单位 are counted where they are, DOMAIN §3 INFERRED), park, class."""
    rows = Enterprise.objects.values_list(
        "uscc", "region_id", "park__region_id", "park__code", "industry_id", "is_above_scale", "ownership"
    )
    uscc, county, park, class4, above, ownership = [], [], [], [], [], []
    for code, region, park_region, park_code, industry, flag, owner in rows.iterator(chunk_size=20_000):
        uscc.append(code)
        county.append(park_region or region)
        park.append(park_code or "")
        class4.append(industry)
        above.append(flag)
        ownership.append(owner or "")
    columns = {"uscc": uscc, "county": county, "park": park, "class4": class4, "above_scale": above}
    return pa.table({**columns, "ownership": ownership})


def _regions() -> pa.Table:
    rows = list(Region.objects.values_list("code", "name", "level", "parent_id", "path"))
    return pa.table(
        {
            "code": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "level": [r[2] for r in rows],
            "parent": [r[3] for r in rows],
            "path": [r[4] for r in rows],
        }
    )


def _industries() -> pa.Table:
    rows = list(Industry.objects.filter(level="class").values_list("code", "section"))
    return pa.table(
        {
            "class4": [c for c, _s in rows],
            "section": [s for _c, s in rows],
            "division": [c[:2] for c, _s in rows],
            "grp": [c[:3] for c, _s in rows],
        }
    )


def _digital_economy_map() -> pa.Table:
    """Every version's mapping, so statistics can name the version they use (DESIGN §2)."""
    rows = DigitalEconomyMapping.objects.values_list("category__version_id", "industry_id", "category__code")
    versions, classes, majors, items = [], [], [], []
    for version, class4, item in rows:
        versions.append(version)
        classes.append(class4)
        majors.append(item[:2])
        items.append(item)
    return pa.table(
        {
            "version_id": pa.array(versions, pa.int64()),
            "class4": pa.array(classes, pa.string()),
            "major": pa.array(majors, pa.string()),
            "item": pa.array(items, pa.string()),
        }
    )


def forget_synced() -> None:
    """Drop what this process remembers having sent (the store was replaced, e.g. between tests)."""
    with _lock:
        _synced.clear()
        _checked_at.clear()


def mark_dirty(**kwargs: object) -> None:
    """Signal receiver: the registry changed in this process, so the next question re-syncs at once."""
    _dirty.set()


def ensure_current(force: bool = False) -> None:
    """Send the registry to the store when it changed since the last time (or always, with `force`)."""
    facts = store()
    with _lock:
        now = time.monotonic()
        recent = now - _checked_at.get(facts.path, -RECHECK_SECONDS) < RECHECK_SECONDS
        if not force and not _dirty.is_set() and recent and facts.path in _synced:
            return
        _dirty.clear()
        _checked_at[facts.path] = now
        fingerprint = _fingerprint()
        if not force and _synced.get(facts.path) == fingerprint and facts.meta("registry") == fingerprint:
            return
        flows = list(Indicator.objects.filter(aggregation="sum", formula="").values_list("code", flat=True))
        facts.set_flow_indicators(flows)
        facts.replace_table("regions", _regions())
        facts.replace_table("industries", _industries())
        facts.replace_table("de_map", _digital_economy_map())
        facts.sync_entities(enterprise_attributes())
        facts.set_meta("registry", fingerprint)
        _synced[facts.path] = fingerprint
