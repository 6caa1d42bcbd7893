"""Supervision sampling (监督抽查) results: entry with warnings, follow-up, escalation (the lists are
:mod:`qsdesk.services.sampling_lists`, named here too).

Entering a result (:func:`enter_sampling`):

* checks the rules of 003 against the database — the 6-month rule, 上抽下不抽 and "one task,
  one visit" (the rules themselves live in :mod:`qsdesk.domain.sampling`; this module only feeds
  them the earlier samplings) — and returns the warnings, naming the earlier samplings. Warnings
  do not block: the station often enters a higher level's sampling after the fact, and the
  inspector must see the conflict, not be stopped by it;
* opens the follow-up (后处理) steps of 004 for a 不合格 result, and the refusal steps for 拒检;
* recomputes the producer's run of consecutive failures (003 七): 2 with a major hazard flags the
  interview (约谈) step; 3 or more puts the enterprise under special supervision (特别监管) with a
  higher credit risk level, and stores the reason on the enterprise.

Levels are stored as ``national``/``provincial``/``city``/``county``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from qsdesk.domain import sampling as rules
from qsdesk.domain.citations import readable
from qsdesk.services import audit, classes, followup
from qsdesk.services.sampling_lists import _FOLLOWED
from qsdesk.services.sampling_lists import TRACKING_RULE as TRACKING_RULE  # the lists, named here too
from qsdesk.services.sampling_lists import TrackingEntry as TrackingEntry
from qsdesk.services.sampling_lists import dashboard_counts as dashboard_counts
from qsdesk.services.sampling_lists import list_query as list_query
from qsdesk.services.sampling_lists import timeline_events as timeline_events
from qsdesk.services.sampling_lists import tracking_list as tracking_list
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, EnterpriseClass, FollowUpStep, Sampling

LEVEL_LABELS: dict[str, str] = {"national": "国家", "provincial": "省级", "city": "市级", "county": "县级"}
LEVELS = tuple(LEVEL_LABELS)
RESULTS: tuple[str, ...] = tuple(r.value for r in rules.SamplingResult)  # 合格 / 不合格 / 拒检
#: A sample taken, test result not yet known: entered on the sampling day so the 6-month rule and
#: 上抽下不抽 see it at once; the conclusion is added later with :func:`record_result`.
PENDING = rules.PENDING
ENTRY_RESULTS: tuple[str, ...] = rules.ENTRY_RESULTS

SPECIAL_CLASS = "special"
#: Credit risk levels (信用风险分类), low to high; "调高风险等级" moves one step up.
ESCALATION_KEY = "sampling_escalation"
#: The 6-month rule is applied in its legal reading (晋市监发〔2023〕212号 二: "不得在6个月内…进行2次
#: 以上的监督抽查"; 以上 includes the number, 民法典 第一千二百五十九条): the *second* sampling of the
#: same product by the same department inside 6 calendar months is warned, naming the first. The
#: window ends on the same day number 6 months later (民法典 第二百零一条、第二百零二条), see
#: :mod:`qsdesk.domain.sampling`. The domain function's own default is used, not a local number.


class SamplingError(ValueError):
    """Input a user can fix; the message is Chinese."""


def level_key(value: str) -> str:
    """``national``… from either the key or the Chinese name (国家/省级/市级/县级)."""
    lvl = rules.SamplingLevel.parse(value)
    return next(k for k, v in LEVEL_LABELS.items() if v == lvl.value)


@dataclass(frozen=True)
class SamplingInput:
    """One sampling as entered. ``producer_id`` and/or ``seller_id`` (registry enterprise ids)."""

    product_name: str
    sampled_on: date
    result: str
    producer_id: str | None = None
    seller_id: str | None = None
    level: str = "county"
    organiser: str | None = None
    task_name: str | None = None
    year: int | None = None
    batch: str | None = None
    trademark: str | None = None
    model: str | None = None
    standard: str | None = None
    production_batch: str | None = None  # 生产日期/批号
    nonconforming_items: str | None = None
    major_hazard: bool = False
    report_received_on: date | None = None  # the day the non-conforming report reached the station
    report_delivered_on: date | None = None  # the day the report was delivered to the enterprise (送达)


#: The Chinese names of the warning kinds (what the audit log and lists show).
WARNING_LABELS = {"repeat": "重复抽查", "higher_level": "上抽下不抽", "second_visit": "二次进厂"}


@dataclass(frozen=True)
class SamplingWarning:
    kind: str  # "repeat" | "higher_level" | "second_visit"
    message: str
    sampling_ids: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return WARNING_LABELS.get(self.kind, "提示")


@dataclass(frozen=True)
class EscalationOutcome:
    level: str  # rules.EscalationLevel value: 无 / 约谈 / 特别监管
    consecutive: int
    reasons: tuple[str, ...]
    class_changed: bool = False
    credit_risk: str | None = None


@dataclass(frozen=True)
class EntryResult:
    sampling_id: str
    warnings: list[SamplingWarning]
    step_ids: list[str] = field(default_factory=list)
    escalation: EscalationOutcome | None = None


# --------------------------------------------------------------------------- checks


def _department(level: str, organiser: str | None) -> str:
    """The organising department; without a name, the level stands for it."""
    return (organiser or "").strip() or f"{LEVEL_LABELS.get(level, level)}市场监管部门"


def _record_from_row(row: Sampling) -> rules.SamplingRecord:
    producer = row.enterprise_id if row.seller_id != row.enterprise_id else ""
    return rules.SamplingRecord(
        department=_department(row.level, row.organiser),
        level=LEVEL_LABELS.get(row.level, row.level),
        producer_id=producer,
        trademark=row.trademark or "",
        model=row.model or "",
        standard=row.standard or "",
        sampled_on=row.sampled_on,
        result=None if row.result == PENDING else row.result,
        major_hazard=row.major_hazard,
        product=row.product_name,
        task=row.task_name or "",
        sampled_unit_id=row.seller_id or row.enterprise_id,
        id=short_id(row.id),
    )


def _record_from_input(inp: SamplingInput, sampling_id: str = "") -> rules.SamplingRecord:
    return rules.SamplingRecord(
        department=_department(inp.level, inp.organiser),
        level=LEVEL_LABELS[inp.level],
        producer_id=inp.producer_id or "",
        trademark=inp.trademark or "",
        model=inp.model or "",
        standard=inp.standard or "",
        sampled_on=inp.sampled_on,
        result=None if inp.result == PENDING else inp.result,
        major_hazard=inp.major_hazard,
        product=inp.product_name,
        task=inp.task_name or "",
        sampled_unit_id=inp.seller_id or inp.producer_id or "",
        id=short_id(sampling_id),
    )


def _history_rows(session: Session, inp: SamplingInput, exclude_id: str | None = None) -> list[Sampling]:
    conds = []
    if inp.producer_id:
        conds.append(Sampling.enterprise_id == inp.producer_id)
    unit = inp.seller_id or inp.producer_id
    if inp.task_name and unit:
        conds.append(and_(Sampling.task_name == inp.task_name,
                          or_(Sampling.seller_id == unit, Sampling.enterprise_id == unit)))
    if not conds:
        return []
    stmt = select(Sampling).where(Sampling.deleted.is_(False), or_(*conds))
    if exclude_id:
        stmt = stmt.where(Sampling.id != exclude_id)
    return list(session.scalars(stmt.order_by(Sampling.sampled_on)))


def short_id(record_id: str) -> str:
    """The first 8 characters of a record id: what warnings show to name a sampling."""
    return record_id[:8]


def _ids_named(message: str, rows: Sequence[Sampling]) -> tuple[str, ...]:
    return tuple(r.id for r in rows if short_id(r.id) and f"编号 {short_id(r.id)}" in message)


def normalise(inp: SamplingInput) -> SamplingInput:
    """Validate and tidy an input (strip text, level key); raises :class:`SamplingError`."""
    def clean(v: str | None) -> str | None:
        return (v or "").strip() or None

    if not (inp.product_name or "").strip():
        raise SamplingError("请填写产品名称")
    if not inp.producer_id and not inp.seller_id:
        raise SamplingError("请选择被抽样的生产者或销售者")
    if inp.result not in ENTRY_RESULTS:
        raise SamplingError(f"抽查结果应为：{'、'.join(ENTRY_RESULTS)}")
    try:
        level = level_key(inp.level)
    except ValueError as exc:
        raise SamplingError(str(exc)) from None
    if inp.sampled_on > date.today():
        raise SamplingError("抽样日期不能晚于今天")
    items = clean(inp.nonconforming_items)
    if inp.result == rules.SamplingResult.FAIL and not items:
        raise SamplingError("抽查结果为不合格时，请填写不合格项目")
    if inp.result != rules.SamplingResult.FAIL and items:
        raise SamplingError("只有不合格的抽查结果才有不合格项目")
    if inp.report_received_on and inp.report_received_on < inp.sampled_on:
        raise SamplingError("报告收到日期不能早于抽样日期")
    check_delivery(inp.sampled_on, inp.report_received_on, inp.report_delivered_on)
    if inp.report_delivered_on and inp.result != rules.SamplingResult.FAIL:
        raise SamplingError("只有不合格的检验报告需要登记送达日期")
    if inp.major_hazard and inp.result != rules.SamplingResult.FAIL:
        raise SamplingError("只有不合格的结果才能标记存在重大质量安全隐患")
    return SamplingInput(
        product_name=inp.product_name.strip(), sampled_on=inp.sampled_on, result=inp.result,
        producer_id=inp.producer_id or None, seller_id=inp.seller_id or None, level=level,
        organiser=clean(inp.organiser), task_name=clean(inp.task_name), year=inp.year or inp.sampled_on.year,
        batch=clean(inp.batch), trademark=clean(inp.trademark), model=clean(inp.model),
        standard=clean(inp.standard), production_batch=clean(inp.production_batch),
        nonconforming_items=items, major_hazard=inp.major_hazard, report_received_on=inp.report_received_on,
        report_delivered_on=inp.report_delivered_on,
    )


def check_delivery(sampled_on: date, received_on: date | None, delivered_on: date | None) -> None:
    """A delivery date lies between the report's arrival (or the sampling day) and today."""
    if delivered_on is None:
        return
    if delivered_on > date.today():
        raise SamplingError("送达日期不能晚于今天")
    if delivered_on < (received_on or sampled_on):
        raise SamplingError("送达日期不能早于" + ("报告收到日期" if received_on else "抽样日期"))


