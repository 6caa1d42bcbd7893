"""统一社会信用代码: normalisation and validation with a reason for each failure kind."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qsdesk.domain import uscc
from qsdesk.domain.uscc import InvalidCreditCode, check_digit, is_valid, normalize, validate

# Publicly displayed codes of well-known enterprises (printed on their business licences).
REAL_CODES = [
    "91110000600037341L",  # python-stdnum's own example
    "914403001922038216",
    "9144030071526726XG",
    "91330100716105852F",
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code: str) -> None:
    assert validate(code) == code
    assert is_valid(code)
    assert check_digit(code[:17]) == code[17]


def test_normalize_strips_spaces_inside_and_outside() -> None:
    assert normalize("  9144 0300 7152 6726XG \t\n") == "9144030071526726XG"


def test_normalize_full_width_and_lower_case() -> None:
    full = "９１４４０３００７１５２６７２６ｘｇ"
    assert normalize(full) == "9144030071526726XG"
    assert validate(full) == "9144030071526726XG"
    # ideographic space U+3000 from a Chinese input method
    assert validate("9144030071526726\u3000xg") == "9144030071526726XG"


def test_lower_case_input_is_accepted() -> None:
    assert validate("9144030071526726xg") == "9144030071526726XG"


@pytest.mark.parametrize("code,n", [("", 0), ("12345", 5), ("9144030071526726X", 17), ("9144030071526726XGG", 19)])
def test_length_failure_says_18_and_actual(code: str, n: int) -> None:
    with pytest.raises(InvalidCreditCode) as ei:
        validate(code)
    assert ei.value.kind == "length"
    assert "18位" in str(ei.value)
    assert f"{n}位" in str(ei.value)
    assert isinstance(ei.value, ValueError)
    assert not is_valid(code)


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V"])
def test_excluded_letters_named_with_position(bad: str) -> None:
    code = "91330100716105852" + bad
    with pytest.raises(InvalidCreditCode) as ei:
        validate(code)
    msg = str(ei.value)
    assert ei.value.kind == "charset"
    assert "第18位" in msg and f"“{bad}”" in msg
    assert "I、O、Z、S、V" in msg


def test_non_alnum_character_reported_at_its_position() -> None:
    with pytest.raises(InvalidCreditCode) as ei:
        validate("9133010071610-852F")
    assert ei.value.kind == "charset"
    assert "第14位" in str(ei.value) and "“-”" in str(ei.value)


def test_all_bad_characters_are_listed() -> None:
    with pytest.raises(InvalidCreditCode) as ei:
        validate("91330100716I0585OF")
    msg = str(ei.value)
    assert "第12位" in msg and "第17位" in msg


def test_region_code_must_be_digits() -> None:
    body = "91A30100716105852"
    code = body + uscc._stdnum_uscc.calc_check_digit(body)
    with pytest.raises(InvalidCreditCode) as ei:
        validate(code)
    assert ei.value.kind == "region"
    assert "第3位" in str(ei.value)


def test_letter_in_first_position_allowed_when_check_digit_right() -> None:
    # GB 32100: position 1 may be a letter (e.g. N = agriculture); stdnum.validate would reject it.
    body = "N2370100MA3C12345"
    code = body + check_digit(body)
    assert validate(code) == code


def test_check_digit_failure_gives_expected_and_actual() -> None:
    with pytest.raises(InvalidCreditCode) as ei:
        validate("91330100716105852G")
    msg = str(ei.value)
    assert ei.value.kind == "checksum"
    assert "应为“F”" in msg and "实际为“G”" in msg


def test_check_digit_needs_17_characters() -> None:
    with pytest.raises(InvalidCreditCode):
        check_digit("9133010071610585")
    with pytest.raises(InvalidCreditCode):
        check_digit("9133010071610585I")


def test_every_single_character_typo_is_caught() -> None:
    # Changing any one of the first 17 characters must change the check character.
    code = "91330100716105852F"
    for pos in range(17):
        for ch in uscc.ALPHABET:
            if ch == code[pos] or (2 <= pos < 8 and not ch.isdigit()):
                continue
            typo = code[:pos] + ch + code[pos + 1 :]
            assert not is_valid(typo), typo


def test_individual_business_detection() -> None:
    assert uscc.is_individual_business("92370112MA3C0A1B2X")
    assert not uscc.is_individual_business("91330100716105852F")


# ---------- properties ----------


alnum = st.sampled_from(uscc.ALPHABET)
digit = st.sampled_from("0123456789")
bodies = st.tuples(
    st.lists(alnum, min_size=2, max_size=2), st.lists(digit, min_size=6, max_size=6), st.lists(alnum, min_size=9, max_size=9)
).map(lambda t: "".join(t[0] + t[1] + t[2]))


@given(bodies)
def test_body_plus_check_digit_validates_and_stdnum_agrees(body: str) -> None:
    code = body + check_digit(body)
    assert validate(code) == code
    assert validate(" " + code.lower() + " ") == code
    if body[:8].isdigit():
        from stdnum.cn import uscc as std

        assert std.is_valid(code)


@given(bodies, alnum)
def test_wrong_check_digit_always_rejected(body: str, ch: str) -> None:
    if ch == check_digit(body):
        return
    with pytest.raises(InvalidCreditCode) as ei:
        validate(body + ch)
    assert ei.value.kind == "checksum"
