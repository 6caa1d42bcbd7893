"""Forms opened long ago: the revision a record dialog loaded, and who changed the record since.

A dialog keeps :func:`current` of its record when it loads it and passes it to the save
(``expected_rev``): a save against a record that another workstation, another window or a bundle
import changed meanwhile is refused (:class:`~qsdesk.store.db.ConcurrentEditError`) instead of
overwriting that change. :func:`stale_message` is what the person then reads.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import select

from qsdesk.services.audit_text import actor_text, table_text
from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry, Base, Node


def current(store: Store, table: str, record_id: str | None) -> int | None:
    """The record's stored revision (None for a new or unknown record)."""
    if not record_id:
        return None
    t = Base.metadata.tables[table]
    with store.session() as s:
        rev = s.scalar(select(t.c.rev).where(t.c.id == record_id))
    return int(rev) if rev is not None else None


def _local(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M") if at.tzinfo else at.strftime("%Y-%m-%d %H:%M")


def changed_by(store: Store, table: str, record_id: str) -> str:
    """Who changed the record last and when, as far as this database knows ("" if unknown):
    the newest audit entry of the record, or the unit whose bundle brought the version."""
    t = Base.metadata.tables[table]
    with store.session() as s:
        row = s.execute(select(t.c.updated_at, t.c.origin).where(t.c.id == record_id)).first()
        entry = s.scalars(select(AuditEntry).where(AuditEntry.record_id == record_id)
                          .order_by(AuditEntry.at.desc()).limit(1)).first()
        if row is None:
            return ""
        updated_at = cast("datetime | None", row[0])
        origin = cast("str | None", row[1])
        me = s.scalars(select(Node).where(Node.is_self.is_(True))).first()
        if entry is not None and (updated_at is None or _local(entry.at) >= _local(updated_at)):
            return f"{actor_text(entry.actor)} 于 {_local(entry.at)}"
        if origin and (me is None or origin != me.code):
            unit = s.get(Node, origin)
            return f"{unit.name if unit else origin}（数据包导入）于 {_local(updated_at)}" if updated_at else ""
        return f"{_local(updated_at)}" if updated_at else ""


def stale_message(store: Store, table: str, record_id: str) -> str:
    """One Chinese line: this record was changed after the form was opened; nothing was saved."""
    who = changed_by(store, table, record_id)
    by = f"已被 {who} 修改" if who else "已被其他人修改"
    return (f"这条{table_text(table)}在您打开之后{by}（可能在另一台工作站或由数据包导入），"
            "本次修改未保存")
