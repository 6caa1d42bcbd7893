"""Supervision classes (001 三, 002 三（四）), half-year visits, reassignment, first entry."""

from __future__ import annotations

from datetime import date

import pytest

from qsdesk.domain.supervision import (
    REASSIGNMENT_WORKING_DAYS,
    CreditRisk,
    Punishment,
    RiskFinding,
    SamplingOutcome,
    SupervisionClass,
    VisitState,
    check_entry,
    classify,
    entry_reason_required,
    first_period_end,
    half_year_bounds,
    half_year_visit_status,
    needs_responsible_supervisor,
    reassignment_deadline,
    reassignment_late,
    reassignment_note,
    within_years,
)

ROUTINE, KEY, SPECIAL = SupervisionClass.ROUTINE, SupervisionClass.KEY, SupervisionClass.SPECIAL
AS_OF = date(2025, 3, 10)


def test_clean_record_is_routine() -> None:
    r = classify(AS_OF)
    assert r.cls is ROUTINE
    assert "无事不扰" in r.reasons[0]


# ---------- 近1年内被处罚 → 重点 (002 三（四）) ----------


def test_punished_exactly_one_year_ago_is_key_day_after_is_not() -> None:
    p = [Punishment(date(2024, 3, 10))]
    r = classify(date(2025, 3, 10), p)
    assert r.cls is KEY
    assert "近1年内" in r.reasons[0] and "2024-03-10" in r.reasons[0]
    assert classify(date(2025, 3, 11), p).cls is ROUTINE


def test_one_year_window_from_29_february() -> None:
    p = [Punishment(date(2024, 2, 29))]
    assert classify(date(2025, 2, 28), p).cls is KEY
    assert classify(date(2025, 3, 1), p).cls is ROUTINE


def test_future_punishment_ignored() -> None:
    assert classify(AS_OF, [Punishment(date(2025, 3, 11))]).cls is ROUTINE


# ---------- ≥3 从重处罚 within 2 years → 特别 (002 三（四）) ----------


def test_three_heavier_punishments_in_two_years_is_special() -> None:
    p = [Punishment(date(2023, 3, 10), heavier=True), Punishment(date(2023, 9, 1), heavier=True),
         Punishment(date(2024, 1, 5), heavier=True)]
    r = classify(date(2025, 3, 10), p)
    assert r.cls is SPECIAL
    assert "从重处罚 3 次" in r.reasons[0]
    # one day later the 2023-03-10 one is outside the 2 years: 2 left, and none within 1 year
    assert classify(date(2025, 3, 11), p).cls is ROUTINE


def test_two_heavier_punishments_not_special() -> None:
    p = [Punishment(date(2024, 5, 1), heavier=True), Punishment(date(2024, 6, 1), heavier=True),
         Punishment(date(2024, 7, 1), heavier=False)]
    r = classify(AS_OF, p)
    assert r.cls is KEY  # punished within 1 year, but only 2 heavier ones


# ---------- risks (001 三) ----------


def test_three_major_risks_in_two_years_special() -> None:
    risks = [RiskFinding(date(2023, 4, 1), major=True), RiskFinding(date(2023, 10, 1), major=True),
             RiskFinding(date(2024, 2, 1), major=True)]
    assert classify(AS_OF, risks=risks).cls is SPECIAL
    # two major ones and a merely significant one: not special; nothing within 1 year: routine
    assert classify(AS_OF, risks=risks[:2] + [RiskFinding(date(2024, 2, 1))]).cls is ROUTINE
    assert classify(AS_OF, risks=risks[:2] + [RiskFinding(date(2024, 6, 1))]).cls is KEY


def test_significant_risk_within_one_year_is_key() -> None:
    r = classify(AS_OF, risks=[RiskFinding(date(2024, 6, 1))])
    assert r.cls is KEY and "较大质量安全风险" in r.reasons[0]
    assert classify(AS_OF, risks=[RiskFinding(date(2024, 3, 9))]).cls is ROUTINE


# ---------- credit risk ----------


@pytest.mark.parametrize(
    "credit,cls",
    [("高", SPECIAL), ("较高", KEY), ("一般", ROUTINE), ("低", ROUTINE), (None, ROUTINE),
     ("信用风险高", SPECIAL), ("D类", SPECIAL), ("C", KEY), (CreditRisk.HIGHER, KEY)],
)
def test_credit_risk(credit: str | None, cls: SupervisionClass) -> None:
    assert classify(AS_OF, credit_risk=credit).cls is cls


def test_bad_credit_risk() -> None:
    with pytest.raises(ValueError):
        classify(AS_OF, credit_risk="很高")


# ---------- sampling (003 七, 000 二（五）) ----------


