"""classify's newer inputs, with the documents' own numbers and boundaries."""

from __future__ import annotations

from datetime import date

from qsdesk.domain.sampling import SamplingOutcome
from qsdesk.domain.supervision import (
    ClassOverride,
    CreditRisk,
    Listing,
    Punishment,
    RiskFinding,
    SupervisionClass,
    classify,
    consecutive_year_failures,
    next_change,
    override_allowed,
    sampling_credit_risk,
)

AS_OF = date(2026, 6, 1)
FAIL3 = [SamplingOutcome(date(2026, m, 1), "不合格", True) for m in (1, 3, 5)]


def test_no_seed_numbers_in_any_reason() -> None:
    r = classify(AS_OF, [Punishment(date(2026, 1, 1), True)] * 3, [RiskFinding(date(2026, 2, 1), True)] * 3,
                 "高", FAIL3, True, listings=[Listing("serious", date(2026, 1, 1))])
    text = "\n".join(r.reasons)
    for seed in ("000", "001", "002", "003", "004"):
        assert seed not in text
    for doc in ("国市监质监发〔2023〕38号 三", "宝山区实施方案 三（四）", "晋市监发〔2023〕212号 七",
                "鲁市监质监字〔2022〕233号 二（五）"):
        assert doc in text


def test_sampling_raise_is_derived_and_falls_again() -> None:
    assert sampling_credit_risk(None, FAIL3[:2]) == (None, None)
    level, why = sampling_credit_risk(None, FAIL3)
    assert level is CreditRisk.HIGHER and why and "晋市监发〔2023〕212号 七" in why
    assert sampling_credit_risk("较高", FAIL3)[0] is CreditRisk.HIGH
    assert sampling_credit_risk("高", FAIL3)[0] is CreditRisk.HIGH
    # a fourth failure does not raise it again
    assert sampling_credit_risk("一般", [*FAIL3, SamplingOutcome(date(2026, 5, 20), "不合格")])[0] is CreditRisk.HIGHER
    # a pass ends the run: the entered level again
    passed = [*FAIL3, SamplingOutcome(date(2026, 5, 20), "合格")]
    assert sampling_credit_risk("一般", passed) == (CreditRisk.GENERAL, None)
    # raised from 较高 to 高 makes 特别 by the credit rule too
    r = classify(AS_OF, credit_risk="较高", samplings=FAIL3)
    assert r.cls is SupervisionClass.SPECIAL and any("信用风险调高为高" in x for x in r.reasons)


def test_listings_count_while_active() -> None:
    x = Listing("abnormal", date(2026, 3, 1), date(2026, 5, 1))
    assert classify(date(2026, 2, 28), listings=[x]).cls is SupervisionClass.ROUTINE
    assert classify(date(2026, 3, 1), listings=[x]).cls is SupervisionClass.KEY
    assert classify(date(2026, 4, 30), listings=[x]).cls is SupervisionClass.KEY
    assert classify(date(2026, 5, 1), listings=[x]).cls is SupervisionClass.ROUTINE  # off the list that day
    serious = classify(AS_OF, listings=[Listing("serious", date(2026, 1, 1))])
    assert serious.cls is SupervisionClass.KEY and "严重违法失信名单" in serious.reasons[0]


def test_override_only_raises_to_key() -> None:
    assert override_allowed(SupervisionClass.KEY) is None
    assert override_allowed(SupervisionClass.SPECIAL) and override_allowed(SupervisionClass.ROUTINE)
    o = ClassOverride(SupervisionClass.KEY, "投诉举报多", "王科长", date(2026, 5, 1))
    r = classify(AS_OF, override=o)
    assert r.cls is SupervisionClass.KEY and r.overridden and r.computed is SupervisionClass.ROUTINE
    assert "王科长" in r.reasons[0]
    assert classify(date(2026, 4, 30), override=o).cls is SupervisionClass.ROUTINE  # not yet decided
    high = classify(AS_OF, credit_risk="高", override=o)
    assert high.cls is SupervisionClass.SPECIAL and not high.overridden
    wrong = ClassOverride(SupervisionClass.SPECIAL, "x", "y", date(2026, 5, 1))
    assert classify(AS_OF, override=wrong).cls is SupervisionClass.ROUTINE  # not allowed: ignored


def test_next_change_is_the_day_after_a_window_ends() -> None:
    p = Punishment(date(2025, 3, 10))
    assert next_change(date(2025, 6, 1), [p]) == date(2026, 3, 11)
    assert classify(date(2026, 3, 10), [p]).cls is SupervisionClass.KEY
    assert classify(date(2026, 3, 11), [p]).cls is SupervisionClass.ROUTINE
    heavy = Punishment(date(2024, 2, 29), heavier=True)
    assert next_change(date(2025, 3, 1), [heavy]) == date(2026, 3, 1)  # 2 years end 2026-02-28
    fail = SamplingOutcome(date(2025, 8, 31), "不合格")
    assert next_change(date(2025, 9, 1), samplings=[fail]) == date(2026, 9, 1)
    assert next_change(date(2025, 9, 1), samplings=[SamplingOutcome(date(2025, 8, 31), "合格")]) is None
    assert next_change(AS_OF, listings=[Listing("abnormal", date(2026, 1, 1), date(2026, 7, 1))]) == date(2026, 7, 1)
    assert next_change(AS_OF) is None


def test_interview_after_two_consecutive_years_of_national_or_provincial_failures() -> None:
    assert consecutive_year_failures([(date(2025, 5, 1), "national")], AS_OF) == []
    assert consecutive_year_failures([(date(2025, 5, 1), "national"), (date(2026, 1, 5), "provincial")],
                                     AS_OF) == [2025, 2026]
    # county or city level failures do not count (沪市监产质〔2022〕251号: 国家或本市监督抽查)
    assert consecutive_year_failures([(date(2025, 5, 1), "county"), (date(2026, 1, 5), "national")], AS_OF) == []
    # a gap year breaks the run
    assert consecutive_year_failures([(date(2024, 5, 1), "national"), (date(2026, 1, 5), "national")], AS_OF) == []
    # an old run no longer calls for an interview
    old = [(date(2021, 5, 1), "national"), (date(2022, 5, 1), "national")]
    assert consecutive_year_failures(old, AS_OF) == []
    assert consecutive_year_failures(old, date(2023, 12, 31)) == [2021, 2022]
