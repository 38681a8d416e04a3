"""Sparklines as inline SVG drawn on the server: no script, so a KPI card shows its trend on any intranet
browser, and the same points travel in the page's JSON for the charts."""

from __future__ import annotations

from collections.abc import Sequence

WIDTH, HEIGHT, PAD = 120.0, 32.0, 2.0


def points(values: Sequence[float | None]) -> str:
    """The SVG polyline points for the values (gaps skipped), scaled into the box; empty if fewer than two."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(v for _, v in known), max(v for _, v in known)
    span = high - low or 1.0
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    return " ".join(
        f"{PAD + i * step:.1f},{HEIGHT - PAD - (v - low) / span * (HEIGHT - 2 * PAD):.1f}" for i, v in known
    )
