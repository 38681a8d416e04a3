"""Units written in file headers ("工业总产值（亿元）") and how they convert to an indicator's own unit.

Only exact decimal scale factors between units of one family are known here (元, 万元, 亿元 …); anything else
is a mismatch the import reports instead of guessing.
"""

from __future__ import annotations

import re
from decimal import Decimal

_FAMILIES: dict[str, dict[str, Decimal]] = {
    "money": {"元": Decimal(1), "千元": Decimal(10**3), "万元": Decimal(10**4), "亿元": Decimal(10**8)},
    "energy": {"吨标准煤": Decimal(1), "吨标煤": Decimal(1), "万吨标准煤": Decimal(10**4), "tce": Decimal(1)},
    "electricity": {
        "千瓦时": Decimal(1),
        "kwh": Decimal(1),
        "度": Decimal(1),
        "万千瓦时": Decimal(10**4),
        "亿千瓦时": Decimal(10**8),
    },
    # 1 亩 = 2000/3 m² exactly, so 1 m² = 0.0015 亩; 1 公顷 = 15 亩.
    "area": {"亩": Decimal(1), "平方米": Decimal("0.0015"), "公顷": Decimal(15)},
    "mass": {"吨": Decimal(1), "千克": Decimal("0.001"), "公斤": Decimal("0.001"), "万吨": Decimal(10**4)},
    "people": {"人": Decimal(1), "万人": Decimal(10**4)},
}

_HEADER_UNIT = re.compile(r"^(?P<name>.*?)\s*[（(\[【](?P<unit>[^（()\]）】]+)[)）\]】]\s*$")


class UnitMismatch(ValueError):
    pass


def split_unit(header: str) -> tuple[str, str | None]:
    """'工业总产值（亿元）' -> ('工业总产值', '亿元'); a header without brackets has no unit hint."""
    match = _HEADER_UNIT.match(header.strip())
    if match is None:
        return header.strip(), None
    return match.group("name").strip(), match.group("unit").strip()


def _family(unit: str) -> tuple[str, Decimal] | None:
    key = unit.strip().lower().replace(" ", "")
    for family, units in _FAMILIES.items():
        if key in units:
            return family, units[key]
    return None


def conversion_factor(given: str | None, expected: str) -> Decimal:
    """The factor that turns a value in `given` into `expected`; 1 without a hint or when they are equal."""
    if not given or not expected or given.strip() == expected.strip():
        return Decimal(1)
    source, target = _family(given), _family(expected)
    if source is None or target is None or source[0] != target[0]:
        raise UnitMismatch(f"{given} ≠ {expected}")
    return source[1] / target[1]
