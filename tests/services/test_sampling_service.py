"""Entering samplings: 6-month rule, 上抽下不抽, automatic follow-up, escalation, tracking list."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from qsdesk.domain.supervision import CreditRisk
from qsdesk.services import classes, followup
from qsdesk.services import sampling as svc
from qsdesk.store.models import AuditEntry, Enterprise, FollowUpStep, Sampling
from tests.services.sampling_factories import add_enterprise

BASE = svc.SamplingInput(
    product_name="电线电缆", sampled_on=date(2026, 1, 15), result="合格", level="county",
    organiser="历城区市场监督管理局", trademark="鲁缆", model="BV 2.5mm²", standard="GB/T 5023.3-2008",
)


@pytest.fixture
def producer(store) -> str:
    return add_enterprise(store, "济南鲁缆电缆有限公司", uscc="91370112MA3C0000XL")


def enter(store, producer, **kw) -> svc.EntryResult:
    return svc.enter_sampling(store, replace(BASE, producer_id=producer, **kw))


def fail(store, producer, on, hazard=True, **kw) -> svc.EntryResult:
    return enter(store, producer, sampled_on=on, result="不合格", nonconforming_items="导体电阻",
                 major_hazard=hazard, **kw)


# ------------------------------------------------------------------ 6-month rule


def test_six_month_rule_second_sampling_inside_window_is_warned_naming_the_first(store, producer) -> None:
    # 不得在6个月内…进行2次以上: 以上 includes 2, so the second sampling already warns.
    first = enter(store, producer).sampling_id
    second = enter(store, producer, sampled_on=date(2026, 3, 1))
    assert [w.kind for w in second.warnings] == ["repeat"]
    assert second.warnings[0].sampling_ids == (first,)
    msg = second.warnings[0].message
    assert "2026-01-15" in msg and "鲁缆" in msg and f"编号 {svc.short_id(first)}" in msg
    assert "晋市监发〔2023〕212号" in msg and "003" not in msg


def test_six_month_rule_second_sampling_at_six_months_exactly_is_warned(store, producer) -> None:
    # 民法典 第二百零一条、第二百零二条: the first day is not counted; "6个月内" ends on the same
    # day number 6 months later, which is still inside.
    first = enter(store, producer).sampling_id
    inside = enter(store, producer, sampled_on=date(2026, 7, 15))
    assert [w.kind for w in inside.warnings] == ["repeat"]
    assert inside.warnings[0].sampling_ids == (first,)


def test_six_month_rule_one_day_after_six_months_is_free(store, producer) -> None:
    enter(store, producer)
    assert enter(store, producer, sampled_on=date(2026, 7, 16)).warnings == []


def test_six_month_rule_month_end_clamps(store, producer) -> None:
    enter(store, producer, sampled_on=date(2025, 8, 31))
    with store.session() as s:
        assert [w.kind for w in svc.check_sampling(s, replace(BASE, producer_id=producer,
                                                                sampled_on=date(2026, 2, 28)))] == ["repeat"]
        assert svc.check_sampling(s, replace(BASE, producer_id=producer, sampled_on=date(2026, 3, 1))) == []


def test_six_month_rule_needs_same_department_and_same_product(store, producer) -> None:
    enter(store, producer)
    enter(store, producer, sampled_on=date(2026, 2, 1))
    with store.session() as s:
        def check(**kw):
            return svc.check_sampling(s, replace(BASE, producer_id=producer, sampled_on=date(2026, 3, 1), **kw))
        assert [w.kind for w in check()] == ["repeat"]
        assert check(organiser="章丘区市场监督管理局") == []
        assert check(model="BV 4mm²") == []
        assert check(trademark="齐鲁") == []
        assert check(standard="GB/T 5023.5-2008") == []
        other = add_enterprise(store, "济南另一家电缆厂")
        assert svc.check_sampling(s, replace(BASE, producer_id=other, sampled_on=date(2026, 3, 1))) == []


def test_warning_does_not_block_entry(store, producer) -> None:
    enter(store, producer)
    res = enter(store, producer, sampled_on=date(2026, 2, 1))
    assert res.warnings
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Sampling)) == 2
        entry = s.scalars(select(AuditEntry).where(AuditEntry.record_id == res.sampling_id)).one()
        assert entry.detail["warnings"] == ["重复抽查"]


# ------------------------------------------------------------------ 上抽下不抽


def test_higher_level_sampled_same_product_same_year(store, producer) -> None:
    prov = enter(store, producer, level="provincial", organiser="山东省市场监督管理局",
                 sampled_on=date(2026, 3, 1)).sampling_id
    with store.session() as s:
        ws = svc.check_sampling(s, replace(BASE, producer_id=producer, sampled_on=date(2026, 9, 1)))
        assert [w.kind for w in ws] == ["higher_level"]
        assert ws[0].sampling_ids == (prov,)
        assert "省级" in ws[0].message and "2026-03-01" in ws[0].message
        # The county sampling in another year, or a higher level after a lower one, is no conflict.
        assert svc.check_sampling(s, replace(BASE, producer_id=producer, sampled_on=date(2025, 12, 31))) == []
        assert svc.check_sampling(s, replace(BASE, producer_id=producer, level="national", organiser="市场监管总局",
                                             sampled_on=date(2026, 9, 1))) == []


def test_higher_level_across_the_year_end_and_model_typed_differently(store, producer) -> None:
    prov = enter(store, producer, level="provincial", organiser="山东省市场监督管理局",
                 sampled_on=date(2025, 12, 20), model="BV2.5mm2").sampling_id
    res = enter(store, producer, sampled_on=date(2026, 1, 5), model="BV 2.5mm²")
    assert [w.kind for w in res.warnings] == ["higher_level"]
    assert res.warnings[0].sampling_ids == (prov,)
    assert "至 2026-12-20" in res.warnings[0].message
    assert enter(store, producer, sampled_on=date(2026, 1, 6), model="BV-4", trademark="齐鲁").warnings == []


def test_levels_accept_chinese_names(store, producer) -> None:
    res = enter(store, producer, level="省级")
    with store.session() as s:
        assert s.get(Sampling, res.sampling_id).level == "provincial"
    with pytest.raises(svc.SamplingError, match="抽查层级"):
        enter(store, producer, level="乡级")


# ------------------------------------------------------------------ follow-up creation


def test_fail_opens_followup_steps_with_deadlines(store, producer) -> None:
    res = fail(store, producer, date(2026, 9, 28), report_received_on=date(2026, 9, 30))
    with store.session() as s:
        steps = s.scalars(select(FollowUpStep).where(FollowUpStep.sampling_id == res.sampling_id)
                          .order_by(FollowUpStep.position)).all()
    keys = [x.step for x in steps]
    assert keys[:6] == ["deliver", "objection", "investigate", "risk_control", "rectify", "reinspect"]
    assert {"case_filing", "interview"} <= set(keys)
    assert len(steps) == len(res.step_ids)
    by = {x.step: x for x in steps}
    assert by["deliver"].due_on == date(2026, 9, 30)
    # Not yet delivered: the windows wait (待送达), nothing counts from the sampling day.
    assert by["objection"].due_on is None and by["rectify"].due_on is None
    with store.session() as s:
        smp = s.get(Sampling, res.sampling_id)
        assert followup.step_status(by["objection"], smp, date(2026, 12, 31)) == "待送达"
    # Delivered 09-30: 15 days is 10-15 (a Thursday, a working day after the National Day holiday).
    moved = svc.record_delivery(store, res.sampling_id, date(2026, 9, 30))
    assert len(moved) == 5
    with store.session() as s:
        by = {x.step: x for x in s.scalars(select(FollowUpStep).where(FollowUpStep.sampling_id == res.sampling_id))}
    assert by["objection"].due_on == date(2026, 10, 15)
    assert by["rectify"].due_on == date(2026, 11, 30)  # 60 days from 09-30 (第四十六条): Sun 11-29 → Mon
    assert by["reinspect"].due_on == date(2026, 12, 14)  # 75 days (第四十七条), a Monday
    assert by["deliver"].done_on == date(2026, 9, 30)
    # Correcting the delivery day moves them again.
    svc.record_delivery(store, res.sampling_id, date(2026, 10, 9))
    with store.session() as s:
        by = {x.step: x for x in s.scalars(select(FollowUpStep).where(FollowUpStep.sampling_id == res.sampling_id))}
    assert by["objection"].due_on == date(2026, 10, 26)
    with pytest.raises(svc.SamplingError, match="早于报告收到日期"):
        svc.record_delivery(store, res.sampling_id, date(2026, 9, 29))


def test_delivery_date_given_at_entry(store, producer) -> None:
    res = fail(store, producer, date(2026, 9, 28), report_received_on=date(2026, 9, 30),
               report_delivered_on=date(2026, 9, 30))
    with store.session() as s:
        by = {x.step: x for x in s.scalars(select(FollowUpStep).where(FollowUpStep.sampling_id == res.sampling_id))}
    assert by["objection"].due_on == date(2026, 10, 15) and by["deliver"].done_on == date(2026, 9, 30)
    with pytest.raises(svc.SamplingError, match="送达日期不能早于"):
        fail(store, producer, date(2026, 9, 28), report_received_on=date(2026, 9, 30),
             report_delivered_on=date(2026, 9, 29), model="X")


def test_refusal_opens_its_own_followup(store, producer) -> None:
    res = enter(store, producer, result="拒检", sampled_on=date(2026, 4, 2))
    with store.session() as s:
        keys = [x.step for x in s.scalars(select(FollowUpStep).where(FollowUpStep.sampling_id == res.sampling_id)
                                          .order_by(FollowUpStep.position))]
    assert keys == ["confirm_on_site", "investigate_refusal", "credit_record", "tracking"]


def test_pass_opens_nothing(store, producer) -> None:
    res = enter(store, producer)
    assert res.step_ids == [] and res.escalation is None


def test_bad_input_refused_and_nothing_written(store, producer) -> None:
    with pytest.raises(svc.SamplingError, match="不合格项目"):
        enter(store, producer, result="不合格")
    with pytest.raises(svc.SamplingError, match="生产者或销售者"):
        svc.enter_sampling(store, BASE)
    with pytest.raises(svc.SamplingError, match="抽查结果"):
        enter(store, producer, result="基本合格")
    with pytest.raises(svc.SamplingError, match="晚于今天"):
        enter(store, producer, sampled_on=date(2099, 1, 1))
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Sampling)) == 0


# ------------------------------------------------------------------ escalation (003 七)


def test_two_consecutive_failures_flag_interview(store, producer) -> None:
    fail(store, producer, date(2026, 1, 10))
    res = fail(store, producer, date(2026, 3, 10), model="BV 4mm²")
    assert res.escalation is not None
    assert res.escalation.level == "约谈" and res.escalation.consecutive == 2
    with store.session() as s:
        step = s.scalars(select(FollowUpStep).where(FollowUpStep.sampling_id == res.sampling_id,
                                                    FollowUpStep.step == "interview")).one()
        assert step.note.startswith("应约谈") and "连续 2 次" in step.note
        ent = s.get(Enterprise, producer)
        assert classes.current(s, producer).key == "key"  # failed within 1 year, not special
        assert ent.extra[svc.ESCALATION_KEY]["level"] == "约谈"


def test_three_consecutive_failures_make_special_supervision(store, producer) -> None:
    fail(store, producer, date(2026, 1, 10))
    fail(store, producer, date(2026, 3, 10), model="BV 4mm²")
    res = fail(store, producer, date(2026, 5, 10), model="BV 6mm²")
    assert res.escalation.level == "特别监管" and res.escalation.consecutive == 3
    assert res.escalation.class_changed and res.escalation.credit_risk == "较高"
    with store.session() as s:
        cur = classes.current(s, producer)
        assert cur.key == "special" and cur.label == "特别监管"
        assert cur.credit_risk == "较高"
        text = "\n".join(cur.reasons)
        assert "连续 3 次抽查不合格" in text and "2026-05-10" in text and "晋市监发〔2023〕212号 七" in text
        assert "003" not in text
        # the entered credit risk is not overwritten: the raise is derived from the history
        assert s.get(Enterprise, producer).credit_risk is None
    # A fourth failure does not raise the level again: it is derived, not a counter.
    res4 = fail(store, producer, date(2026, 7, 10), model="BV 10mm²")
    assert res4.escalation.consecutive == 4 and not res4.escalation.class_changed
    with store.session() as s:
        assert classes.current(s, producer).credit_risk == "较高"
    # A pass ends the run: the raised credit risk and 特别 fall again (the failures within 1 year
    # keep it 重点).
    svc.enter_sampling(store, svc.SamplingInput(product_name="电线电缆", sampled_on=date(2026, 9, 10),
                                                result="合格", producer_id=producer, model="BV 16mm²"))
    with store.session() as s:
        cur = classes.current(s, producer)
        assert cur.key == "key" and cur.credit_risk is None


def test_pass_resets_the_run(store, producer) -> None:
    fail(store, producer, date(2026, 1, 10))
    fail(store, producer, date(2026, 2, 10), model="B")
    enter(store, producer, sampled_on=date(2026, 3, 10), model="C")
    res = fail(store, producer, date(2026, 4, 10), model="D")
    assert res.escalation.level == "无" and res.escalation.consecutive == 1
    res = fail(store, producer, date(2026, 5, 10), model="E")
    assert res.escalation.level == "约谈" and res.escalation.consecutive == 2
    with store.session() as s:
        assert s.get(Enterprise, producer).supervision_class == "routine"


def test_failures_without_major_hazard_do_not_escalate(store, producer) -> None:
    for i, on in enumerate((date(2026, 1, 10), date(2026, 3, 10), date(2026, 5, 10))):
        res = fail(store, producer, on, hazard=False, model=f"M{i}")
    assert res.escalation.level == "无" and res.escalation.consecutive == 3
    with store.session() as s:
        assert s.get(Enterprise, producer).supervision_class == "routine"


def test_sampling_at_a_seller_counts_for_the_producer(store, producer) -> None:
    seller = add_enterprise(store, "王舍人五金建材店")
    fail(store, producer, date(2026, 1, 10), seller_id=seller)
    res = fail(store, producer, date(2026, 3, 10), seller_id=seller, model="X")
    assert res.escalation.level == "约谈"
    with store.session() as s:
        rows = list(s.execute(svc.list_query(enterprise_id=seller)))
        assert len(rows) == 2 and rows[0].seller == "王舍人五金建材店"


# ------------------------------------------------------------------ tracking list, dashboard, timeline


def test_tracking_list_is_last_years_failures(store, producer) -> None:
    other = add_enterprise(store, "济南明亮灯具厂")
    refuser = add_enterprise(store, "济南拒检玩具厂")
    fail(store, producer, date(2025, 6, 1))
    enter(store, other, sampled_on=date(2025, 6, 1))  # passed: not listed
    fail(store, other, date(2026, 2, 1))  # this year: next year's list
    enter(store, refuser, result="拒检", sampled_on=date(2025, 11, 3))
    with store.session() as s:
        lst = svc.tracking_list(s, 2026)
        assert [(t.name, t.failures, t.refusals) for t in lst] == [
            ("济南鲁缆电缆有限公司", 1, 0), ("济南拒检玩具厂", 0, 1)]
        assert [t.name for t in svc.tracking_list(s, 2027)] == ["济南明亮灯具厂"]
        assert "拒检" in svc.TRACKING_RULE and "沪市监产质〔2022〕251号" in lst[0].reason


def test_tracking_list_includes_the_seller_where_the_failed_sample_was_taken(store, producer) -> None:
    from qsdesk.services import annual_lists, inspection_history

    shop = add_enterprise(store, "王舍人五金店", unit_types="retailer")
    fail(store, producer, date(2025, 6, 1), seller_id=shop)
    with store.session() as s:
        lst = svc.tracking_list(s, 2026)
        by = {t.name: t for t in lst}
        assert set(by) == {"济南鲁缆电缆有限公司", "王舍人五金店"}
        assert by["王舍人五金店"].roles == "销售者（抽样场所）" and by["济南鲁缆电缆有限公司"].roles == "生产者"
        # the annual export's list is the same list
        assert [t.enterprise_id for t in annual_lists.tracking_list(s, 2026)] == [t.enterprise_id for t in lst]
        # the seller's annex 5 history (近三年监督抽查情况) includes the sampling at its shop
        hist = inspection_history.sampling_history(s, shop, date(2026, 3, 1))
        assert hist and hist[0]["year"] == 2025 and "不合格1批次" in hist[0]["result"]


def test_dashboard_counts_and_timeline(store, producer) -> None:
    res = fail(store, producer, date(2026, 10, 8), report_received_on=date(2026, 10, 9))
    with store.session() as s:
        c = svc.dashboard_counts(s, date(2026, 10, 12))
        assert c["overdue_steps"] == 1  # deliver was due on 10-09; the rest wait for the delivery
        assert c["open_followups"] == 1
        events = svc.timeline_events(s, producer)
        assert events[0].kind == "sampling" and "不合格" in events[0].title
        assert events[0].record_id == res.sampling_id


@pytest.mark.parametrize(("before", "after"), [(None, "较高"), ("低", "一般"), ("B", "较高"), ("较高", "高"),
                                               ("高", "高")])
def test_special_supervision_raises_the_credit_risk_one_level(store, before, after) -> None:
    ent = add_enterprise(store, "济南鲁缆电缆有限公司", credit_risk=before)
    for i, on in enumerate((date(2026, 1, 10), date(2026, 3, 10), date(2026, 5, 10))):
        res = fail(store, ent, on, model=f"M{i}")
    assert res.escalation.credit_risk == (after if after != (before and CreditRisk.parse(before).value) else None)
    with store.session() as s:
        assert classes.current(s, ent).credit_risk == after
        assert s.get(Enterprise, ent).credit_risk == before  # the entered level stays as entered


def test_pending_sampling_counts_for_the_rules_and_gets_its_result_later(store, producer) -> None:
    earlier = fail(store, producer, date(2026, 2, 2)).sampling_id
    pending = enter(store, producer, result="待检", sampled_on=date(2026, 3, 2))
    assert pending.step_ids == [] and pending.escalation is None
    # Already visible to the 6-month rule before the result is known.
    with store.session() as s:
        ws = svc.check_sampling(s, replace(BASE, producer_id=producer, sampled_on=date(2026, 4, 2)))
        assert [w.sampling_ids for w in ws] == [(earlier, pending.sampling_id)]
    with pytest.raises(svc.SamplingError, match="不合格项目"):
        svc.record_result(store, pending.sampling_id, "不合格")
    res = svc.record_result(store, pending.sampling_id, "不合格", nonconforming_items="导体电阻",
                            major_hazard=True, report_received_on=date(2026, 3, 20))
    assert len(res.step_ids) > 5
    assert res.escalation is not None and res.escalation.level == "约谈"
    with pytest.raises(svc.SamplingError, match="已有结论"):
        svc.record_result(store, pending.sampling_id, "合格")
    with store.session() as s:
        row = s.get(Sampling, pending.sampling_id)
        assert row.result == "不合格" and row.report_received_on == date(2026, 3, 20)
        assert svc.dashboard_counts(s, date(2026, 3, 21))["open_followups"] == 2


def test_draw_can_take_its_pool_from_the_tracking_list(store, producer) -> None:
    from qsdesk.services import random_draw as rd

    shop = add_enterprise(store, "王舍人五金店", unit_types="retailer")
    add_enterprise(store, "济南无关企业")
    fail(store, producer, date(2025, 6, 1), seller_id=shop)
    with store.session() as s:
        everyone = rd.select_pool(s, rd.PoolFilter())
        listed = rd.select_pool(s, rd.PoolFilter(tracking_year=2026))
        assert len(everyone) == 3 and sorted(listed) == sorted({producer, shop})
        assert sorted(listed) == sorted(t.enterprise_id for t in svc.tracking_list(s, 2026))
        assert rd.select_pool(s, rd.PoolFilter(tracking_year=2027)) == []
