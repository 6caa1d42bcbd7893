"""Excel values the import must refuse, not store."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qsdesk.services.excel.normalize import parse_decimal


@pytest.mark.parametrize("value", [10**26, 1e26, "1e26", "100000000000000000000000000"])
def test_huge_revenue_is_too_large_whatever_its_type(value: object) -> None:
    with pytest.raises(ValueError, match="数值过大"):
        parse_decimal(value)


def test_ordinary_whole_numbers_still_parse() -> None:
    assert parse_decimal(1200) == Decimal("1200.00")
    assert parse_decimal(12.5) == Decimal("12.50")
