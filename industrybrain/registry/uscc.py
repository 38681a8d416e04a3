"""统一社会信用代码 (GB 32100-2015) and the embedded 组织机构代码 (GB 11714-1997).

Layout of the 18 characters: 1 registration department, 2 organisation kind, 3-8 GB/T 2260 region code of
the registering authority, 9-17 the organisation code (8 body characters + its own check character),
18 the USCC check character. Sources and the pitfalls other implementations miss (31 -> '0', 11 -> '0') are
in docs/uscc.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# 31 characters: digits and capitals without I, O, S, V, Z.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUES = {char: value for value, char in enumerate(USCC_CHARSET)}
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, ...
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


@dataclass(frozen=True)
class UsccCheck:
    code: str
    errors: tuple[str, ...]

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def region_code(self) -> str:
        """The GB/T 2260 code of the registering authority (characters 3-8)."""
        return self.code[2:8]


def uscc_check_character(first17: str) -> str:
    """Character 18: 31 - (sum of value x weight mod 31), where 31 becomes '0'."""
    total = sum(USCC_VALUES[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_character(body8: str) -> str:
    """GB 11714: 11 - (sum mod 11) over base-36 values; 10 becomes 'X' and 11 becomes '0'."""
    total = sum(int(c, 36) * w for c, w in zip(body8, ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def check_uscc(code: str) -> UsccCheck:
    """Validate one code and say every reason it is invalid (in English; the UI translates)."""
    errors: list[str] = []
    if len(code) != 18:
        return UsccCheck(code, (f"must be 18 characters, got {len(code)}",))
    bad = sorted({c for c in code if c not in USCC_VALUES})
    if bad:
        return UsccCheck(
            code, (f"characters not allowed: {' '.join(bad)} (I, O, S, V, Z and lower case are never used)",)
        )
    if not _SHAPE.match(code):
        errors.append("characters 3-8 must be a 6-digit region code")
    expected_org = org_code_check_character(code[8:16])
    if code[16] != expected_org:
        errors.append(f"organisation code check character is {code[16]}, expected {expected_org}")
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        errors.append(f"check character is {code[17]}, expected {expected}")
    return UsccCheck(code, tuple(errors))


def make_uscc(department: str, kind: str, region_code: str, org_body: str) -> str:
    """Build a valid code from its parts (the organisation code's and the final check are computed)."""
    first17 = f"{department}{kind}{region_code}{org_body}{org_code_check_character(org_body)}"
    if len(first17) != 17 or any(c not in USCC_VALUES for c in first17):
        raise ValueError(f"cannot build a code from {department!r}, {kind!r}, {region_code!r}, {org_body!r}")
    return first17 + uscc_check_character(first17)
