"""帮扶台账 (003 八): the help a department gives an enterprise, linked to the non-conformity.

003 八 asks every level to keep a help ledger, "一企一策": a 质量建议书 for enterprises that need
one, and technical help (testing institutions diagnosing the cause of a non-conforming product).
004 三(一) adds that the testing institution issues a 质量整改建议书 for a non-conforming product.
Each entry names the enterprise and, where it answers one, the sampling whose failure it answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from qsdesk.services import audit
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, HelpRecord, Sampling

HELP_KINDS: dict[str, str] = {
    "advice_letter": "质量建议书",
    "rectification_advice": "质量整改建议书",
    "technical": "技术帮扶（检验检测机构技术攻关）",
    "training": "培训指导",
    "other": "其他帮扶",
}


class HelpLedgerError(ValueError):
    """A ledger entry a user can fix; the message is Chinese."""


@dataclass(frozen=True)
class HelpInput:
    enterprise_id: str
    kind: str
    given_on: date
    content: str
    sampling_id: str | None = None
    provider: str | None = None
    outcome: str | None = None


def _check(session: Session, inp: HelpInput) -> None:
    if inp.kind not in HELP_KINDS:
        raise HelpLedgerError(f"帮扶类型应为：{'、'.join(HELP_KINDS.values())}")
    if not (inp.content or "").strip():
        raise HelpLedgerError("请填写帮扶内容")
    ent = session.get(Enterprise, inp.enterprise_id)
    if ent is None or ent.deleted:
        raise HelpLedgerError("企业不存在")
    if inp.sampling_id:
        smp = session.get(Sampling, inp.sampling_id)
        if smp is None or smp.deleted:
            raise HelpLedgerError("所关联的抽查记录不存在")
        if inp.enterprise_id not in (smp.enterprise_id, smp.seller_id):
            raise HelpLedgerError("所关联的抽查记录不属于该企业")
        if smp.result == "合格":
            raise HelpLedgerError("所关联的抽查结果为合格，帮扶应对应不合格项")


def add_help(store: Store, inp: HelpInput) -> str:
    with store.transaction() as s:
        _check(s, inp)
        row = HelpRecord(
            enterprise_id=inp.enterprise_id,
            sampling_id=inp.sampling_id,
            kind=inp.kind,
            given_on=inp.given_on,
            provider=(inp.provider or "").strip() or None,
            content=inp.content.strip(),
            outcome=(inp.outcome or "").strip() or None,
        )
        s.add(row)
        s.flush()
        audit.record(s, "create", "help_record", row.id, kind=inp.kind, sampling_id=inp.sampling_id)
        return row.id


def set_outcome(store: Store, help_id: str, outcome: str) -> None:
    with store.transaction() as s:
        row = s.get(HelpRecord, help_id)
        if row is None or row.deleted:
            raise HelpLedgerError("帮扶记录不存在")
        row.outcome = outcome.strip() or None
        audit.record(s, "update", "help_record", row.id, outcome=row.outcome)


def ledger_query(enterprise_id: str | None = None, year: int | None = None) -> Select[*tuple[Any, ...]]:
    """Ledger rows (newest first) with the enterprise name and the non-conformity answered."""
    stmt = (
        select(HelpRecord, Enterprise.name, Sampling.product_name, Sampling.nonconforming_items)
        .join(Enterprise, Enterprise.id == HelpRecord.enterprise_id)
        .outerjoin(Sampling, Sampling.id == HelpRecord.sampling_id)
        .where(HelpRecord.deleted.is_(False))
        .order_by(HelpRecord.given_on.desc())
    )
    if enterprise_id:
        stmt = stmt.where(HelpRecord.enterprise_id == enterprise_id)
    if year:
        stmt = stmt.where(HelpRecord.given_on >= date(year, 1, 1), HelpRecord.given_on <= date(year, 12, 31))
    return stmt


def ledger(session: Session, year: int | None = None, *, limit: int = 5000) -> list[Any]:
    """The first ``limit`` rows of :func:`ledger_query` (help record, enterprise name, product,
    non-conforming items)."""
    return list(session.execute(ledger_query(year=year).limit(limit)))


def help_for_sampling(session: Session, sampling_id: str) -> list[HelpRecord]:
    stmt = select(HelpRecord).where(HelpRecord.sampling_id == sampling_id, HelpRecord.deleted.is_(False))
    return list(session.scalars(stmt.order_by(HelpRecord.given_on)))
