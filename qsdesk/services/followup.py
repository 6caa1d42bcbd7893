"""Walking a non-conforming (or refused) sampling's follow-up (后处理, 004 三) to closed.

The steps are created by :func:`qsdesk.services.sampling.enter_sampling` from the domain
template; here each step is marked done with its date, outcome and note, and the whole follow-up
is closed once every step is done (or recorded as not applicable, with the reason). 004 三 asks
for the loop to be closed ("落实后处理工作闭环"), so closing with open steps is refused.
Overdue steps (due date passed, not done, follow-up not closed) feed the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from qsdesk.domain import sampling as rules
from qsdesk.domain.sampling import SamplingResult, StepTemplate, followup_template
from qsdesk.domain.workdays import coverage_note
from qsdesk.services import audit, listings
from qsdesk.store.db import Store, expect_rev
from qsdesk.store.models import Enterprise, FollowUpStep, Sampling

NOT_APPLICABLE = "不适用"
#: Outcomes that must say why (004 三(二): a case not filed needs its approval reason).
OUTCOMES_NEEDING_NOTE = frozenset({NOT_APPLICABLE, "不予立案", "不立案"})


class FollowUpError(ValueError):
    """A request a user can fix; the message is Chinese."""


def step_templates(result: str | None) -> dict[str, StepTemplate]:
    """The domain's step templates for a result (不合格 or 拒检), keyed by step key."""
    res = result if result in (SamplingResult.FAIL, SamplingResult.REFUSED) else SamplingResult.FAIL
    return {t.key: t for t in followup_template(res, date.today())}


def step_label(key: str, result: str | None = None) -> str:
    """The Chinese name of a step key (:data:`qsdesk.domain.sampling.STEP_LABELS`, the one place
    keys become words); ``result`` is accepted for older callers and not needed."""
    return rules.step_label(key)


def templates_for(session: Session, smp: Sampling) -> list[StepTemplate]:
    """The follow-up templates of a sampling as things stand: its report and delivery dates and the
    county's day counts (:mod:`qsdesk.services.county_settings`)."""
    from qsdesk.services import county_settings

    if smp.result not in (SamplingResult.FAIL, SamplingResult.REFUSED):
        return []  # 合格 needs no follow-up; 待检 has no conclusion yet
    received = smp.report_received_on or smp.sampled_on
    return followup_template(smp.result, received, smp.report_delivered_on,
                             county_settings.followup_defaults(session), holiday_schedules(session))


def holiday_schedules(session: Session) -> Any:
    """The county-entered holiday schedules (years the bundled calendar does not cover)."""
    from qsdesk.services import master_data

    return master_data.holiday_schedules(session)


def set_calendar_note(session: Session, step: FollowUpStep, start: date) -> None:
    """Say on the step when its deadline was counted Monday–Friday for a year with no holiday
    schedule (never overwriting a note a person wrote)."""
    if step.due_on is None or (step.note and "节假日和调休安排尚未录入" not in step.note):
        return
    step.note = coverage_note(start, step.due_on, holiday_schedules(session))


DELIVERED_OUTCOME = "已送达"


def apply_delivery(session: Session, smp: Sampling, delivered_on: date) -> list[str]:
    """Set the delivery day on the sampling and move the deadlines that count from it.

    Steps not yet done whose deadline counts from the delivery get the template's date; the 送达
    step is marked done on that day. Returns the ids of the steps whose deadline changed. The
    caller audits.
    """
    smp.report_delivered_on = delivered_on
    templates = {t.key: t for t in templates_for(session, smp)}
    moved: list[str] = []
    for st in steps(session, smp.id):
        tpl = templates.get(st.step)
        if tpl is None:
            continue
        if st.step == "deliver":
            if st.done_on is None or st.outcome in (None, DELIVERED_OUTCOME, "已完成"):
                st.done_on = delivered_on
                st.outcome = st.outcome or DELIVERED_OUTCOME
            continue
        if st.done_on is None and tpl.anchor == rules.DELIVERED and st.due_on != tpl.due_on:
            st.due_on = tpl.due_on
            set_calendar_note(session, st, delivered_on)
            moved.append(st.id)
    return moved


AWAITING_DELIVERY = "待送达"
OVERDUE = "逾期"


