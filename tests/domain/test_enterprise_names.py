from __future__ import annotations

import pytest

from qsdesk.domain.enterprise_names import core_name, is_near_duplicate, similarity


@pytest.mark.parametrize("a, b", [
    ("济南华鲁电器有限公司", "济南华鲁电器有限责任公司"),
    ("济南华鲁电器有限公司", "济南华鲁电器（有限公司） "),
    ("历城区顺发五金店", "历城区顺发五金商店"),
    ("ＡＢＣ电子厂", "abc电子厂"),
    ("济南华鲁电器有限公司", "济南华鲁电气有限公司"),  # one character mistyped
])
def test_near_duplicates(a: str, b: str) -> None:
    assert is_near_duplicate(a, b)


@pytest.mark.parametrize("a, b", [
    ("济南华鲁电器有限公司", "济南鲁华食品有限公司"),
    ("历城区顺发五金店", "历城区顺达食品店"),
    ("济南华鲁电器有限公司", "淄博华鲁化工有限公司"),
])
def test_different_units(a: str, b: str) -> None:
    assert not is_near_duplicate(a, b)


def test_core_keeps_a_name_that_is_only_a_suffix() -> None:
    assert core_name("公司") == "公司"
    assert core_name("鲁厂") == "鲁厂"
    assert similarity("", "x") == 0.0
