"""Sampling lists: the samplings with their follow-up progress, the tracking list of those to
sample again (上年度不合格 and 拒检), the dashboard counts and an enterprise's timeline.

Split from :mod:`qsdesk.services.sampling`, which names these too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from qsdesk.domain import sampling as rules
from qsdesk.services import followup
from qsdesk.store.models import Enterprise, FollowUpStep, HelpRecord, Sampling

#: results whose enterprises are followed up and tracked next year (不合格, 拒检)
_FOLLOWED = (rules.SamplingResult.FAIL.value, rules.SamplingResult.REFUSED.value)



def _open_steps_sq() -> Any:
    return (
        select(func.count())
        .select_from(FollowUpStep)
        .where(FollowUpStep.sampling_id == Sampling.id, FollowUpStep.deleted.is_(False),
               FollowUpStep.done_on.is_(None))
        .correlate(Sampling)
        .scalar_subquery()
    )


def _all_steps_sq() -> Any:
    return (
        select(func.count())
        .select_from(FollowUpStep)
        .where(FollowUpStep.sampling_id == Sampling.id, FollowUpStep.deleted.is_(False))
        .correlate(Sampling)
        .scalar_subquery()
    )


def list_query(
    *,
    result: str | None = None,
    text: str | None = None,
    enterprise_id: str | None = None,
    open_followup: bool = False,
    year: int | None = None,
) -> Select[*tuple[Any, ...]]:
    """Rows for the sampling list (newest first) with follow-up progress."""
    seller = aliased(Enterprise)
    stmt = (
        select(
            Sampling.id.label("id"),
            Sampling.sampled_on.label("sampled_on"),
            Enterprise.name.label("enterprise"),
            seller.name.label("seller"),
            Sampling.product_name.label("product_name"),
            Sampling.trademark.label("trademark"),
            Sampling.model.label("model"),
            Sampling.level.label("level"),
            Sampling.organiser.label("organiser"),
            Sampling.result.label("result"),
            Sampling.nonconforming_items.label("nonconforming_items"),
            _open_steps_sq().label("open_steps"),
            _all_steps_sq().label("all_steps"),
            Sampling.followup_closed_on.label("followup_closed_on"),
        )
        .join(Enterprise, Enterprise.id == Sampling.enterprise_id)
        .outerjoin(seller, seller.id == Sampling.seller_id)
        .where(Sampling.deleted.is_(False))
        .order_by(Sampling.sampled_on.desc(), Sampling.id)
    )
    if result:
        stmt = stmt.where(Sampling.result == result)
    if enterprise_id:
        stmt = stmt.where(or_(Sampling.enterprise_id == enterprise_id, Sampling.seller_id == enterprise_id))
    if year:
        stmt = stmt.where(Sampling.sampled_on >= date(year, 1, 1), Sampling.sampled_on <= date(year, 12, 31))
    if open_followup:
        stmt = stmt.where(Sampling.result.in_(_FOLLOWED), Sampling.followup_closed_on.is_(None))
    if text and text.strip():
        like = f"%{text.strip()}%"
        stmt = stmt.where(or_(Enterprise.name.like(like), seller.name.like(like), Sampling.product_name.like(like),
                              Sampling.trademark.like(like), Sampling.task_name.like(like)))
    return stmt


@dataclass(frozen=True)
class TrackingEntry:
    """One enterprise on the tracking list, with the samplings that put it there."""

    enterprise_id: str
    name: str
    failures: int
    refusals: int
    last_on: date
    products: str
    uscc: str | None = None
    events: tuple[tuple[date, str, str | None, str, str], ...] = ()  # (day, product, items, result, role)

    @property
    def roles(self) -> str:
        return "、".join(dict.fromkeys(e[4] for e in self.events))

    @property
    def reason(self) -> str:
        parts = [f"{d.isoformat()} {p} {res}" + (f"（{i}）" if i else "") + f"，{role}"
                 for d, p, i, res, role in self.events]
        return "上年度监督抽查：" + "；".join(parts) + "（沪市监产质〔2022〕251号 二（三）；晋市监发〔2023〕212号 三）"


TRACKING_RULE = ("上年度监督抽查不合格的生产者，以及在其店内抽样不合格的销售者；上年度拒检的企业一并列入"
                 "（沪市监产质〔2022〕251号 二（三）；晋市监发〔2023〕212号 三）")


def tracking_list(session: Session, year: int) -> list[TrackingEntry]:
    """跟踪抽查名单 for ``year`` — the one definition the sampling page, the dashboard, the CLI and
    the annual export use (:data:`TRACKING_RULE`, :func:`qsdesk.domain.sampling.tracking_list_year`)."""
    from qsdesk.services.sampling import _record_from_row  # (that module names these lists: imported on use)

    start, end = date(year - 1, 1, 1), date(year - 1, 12, 31)
    rows = list(session.scalars(
        select(Sampling).where(Sampling.deleted.is_(False), Sampling.sampled_on >= start,
                               Sampling.sampled_on <= end,
                               Sampling.result.in_([rules.SamplingResult.FAIL.value,
                                                    rules.SamplingResult.REFUSED.value]))
    ))
    ids = rules.tracking_list_year([_record_from_row(r) for r in rows], year)
    if not ids:
        return []
    ents = {e.id: e for e in session.scalars(select(Enterprise).where(Enterprise.id.in_(ids),
                                                                       Enterprise.deleted.is_(False)))}
    # each enterprise's samplings, found once (not a pass over every row per enterprise: a county
    # lists hundreds of enterprises out of thousands of failed samplings)
    mine: dict[str, list[Sampling]] = {}
    for r in sorted(rows, key=lambda x: x.sampled_on):
        for who in {w for w in (r.enterprise_id, r.seller_id) if w is not None}:
            mine.setdefault(who, []).append(r)
    out = []
    for eid in ids:
        if eid not in ents:
            continue
        events = []
        for r in mine.get(eid, ()):
            is_producer = r.enterprise_id == eid and r.seller_id != eid
            at_shop = r.seller_id == eid
            if not (is_producer or at_shop):
                continue
            if r.result == rules.SamplingResult.REFUSED:
                role = "拒检"
            else:
                role = "生产者" if is_producer else "销售者（抽样场所）"
            events.append((r.sampled_on, r.product_name, r.nonconforming_items, r.result, role))
        fails = sum(1 for e in events if e[3] == rules.SamplingResult.FAIL)
        refs = sum(1 for e in events if e[3] == rules.SamplingResult.REFUSED)
        products = "、".join(sorted({e[1] for e in events}))
        out.append(TrackingEntry(eid, ents[eid].name, fails, refs, max(e[0] for e in events), products,
                                 ents[eid].uscc, tuple(events)))
    out.sort(key=lambda t: (-t.failures, t.name))
    return out


def dashboard_counts(session: Session, today: date) -> dict[str, int]:
    """Figures for the dashboard: overdue steps, open follow-ups, this year's tracking list."""
    open_fu = session.scalar(
        select(func.count()).select_from(Sampling).where(
            Sampling.deleted.is_(False), Sampling.result.in_(_FOLLOWED),
            Sampling.followup_closed_on.is_(None))
    )
    return {
        "overdue_steps": followup.overdue_count(session, today),
        "open_followups": int(open_fu or 0),
        "tracking": len(tracking_list(session, today.year)),
    }