def check_sampling(session: Session, inp: SamplingInput, *, exclude_id: str | None = None) -> list[SamplingWarning]:
    """The warnings entering ``inp`` would raise, each naming the earlier samplings."""
    inp = normalise(inp)
    rows = _history_rows(session, inp, exclude_id)
    if not rows:
        return []
    history = [_record_from_row(r) for r in rows]
    new = _record_from_input(inp, exclude_id or "")
    out: list[SamplingWarning] = []
    if inp.producer_id:
        for msg in rules.repeat_sampling_warnings(new, history):
            out.append(SamplingWarning("repeat", msg, _ids_named(msg, rows)))
        for msg in rules.higher_level_warnings(new, history):
            named = _ids_named(msg, rows)
            out.append(SamplingWarning("higher_level", msg, named))
    for msg in rules.second_visit_warnings(new, history):
        named = tuple(r.id for r in rows if r.task_name == inp.task_name and r.sampled_on.isoformat() in msg)
        out.append(SamplingWarning("second_visit", msg, named))
    return out


# --------------------------------------------------------------------------- entry


def step_templates(session: Session, row: Sampling) -> list[rules.StepTemplate]:
    """The follow-up templates of a sampling as things stand (see :func:`followup.templates_for`)."""
    return followup.templates_for(session, row)


