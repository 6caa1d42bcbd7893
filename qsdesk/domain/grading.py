"""A/B/C/D grading of industrial-product producers and sellers (分层分级责任清单).

Source: 001 (国市监质监发〔2023〕38号) 二（一） and its annex 1 《分层分级责任清单》; 002
(宝山区实施方案) annex 1 《工业产品生产和销售单位划分标准》 gives the same numbers. X is the
number of staff (从业人员, 人), Y the operating revenue (营业收入, 万元):

* 生产单位: A X≥1000 或 Y≥40000; B 300≤X<1000 或 2000≤Y<40000; C 20≤X<300 或 300≤Y<2000;
  D X<20 或 Y<300.
* 批发单位: A X≥200 或 Y≥40000; B 20≤X<200 或 5000≤Y<40000; C 5≤X<20 或 1000≤Y<5000;
  D X<5 或 Y<1000.
* 零售单位: A X≥300 或 Y≥20000; B 50≤X<300 或 500≤Y<20000; C 10≤X<50 或 100≤Y<500;
  D X<10 或 Y<100.

Rules applied (annex 1 说明 3: "同时满足多个划分标准条件时，按照其中符合较高等级主体条件进行
分级对应"):

* "或": either criterion alone places the unit in a grade, so each figure yields a grade and the
  higher of the two wins (X=25, Y=50000 for a producer → A);
* a unit with several unit types (makes and sells) takes the highest grade over its types;
* one figure missing → the grade from the other; both missing → ``None`` (not gradable);
* D 级 is "微型工业产品生产和销售单位（包括个体工商户）": the parenthesis says individual
  businesses are among the micro units, not that every one is micro. An individual business is
  graded by its figures like any unit; only when it has no figures at all is it taken as D (the
  annex's presumption), and the reason says so.

The unit kind (:func:`unit_kind`) is the one rule for "producer or seller" that picks annex 4 or
5, the task checklist and the list columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "Grade",
    "SupervisingLevel",
    "Thresholds",
    "THRESHOLDS",
    "UNIT_KIND_LABELS",
    "UNIT_TYPE_LABELS",
    "UNIT_TYPE_WORDS",
    "unit_kind",
    "grade",
    "grade_with_reason",
    "parse_unit_types",
    "supervising_level",
]


class Grade(StrEnum):
    """Subject grade; A is the highest (largest units)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def rank(self) -> int:
        """3 for A … 0 for D, so that ``max(key=rank)`` picks the higher grade."""
        return {"A": 3, "B": 2, "C": 1, "D": 0}[self.value]

    @property
    def size_label(self) -> str:
        return {"A": "大型", "B": "中型", "C": "小型", "D": "微型"}[self.value]


@dataclass(frozen=True)
class Thresholds:
    """Lower bounds of grades A, B, C for one unit type (below the C bound is D)."""

    staff: tuple[int, int, int]
    revenue_wan: tuple[int, int, int]


#: Annex 1 of 001 / 002, per unit type: (A, B, C) lower bounds.
THRESHOLDS: dict[str, Thresholds] = {
    "producer": Thresholds(staff=(1000, 300, 20), revenue_wan=(40000, 2000, 300)),
    "wholesaler": Thresholds(staff=(200, 20, 5), revenue_wan=(40000, 5000, 1000)),
    "retailer": Thresholds(staff=(300, 50, 10), revenue_wan=(20000, 500, 100)),
}

UNIT_TYPE_LABELS: dict[str, str] = {
    "producer": "生产单位",
    "wholesaler": "批发单位",
    "retailer": "零售单位",
}

#: The short words lists and spreadsheets use (生产、批发、零售), in the canonical order.
UNIT_TYPE_WORDS: dict[str, str] = {"producer": "生产", "wholesaler": "批发", "retailer": "零售"}

#: Every word a person or a spreadsheet uses for a unit type (the registries of other systems
#: say 生产企业, 批发商, 销售者 …); a seller without more detail is read as a retailer.
_ALIASES: dict[str, str] = {
    **{w: "producer" for w in ("producer", "生产", "生产者", "生产单位", "生产企业")},
    **{w: "wholesaler" for w in ("wholesaler", "批发", "批发单位", "批发商", "批发企业")},
    **{w: "retailer" for w in ("retailer", "零售", "零售单位", "零售商", "零售企业", "销售", "销售单位", "销售者")},
}

_GRADES_DESC = (Grade.A, Grade.B, Grade.C)


