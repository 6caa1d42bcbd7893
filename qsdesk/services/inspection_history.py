"""The history blocks of a new inspection record (annexes 4 and 5): the enterprise's supervision
sampling and its sealed inspections of this year and the two before, one row per year, as the
annex's 近三年 tables ask.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qsdesk.domain import formspec
from qsdesk.domain.answers import FOUND
from qsdesk.domain.sampling import SamplingResult, step_label
from qsdesk.store.models import FollowUpStep, Inspection, Sampling

#: The years a history block covers: this one and the two before.
HISTORY_YEARS = 3


def years_shown(today: date) -> list[int]:
    return list(range(today.year - HISTORY_YEARS + 1, today.year + 1))


def sampling_history(session: Session, enterprise_id: str, today: date) -> list[dict[str, Any]]:
    """One row per year (this year and the two before) that had supervision sampling.

    ``result`` counts the batches (合格 n 批次；不合格 m 批次（items）), ``follow_up`` lists the
    completed follow-up steps of the failures, or 处理中 while steps are open.
    """
    years = years_shown(today)
    rows = session.scalars(
        select(Sampling)
        .where(or_(Sampling.enterprise_id == enterprise_id, Sampling.seller_id == enterprise_id),  # at its shop too
               Sampling.deleted.is_(False), Sampling.sampled_on >= date(years[0], 1, 1), Sampling.sampled_on <= today)
        .order_by(Sampling.sampled_on)
    ).all()
    out = []
    for y in years:
        in_year = [r for r in rows if r.sampled_on.year == y]
        if not in_year:
            continue
        counts: dict[str, int] = {}
        for r in in_year:
            counts[r.result] = counts.get(r.result, 0) + 1
        parts = []
        for res, n in counts.items():
            items = "、".join(r.nonconforming_items for r in in_year if r.result == res and r.nonconforming_items)
            parts.append(f"{res}{n}批次" + (f"（{items}）" if items else ""))
        follow: list[str] = []
        for r in in_year:
            if r.result == SamplingResult.PASS:
                continue
            steps = session.scalars(
                select(FollowUpStep).where(FollowUpStep.sampling_id == r.id, FollowUpStep.deleted.is_(False))
                .order_by(FollowUpStep.position)
            ).all()
            done = [f"{step_label(st.step)}{'（' + st.outcome + '）' if st.outcome else ''}" for st in steps if st.done_on]
            pending = any(st.done_on is None for st in steps)
            text = "、".join(done) if done else ""
            follow.append(f"{r.product_name}：{text or '处理中'}{'，处理中' if done and pending else ''}")
        out.append({"year": y, "result": "；".join(parts), "follow_up": "；".join(follow) or "无需后处理"})
    return out


def inspection_history(session: Session, enterprise_id: str, today: date,
                       exclude_id: str | None = None) -> list[dict[str, Any]]:
    """One row per year with sealed inspections (amended originals replaced by their correction)."""
    years = years_shown(today)
    rows = session.scalars(
        select(Inspection)
        .where(Inspection.enterprise_id == enterprise_id, Inspection.deleted.is_(False),
               Inspection.status == "sealed", Inspection.inspected_on >= date(years[0], 1, 1),
               Inspection.inspected_on <= today)
        .order_by(Inspection.inspected_on)
    ).all()
    superseded = {r.amends_id for r in rows if r.amends_id}
    rows = [r for r in rows if r.id not in superseded and r.id != exclude_id]
    out = []
    for y in years:
        in_year = [r for r in rows if r.inspected_on.year == y]
        if not in_year:
            continue
        results = [f"{r.inspected_on.month}月{r.inspected_on.day}日 {r.result or '—'}" for r in in_year]
        disposal = [
            formspec.note_of(a) for r in in_year for a in (r.answers or {}).values()
            if formspec.answer_of(a) == FOUND and formspec.note_of(a)
        ]
        out.append({"year": y, "result": "；".join(results), "disposal": "；".join(disposal) or "无"})
    return out


def _history_rows(spec_field: formspec.Field, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep only the columns the form's history field declares, in its order."""
    cols = [c.key for c in spec_field.columns]
    return [{c: r.get(c) for c in cols} for r in rows]


def history_values(session: Session, history_fields: list[formspec.Field], enterprise_id: str,
                   today: date) -> dict[str, list[dict[str, Any]]]:
    """The value of each history field of a new record: its inspections or its samplings."""
    out = {}
    for f in history_fields:
        src = inspection_history(session, enterprise_id, today) if "inspection" in f.key else \
            sampling_history(session, enterprise_id, today)
        out[f.key] = _history_rows(f, src)
    return out
