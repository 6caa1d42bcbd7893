"""Walking a follow-up to closed; overdue detection for the dashboard."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from qsdesk.services import followup as fu
from qsdesk.services import sampling as svc
from qsdesk.store.models import AuditEntry, Sampling
from tests.services.sampling_factories import add_enterprise


@pytest.fixture
def failed(store) -> str:
    ent = add_enterprise(store, "济南华光电器有限公司")
    res = svc.enter_sampling(store, svc.SamplingInput(
        product_name="转换器", producer_id=ent, sampled_on=date(2026, 9, 28), result="不合格",
        nonconforming_items="插套温升", report_received_on=date(2026, 9, 30), organiser="历城区市场监督管理局"))
    return res.sampling_id


def test_overdue_detection(store, failed) -> None:
    with store.session() as s:
        # Nothing is overdue on the due day itself.
        assert fu.overdue_count(s, date(2026, 9, 30)) == 0
        rows = list(s.execute(fu.overdue_query(date(2026, 10, 1))))
        # Undelivered: only 送达 itself can be late; the objection window has not started.
        assert [r.step for r in rows] == ["deliver"]
        assert rows[0].enterprise == "济南华光电器有限公司" and rows[0].sampling_id == failed
        assert fu.overdue_count(s, date(2027, 1, 1)) == 1
        smp = s.get(Sampling, failed)
        objection = next(x for x in fu.steps(s, failed) if x.step == "objection")
        assert fu.step_status(objection, smp, date(2027, 1, 1)) == "待送达"
        deliver = next(x for x in fu.steps(s, failed) if x.step == "deliver")
    # Completing 送达 on 10-09 records the delivery and starts the windows.
    fu.complete_step(store, deliver.id, date(2026, 10, 9), note="送达企业，企业签收")
    with store.session() as s:
        smp = s.get(Sampling, failed)
        assert smp.report_delivered_on == date(2026, 10, 9)
        by = {x.step: x for x in fu.steps(s, failed)}
        assert by["objection"].due_on == date(2026, 10, 26)  # 10-09 + 15 = Sat 10-24 → Mon 10-26
        assert by["rectify"].due_on == date(2026, 12, 8)  # 60 days (第四十六条)
        assert by["reinspect"].due_on == date(2026, 12, 23)  # 75 days (第四十七条)
        assert [r.step for r in s.execute(fu.overdue_query(date(2026, 10, 10)))] == ["investigate"]
        assert fu.step_status(by["objection"], smp, date(2026, 10, 26)) == "2026-10-26 前"
        assert fu.step_status(by["objection"], smp, date(2026, 10, 27)).startswith("逾期")
    # Undoing 送达 puts the windows back to waiting.
    fu.reopen_step(store, deliver.id)
    with store.session() as s:
        assert s.get(Sampling, failed).report_delivered_on is None
        assert next(x for x in fu.steps(s, failed) if x.step == "objection").due_on is None
    # A step without a due date is never overdue; an edited deadline is.
    with store.session() as s:
        case = next(x for x in fu.steps(s, failed) if x.step == "case_filing")
    fu.update_step(store, case.id, due_on=date(2026, 10, 31))
    with store.session() as s:
        assert fu.overdue_count(s, date(2026, 10, 31)) == 1
        assert fu.overdue_count(s, date(2026, 11, 1)) == 2


def test_walk_to_closed(store, failed) -> None:
    with store.session() as s:
        steps = fu.steps(s, failed)
    with pytest.raises(fu.FollowUpError, match="未完成"):
        fu.close_followup(store, failed, date(2026, 11, 1))
    with pytest.raises(fu.FollowUpError, match="理由"):
        fu.complete_step(store, steps[6].id, date(2026, 10, 20), "不予立案")
    with pytest.raises(fu.FollowUpError, match="早于抽样日期"):
        fu.complete_step(store, steps[0].id, date(2026, 9, 1))
    for st in steps:
        if st.step == "case_filing":
            fu.complete_step(store, st.id, date(2026, 10, 20), "不予立案", "情节轻微，经审批不予立案")
        elif st.step in ("interview", "list_abnormal", "list_serious"):
            fu.skip_step(store, st.id, date(2026, 10, 20), "不符合适用情形")
        else:
            fu.complete_step(store, st.id, date(2026, 10, 18), "已完成")
    with store.session() as s:
        assert fu.progress(s, failed).label == f"{len(steps)}/{len(steps)}"
    with pytest.raises(fu.FollowUpError, match="不能早于"):
        fu.close_followup(store, failed, date(2026, 10, 19))
    fu.close_followup(store, failed, date(2026, 10, 21))
    with store.session() as s:
        assert s.get(Sampling, failed).followup_closed_on == date(2026, 10, 21)
        assert fu.progress(s, failed).label == "已办结 2026-10-21"
        assert fu.overdue_count(s, date(2026, 12, 1)) == 0
        assert svc.dashboard_counts(s, date(2026, 11, 1))["open_followups"] == 0
        n_audit = len(s.scalars(select(AuditEntry).where(AuditEntry.table_name == "followup_step")).all())
        assert n_audit == len(steps) + 1  # one per step + the creation entry
    # A closed follow-up is read-only until reopened with a reason.
    with pytest.raises(fu.FollowUpError, match="已办结"):
        fu.reopen_step(store, steps[0].id)
    with pytest.raises(fu.FollowUpError, match="原因"):
        fu.reopen_followup(store, failed, " ")
    fu.reopen_followup(store, failed, "复查发现仍不合格")
    fu.reopen_step(store, steps[5].id)
    with store.session() as s:
        assert [x.step for x in fu.open_steps(s, failed)] == ["reinspect"]


def test_step_labels_are_chinese_never_keys() -> None:
    assert fu.step_label("deliver") == "送达检验报告"
    assert fu.step_label("list_abnormal") == "列入经营异常名录（列异）"
    assert fu.step_label("case_filing") == "立案查处"
    assert fu.step_label("confirm_on_site") == "现场确认拒检"
    assert fu.step_label("unknown-key") == "其他步骤"
