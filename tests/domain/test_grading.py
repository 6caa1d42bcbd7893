"""A–D grading per 001 annex 1 / 002 annex 1, at every boundary of the tables."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qsdesk.domain.grading import (
    Grade,
    SupervisingLevel,
    grade,
    grade_with_reason,
    supervising_level,
    unit_kind,
)

A, B, C, D = Grade.A, Grade.B, Grade.C, Grade.D

# (unit type, staff X, expected) — each lower bound and the value just below it.
STAFF_CASES = [
    # 大型生产单位 X≥1000; 中型 300≤X<1000; 小型 20≤X<300; 微型 X<20
    ("producer", 1000, A), ("producer", 999, B), ("producer", 300, B), ("producer", 299, C),
    ("producer", 20, C), ("producer", 19, D), ("producer", 0, D), ("producer", 5000, A),
    # 大型批发单位 X≥200; 中型 20≤X<200; 小型 5≤X<20; 微型 X<5
    ("wholesaler", 200, A), ("wholesaler", 199, B), ("wholesaler", 20, B), ("wholesaler", 19, C),
    ("wholesaler", 5, C), ("wholesaler", 4, D),
    # 大型零售单位 X≥300; 中型 50≤X<300; 小型 10≤X<50; 微型 X<10
    ("retailer", 300, A), ("retailer", 299, B), ("retailer", 50, B), ("retailer", 49, C),
    ("retailer", 10, C), ("retailer", 9, D),
]

REVENUE_CASES = [
    # 生产: Y≥40000 A; 2000≤Y<40000 B; 300≤Y<2000 C; Y<300 D (万元)
    ("producer", 40000, A), ("producer", 39999.99, B), ("producer", 2000, B), ("producer", 1999, C),
    ("producer", 300, C), ("producer", 299.5, D),
    # 批发: Y≥40000 A; 5000≤Y<40000 B; 1000≤Y<5000 C; Y<1000 D
    ("wholesaler", 40000, A), ("wholesaler", 39999, B), ("wholesaler", 5000, B), ("wholesaler", 4999, C),
    ("wholesaler", 1000, C), ("wholesaler", 999, D),
    # 零售: Y≥20000 A; 500≤Y<20000 B; 100≤Y<500 C; Y<100 D
    ("retailer", 20000, A), ("retailer", 19999, B), ("retailer", 500, B), ("retailer", 499, C),
    ("retailer", 100, C), ("retailer", 99, D), ("retailer", 0, D),
]


@pytest.mark.parametrize("unit,staff,expected", STAFF_CASES)
def test_staff_boundaries_alone(unit: str, staff: int, expected: Grade) -> None:
    assert grade([unit], staff, None) is expected


@pytest.mark.parametrize("unit,revenue,expected", REVENUE_CASES)
def test_revenue_boundaries_alone(unit: str, revenue: float, expected: Grade) -> None:
    assert grade([unit], None, revenue) is expected


def test_decimal_revenue() -> None:
    assert grade(["producer"], None, Decimal("2000.00")) is B
    assert grade(["producer"], None, Decimal("1999.99")) is C


def test_either_criterion_suffices_higher_wins() -> None:
    # "或": a producer with 25 staff (C) but 40000 万元 revenue (A) is A.
    assert grade(["producer"], 25, 40000) is A
    # 1000 staff (A) and small revenue (D) → A
    assert grade(["producer"], 1000, 10) is A
    # both in B → B; one B one C → B
    assert grade(["producer"], 500, 3000) is B
    assert grade(["producer"], 299, 2000) is B
    # both D → D
    assert grade(["producer"], 19, 299) is D


def test_highest_grade_across_unit_types() -> None:
    # 250 staff: producer C, retailer B, wholesaler A → A
    assert grade(["producer"], 250, None) is C
    assert grade(["retailer"], 250, None) is B
    assert grade(["wholesaler"], 250, None) is A
    assert grade(["producer", "retailer"], 250, None) is B
    assert grade(["producer", "wholesaler", "retailer"], 250, None) is A
    # revenue 600 万元: producer C, retailer B, wholesaler D
    assert grade(["producer", "wholesaler"], None, 600) is C
    assert grade(["wholesaler", "retailer"], None, 600) is B


def test_missing_figures() -> None:
    assert grade(["producer"], None, None) is None
    assert grade(["producer"], 1000, None) is A
    assert grade(["producer"], None, 300) is C
    assert grade([], 1000, 40000) is None


def test_chinese_unit_type_names_and_single_string() -> None:
    assert grade(["生产单位"], 1000, None) is A
    assert grade(["批发"], 200, None) is A
    assert grade("retailer", 300, None) is A


def test_unknown_unit_type_raises() -> None:
    with pytest.raises(ValueError, match="未知的单位类型"):
        grade(["manufacturer"], 10, 10)
    with pytest.raises(ValueError):
        grade(["producer", "importer"], 10, 10)


def test_negative_figures_rejected() -> None:
    with pytest.raises(ValueError):
        grade(["producer"], -1, None)
    with pytest.raises(ValueError):
        grade(["producer"], None, -0.5)


def test_individual_business_is_graded_by_its_figures() -> None:
    # 国市监质监发〔2023〕38号 附件1: D 级主体 "微型…（包括个体工商户）" — graded by X/Y like any unit
    g, reason = grade_with_reason(["retailer"], 400, 30000, individual_business=True)
    assert g is A and "个体工商户，按从业人员和营业收入分级" in reason
    assert grade(["retailer"], 9, 99, individual_business=True) is D  # 零售 D: X<10 或 Y<100
    assert grade(["retailer"], 10, None, individual_business=True) is C  # 10 ≤ X < 50
    assert grade(["producer"], None, 300, individual_business=True) is C  # 300 ≤ Y < 2000
    # no figures at all: taken as micro (D), and the reason says why
    g, reason = grade_with_reason(["retailer"], None, None, individual_business=True)
    assert g is D and "暂定 D 级" in reason and "国市监质监发〔2023〕38号 附件1" in reason
    assert grade([], None, None, individual_business=True) is D


def test_unit_kind_one_rule() -> None:
    assert unit_kind("producer") == "producer"
    assert unit_kind("producer,retailer") == "producer"  # makes and sells
    assert unit_kind(["批发", "零售"]) == "seller"
    assert unit_kind("retailer", domain="生产") == "seller"  # the recorded types decide
    assert unit_kind("", domain="生产") == "producer"  # none recorded: the census's 所属领域
    assert unit_kind(None, domain="流通") == "seller" and unit_kind(None) == "seller"
    assert unit_kind("producer,bogus") == "producer"


def test_grade_is_str_enum() -> None:
    assert grade(["producer"], 1000, None) == "A"
    assert [g.value for g in Grade] == ["A", "B", "C", "D"]


def test_reason_text() -> None:
    g, reason = grade_with_reason(["producer"], 1000, 500)
    assert g is A
    assert "生产单位：从业人员 1000 人 ≥ 1000 → A" in reason
    assert "营业收入 500 万元" in reason and "→ C" in reason
    assert reason.endswith("取较高等级：A 级（大型）")


def test_reason_for_boundary_and_missing() -> None:
    g, reason = grade_with_reason(["wholesaler"], 19, None)
    assert g is C
    assert "5 ≤ X < 20" in reason
    assert "营业收入未填写" in reason
    g, reason = grade_with_reason(["producer"], None, None)
    assert g is None and "无法分级" in reason


@pytest.mark.parametrize(
    "g,level",
    [
        ("A", SupervisingLevel.PROVINCE),
        ("B", SupervisingLevel.CITY),
        ("C", SupervisingLevel.COUNTY),
        ("D", SupervisingLevel.STATION),
    ],
)
def test_supervising_level(g: str, level: SupervisingLevel) -> None:
    assert supervising_level(g) is level
    assert supervising_level(Grade(g)) is level


def test_supervising_level_municipality() -> None:
    # 直辖市：市级、区（县）级对应 A、B；乡（镇、街道）所对应 C、D (002 annex 2: 市局 A, 区局 B)
    assert supervising_level(A, municipality=True) is SupervisingLevel.CITY
    assert supervising_level(B, municipality=True) is SupervisingLevel.DISTRICT
    assert supervising_level(C, municipality=True) is SupervisingLevel.STATION
    assert supervising_level(D, municipality=True) is SupervisingLevel.STATION
    assert supervising_level("A") == "省级市场监管部门"


def test_supervising_level_bad_grade() -> None:
    with pytest.raises(ValueError):
        supervising_level("E")
    with pytest.raises(ValueError):
        supervising_level(None)  # type: ignore[arg-type]


def test_none_unit_types_not_gradable() -> None:
    assert grade(None, 1000, None) is None  # type: ignore[arg-type]


# ---------- properties ----------


units = st.sampled_from(["producer", "wholesaler", "retailer"])
staff_s = st.integers(min_value=0, max_value=100_000)
rev_s = st.integers(min_value=0, max_value=10_000_000)


@given(units, staff_s, staff_s, rev_s)
def test_more_staff_never_lowers_the_grade(unit: str, x1: int, x2: int, y: int) -> None:
    lo, hi = sorted((x1, x2))
    assert grade([unit], hi, y).rank >= grade([unit], lo, y).rank  # type: ignore[union-attr]


@given(units, staff_s, rev_s)
def test_grade_is_the_higher_of_the_two_figures(unit: str, x: int, y: int) -> None:
    both = grade([unit], x, y)
    assert both is max(grade([unit], x, None), grade([unit], None, y), key=lambda g: g.rank)  # type: ignore[union-attr]


@given(st.lists(units, min_size=1, max_size=3), staff_s, rev_s)
def test_several_types_take_the_highest(types: list[str], x: int, y: int) -> None:
    assert grade(types, x, y) is max((grade([t], x, y) for t in types), key=lambda g: g.rank)  # type: ignore[union-attr]


def test_unit_types_as_stored_comma_string() -> None:
    assert grade("producer,retailer", 250, None) is B
    assert grade("生产、批发", 250, None) is A
    assert grade("", 1000, None) is None
    with pytest.raises(ValueError):
        grade("producer,importer", 10, None)


def test_escalated_supervision_one_level_up() -> None:
    # 001 二（一）: 可由上一级市场监管部门监管或挂牌督办
    assert supervising_level("D", escalated=True) is SupervisingLevel.COUNTY
    assert supervising_level("C", escalated=True) is SupervisingLevel.CITY
    assert supervising_level("B", escalated=True) is SupervisingLevel.PROVINCE
    assert supervising_level("A", escalated=True) is SupervisingLevel.NATIONAL
    # Shanghai (002 annex 2): 区局挂牌督办 C、D 级; 市局挂牌督办 B 级
    assert supervising_level("C", municipality=True, escalated=True) is SupervisingLevel.DISTRICT
    assert supervising_level("D", municipality=True, escalated=True) is SupervisingLevel.DISTRICT
    assert supervising_level("B", municipality=True, escalated=True) is SupervisingLevel.CITY