def enter_sampling(store: Store, inp: SamplingInput) -> EntryResult:
    """Store a sampling result; open its follow-up; escalate; return the warnings."""
    inp = normalise(inp)
    with store.transaction() as s:
        for eid in (inp.producer_id, inp.seller_id):
            if eid:
                ent = s.get(Enterprise, eid)
                if ent is None or ent.deleted:
                    raise SamplingError("所选企业不存在")
        warnings = check_sampling(s, inp)
        row = Sampling(
            enterprise_id=inp.producer_id or inp.seller_id,
            seller_id=inp.seller_id,
            task_name=inp.task_name,
            level=inp.level,
            organiser=inp.organiser,
            year=inp.year,
            batch=inp.batch,
            product_name=inp.product_name,
            trademark=inp.trademark,
            model=inp.model,
            standard=inp.standard,
            production_batch=inp.production_batch,
            sampled_on=inp.sampled_on,
            result=inp.result,
            nonconforming_items=inp.nonconforming_items,
            major_hazard=inp.major_hazard,
            report_received_on=inp.report_received_on,
            report_delivered_on=inp.report_delivered_on,
        )
        s.add(row)
        s.flush()
        audit.record(s, "create", "sampling", row.id, result=row.result, level=row.level,
                     warnings=[w.label for w in warnings] or None)
        step_ids = _open_followup(s, row)
        esc = _escalate(s, row) if inp.producer_id and row.result == rules.SamplingResult.FAIL else None
        classes.refresh(s, [row.enterprise_id, row.seller_id])
        return EntryResult(row.id, warnings, step_ids, esc)


