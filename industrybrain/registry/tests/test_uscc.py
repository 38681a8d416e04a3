"""USCC validation against real published codes, crafted invalid ones, and the check's algebra."""

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from industrybrain.registry.uscc import (
    USCC_CHARSET,
    check_uscc,
    make_uscc,
    org_code_check_character,
    uscc_check_character,
)

# Codes printed on the business licences of well-known companies (public registration records).
REAL_CODES = [
    "91330100716105852F",  # DOMAIN.md §4, read in public data
    "913502000944120645",
    "91350582MA8RFY385R",
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司 (organisation check character X = 10)
    "91110000802100433B",  # 百度在线网络技术(北京)有限公司
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_it_accepts_real_codes(code: str) -> None:
    assert check_uscc(code).is_valid


def test_it_reads_the_registering_region() -> None:
    assert check_uscc("91330100716105852F").region_code == "330100"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91330100716105852", "must be 18 characters"),
        ("91330100716105852FF", "must be 18 characters"),
        ("9133010071610585IF", "characters not allowed: I"),  # I is never used
        ("91330100716105852f", "characters not allowed: f"),  # lower case
        ("91330100716105852O", "characters not allowed: O"),
        ("91330100716105852G", "check character is G, expected F"),
        ("91A30100716105852F", "must be a 6-digit region code"),
    ],
)
def test_it_says_why_a_code_is_invalid(code: str, reason: str) -> None:
    result = check_uscc(code)
    assert not result.is_valid
    assert any(reason in error for error in result.errors), result.errors


def test_it_checks_the_embedded_organisation_code() -> None:
    # Swap two characters of the organisation code body and fix up character 18, so that only the
    # GB 11714 check can notice.
    first17 = "91330100" + "71610585" + "2"
    tampered = "91330100" + "17610585" + "2"
    assert org_code_check_character("71610585") == "2"
    assert org_code_check_character("17610585") != "2"
    result = check_uscc(tampered + uscc_check_character(tampered))
    assert [e for e in result.errors if "organisation code" in e]
    assert check_uscc(first17 + uscc_check_character(first17)).is_valid


def test_it_maps_a_remainder_of_31_to_zero() -> None:
    # 17 zeros sum to 0, so 31 - 0 = 31, which the standard writes as '0' (some libraries get this wrong).
    assert uscc_check_character("0" * 17) == "0"


def test_it_maps_organisation_check_11_to_zero_and_10_to_x() -> None:
    assert org_code_check_character("00000000") == "0"  # 11 - 0 = 11 -> '0'
    # Tencent's organisation code 71526726 has check character X (value 10).
    assert org_code_check_character("71526726") == "X"


body = st.text(alphabet=USCC_CHARSET, min_size=8, max_size=8)
region = st.text(alphabet="0123456789", min_size=6, max_size=6)


@given(dept=st.sampled_from("159Y"), kind=st.sampled_from("123"), region_code=region, org_body=body)
def test_it_builds_only_valid_codes(dept: str, kind: str, region_code: str, org_body: str) -> None:
    code = make_uscc(dept, kind, region_code, org_body)
    assert check_uscc(code).is_valid
    assert code[2:8] == region_code


@given(region_code=region, org_body=body, position=st.integers(0, 17), replacement=st.sampled_from(USCC_CHARSET))
def test_it_detects_every_single_character_substitution(
    region_code: str, org_body: str, position: int, replacement: str
) -> None:
    # Weights 3^i mod 31 are all invertible mod the prime 31, so any one wrong character changes the sum.
    code = make_uscc("9", "1", region_code, org_body)
    if code[position] == replacement or (2 <= position < 8 and not replacement.isdigit()):
        return
    assert not check_uscc(code[:position] + replacement + code[position + 1 :]).is_valid


def test_it_answers_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        call_command("uscc", "91330100716105852F", "91330100716105852G")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("91330100716105852F\tvalid")
    assert out[1] == "91330100716105852G\tinvalid\tcheck character is G, expected F"


def test_it_exits_zero_when_every_code_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("uscc", *REAL_CODES)
    assert all("\tvalid\t" in line for line in capsys.readouterr().out.splitlines())
