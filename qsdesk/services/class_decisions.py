"""What a person decides about an enterprise's class: its credit risk class (企业信用风险分类结果)
with where it comes from, and raising it to 重点 with who and why (鲁市监质监字〔2022〕233号 二（五）),
revoked but never deleted. Each takes effect on the stored class in the same transaction
(:func:`qsdesk.services.classes.refresh`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from qsdesk.domain.supervision import (
    class_of_key,
    override_allowed,
)
from qsdesk.services import audit
from qsdesk.services.classes import ClassError, class_label, refresh
from qsdesk.store.db import Store
from qsdesk.store.models import (
    ClassDecision,
    Enterprise,
)

# --------------------------------------------------------------------------- credit risk


def set_credit_risk(store: Store, enterprise_id: str, level: str | None, basis: str) -> str | None:
    """Record the enterprise's credit risk class (企业信用风险分类结果: 低/一般/较高/高 or A–D) with
    where it comes from; the supervision class follows in the same transaction. Returns the
    level stored (Chinese), None when cleared."""
    from qsdesk.domain.supervision import CreditRisk

    try:
        parsed = CreditRisk.parse(level)
    except ValueError as exc:
        raise ClassError(str(exc)) from None
    if not basis.strip():
        raise ClassError("请填写信用风险等级的来源（如：信用风险分类结果通知及日期）")
    with store.transaction() as s:
        ent = s.get(Enterprise, enterprise_id)
        if ent is None or ent.deleted:
            raise ClassError("企业不存在或已删除")
        old = ent.credit_risk
        ent.credit_risk = parsed.value if parsed else None
        audit.record(s, "update", "enterprise", ent.id, 信用风险由=old or "未评定",
                     改为=ent.credit_risk or "未评定", 来源=basis.strip())
        refresh(s, [ent.id])
        return ent.credit_risk


# --------------------------------------------------------------------------- decisions


def decide(store: Store, enterprise_id: str, cls: str, reason: str, decided_by: str,
           decided_on: date | None = None) -> str:
    """Record a decision to supervise an enterprise under ``cls`` (a stored key) with the reason
    and who decided (鲁市监质监字〔2022〕233号 二（五））; only raising to 重点 is allowed (see
    :func:`qsdesk.domain.supervision.override_allowed`). Replaces an earlier open decision."""
    target = class_of_key(cls)
    if cls not in ("routine", "key", "special"):
        raise ClassError("未知的监管类别")
    why = override_allowed(target)
    if why:
        raise ClassError(why)
    if not reason.strip():
        raise ClassError("请说明列入重点监管的理由（如质量问题突出、投诉举报多、生产销售高风险产品）")
    if not decided_by.strip():
        raise ClassError("请填写作出决定的人员")
    day = decided_on or date.today()
    if day > date.today():
        raise ClassError("决定日期不能晚于今天")
    with store.transaction() as s:
        ent = s.get(Enterprise, enterprise_id)
        if ent is None or ent.deleted:
            raise ClassError("企业不存在或已删除")
        for old in s.scalars(select(ClassDecision).where(ClassDecision.enterprise_id == enterprise_id,
                                                         ClassDecision.deleted.is_(False),
                                                         ClassDecision.revoked_on.is_(None))):
            old.revoked_on, old.revoked_by, old.revoke_reason = day, decided_by.strip(), "被新的决定取代"
        row = ClassDecision(enterprise_id=enterprise_id, cls=cls, reason=reason.strip(),
                            decided_by=decided_by.strip(), decided_on=day)
        s.add(row)
        s.flush()
        audit.record(s, "create", "class_decision", row.id, 企业=ent.name, 列为=class_label(cls),
                     理由=row.reason, 决定人=row.decided_by)
        refresh(s, [enterprise_id])
        return row.id


def revoke(store: Store, decision_id: str, revoked_by: str, reason: str, on: date | None = None) -> None:
    """End a class decision (kept, with who ended it and why); the class follows the records again."""
    if not reason.strip() or not revoked_by.strip():
        raise ClassError("撤销决定请填写撤销人和理由")
    with store.transaction() as s:
        row = s.get(ClassDecision, decision_id)
        if row is None or row.deleted or row.revoked_on is not None:
            raise ClassError("该决定不存在或已撤销")
        row.revoked_on, row.revoked_by, row.revoke_reason = on or date.today(), revoked_by.strip(), reason.strip()
        audit.record(s, "update", "class_decision", row.id, 撤销人=row.revoked_by, 理由=row.revoke_reason)
        refresh(s, [row.enterprise_id])