def _open_followup(s: Session, row: Sampling) -> list[str]:
    ids: list[str] = []
    notes: list[str] = []
    if row.result not in _FOLLOWED:
        return ids
    for pos, tpl in enumerate(step_templates(s, row), start=1):
        step = FollowUpStep(sampling_id=row.id, step=tpl.key, position=pos, due_on=tpl.due_on)
        if tpl.key == "deliver" and row.report_delivered_on is not None:
            step.done_on = row.report_delivered_on
            step.outcome = "已送达"
        # a deadline counted in a year with no holiday schedule says so (Monday–Friday)
        followup.set_calendar_note(s, step, row.report_delivered_on or row.report_received_on or row.sampled_on)
        s.add(step)
        s.flush()
        ids.append(step.id)
        if step.note and step.note not in notes:
            notes.append(step.note)
    if ids:
        audit.record(s, "create", "followup_step", row.id, steps=len(ids), result=row.result,
                     note=notes[0] if notes else None)
    return ids


def record_result(
    store: Store,
    sampling_id: str,
    result: str,
    *,
    nonconforming_items: str | None = None,
    major_hazard: bool = False,
    report_received_on: date | None = None,
    report_delivered_on: date | None = None,
) -> EntryResult:
    """Add the test conclusion to a pending (待检) sampling: opens follow-up, escalates."""
    if result not in RESULTS:
        raise SamplingError(f"检验结论应为：{'、'.join(RESULTS)}")
    with store.transaction() as s:
        row = s.get(Sampling, sampling_id)
        if row is None or row.deleted:
            raise SamplingError("抽查记录不存在")
        if row.result != PENDING:
            raise SamplingError(f"该抽查已有结论“{row.result}”，不能再次登记")
        checked = normalise(SamplingInput(
            product_name=row.product_name, sampled_on=row.sampled_on, result=result,
            producer_id=row.enterprise_id, level=row.level, nonconforming_items=nonconforming_items,
            major_hazard=major_hazard, report_received_on=report_received_on,
            report_delivered_on=report_delivered_on))
        row.result = result
        row.nonconforming_items = checked.nonconforming_items
        row.major_hazard = checked.major_hazard
        row.report_received_on = report_received_on
        row.report_delivered_on = report_delivered_on
        audit.record(s, "update", "sampling", row.id, result=result)
        step_ids = _open_followup(s, row)
        is_producer = row.seller_id != row.enterprise_id
        esc = _escalate(s, row) if is_producer and result == rules.SamplingResult.FAIL else None
        classes.refresh(s, [row.enterprise_id, row.seller_id])
        return EntryResult(row.id, [], step_ids, esc)


