"""The audit trail: who created, changed, sealed, printed, exported or imported what, and when.

Every service that writes calls :func:`record` inside the same transaction as the change, so an
entry exists exactly when the change does. Entries are append-only (never updated or deleted)
and travel to the county in bundles like other synced rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, cast, or_, select
from sqlalchemy.orm import Session

from qsdesk.store.db import utcnow
from qsdesk.store.models import AuditEntry

#: Actions the trail knows; a test walks the services and checks each leaves one.
ACTIONS = (
    "create", "update", "delete", "seal", "amend", "sign", "print", "export", "import",
    "assign", "login", "logout", "backup", "restore", "resolve_conflict",
)

SYSTEM_ACTOR = "system"


def current_actor(session: Session) -> str:
    """The logged-in user recorded on the session (``session.info["actor"]``), else ``system``."""
    return str(session.info.get("actor") or SYSTEM_ACTOR)


def record(
    session: Session,
    action: str,
    table_name: str | None = None,
    record_id: str | None = None,
    actor: str | None = None,
    **detail: Any,
) -> AuditEntry:
    """Add one audit entry to ``session`` (committed with the caller's transaction)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        at=utcnow(),
        actor=actor or current_actor(session),
        action=action,
        table_name=table_name,
        record_id=record_id,
        detail={k: v for k, v in detail.items() if v is not None},
    )
    session.add(entry)
    return entry


def entries_for(session: Session, record_id: str) -> list[AuditEntry]:
    """The trail of one record, oldest first."""
    stmt = select(AuditEntry).where(AuditEntry.record_id == record_id).order_by(AuditEntry.at)
    return list(session.scalars(stmt))


ACTION_TEXT = {
    "create": "新建", "update": "修改", "delete": "删除", "seal": "封存", "amend": "更正", "sign": "签名",
    "print": "打印", "export": "导出", "import": "导入", "assign": "指定责任人", "login": "登录",
    "logout": "退出", "backup": "备份", "restore": "恢复", "resolve_conflict": "处理同步冲突",
}


def audit_query(
    text: str | None = None,
    action: str | None = None,
    actor: str | None = None,
    table_name: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[AuditEntry]:
    """The searchable trail, newest first (a statement: lists fetch it lazily)."""
    stmt = select(AuditEntry)
    if text:
        like = f"%{text.strip()}%"
        stmt = stmt.where(or_(AuditEntry.actor.like(like), AuditEntry.record_id.like(like),
                              AuditEntry.table_name.like(like), cast(AuditEntry.detail, String).like(like)))
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    if table_name:
        stmt = stmt.where(AuditEntry.table_name == table_name)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id)


def audit_list_statement(text: str | None = None, action: str | None = None) -> Select[Any]:
    """:func:`audit_query` with the columns the audit panel lists."""
    return audit_query(text, action).with_only_columns(
        AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.table_name,
        AuditEntry.record_id, AuditEntry.detail)
