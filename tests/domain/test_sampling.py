"""Sampling rules of 003 (6-month rule, 上抽下不抽, one visit, escalation) and 004 (follow-up)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from qsdesk.domain.sampling import (
    OBJECTION_DAYS,
    RECTIFY_DAYS,
    REINSPECT_DAYS,
    STEP_LABELS,
    EscalationLevel,
    FollowupDefaults,
    SamplingLevel,
    SamplingOutcome,
    SamplingRecord,
    SamplingResult,
    consecutive_failures,
    escalation,
    followup_template,
    higher_level_warnings,
    higher_level_window,
    objection_deadline,
    refusal_template,
    repeat_sampling_warnings,
    same_product,
    second_visit_warnings,
    step_label,
    tracking_list_year,
)

PRODUCER = "91370112MA3C0XXXXA"


def rec(day: date, *, dept: str = "历城区市场监管局", level: str = "县级", rid: str = "", **kw) -> SamplingRecord:
    base = dict(
        department=dept,
        level=level,
        producer_id=PRODUCER,
        trademark="鲁电",
        model="BCD-215",
        standard="GB 4706.1-2005",
        sampled_on=day,
        product="电冰箱",
        id=rid,
    )
    base.update(kw)
    return SamplingRecord(**base)  # type: ignore[arg-type]


# ---------- 6-month rule (003 二) ----------


def test_second_sampling_within_six_months_warns_and_names_earlier() -> None:
    first = rec(date(2024, 1, 15), rid="CC-001")
    new = rec(date(2024, 5, 20), rid="CC-002")
    warnings = repeat_sampling_warnings(new, [first])
    assert len(warnings) == 1
    w = warnings[0]
    assert "2024-01-15" in w and "CC-001" in w
    assert "第 2 次" in w
    assert "2次以上" in w


def test_boundary_same_day_six_months_later_is_inside() -> None:
    # 民法典 202: 6 months from 2024-01-15 end on 2024-07-15 (inclusive).
    first = rec(date(2024, 1, 15))
    assert repeat_sampling_warnings(rec(date(2024, 7, 15)), [first])
    assert repeat_sampling_warnings(rec(date(2024, 7, 16)), [first]) == []


def test_boundary_month_end_leap_year() -> None:
    # 2023-08-31 + 6 months → 2024-02-29 (no 31 February: last day of the month).
    first = rec(date(2023, 8, 31))
    assert repeat_sampling_warnings(rec(date(2024, 2, 29)), [first])
    assert repeat_sampling_warnings(rec(date(2024, 3, 1)), [first]) == []


def test_history_entered_out_of_order_counts_too() -> None:
    later = rec(date(2024, 6, 1))
    assert repeat_sampling_warnings(rec(date(2024, 3, 1)), [later])


def test_different_department_product_or_producer_is_not_a_repeat() -> None:
    first = rec(date(2024, 1, 15))
    day = date(2024, 3, 1)
    assert repeat_sampling_warnings(rec(day, dept="济南市市场监管局", level="市级"), [first]) == []
    assert repeat_sampling_warnings(rec(day, trademark="海岱"), [first]) == []
    assert repeat_sampling_warnings(rec(day, model="BCD-300"), [first]) == []
    assert repeat_sampling_warnings(rec(day, standard="GB 4706.13-2014"), [first]) == []
    assert repeat_sampling_warnings(rec(day, producer_id="91370112MA3C0YYYYB"), [first]) == []


def test_product_identity_ignores_spacing_and_width() -> None:
    a = rec(date(2024, 1, 1))
    b = rec(date(2024, 2, 1), standard="GB4706.1－2005", model="bcd-215")
    assert same_product(a, b)


def test_looser_reading_allows_two() -> None:
    h = [rec(date(2024, 1, 15))]
    assert repeat_sampling_warnings(rec(date(2024, 3, 1)), h, max_per_window=2) == []
    h.append(rec(date(2024, 3, 1)))
    w = repeat_sampling_warnings(rec(date(2024, 6, 1)), h, max_per_window=2)
    assert w and "第 3 次" in w[0] and "2024-01-15" in w[0] and "2024-03-01" in w[0]


def test_looser_reading_window_must_hold_all_three() -> None:
    # 2024-01-01 and 2024-12-01 are each within 6 months of 2024-06-15 but not of each other:
    # no 6-month window holds three samplings.
    h = [rec(date(2024, 1, 1)), rec(date(2024, 12, 1))]
    assert repeat_sampling_warnings(rec(date(2024, 6, 15)), h, max_per_window=2) == []
    assert repeat_sampling_warnings(rec(date(2024, 6, 15)), h, max_per_window=1)


def test_record_does_not_conflict_with_itself() -> None:
    r = rec(date(2024, 1, 15), rid="CC-1")
    assert repeat_sampling_warnings(r, [r]) == []
    assert repeat_sampling_warnings(r, [replace(r)]) == []


# ---------- 上抽下不抽 ----------


def test_higher_level_within_a_year_warns_lower_naming_the_window() -> None:
    national = rec(date(2024, 3, 10), dept="国家市场监督管理总局", level="国家", rid="N1")
    w = higher_level_warnings(rec(date(2024, 11, 5), level="县级"), [national])
    assert len(w) == 1 and "上抽下不抽" in w[0] and "国家" in w[0] and "编号 N1" in w[0]
    assert "12个月内（至 2025-03-10）" in w[0] and "晋市监发〔2023〕212号 二" in w[0]
    assert higher_level_warnings(rec(date(2025, 3, 10)), [national])  # last day of the window
    assert higher_level_warnings(rec(date(2025, 3, 11)), [national]) == []


def test_higher_level_across_the_year_end_still_warns() -> None:
    national = rec(date(2023, 12, 31), dept="国家市场监督管理总局", level="national")
    assert higher_level_warnings(rec(date(2024, 1, 2)), [national])
    assert higher_level_window(date(2023, 12, 31)) == (date(2023, 12, 31), date(2024, 12, 31))


def test_higher_level_matches_the_product_not_only_the_model_string() -> None:
    prov = rec(date(2024, 3, 10), dept="山东省市场监管局", level="省级", model="BV 2.5mm²")
    assert higher_level_warnings(rec(date(2024, 6, 1), model="BV-2.5MM2"), [prov])
    assert higher_level_warnings(rec(date(2024, 6, 1), model="ＢＶ２.５mm2"), [prov])
    assert higher_level_warnings(rec(date(2024, 6, 1), model="BV 4mm²"), [prov]) == []  # another model
    no_model = rec(date(2024, 3, 10), dept="山东省市场监管局", level="省级", model="", product="家用电冰箱")
    assert higher_level_warnings(rec(date(2024, 6, 1), model="", product="电冰箱"), [no_model])
    assert higher_level_warnings(rec(date(2024, 6, 1), trademark="海岱"), [prov]) == []  # another brand
    assert higher_level_warnings(rec(date(2024, 6, 1), producer_id="91370112MA3C0YYYYB"), [prov]) == []


def test_higher_level_earlier_or_lower_level_does_not_warn() -> None:
    national = rec(date(2024, 3, 10), dept="国家市场监督管理总局", level="national")
    assert higher_level_warnings(rec(date(2024, 3, 9)), [national]) == []  # before the higher one
    county = rec(date(2024, 3, 10))
    assert higher_level_warnings(rec(date(2024, 6, 1), dept="山东省市场监管局", level="省级"), [county]) == []
    same_level = rec(date(2024, 3, 10), dept="章丘区市场监管局")
    assert higher_level_warnings(rec(date(2024, 6, 1)), [same_level]) == []


def test_level_parse() -> None:
    assert SamplingLevel.parse("provincial") is SamplingLevel.PROVINCIAL
    assert SamplingLevel.parse("市级") is SamplingLevel.CITY
    with pytest.raises(ValueError):
        SamplingLevel.parse("乡级")


# ---------- one task, one visit (003 六) ----------


def test_second_visit_same_task_warns() -> None:
    a = rec(date(2024, 5, 1), task="2024年第二批县级抽查")
    b = rec(date(2024, 5, 8), task="2024年第二批县级抽查", model="BCD-300")
    assert second_visit_warnings(b, [a])
    assert second_visit_warnings(replace(b, sampled_on=date(2024, 5, 1)), [a]) == []
    assert second_visit_warnings(replace(b, task="2024年第三批"), [a]) == []


# ---------- consecutive failures and escalation (003 七) ----------

P, F, R = "合格", "不合格", "拒检"


@pytest.mark.parametrize(
    "results,n",
    [
        ([], 0),
        ([P], 0),
        ([F], 1),
        ([F, F], 2),
        ([F, F, F, P, F], 3),
        ([P, F, F], 0),  # a pass resets
        ([F, R, F], 2),  # a refusal is not a test result
        ([None, F, F], 2),  # pending result skipped
        ([SamplingResult.FAIL, False, True], 2),
    ],
)
def test_consecutive_failures(results: list, n: int) -> None:
    assert consecutive_failures(results) == n


def test_consecutive_failures_bad_value() -> None:
    with pytest.raises(ValueError):
        consecutive_failures(["不合规"])


def outcomes(*items: tuple[str, bool]) -> list[SamplingOutcome]:
    """Oldest first, one per quarter from 2022."""
    out = []
    for i, (res, hazard) in enumerate(items):
        out.append(SamplingOutcome(date(2022 + i // 4, 1 + 3 * (i % 4), 1), res, hazard))
    return out


def test_escalation_two_failures_with_hazard_interview() -> None:
    e = escalation(outcomes((P, False), (F, True), (F, True)))
    assert e.level is EscalationLevel.INTERVIEW and e.consecutive == 2
    assert "约谈" in e.reasons[0]
    assert not e.raise_risk_level


def test_escalation_three_failures_special() -> None:
    e = escalation(outcomes((F, False), (F, True), (F, False)))
    assert e.level is EscalationLevel.SPECIAL and e.consecutive == 3
    assert e.raise_risk_level and e.tracking_sampling
    assert "调高风险等级" in e.reasons[0] and "特别监管" in e.reasons[0]


def test_escalation_pass_resets() -> None:
    e = escalation(outcomes((F, True), (F, True), (P, False), (F, True)))
    assert e.level is EscalationLevel.NONE and e.consecutive == 1


def test_escalation_without_major_hazard() -> None:
    e = escalation(outcomes((F, False), (F, False), (F, False)))
    assert e.level is EscalationLevel.NONE and e.consecutive == 3
    assert "未发现重大质量安全隐患" in e.reasons[0]


def test_escalation_orders_by_date() -> None:
    items = outcomes((P, False), (F, True), (F, True))
    assert escalation(list(reversed(items))).level is EscalationLevel.INTERVIEW


def test_escalation_accepts_sampling_records() -> None:
    h = [
        rec(date(2023, 4, 1), result="不合格", major_hazard=True),
        rec(date(2024, 4, 1), result="不合格"),
    ]
    assert escalation(h).level is EscalationLevel.INTERVIEW


# ---------- tracking list (004 二 三, 003 三) ----------


def test_tracking_list_is_last_years_failures() -> None:
    h = [
        rec(date(2023, 12, 31), result="不合格", producer_id="A"),
        rec(date(2023, 1, 1), result="拒检", producer_id="B", sampled_unit_id="SELLER-B"),
        rec(date(2023, 6, 1), result="合格", producer_id="C"),
        rec(date(2024, 1, 1), result="不合格", producer_id="D"),
        rec(date(2022, 12, 31), result="不合格", producer_id="E"),
        rec(date(2023, 5, 1), result="不合格", producer_id="A"),
        rec(date(2023, 7, 1), result="不合格", producer_id="F", sampled_unit_id="SHOP-F"),  # failed on a shelf
    ]
    assert tracking_list_year(h, 2024) == ["A", "F", "SELLER-B", "SHOP-F"]
    assert tracking_list_year(h, 2024, include_refusals=False) == ["A", "F", "SHOP-F"]
    assert tracking_list_year(h, 2025) == ["D"]


# ---------- follow-up templates (004) ----------


def test_followup_template_for_failure_undelivered_waits_for_delivery() -> None:
    steps = followup_template("不合格", date(2024, 3, 4))
    keys = [s.key for s in steps]
    assert keys[:6] == ["deliver", "objection", "investigate", "risk_control", "rectify", "reinspect"]
    for k in ("case_filing", "interview", "list_abnormal", "list_serious"):
        assert k in keys
    by = {s.key: s for s in steps}
    assert by["deliver"].due_on == date(2024, 3, 4)  # 第一时间 (county default: the day received)
    assert by["deliver"].by_default
    # Not delivered: nothing counts from the sampling or report day; the steps wait for delivery.
    for k in ("objection", "investigate", "risk_control", "rectify", "reinspect"):
        assert by[k].due_on is None and by[k].awaiting_delivery, k
    assert by["case_filing"].condition is not None
    assert all(s.basis for s in steps)
    assert not any(re.search(r"(^|[^〔\d])00[0-4] ", s.basis) for s in steps)  # real documents, not seed numbers


def test_followup_template_counts_from_delivery() -> None:
    # Report received Mon 2024-03-04, delivered Thu 2024-03-07.
    by = {s.key: s for s in followup_template("不合格", date(2024, 3, 4), date(2024, 3, 7))}
    assert OBJECTION_DAYS == 15
    assert by["objection"].due_on == date(2024, 3, 22)  # 7 Mar + 15 days (《产品质量法》第十五条)
    assert by["investigate"].due_on == date(2024, 3, 7)  # 同步 (default 0 days)
    assert by["risk_control"].due_on == date(2024, 3, 11)  # 7 Mar + 3 = Sun 10 Mar → Mon 11 Mar
    assert RECTIFY_DAYS == 60 and REINSPECT_DAYS == 75
    assert by["rectify"].due_on == date(2024, 5, 6)  # 7 Mar + 60 = Mon 6 May (第四十六条)
    assert "第四十六条" in by["rectify"].basis and "第四十七条" in by["reinspect"].basis
    assert by["reinspect"].due_on == date(2024, 5, 21)  # 7 Mar + 75 = Tue 21 May (第四十七条)
    assert not by["objection"].by_default and not by["rectify"].by_default
    custom = {s.key: s for s in followup_template("不合格", date(2024, 3, 4), date(2024, 3, 7),
                                                  FollowupDefaults(risk_control_days=10))}
    assert custom["risk_control"].due_on == date(2024, 3, 18)  # 17 Mar is a Sunday


def test_every_step_key_has_a_chinese_label() -> None:
    keys = {s.key for s in followup_template("不合格", date(2024, 3, 4))}
    keys |= {s.key for s in followup_template("拒检", date(2024, 3, 4))}
    assert keys <= set(STEP_LABELS)
    for k in keys:
        assert step_label(k) != k and not any(c.isascii() and c.isalpha() for c in step_label(k))
    assert step_label("no_such_key") == "其他步骤"


def test_objection_deadline_counts_from_delivery_and_skips_holidays() -> None:
    steps = followup_template(SamplingResult.FAIL, date(2024, 9, 10), delivered_on=date(2024, 9, 16))
    by = {s.key: s for s in steps}
    # 16 Sep + 15 days = 1 Oct 2024, National Day: the period ends on 8 Oct (民法典 203).
    assert by["objection"].due_on == date(2024, 10, 8)
    assert objection_deadline(date(2024, 3, 4)) == date(2024, 3, 19)
    # 15 days after Thu 2024-03-07 is Fri 03-22; after Fri 03-08 is Sat 03-23 → Mon 03-25.
    assert objection_deadline(date(2024, 3, 7)) == date(2024, 3, 22)
    assert objection_deadline(date(2024, 3, 8)) == date(2024, 3, 25)


def test_followup_for_pass_is_empty_and_refusal_has_its_own() -> None:
    assert followup_template("合格", date(2024, 3, 4)) == []
    steps = followup_template("拒检", date(2024, 3, 4))
    assert steps == refusal_template(date(2024, 3, 4))
    keys = [s.key for s in steps]
    assert keys[0] == "confirm_on_site" and "credit_record" in keys and "tracking" in keys
    assert steps[0].due_on == date(2024, 3, 4)