def step_status(step: FollowUpStep, sampling: Sampling, today: date) -> str:
    """What a person sees in a step's status column.

    A step that counts from the delivery while the report is not delivered is 待送达, never 逾期
    (the objection window has not started); otherwise 已完成/不适用, 逾期 past its deadline, or
    the deadline itself.
    """
    if step.done_on is not None:
        return f"{step.outcome}" if step.outcome == NOT_APPLICABLE else f"已完成 {step.done_on.isoformat()}"
    tpl = step_templates(sampling.result).get(step.step)
    if (step.due_on is None and tpl is not None and tpl.anchor == rules.DELIVERED
            and sampling.report_delivered_on is None):
        return AWAITING_DELIVERY
    if step.due_on is None:
        return "未定期限"
    if step.due_on < today and sampling.followup_closed_on is None:
        return f"{OVERDUE}（{step.due_on.isoformat()}）"
    return f"{step.due_on.isoformat()} 前"


def steps(session: Session, sampling_id: str) -> list[FollowUpStep]:
    stmt = (
        select(FollowUpStep)
        .where(FollowUpStep.sampling_id == sampling_id, FollowUpStep.deleted.is_(False))
        .order_by(FollowUpStep.position, FollowUpStep.due_on)
    )
    return list(session.scalars(stmt))


def _get_step(s: Session, step_id: str) -> tuple[FollowUpStep, Sampling]:
    step = s.get(FollowUpStep, step_id)
    if step is None or step.deleted:
        raise FollowUpError("后处理步骤不存在")
    smp = s.get(Sampling, step.sampling_id)
    assert smp is not None
    if smp.followup_closed_on is not None:
        raise FollowUpError("该抽查的后处理已办结；如需修改请先重新打开")
    return step, smp


def complete_step(
    store: Store,
    step_id: str,
    done_on: date,
    outcome: str | None = None,
    note: str | None = None,
    *,
    expected_rev: int | None = None,
) -> None:
    """Mark a step done on ``done_on`` with its outcome (e.g. 已立案 / 不予立案) and a note.

    ``expected_rev``: the step's revision when the person opened it; a step saved since is
    refused (:class:`~qsdesk.store.db.ConcurrentEditError`)."""
    outcome = (outcome or "").strip() or None
    note = (note or "").strip() or None
    if outcome in OUTCOMES_NEEDING_NOTE and not note:
        raise FollowUpError(f"选择“{outcome}”时请在备注中说明理由")
    with store.transaction() as s:
        if expected_rev is not None:
            expect_rev(s, "followup_step", step_id, expected_rev)
        step, smp = _get_step(s, step_id)
        if done_on < smp.sampled_on:
            raise FollowUpError("完成日期不能早于抽样日期")
        if done_on > date.today():
            raise FollowUpError("完成日期不能晚于今天")
        step.done_on = done_on
        step.outcome = outcome
        if note is not None:
            step.note = note
        moved: list[str] = []
        if step.step == "deliver" and outcome != NOT_APPLICABLE and smp.result == SamplingResult.FAIL:
            # Completing 送达 is recording the delivery: the deadlines counted from it follow.
            if smp.report_received_on and done_on < smp.report_received_on:
                raise FollowUpError("送达日期不能早于报告收到日期")
            moved = apply_delivery(s, smp, done_on)
        audit.record(s, "update", "followup_step", step.id, step=step_label(step.step), done_on=done_on.isoformat(),
                     outcome=outcome, deadlines_moved=len(moved) or None)
        listings.on_step_done(s, step, smp)


def skip_step(store: Store, step_id: str, on: date, reason: str) -> None:
    """Record a step as not applicable (e.g. no recall needed), with the reason."""
    complete_step(store, step_id, on, NOT_APPLICABLE, reason)


def reopen_step(store: Store, step_id: str) -> None:
    with store.transaction() as s:
        step, smp = _get_step(s, step_id)
        step.done_on = None
        step.outcome = None
        if step.step == "deliver" and smp.report_delivered_on is not None:
            # Undoing 送达: the deadlines counted from it wait for the delivery again.
            smp.report_delivered_on = None
            waiting = {t.key for t in templates_for(s, smp) if t.awaiting_delivery}
            for st in steps(s, smp.id):
                if st.done_on is None and st.step in waiting:
                    st.due_on = None
        audit.record(s, "update", "followup_step", step.id, step=step_label(step.step), reopened=True)
        listings.on_step_done(s, step, smp)