def test_three_consecutive_failures_with_hazard_special() -> None:
    s = [SamplingOutcome(date(2022, 5, 1), "不合格", True), SamplingOutcome(date(2023, 5, 1), "不合格"),
         SamplingOutcome(date(2024, 5, 1), "不合格")]
    r = classify(AS_OF, samplings=s)
    assert r.cls is SPECIAL
    assert any("连续 3 次" in x for x in r.reasons)


def test_failed_sampling_within_one_year_key() -> None:
    s = [SamplingOutcome(date(2024, 5, 1), "不合格")]
    assert classify(AS_OF, samplings=s).cls is KEY
    s = [SamplingOutcome(date(2023, 5, 1), "不合格"), SamplingOutcome(date(2024, 5, 1), "合格")]
    assert classify(AS_OF, samplings=s).cls is ROUTINE


def test_abnormal_listed_key() -> None:
    assert classify(AS_OF, abnormal_listed=True).cls is KEY


def test_all_reasons_reported_special_first() -> None:
    r = classify(AS_OF, [Punishment(date(2024, 12, 1))], credit_risk="高")
    assert r.cls is SPECIAL
    assert r.reasons[0].startswith("信用风险高")
    assert any("近1年内" in x for x in r.reasons)


def test_within_years() -> None:
    assert within_years(date(2023, 3, 10), date(2025, 3, 10), 2)
    assert not within_years(date(2023, 3, 10), date(2025, 3, 11), 2)
    assert not within_years(date(2025, 3, 11), date(2025, 3, 10), 1)


def test_needs_responsible_supervisor() -> None:
    assert needs_responsible_supervisor(AS_OF, [Punishment(date(2024, 3, 10))])
    assert not needs_responsible_supervisor(AS_OF, [Punishment(date(2024, 3, 9))])


# ---------- half-year visits ----------


def test_half_year_bounds() -> None:
    assert half_year_bounds(date(2024, 6, 30)) == (date(2024, 1, 1), date(2024, 6, 30))
    assert half_year_bounds(date(2024, 7, 1)) == (date(2024, 7, 1), date(2024, 12, 31))


def test_visit_not_applicable_without_supervisor() -> None:
    assert half_year_visit_status(AS_OF, None, None).state is VisitState.NOT_APPLICABLE
    assert half_year_visit_status(AS_OF, None, date(2025, 4, 1)).state is VisitState.NOT_APPLICABLE


def test_visit_done_this_half() -> None:
    s = half_year_visit_status(date(2024, 6, 30), date(2024, 1, 1), date(2023, 5, 1))
    assert s.state is VisitState.DONE
    assert s.due_on == date(2024, 12, 31)


def test_visit_due_this_half() -> None:
    # visited in H2 2023, now H1 2024 and not yet visited: due 30 June
    s = half_year_visit_status(date(2024, 6, 30), date(2023, 12, 31), date(2023, 5, 1))
    assert s.state is VisitState.DUE and s.due_on == date(2024, 6, 30)
    assert "2024年上半年" in s.reason


def test_visit_overdue_when_previous_half_missed() -> None:
    # last visit 30 June 2024 (H1); nothing in H2 2024; on 1 Jan 2025 the H2 visit is overdue
    s = half_year_visit_status(date(2025, 1, 1), date(2024, 6, 30), date(2023, 5, 1))
    assert s.state is VisitState.OVERDUE
    assert s.due_on == date(2024, 12, 31)
    assert "2024年下半年" in s.reason
    # the same picture on 31 Dec 2024 is only "due"
    s = half_year_visit_status(date(2024, 12, 31), date(2024, 6, 30), date(2023, 5, 1))
    assert s.state is VisitState.DUE and s.due_on == date(2024, 12, 31)


def test_named_on_last_day_of_half_gets_first_period_not_overdue() -> None:
    # named on 30 June 2024: the first visit is due within half a year, by 29 December 2024
    s = half_year_visit_status(date(2024, 7, 1), None, date(2024, 6, 30))
    assert s.state is VisitState.DUE and s.due_on == date(2024, 12, 29)
    assert "首次现场检查应在 2024-12-29 前完成" in s.reason and "国市监质监发〔2023〕38号 二（一）" in s.reason
    assert "尚无已封存的现场检查记录" in s.reason
    # the first period runs out on 29 December: overdue from the 30th
    assert half_year_visit_status(date(2024, 12, 29), None, date(2024, 6, 30)).state is VisitState.DUE
    s = half_year_visit_status(date(2024, 12, 30), None, date(2024, 6, 30))
    assert s.state is VisitState.OVERDUE and s.due_on == date(2024, 12, 29)
    # one visit in the first period that falls in the next half-year covers both
    s = half_year_visit_status(date(2024, 12, 30), date(2024, 8, 1), date(2024, 6, 30))
    assert s.state is VisitState.DONE


