"""The station's inspectors (执法人员): list, add, deactivate, reactivate.

Inspectors are never deleted: records name them (signatures, responsibility), so one who leaves
is deactivated and no longer offered for new records.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from qsdesk.services import audit
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, Inspector


class InspectorError(ValueError):
    """A request a user can fix; the message is Chinese."""


@dataclass(frozen=True)
class InspectorInfo:
    id: str
    name: str
    phone: str | None
    badge_no: str | None
    active: bool
    responsible_for: int


def list_inspectors(store: Store) -> list[InspectorInfo]:
    from sqlalchemy import func

    with store.session() as s:
        counts: dict[str, int] = {iid: n for iid, n in s.execute(
            select(Enterprise.responsible_inspector_id, func.count())
            .where(Enterprise.deleted.is_(False), Enterprise.responsible_inspector_id.is_not(None))
            .group_by(Enterprise.responsible_inspector_id)) if iid is not None}
        rows = s.scalars(select(Inspector).where(Inspector.deleted.is_(False))
                         .order_by(Inspector.active.desc(), Inspector.name))
        return [InspectorInfo(i.id, i.name, i.phone, i.badge_no, i.active, int(counts.get(i.id, 0))) for i in rows]


def add_inspector(store: Store, name: str, phone: str | None = None, badge_no: str | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise InspectorError("姓名不能为空")
    if len(name) > 64:
        raise InspectorError("姓名过长（最多 64 个字）")
    with store.transaction() as s:
        badge_no = (badge_no or "").strip() or None
        same = select(Inspector.id).where(Inspector.name == name, Inspector.deleted.is_(False),
                                          Inspector.active.is_(True))
        # without a badge number a second active person of the same name cannot be told apart
        dup = s.scalar(same if badge_no is None else same.where(Inspector.badge_no == badge_no))
        if dup is not None:
            raise InspectorError(f"已有在岗人员 {name}" + (f"（执法证号 {badge_no}）" if badge_no else "")
                                 + "；同名人员请填写执法证号区分")
        i = Inspector(name=name, phone=(phone or "").strip() or None, badge_no=badge_no,
                      station_code=store.origin, active=True)
        s.add(i)
        s.flush()
        audit.record(s, "create", "inspector", i.id, name=name)
        return i.id


def set_active(store: Store, inspector_id: str, active: bool) -> None:
    """Deactivate (离岗) or reactivate an inspector. Deactivating does not touch the enterprises
    they are responsible for: those need a new responsible supervisor (see the registry)."""
    with store.transaction() as s:
        i = s.get(Inspector, inspector_id)
        if i is None or i.deleted:
            raise InspectorError("人员不存在")
        if i.active == active:
            return
        i.active = active
        audit.record(s, "update", "inspector", i.id, active=active)