def timeline_events(session: Session, enterprise_id: str) -> list[Any]:
    """The enterprise's samplings, completed follow-up steps and help entries, newest first."""
    from qsdesk.services.risk import TimelineEvent
    from qsdesk.services.sampling import LEVEL_LABELS  # (that module names these lists: imported on use)

    out: list[TimelineEvent] = []
    rows = session.scalars(select(Sampling).where(
        Sampling.deleted.is_(False), or_(Sampling.enterprise_id == enterprise_id, Sampling.seller_id == enterprise_id)))
    for r in rows:
        detail = f"{LEVEL_LABELS.get(r.level, r.level)}抽查 {r.organiser or ''}".strip()
        if r.nonconforming_items:
            detail += f"；不合格项目：{r.nonconforming_items}"
        out.append(TimelineEvent(r.sampled_on, "sampling", f"监督抽查{r.result}：{r.product_name}", detail,
                                 "sampling", r.id))
        for st in followup.steps(session, r.id):
            if st.done_on:
                label = followup.step_label(st.step)
                out.append(TimelineEvent(st.done_on, "followup", f"后处理：{label}",
                                         " ".join(x for x in (st.outcome, st.note) if x), "followup_step", st.id))
        if r.followup_closed_on:
            out.append(TimelineEvent(r.followup_closed_on, "followup", f"后处理办结：{r.product_name}", "",
                                     "sampling", r.id))
    helps = session.scalars(select(HelpRecord).where(HelpRecord.deleted.is_(False),
                                                     HelpRecord.enterprise_id == enterprise_id))
    for h in helps:
        out.append(TimelineEvent(h.given_on, "help", "帮扶", (h.content or "")[:80], "help_record", h.id))
    out.sort(key=lambda e: (e.on, e.kind), reverse=True)
    return out
