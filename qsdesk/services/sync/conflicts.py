"""The conflicts queue: versions of a record that lost a merge, until a person decides.

A conflict row keeps both versions in their travelling JSON form: ``kept`` (the version now in
the table, plus ``_winner``/``_reason``/``_from``/``_seq``) and ``other`` (the version that was
not applied). Resolving it either confirms the kept version or writes the other version back as a
new local change (a higher ``rev``, so it wins on every node once it travels); either way the
choice and the person are written to the conflict row and to the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from qsdesk.services import audit
from qsdesk.services.accounts import acting_without_chief_rights
from qsdesk.services.sync.rows import META, TABLES, json_to_row, row_to_json, table_of
from qsdesk.store.db import SealedRecordError, Store, utcnow
from qsdesk.store.models import SyncConflict

CHOICES = {"kept": "保留当前版本", "other": "改用另一版本"}
REASONS = {"both": "双方都修改了这条记录", "sealed": "本机为已封存记录，对方为未封存版本",
           "both_sealed": "同一记录有两个不同的封存版本"}

#: Columns a resolution never copies from the other version (identity and sync metadata).
_NOT_COPIED = frozenset(META) | {"change_seq", "rev", "updated_at"}


class ConflictError(ValueError):
    """A resolution that cannot be made; the message is Chinese."""


@dataclass(frozen=True)
class FieldDiff:
    column: str
    kept: Any
    other: Any


def open_conflicts(store: Store) -> list[SyncConflict]:
    with store.session() as s:
        return list(s.scalars(select(SyncConflict).where(SyncConflict.resolved_at.is_(None))
                              .order_by(SyncConflict.created_at, SyncConflict.id)))


def open_count(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(SyncConflict)
                            .where(SyncConflict.resolved_at.is_(None))) or 0)


def differences(conflict: SyncConflict) -> list[FieldDiff]:
    """The columns where the two versions differ (sync metadata included, markers excluded)."""
    keys = sorted((set(conflict.kept) | set(conflict.other)) - {"id"})
    return [FieldDiff(k, conflict.kept.get(k), conflict.other.get(k)) for k in keys
            if not k.startswith("_") and conflict.kept.get(k) != conflict.other.get(k)]


def resolve(store: Store, conflict_id: str, choice: str, actor: str | None = None) -> SyncConflict:
    """Settle a conflict with ``choice`` ``"kept"`` or ``"other"``; recorded with who chose."""
    if choice not in CHOICES:
        raise ConflictError(f"处理方式应为 kept 或 other，而不是 {choice!r}")
    if acting_without_chief_rights(store):
        raise ConflictError("只有所长可以处理同步冲突")
    try:
        with store.transaction() as s:
            c = s.get(SyncConflict, conflict_id)
            if c is None:
                raise ConflictError("找不到这条冲突记录")
            if c.resolved_at is not None:
                raise ConflictError(f"这条冲突已由 {c.resolved_by} 处理过")
            who = actor or audit.current_actor(s)
            model = TABLES.get(c.table_name)
            if model is None:
                raise ConflictError(f"不认识的数据表 {c.table_name}")
            changed = _changed_since(s, c)
            if changed is not None:
                # the person compared against a version that is no longer there: never apply a
                # choice made on stale facts; show them the current version instead
                c.kept = {**changed, **{k: v for k, v in c.kept.items() if k.startswith("_")},
                          "_requeued_at": utcnow().isoformat(timespec="seconds")}
                audit.record(s, "resolve_conflict", c.table_name, c.record_id, actor=who, choice=choice,
                             conflict_id=c.id, outcome="requeued")
                requeued = True
            else:
                requeued = False
            if requeued:
                pass
            elif choice == "other":
                obj = s.get(model, c.record_id)
                if obj is None:
                    raise ConflictError("记录已不存在，无法改用另一版本")
                values = json_to_row(c.table_name, {k: v for k, v in c.other.items() if not k.startswith("_")})
                for col, val in values.items():
                    if col not in _NOT_COPIED:
                        setattr(obj, col, val)
                obj.deleted = bool(values.get("deleted", obj.deleted))
                s.flush()  # stamps rev/change_seq, and refuses to change a sealed record
            if not requeued:
                c.resolved_at = utcnow()
                c.resolved_by = who
                c.resolution = choice
                audit.record(s, "resolve_conflict", c.table_name, c.record_id, actor=who, choice=choice,
                             conflict_id=c.id, reason=c.kept.get("_reason"))
    except SealedRecordError as exc:
        raise ConflictError("这条检查记录已封存，不能改用未封存的版本；如需更正，请新建更正记录") from exc
    if requeued:
        raise ConflictError("这条记录在冲突产生后已被修改（可能对方已处理了这条冲突，或有新的导入或编辑），"
                            "未按本次选择处理；已按当前版本重新放回冲突队列，请重新比较后再选择")
    return c


def _changed_since(s: Any, c: SyncConflict) -> dict[str, Any] | None:
    """The record's current version (JSON) when it is no longer the ``kept`` version the
    conflict shows (another import, a local edit, or the other side's resolution arrived)."""
    table = table_of(c.table_name)
    row = s.execute(select(table).where(table.c.id == c.record_id)).mappings().first()
    if row is None:
        return None
    pub, priv = row_to_json(c.table_name, row)
    cur = {**pub, **priv}
    if (cur.get("rev"), cur.get("updated_at"), cur.get("origin")) == (
            c.kept.get("rev"), c.kept.get("updated_at"), c.kept.get("origin")):
        return None
    return cur