def parse_unit_types(unit_types: Iterable[str] | str | None) -> list[str]:
    """Canonical unit types (``producer``/``wholesaler``/``retailer``), de-duplicated, in order.

    Accepts the English keys or the annex's Chinese words (生产单位、批发单位、零售单位), as an
    iterable or as one string separated by commas/、/spaces (``"producer,retailer"``; ``""`` →
    no type).
    Raises ``ValueError`` for anything else.
    """
    if unit_types is None:
        return []
    if isinstance(unit_types, str):
        # a stored list such as "producer,retailer" or "生产、零售"
        unit_types = [t for t in re.split(r"[,，、;；/\s]+", unit_types) if t]
    out: list[str] = []
    for raw in unit_types:
        key = _ALIASES.get(str(raw).strip().lower()) if raw is not None else None
        if key is None:
            raise ValueError(f"未知的单位类型“{raw}”，应为 生产、批发 或 零售")
        if key not in out:
            out.append(key)
    return out


def stored_unit_types(stored: str | None) -> list[str]:
    """The unit-type keys of a stored value (``"producer,retailer"``), as written, blanks dropped.

    The one reader of the stored comma-separated form: unlike :func:`parse_unit_types` it does
    not judge the words (a value another node stored is shown as it is, never refused here).
    """
    return [t for t in (stored or "").split(",") if t]


def store_unit_types(types: Iterable[str]) -> str:
    """The stored form of unit-type keys (``["producer", "retailer"]`` → ``"producer,retailer"``)."""
    return ",".join(types)


#: The two kinds the forms and lists distinguish.
UNIT_KIND_LABELS = {"producer": "生产单位", "seller": "销售单位"}


def unit_kind(unit_types: Iterable[str] | str | None, domain: str | None = None) -> str:
    """``"producer"`` or ``"seller"``: the one rule for annex 4 vs 5, the task checklist
    (task_producer vs task_seller), the grading table's producer row and the lists.

    The recorded unit types decide: a unit that produces, alone or also selling (生产并销售), is a
    producer (国市监质监发〔2023〕38号 附件1 grades it by the higher row, and its producer duties
    include the seller's); wholesale/retail only is a seller. With no unit type recorded, the
    census's 所属领域 (鲁市监质监字〔2022〕233号 附件3: 生产/流通/电商/其他) decides: 生产 → producer,
    anything else → seller. Unknown words in ``unit_types`` are ignored here (grading reports them).
    """
    try:
        types = parse_unit_types(unit_types)
    except ValueError:
        raw = unit_types if isinstance(unit_types, str) else ",".join(str(t) for t in (unit_types or ()))
        types = [t for t in (_ALIASES.get(w.strip().lower()) for w in re.split(r"[,，、;；/\s]+", raw) if w)
                 if t is not None]
    if types:
        return "producer" if "producer" in types else "seller"
    return "producer" if (domain or "").strip() == "生产" else "seller"


def _check_figure(value: int | float | Decimal | None, what: str) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        raise ValueError(f"{what}应为数字")
    if value < 0:
        raise ValueError(f"{what}不能为负数：{value}")


def _by_value(value: int | float | Decimal, bounds: tuple[int, int, int]) -> Grade:
    for g, lower in zip(_GRADES_DESC, bounds, strict=True):
        if value >= lower:
            return g
    return Grade.D


def _fmt(value: int | float | Decimal) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _explain(value: int | float | Decimal, bounds: tuple[int, int, int], var: str, unit: str) -> str:
    g = _by_value(value, bounds)
    a, b, c = bounds
    rng = {
        Grade.A: f"≥ {a}",
        Grade.B: f"在 {b}–{a} 之间（{b} ≤ {var} < {a}）",
        Grade.C: f"在 {c}–{b} 之间（{c} ≤ {var} < {b}）",
        Grade.D: f"< {c}",
    }[g]
    return f"{_fmt(value)} {unit} {rng} → {g.value}"


def _grade_one(unit_type: str, staff: int | None, revenue_wan: float | Decimal | None) -> Grade | None:
    t = THRESHOLDS[unit_type]
    found = []
    if staff is not None:
        found.append(_by_value(staff, t.staff))
    if revenue_wan is not None:
        found.append(_by_value(revenue_wan, t.revenue_wan))
    return max(found, key=lambda g: g.rank) if found else None


def grade(
    unit_types: Iterable[str] | str,
    staff: int | None,
    revenue_wan: int | float | Decimal | None,
    *,
    individual_business: bool = False,
) -> Grade | None:
    """The A–D grade per 001 annex 1 / 002 annex 1, or ``None`` when not gradable.

    ``unit_types``: any of ``"producer"``, ``"wholesaler"``, ``"retailer"`` (or 生产/批发/零售);
    ``staff``: X, number of staff; ``revenue_wan``: Y, revenue in 万元. The highest grade reached
    by either figure under any unit type wins. An individual business (个体工商户) is graded by its
    figures like any unit; with no figures (or no unit type) it is taken as D (annex 1: D 级主体
    "包括个体工商户"). Unknown unit type or a negative figure → ``ValueError``.
    An empty ``unit_types`` is not gradable (``None``).
    """
    return grade_with_reason(unit_types, staff, revenue_wan, individual_business)[0]


