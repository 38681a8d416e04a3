"""`remembered`: built once, served from the cache, and a stale copy while another thread rebuilds."""

import threading

from django.core.cache import cache

from industrybrain.core import caching
from industrybrain.core.caching import remembered


def test_built_once_then_served_from_the_cache() -> None:
    cache.clear()
    calls = []
    assert remembered("k", lambda: calls.append(1) or "v1", seconds=60) == "v1"
    assert remembered("k", lambda: calls.append(1) or "v2", seconds=60) == "v1"
    assert calls == [1]


def test_after_expiry_other_threads_get_the_stale_copy_while_one_rebuilds() -> None:
    cache.clear()
    remembered("k", lambda: "old", seconds=60)
    cache.delete("k")  # the fresh entry expired; the stale one is kept longer
    started, release = threading.Event(), threading.Event()

    def slow_build() -> str:
        started.set()
        release.wait(5)
        return "new"

    results = {}
    builder = threading.Thread(target=lambda: results.setdefault("builder", remembered("k", slow_build)))
    builder.start()
    started.wait(5)
    results["other"] = remembered("k", lambda: "built twice")  # must not build while the first one does
    release.set()
    builder.join(5)
    assert results == {"builder": "new", "other": "old"}
    assert remembered("k", lambda: "again") == "new" and not caching._building


def test_without_a_stale_copy_a_second_thread_builds_too_rather_than_wait_for_nothing() -> None:
    cache.clear()
    caching._building.add("fresh")
    try:
        assert remembered("fresh", lambda: "built") == "built"
    finally:
        caching._building.discard("fresh")