def record_delivery(store: Store, sampling_id: str, delivered_on: date) -> list[str]:
    """Record the day the non-conforming report was delivered to the enterprise (送达).

    The deadlines that count from the delivery (objection 15 days, 《产品质量法》第十五条;
    rectification 60 and re-inspection 75 days from the order served with it, 《产品质量监督抽查
    管理暂行办法》第四十六条、第四十七条; the county's counts for investigation and risk control) are
    set or moved on the steps not yet done, and the 送达 step is marked done on that day. Returns
    the ids of the steps whose deadline changed.
    """
    with store.transaction() as s:
        row = s.get(Sampling, sampling_id)
        if row is None or row.deleted:
            raise SamplingError("抽查记录不存在")
        if row.result != rules.SamplingResult.FAIL:
            raise SamplingError("只有不合格的检验报告需要登记送达日期")
        if row.followup_closed_on is not None:
            raise SamplingError("该抽查的后处理已办结；如需修改请先重新打开")
        check_delivery(row.sampled_on, row.report_received_on, delivered_on)
        before = row.report_delivered_on
        moved = followup.apply_delivery(s, row, delivered_on)
        audit.record(s, "update", "sampling", row.id, report_delivered_on=delivered_on.isoformat(),
                     before=before.isoformat() if before else None, deadlines_moved=len(moved))
        return moved


def producer_history(session: Session, enterprise_id: str) -> list[Sampling]:
    """Samplings in which the enterprise is the producer, oldest first."""
    stmt = select(Sampling).where(
        Sampling.deleted.is_(False),
        Sampling.enterprise_id == enterprise_id,
        or_(Sampling.seller_id.is_(None), Sampling.seller_id != enterprise_id),
    )
    return list(session.scalars(stmt.order_by(Sampling.sampled_on, Sampling.id)))


def _class_row(s: Session, enterprise_id: str) -> tuple[str, str | None]:
    row = s.execute(select(EnterpriseClass.cls, EnterpriseClass.credit_risk)
                    .where(EnterpriseClass.enterprise_id == enterprise_id)).first()
    return (row[0], row[1]) if row else ("routine", None)


def _escalate(s: Session, row: Sampling) -> EscalationOutcome:
    """Flag the interview step and refresh the class: the class and the raised credit risk
    (晋市监发〔2023〕212号 七) are derived from the whole sampling history by
    :mod:`qsdesk.services.classes`, so a later passed sampling lowers them again."""
    ent = s.get(Enterprise, row.enterprise_id)
    assert ent is not None
    esc = rules.escalation([_record_from_row(r) for r in producer_history(s, ent.id)])
    before_cls, before_credit = _class_row(s, ent.id)
    classes.refresh(s, [ent.id])
    after_cls, after_credit = _class_row(s, ent.id)
    reasons = tuple(readable(r) for r in esc.reasons)
    if esc.level is rules.EscalationLevel.NONE:
        return EscalationOutcome(esc.level.value, esc.consecutive, reasons)
    reason = "；".join(reasons)
    # Flag the interview step of this sampling's follow-up.
    interview = s.scalars(
        select(FollowUpStep).where(FollowUpStep.sampling_id == row.id, FollowUpStep.step == "interview")
    ).first()
    if interview is not None:
        interview.note = f"应约谈：{reason}"
    ent.extra = {**(ent.extra or {}), ESCALATION_KEY: {
        "level": esc.level.value, "consecutive": esc.consecutive, "sampling_id": row.id,
        "on": row.sampled_on.isoformat(), "reasons": list(reasons),
    }}
    changed = before_cls != after_cls and after_cls == SPECIAL_CLASS
    new_risk = after_credit if after_credit != before_credit else None
    audit.record(s, "update", "enterprise", ent.id, escalation=esc.level.value, consecutive=esc.consecutive)
    return EscalationOutcome(esc.level.value, esc.consecutive, reasons, changed, new_risk)


def delete_sampling(store: Store, sampling_id: str, reason: str) -> None:
    """Soft-delete a wrongly entered sampling and its follow-up steps."""
    if not reason.strip():
        raise SamplingError("删除抽查记录请说明原因")
    with store.transaction() as s:
        row = s.get(Sampling, sampling_id)
        if row is None or row.deleted:
            raise SamplingError("抽查记录不存在")
        row.deleted = True
        for st in followup.steps(s, sampling_id):
            st.deleted = True
        audit.record(s, "delete", "sampling", row.id, reason=reason.strip())
        classes.refresh(s, [row.enterprise_id, row.seller_id])
