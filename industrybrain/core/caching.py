"""One way to cache a page's built answer: `remembered(key, build)`.

The cockpit's answers are built from a few aggregate calls (hundreds of milliseconds at province scale) and then
served from the cache. Keys carry the data version where the answer depends on it, so a landed batch shows at
once; `COCKPIT_CACHE_SECONDS` bounds how old the rest (service-desk figures, which change with every request)
may get. When an entry expires on a busy big screen, one thread rebuilds it while the others are answered with
the previous copy (kept STALE_FACTOR times longer) instead of all of them rebuilding at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

T = TypeVar("T")
STALE_FACTOR = 10
# For answers whose key names every version they depend on (data version, newest run …): a change makes a new
# key, so the entry only has to be dropped eventually to free memory.
VERSIONED_SECONDS = 24 * 3600
_building: set[str] = set()
_building_lock = threading.Lock()


def remembered(key: str, build: Callable[[], T], seconds: int | None = None) -> T:
    fresh_for = settings.COCKPIT_CACHE_SECONDS if seconds is None else seconds
    found = cache.get(key)
    if found is not None:
        return found
    stale = cache.get(f"{key}:stale")
    with _building_lock:
        someone_else = key in _building
        if not someone_else:
            _building.add(key)
    if someone_else and stale is not None:
        return stale
    try:
        value = build()
        cache.set(key, value, fresh_for)
        cache.set(f"{key}:stale", value, fresh_for * STALE_FACTOR)
        return value
    finally:
        if not someone_else:
            with _building_lock:
                _building.discard(key)
