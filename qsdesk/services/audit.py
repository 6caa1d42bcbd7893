"""The audit trail: who created, changed, sealed, printed, exported or imported what, and when.

Every service that writes calls :func:`record` inside the same transaction as the change, so an
entry exists exactly when the change does. Entries are append-only (never updated or deleted)
and travel to the county in bundles like other synced rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
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