def test_first_period_boundaries() -> None:
    assert first_period_end(date(2024, 7, 1)) == date(2024, 12, 31)
    assert first_period_end(date(2024, 1, 1)) == date(2024, 6, 30)
    assert first_period_end(date(2024, 6, 25)) == date(2024, 12, 24)
    assert first_period_end(date(2023, 8, 31)) == date(2024, 2, 28)  # 2023-08-31 + 6 months = 02-29, less a day
    # named in the previous half-year early enough: the first period already ran out → overdue
    s = half_year_visit_status(date(2024, 7, 2), None, date(2024, 1, 2))
    assert s.state is VisitState.OVERDUE and s.due_on == date(2024, 7, 1)


def test_reassignment_never_erases_an_overdue_half() -> None:
    # responsible since 2023; no visit in 2024上半年; a new supervisor named 2024-07-10
    s = half_year_visit_status(date(2024, 7, 20), None, date(2023, 5, 1), date(2024, 7, 10))
    assert s.state is VisitState.OVERDUE and s.due_on == date(2024, 6, 30)
    assert "2024年上半年未开展现场检查" in s.reason
    # the old rule (the current supervisor's start only) would have said "due"
    assert half_year_visit_status(date(2024, 7, 20), None, date(2024, 7, 10)).state is VisitState.DUE


def test_reassignment_late_in_half_gets_fair_first_period() -> None:
    # responsible since 2023, visited 2023-12-01 (covers 2023下半年); changed on 2024-06-25
    s = half_year_visit_status(date(2024, 7, 5), date(2023, 12, 1), date(2023, 5, 1), date(2024, 6, 25))
    assert s.state is VisitState.DUE and s.due_on == date(2024, 12, 24)
    assert "2024-06-25 起任监管责任人" in s.reason


def test_assumed_start_is_said() -> None:
    s = half_year_visit_status(date(2024, 8, 1), None, date(2024, 7, 15), since_assumed=True)
    assert s.state is VisitState.DUE
    assert "按导入日期 2024-07-15 计" in s.reason


def test_new_responsibility_this_half_is_due_not_overdue() -> None:
    s = half_year_visit_status(date(2024, 7, 2), None, date(2024, 7, 1))
    assert s.state is VisitState.DUE and s.due_on == date(2024, 12, 31)


def test_visit_in_future_rejected() -> None:
    with pytest.raises(ValueError):
        half_year_visit_status(date(2024, 7, 2), date(2024, 7, 3), date(2024, 1, 1))


# ---------- reassignment within 5 working days ----------


def test_reassignment_deadline_over_national_day() -> None:
    assert REASSIGNMENT_WORKING_DAYS == 5
    # change on Mon 30 Sep 2024: 1–7 Oct holiday; 8, 9, 10, 11, and Saturday 12 Oct (调休).
    assert reassignment_deadline(date(2024, 9, 30)) == date(2024, 10, 12)
    assert not reassignment_late(date(2024, 9, 30), date(2024, 10, 12))
    assert reassignment_late(date(2024, 9, 30), date(2024, 10, 13))
    assert not reassignment_late(date(2024, 9, 30), date(2024, 9, 30))


def test_reassignment_ordinary_week() -> None:
    # Monday 2024-11-04 → Monday 2024-11-11
    assert reassignment_deadline(date(2024, 11, 4)) == date(2024, 11, 11)
    assert reassignment_late(date(2024, 11, 4), date(2024, 11, 12))


def test_reassignment_spring_festival_2026() -> None:
    # Friday 13 Feb 2026: Sat 14 (调休), 24, 25, 26, 27 Feb → 27 Feb
    assert reassignment_deadline(date(2026, 2, 13)) == date(2026, 2, 27)


def test_reassignment_note_beyond_calendar() -> None:
    assert reassignment_note(date(2026, 11, 2)) is None
    note = reassignment_note(date(2026, 12, 28))
    assert note is not None and "2027年" in note


# ---------- first entry ----------


def test_entry_reason() -> None:
    assert entry_reason_required(True)
    assert not entry_reason_required(False)
    assert check_entry(True, "  ") and "录入原因" in check_entry(True, None)[0]
    assert check_entry(True, "实施监督抽查") == []
    assert check_entry(False, None) == []


def test_key_area_fifteen_producers_inclusive() -> None:
    from qsdesk.domain.supervision import KEY_AREA_MIN_PRODUCERS, key_area_products

    assert KEY_AREA_MIN_PRODUCERS == 15
    assert key_area_products({"电线电缆": 15, "燃气灶具": 14, "化肥": 40}) == ["化肥", "电线电缆"]


def test_domain_rules_import_neither_qt_nor_sqlalchemy() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import qsdesk.domain.uscc, qsdesk.domain.grading, qsdesk.domain.workdays, "
        "qsdesk.domain.supervision, qsdesk.domain.sampling; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'sqlalchemy')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