def grade_with_reason(
    unit_types: Iterable[str] | str,
    staff: int | None,
    revenue_wan: int | float | Decimal | None,
    individual_business: bool = False,
) -> tuple[Grade | None, str]:
    """Like :func:`grade`, with a Chinese explanation of how the grade was reached.

    Example reason: ``生产单位：从业人员 1000 人 ≥ 1000 → A；营业收入 500 万元 在 300–2000 之间
    （300 ≤ Y < 2000）→ C。取较高等级：A 级（大型）``.
    """
    types = parse_unit_types(unit_types)
    _check_figure(staff, "从业人员数")
    _check_figure(revenue_wan, "营业收入")
    if individual_business and (not types or (staff is None and revenue_wan is None)):
        return Grade.D, ("个体工商户未填写单位类型或从业人员、营业收入，按微型单位暂定 D 级"
                         "（国市监质监发〔2023〕38号 附件1：D 级主体包括个体工商户）；填写后按数据分级")
    if not types:
        return None, "未填写单位类型（生产/批发/零售），无法分级"
    if staff is None and revenue_wan is None:
        return None, "从业人员和营业收入均未填写，无法分级"

    parts: list[str] = []
    best: Grade | None = None
    for ut in types:
        t = THRESHOLDS[ut]
        bits = []
        if staff is not None:
            bits.append("从业人员 " + _explain(staff, t.staff, "X", "人"))
        if revenue_wan is not None:
            bits.append("营业收入 " + _explain(revenue_wan, t.revenue_wan, "Y", "万元"))
        parts.append(f"{UNIT_TYPE_LABELS[ut]}：" + "；".join(bits))
        g = _grade_one(ut, staff, revenue_wan)
        if g is not None and (best is None or g.rank > best.rank):
            best = g
    assert best is not None
    missing = []
    if staff is None:
        missing.append("从业人员未填写，按营业收入分级")
    if revenue_wan is None:
        missing.append("营业收入未填写，按从业人员分级")
    reason = "。".join(parts)
    if missing:
        reason += "。" + "；".join(missing)
    reason += f"。取较高等级：{best.value} 级（{best.size_label}）"
    if individual_business:
        reason += "（个体工商户，按从业人员和营业收入分级，国市监质监发〔2023〕38号 附件1）"
    return best, reason


class SupervisingLevel(StrEnum):
    """The supervising department a grade maps to (001 二（一）, 002 annex 2)."""

    NATIONAL = "市场监管总局"
    PROVINCE = "省级市场监管部门"
    CITY = "市级市场监管部门"
    COUNTY = "县级市场监管部门"
    DISTRICT = "区（县）级市场监管部门"
    STATION = "市场监管所（分局）"


_LADDER: tuple[SupervisingLevel, ...] = (
    SupervisingLevel.STATION,
    SupervisingLevel.COUNTY,
    SupervisingLevel.CITY,
    SupervisingLevel.PROVINCE,
    SupervisingLevel.NATIONAL,
)
_MUNICIPAL_LADDER: tuple[SupervisingLevel, ...] = (
    SupervisingLevel.STATION,
    SupervisingLevel.DISTRICT,
    SupervisingLevel.CITY,
    SupervisingLevel.NATIONAL,
)


def supervising_level(
    grade: Grade | str, municipality: bool = False, escalated: bool = False
) -> SupervisingLevel:
    """Which level of market regulation department supervises a subject of this grade.

    001 二（一）: "省、市、县级市场监管部门及基层市场监管所（分局）分别对应A、B、C、D级主体"; for a
    municipality (直辖市) "市级、区（县）级市场监管部门对应A、B级主体，乡（镇、街道）市场监管所
    （分局）对应C、D级主体", read respectively (市级 → A, 区（县）级 → B), which is how 002 annex 2
    (Shanghai) assigns them: 市局 A, 区局 B, 市场监管所 C and D.

    ``escalated``: "发生较大质量安全事故或者多次发现重大质量安全风险隐患的生产和销售单位，可由上一级
    市场监管部门监管或挂牌督办" (001 二（一）; 002 annex 2) — the level one step up.
    """
    if grade is None:
        raise ValueError("未分级的单位没有对应的监管层级")
    try:
        g = Grade(str(grade).strip().upper())
    except ValueError:
        raise ValueError(f"未知的主体等级“{grade}”，应为 A、B、C、D") from None
    if municipality:
        table = {
            Grade.A: SupervisingLevel.CITY,
            Grade.B: SupervisingLevel.DISTRICT,
            Grade.C: SupervisingLevel.STATION,
            Grade.D: SupervisingLevel.STATION,
        }
        ladder = _MUNICIPAL_LADDER
    else:
        table = {
            Grade.A: SupervisingLevel.PROVINCE,
            Grade.B: SupervisingLevel.CITY,
            Grade.C: SupervisingLevel.COUNTY,
            Grade.D: SupervisingLevel.STATION,
        }
        ladder = _LADDER
    level = table[g]
    if escalated:
        level = ladder[ladder.index(level) + 1]
    return level