def update_step(store: Store, step_id: str, *, due_on: date | None = None, note: str | None = None,
                expected_rev: int | None = None) -> None:
    """Change a step's deadline or note without completing it (``expected_rev``: as in
    :func:`complete_step`)."""
    with store.transaction() as s:
        if expected_rev is not None:
            expect_rev(s, "followup_step", step_id, expected_rev)
        step, _ = _get_step(s, step_id)
        if due_on is not None:
            step.due_on = due_on
        if note is not None:
            step.note = note.strip() or None
        audit.record(s, "update", "followup_step", step.id, step=step_label(step.step),
                     due_on=due_on.isoformat() if due_on else None)


def open_steps(session: Session, sampling_id: str) -> list[FollowUpStep]:
    return [x for x in steps(session, sampling_id) if x.done_on is None]


def close_followup(store: Store, sampling_id: str, on: date) -> None:
    """Close the follow-up once every step is done or recorded as not applicable."""
    with store.transaction() as s:
        smp = s.get(Sampling, sampling_id)
        if smp is None or smp.deleted:
            raise FollowUpError("抽查记录不存在")
        if smp.followup_closed_on is not None:
            raise FollowUpError("该抽查的后处理已办结")
        all_steps = steps(s, sampling_id)
        if not all_steps:
            raise FollowUpError("该抽查没有后处理步骤")
        left = [x for x in all_steps if x.done_on is None]
        if left:
            names = "、".join(step_label(x.step, smp.result) for x in left)
            raise FollowUpError(f"还有 {len(left)} 个步骤未完成：{names}")
        last = max(x.done_on for x in all_steps if x.done_on is not None)
        if on < last:
            raise FollowUpError(f"办结日期不能早于最后一个步骤的完成日期 {last.isoformat()}")
        smp.followup_closed_on = on
        audit.record(s, "update", "sampling", smp.id, followup_closed_on=on.isoformat())


def reopen_followup(store: Store, sampling_id: str, reason: str) -> None:
    if not reason.strip():
        raise FollowUpError("重新打开后处理请说明原因")
    with store.transaction() as s:
        smp = s.get(Sampling, sampling_id)
        if smp is None or smp.deleted or smp.followup_closed_on is None:
            raise FollowUpError("该抽查的后处理未办结")
        smp.followup_closed_on = None
        audit.record(s, "update", "sampling", smp.id, followup_reopened=reason.strip())


# --------------------------------------------------------------------------- dashboard queries


def overdue_query(today: date) -> Select[*tuple[Any, ...]]:
    """Overdue steps: due before ``today``, not done, follow-up not closed (oldest due first)."""
    return (
        select(
            FollowUpStep.id.label("id"),
            FollowUpStep.step.label("step"),
            FollowUpStep.due_on.label("due_on"),
            Sampling.id.label("sampling_id"),
            Sampling.product_name.label("product_name"),
            Sampling.result.label("result"),
            Sampling.sampled_on.label("sampled_on"),
            Enterprise.id.label("enterprise_id"),
            Enterprise.name.label("enterprise"),
        )
        .join(Sampling, Sampling.id == FollowUpStep.sampling_id)
        .join(Enterprise, Enterprise.id == Sampling.enterprise_id)
        .where(
            FollowUpStep.deleted.is_(False),
            Sampling.deleted.is_(False),
            FollowUpStep.done_on.is_(None),
            FollowUpStep.due_on.is_not(None),
            FollowUpStep.due_on < today,
            Sampling.followup_closed_on.is_(None),
        )
        .order_by(FollowUpStep.due_on, Sampling.sampled_on, Sampling.id, FollowUpStep.position)
    )


def overdue_count(session: Session, today: date) -> int:
    q = overdue_query(today).order_by(None).subquery()
    return int(session.scalar(select(func.count()).select_from(q)) or 0)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    closed_on: date | None

    @property
    def label(self) -> str:
        if self.total == 0:
            return ""
        if self.closed_on:
            return f"已办结 {self.closed_on.isoformat()}"
        return f"{self.done}/{self.total}"


def progress(session: Session, sampling_id: str) -> Progress:
    smp = session.get(Sampling, sampling_id)
    all_steps = steps(session, sampling_id)
    done = sum(1 for x in all_steps if x.done_on is not None)
    return Progress(done, len(all_steps), smp.followup_closed_on if smp else None)
