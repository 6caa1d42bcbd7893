"""Edge inputs of the credit-code check and the holiday-notice reader, with their messages."""

from __future__ import annotations

import pytest

from qsdesk.domain.uscc import InvalidCreditCode, normalize, validate
from qsdesk.domain.workdays import ScheduleError, parse_schedule


def test_normalize_none_is_empty() -> None:
    assert normalize(None) == ""  # type: ignore[arg-type]  # a blank Excel cell reaches it as None


def test_a_lower_case_excluded_letter_is_named() -> None:
    # NFKC + upper(): "o" becomes "O", which the code never uses
    with pytest.raises(InvalidCreditCode) as exc:
        validate("91350100M000100Yo3")
    assert "字母“O”不用于统一社会信用代码" in str(exc.value)


def test_a_non_ascii_character_is_named() -> None:
    with pytest.raises(InvalidCreditCode) as exc:
        validate("91350100M000100Y4中")
    assert "“中”不是数字或大写字母" in str(exc.value)


def test_a_sentence_saying_both_off_and_on_is_refused() -> None:
    with pytest.raises(ScheduleError, match="无法判断是放假还是上班"):
        parse_schedule(2027, "1月1日放假，1月4日上班")


def test_a_reversed_range_is_refused() -> None:
    with pytest.raises(ScheduleError, match="日期范围颠倒"):
        parse_schedule(2027, "10月7日至10月1日放假调休")
