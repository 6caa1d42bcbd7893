"""Small records the monthly statistics table needs and inspections do not capture.

002 annex 5 counts publicity visits (宣贯), surveys (排摸) with their findings, problems the
enterprises found and fixed themselves (自查整改), assessments of quality safety managers and the
follow-up of those who failed, and cases filed for breaking the "two rules" with warnings and
fines. Each is one row of :class:`~qsdesk.store.models.Activity` or
:class:`~qsdesk.store.models.EnforcementCase`, written here with its audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qsdesk.domain.grading import unit_kind
from qsdesk.services import audit, classes
from qsdesk.store.db import Store
from qsdesk.store.models import Activity, EnforcementCase, Enterprise

ACTIVITY_KINDS = {
    "publicity": "宣贯指导",
    "survey": "排摸",
    "self_fix": "自查整改问题隐患",
    "assessment": "质量安全管理人员考核",
    "assessment_followup": "督促考核不合格单位整改",
    "enforcement_turnout": "其他执法检查出动（无检查记录）",
    "rectification": "检查发现问题隐患整改",
}
UNIT_KINDS = {"producer": "生产单位", "seller": "销售单位"}
CASE_KINDS = {"two_rules": "违反“两个规定”", "quality": "产品质量", "licence": "生产许可", "ccc": "强制性认证"}
PENALTIES = {"warning": "责令改正并给予警告", "fine": "罚款", "confiscation": "没收违法所得", "other": "其他",
             # decisions not to punish (行政处罚法 第三十三条): no punishment for the supervision class
             "not_punished": "不予行政处罚", "first_offence": "首违不罚"}


class ActivityError(ValueError):
    """Input a user can fix; Chinese message."""


def unit_kind_of(unit_types: str | None, domain: str | None = None) -> str:
    """``producer`` or ``seller``: :func:`qsdesk.domain.grading.unit_kind` (the one rule)."""
    return unit_kind(unit_types, domain)


@dataclass
class ActivityInput:
    kind: str
    on_date: date
    enterprise_id: str | None = None
    unit_kind: str | None = None  # derived from the enterprise when not given
    staff_count: int = 0
    quantity: int = 1
    passed: bool | None = None
    managers_in_place: bool | None = None
    responsibility_system: bool | None = None
    note: str | None = None


def _check(session: Session, a: ActivityInput) -> str | None:
    if a.kind not in ACTIVITY_KINDS:
        raise ActivityError(f"未知的活动类型：{a.kind}")
    if a.staff_count < 0 or a.quantity < 0:
        raise ActivityError("人次、家次和条数不能为负数")
    kind = a.unit_kind
    if a.enterprise_id is not None:
        ent = session.get(Enterprise, a.enterprise_id)
        if ent is None or ent.deleted:
            raise ActivityError("所选企业不存在或已删除")
        kind = kind or unit_kind_of(ent.unit_types, ent.domain)
    if a.kind == "survey" and a.enterprise_id is None:
        raise ActivityError("排摸记录需选择被排摸的企业")
    if a.kind in ("survey", "self_fix", "assessment", "assessment_followup") and kind not in UNIT_KINDS:
        raise ActivityError("请注明是生产单位还是销售单位")
    if kind is not None and kind not in UNIT_KINDS:
        raise ActivityError(f"单位类别只能是生产单位或销售单位：{kind}")
    if a.kind == "publicity" and a.staff_count <= 0:
        raise ActivityError("宣贯指导需填写出动监管人员人次")
    if a.kind == "enforcement_turnout" and a.staff_count <= 0:
        raise ActivityError("请填写出动监管执法人员人次")
    if a.kind == "rectification":
        raise ActivityError("检查发现问题的整改请在统计报表中按检查记录登记")
    return kind


def record_activity(store: Store, a: ActivityInput) -> str:
    """Save one activity; returns its id."""
    with store.transaction() as s:
        unit_kind = _check(s, a)
        row = Activity(kind=a.kind, on_date=a.on_date, enterprise_id=a.enterprise_id, unit_kind=unit_kind,
                       staff_count=a.staff_count, quantity=a.quantity, passed=a.passed,
                       managers_in_place=a.managers_in_place, responsibility_system=a.responsibility_system,
                       note=a.note)
        s.add(row)
        s.flush()
        audit.record(s, "create", "activity", row.id, kind=a.kind)
        return row.id


def delete_activity(store: Store, activity_id: str) -> None:
    with store.transaction() as s:
        row = s.get(Activity, activity_id)
        if row is None or row.deleted:
            raise ActivityError("记录不存在")
        row.deleted = True
        audit.record(s, "delete", "activity", activity_id)


def list_activities(session: Session, kind: str | None, start: date, end: date) -> list[Activity]:
    stmt = select(Activity).where(Activity.deleted.is_(False), Activity.on_date >= start, Activity.on_date <= end)
    if kind:
        stmt = stmt.where(Activity.kind == kind)
    return list(session.scalars(stmt.order_by(Activity.on_date)))


@dataclass
class CaseInput:
    enterprise_id: str
    filed_on: date
    kind: str = "two_rules"
    case_no: str | None = None
    cause: str | None = None
    decided_on: date | None = None
    penalty: str | None = None
    heavier: bool = False
    fine_yuan: Decimal | None = None


def list_cases(session: Session, start: date, end: date) -> list[EnforcementCase]:
    """The cases filed from ``start`` to ``end`` (inclusive), oldest first."""
    return list(session.scalars(select(EnforcementCase).where(
        EnforcementCase.deleted.is_(False), EnforcementCase.filed_on >= start,
        EnforcementCase.filed_on <= end).order_by(EnforcementCase.filed_on)))


def find_enterprise(store: Store, text: str) -> tuple[str | None, str]:
    """An enterprise by exact credit code or by a name that only one enterprise contains:
    (id, name), or (None, why not)."""
    t = text.strip()
    if not t:
        return None, "请填写企业名称或统一社会信用代码"
    with store.session() as s:
        rows = s.execute(select(Enterprise.id, Enterprise.name).where(
            Enterprise.deleted.is_(False),
            or_(Enterprise.uscc == t.upper(), Enterprise.name == t, Enterprise.name.like(f"%{t}%"))).limit(5)).all()
    exact = [r for r in rows if r.name == t]
    if len(exact) == 1 or len(rows) == 1:
        r = (exact or rows)[0]
        return r.id, r.name
    if not rows:
        return None, f"没有找到“{t}”"
    return None, f"“{t}”对应多家企业，请填写完整名称或信用代码"


def record_case(store: Store, c: CaseInput) -> str:
    """Save a case filed (立案) and, when decided, its penalty and fine."""
    if c.kind not in CASE_KINDS:
        raise ActivityError(f"未知的案件类别：{c.kind}")
    if c.penalty is not None and c.penalty not in PENALTIES:
        raise ActivityError(f"未知的处罚种类：{c.penalty}")
    if c.fine_yuan is not None and c.fine_yuan < 0:
        raise ActivityError("罚没款金额不能为负数")
    if c.decided_on is not None and c.decided_on < c.filed_on:
        raise ActivityError("决定日期不能早于立案日期")
    with store.transaction() as s:
        ent = s.get(Enterprise, c.enterprise_id)
        if ent is None or ent.deleted:
            raise ActivityError("所选企业不存在或已删除")
        row = EnforcementCase(enterprise_id=c.enterprise_id, case_no=c.case_no, filed_on=c.filed_on,
                              decided_on=c.decided_on, cause=c.cause, kind=c.kind, penalty=c.penalty,
                              heavier=c.heavier, fine_yuan=c.fine_yuan)
        s.add(row)
        s.flush()
        audit.record(s, "create", "enforcement_case", row.id, kind=c.kind, penalty=c.penalty)
        classes.refresh(s, [c.enterprise_id])
        return row.id


def describe(row: Any) -> str:
    """One line for a list: what the record is, in Chinese."""
    if isinstance(row, EnforcementCase):
        pen = PENALTIES.get(row.penalty or "", "")
        fine = f"，罚没 {row.fine_yuan} 元" if row.fine_yuan else ""
        return f"{row.filed_on} 立案 {CASE_KINDS.get(row.kind, row.kind)} {row.case_no or ''} {pen}{fine}".strip()
    if isinstance(row, Activity):
        unit = UNIT_KINDS.get(row.unit_kind or "", "")
        return f"{row.on_date} {ACTIVITY_KINDS.get(row.kind, row.kind)} {unit} ×{row.quantity}".strip()
    return str(row)
