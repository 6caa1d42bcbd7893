"""The sync page's lists: the bundle history and the open conflicts (statements for the lazy model)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from qsdesk.store.models import BundleLog, SyncConflict


def history_statement() -> Select[Any]:
    """Bundles sent and received, newest first."""
    return select(BundleLog.id, BundleLog.at, BundleLog.direction, BundleLog.peer_code, BundleLog.seq,
                  BundleLog.file_name, BundleLog.counts).order_by(BundleLog.at.desc())


def open_conflicts_statement() -> Select[Any]:
    """Conflicts nobody resolved yet, oldest first."""
    return (select(SyncConflict.id, SyncConflict.created_at, SyncConflict.table_name, SyncConflict.record_id,
                   SyncConflict.kept)
            .where(SyncConflict.resolved_at.is_(None)).order_by(SyncConflict.created_at))
