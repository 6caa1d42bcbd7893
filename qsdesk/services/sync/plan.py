"""Import, second half: plan every incoming row against the rows stored now, then apply the plan.

:func:`_plan` reads and decides (:func:`qsdesk.domain.merge.decide`, one pure decision per row)
and writes nothing; :func:`_apply` writes what was decided — attachments, conflicts, then the rows
table by table in FK order, each update re-checking the ``rev`` it was planned against — and the
history line. :mod:`qsdesk.services.sync.importer` runs both in one transaction that holds the
change counter (the lock order in :mod:`qsdesk.store.db`).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from qsdesk.domain import merge
from qsdesk.services import audit, classes
from qsdesk.services.sync.bundle import (
    BundleError,
    DecodedBundle,
    RawBundle,
    sha256_hex,
)
from qsdesk.services.sync.peers import (
    TABLE_LABELS,
    _parents_first,
    _received_logs,
    _state,
    coverage,
    current_change_seq,
)
from qsdesk.services.sync.rows import (
    TABLES,
    content_hash,
    insert_many,
    is_sealed,
    iso_utc,
    row_to_json,
    table_of,
)
from qsdesk.store import search
from qsdesk.store.db import Store, utcnow
from qsdesk.store.idsets import among, chunked
from qsdesk.store.models import (
    BlobFile,
    BundleLog,
    Counter,
    SyncConflict,
    SyncPeerState,
)

#: Key carrying, with a planned update, the ``rev`` it was planned against.
_EXPECTED_REV = "__expected_rev"


@dataclass
class TableReport:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0  # an older version than the one held here: skipped
    conflicts: int = 0
    refused: int = 0  # refused (sealed record protection, another station's rows)


@dataclass
class ConflictNote:
    table: str
    record_id: str
    reason: str  # "both" | "sealed" | "both_sealed"
    winner: str  # "local" | "incoming"


@dataclass
class ImportReport:
    """What an import did (or, in a preview, would do)."""

    file_name: str
    from_code: str
    from_name: str
    to_code: str
    seq: int
    kind: str
    status: str = "preview"  # "preview" | "applied" | "already"
    tables: dict[str, TableReport] = field(default_factory=dict)
    conflicts: list[ConflictNote] = field(default_factory=list)
    missing_seqs: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    attachments_new: int = 0
    acked_change_seq: int | None = None
    refusals: list[str] = field(default_factory=list)  # rows not applied, and why

    def total(self, attr: str) -> int:
        return sum(getattr(t, attr) for t in self.tables.values())

    def summary(self) -> str:
        if self.status == "already":
            return f"数据包 {self.file_name} 已导入过，没有任何改动"
        head = "将导入" if self.status == "preview" else "已导入"
        if self.kind == "receipt":
            text = f"{head}来自 {self.from_name or self.from_code} 的回执（第 {self.seq} 号）"
            if self.acked_change_seq is not None:
                text += f"：对方已确认收到本单位第 {self.acked_change_seq} 号及以前的全部变更"
        else:
            text = (
                f"{head}来自 {self.from_name or self.from_code} 的第 {self.seq} 号数据包：新增 {self.total('new')} 条，"
                f"更新 {self.total('updated')} 条，冲突 {self.total('conflicts')} 条，"
                f"拒绝 {self.total('refused')} 条，已有更新版本而跳过 {self.total('older')} 条，"
                f"相同 {self.total('unchanged')} 条；新附件 {self.attachments_new} 个"
            )
        return "；".join([text, *self.notes])

    def rejected_reasons(self) -> list[str]:
        out = list(self.refusals)
        for c in self.conflicts:
            label = TABLE_LABELS.get(c.table, c.table)
            if c.reason == "sealed":
                out.append(f"{label} {c.record_id[:8]}：本机为已封存版本，不被未封存版本覆盖（已放入冲突队列）")
        for t, r in self.tables.items():
            if r.older:
                out.append(f"{TABLE_LABELS.get(t, t)} {r.older} 条：本机已有更新的版本，跳过")
        return out


def _check_gap(s: Session, raw: RawBundle, report: ImportReport, allow_gap: bool) -> bool:
    """Report missing sequence numbers; refuse a data bundle whose changes do not join on.

    Returns True when the bundle is older than what is already covered (no conflicts from it)."""
    logs = _received_logs(s, raw.from_code)
    have = {lg.seq for lg in logs}
    report.missing_seqs = [n for n in range(1, raw.seq) if n not in have]
    rng = raw.manifest.get("range")
    cov = coverage(logs)
    if raw.kind != "data" or not isinstance(rng, dict):
        if report.missing_seqs:
            report.notes.append(f"尚未收到第 {_fmt_seqs(report.missing_seqs)} 号数据包")
        return False
    after, upto = int(rng["after"]), int(rng["upto"])
    if after > cov:
        missing = _fmt_seqs(report.missing_seqs) if report.missing_seqs else "更早的"
        msg = (f"数据包序号不连续：缺少来自 {raw.from_code} 的第 {missing} 号数据包"
               f"（本包从对方第 {after} 号变更之后开始，本机只收到第 {cov} 号及以前的变更）。"
               "请先导入缺少的数据包，或请对方重新导出")
        if not allow_gap:
            raise BundleError(msg, "gap")
        report.notes.append("已按要求跳过缺失检查：" + msg)
    elif report.missing_seqs:
        report.notes.append(f"第 {_fmt_seqs(report.missing_seqs)} 号数据包未收到，但本包已包含其中的全部变更")
    return upto <= cov


def _fmt_seqs(seqs: list[int]) -> str:
    return "、".join(str(n) for n in seqs[:20]) + ("…" if len(seqs) > 20 else "")


def _load_local(s: Session, table_name: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    t = table_of(table_name)
    out: dict[str, dict[str, Any]] = {}
    for chunk in chunked(s, ids):
        for r in s.execute(select(t).where(among(s, t.c.id, chunk))).mappings():
            out[r["id"]] = dict(r)
    return out


def _sealed_inspections(s: Session, ids: Iterable[str | None]) -> set[str]:
    t = table_of("inspection")
    out: set[str] = set()
    for chunk in chunked(s, {i for i in ids if i}):
        out.update(s.scalars(select(t.c.id).where(among(s, t.c.id, chunk), t.c.status == "sealed")))
    return out


def _resume_after_reinstall(s: Session, st: SyncPeerState, ack: Any, sender_ack: int, report: ImportReport) -> None:
    """A peer's signed acknowledgement saying it holds more of our bundles or changes than we
    remember sending: this installation is new (a lost laptop replaced, a backup restored on a
    new PC). Continue our numbering after what the peer holds, so that our next bundle is neither
    a "replay" of an old number nor a range that does not join on."""
    acked_seq = int(ack.get("seq") or 0) if isinstance(ack, dict) else 0
    if acked_seq > st.last_seq_sent:
        report.notes.append(f"对方已收到本单位第 {acked_seq} 号及以前的数据包：本机的发送序号从其后继续")
        st.last_seq_sent = acked_seq
    if sender_ack > current_change_seq(s):
        s.execute(update(Counter).where(Counter.name == "change_seq").values(value=sender_ack))
        if not s.scalar(select(Counter.value).where(Counter.name == "change_seq")):
            s.add(Counter(name="change_seq", value=sender_ack))



@dataclass
class _TablePlan:
    name: str
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)  # each carries _EXPECTED_REV


@dataclass
class _QueuedConflict:
    table: str
    record_id: str
    kept: dict[str, Any]
    other: dict[str, Any]
    reason: str
    winner: str


@dataclass
class _ImportPlan:
    """What applying a bundle will write: made completely before anything is written."""

    state: SyncPeerState
    ack: Any
    sender_ack: int
    new_blobs: set[str]
    tables: list[_TablePlan] = field(default_factory=list)
    conflicts: list[_QueuedConflict] = field(default_factory=list)


def _rank_version(table_name: str, row: dict[str, Any], content: str) -> merge.Version:
    """The row's :class:`~qsdesk.domain.merge.Version` (its key equals
    :func:`~qsdesk.services.sync.rows.version_key`; the content hash is computed once)."""
    updated = row.get("updated_at")
    return merge.Version(
        sealed=is_sealed(table_name, row), rev=int(row.get("rev") or 0),
        updated_at=iso_utc(updated) if isinstance(updated, datetime) else str(updated or ""),
        origin=str(row.get("origin") or ""), content=content,
    )


def _plan(
    s: Session, decoded: DecodedBundle, rows: dict[str, list[dict[str, Any]]], report: ImportReport, *,
    allow_gap: bool, create_state: bool,
) -> _ImportPlan:
    """Decide every incoming row (:func:`qsdesk.domain.merge.decide`) against the rows stored now;
    fills ``report`` (counts and conflicts) and writes nothing."""
    raw = decoded.raw
    m = raw.manifest
    notes = list(report.notes)
    old_bundle = _check_gap(s, raw, report, allow_gap)
    report.notes = notes  # already said by the check before the backup
    st = _state(s, raw.from_code, create=create_state)
    ack = m.get("ack") or {}
    sender_ack = int(ack.get("change_seq") or 0) if isinstance(ack, dict) else 0
    seen_by_sender = max(st.acked_change_seq, sender_ack)
    report.acked_change_seq = sender_ack if raw.kind == "receipt" or sender_ack else None
    new_blobs = {sha for sha in decoded.attachments if s.get(BlobFile, sha) is None}
    report.attachments_new = len(new_blobs)
    plan = _ImportPlan(state=st, ack=ack, sender_ack=sender_ack, new_blobs=new_blobs)
    sealed_after: dict[str, bool] = {}  # inspections this plan writes: sealed once applied?
    for table_name in TABLES:  # FK order
        incoming = rows.get(table_name)
        if not incoming:
            continue
        tr = report.tables.setdefault(table_name, TableReport())
        local = _load_local(s, table_name, [r["id"] for r in incoming])
        protected: set[str] = set()
        if table_name == "inspection":
            protected = {i for i, r in local.items() if r.get("status") == "sealed"}
        elif table_name == "signature":
            parents = {str(r.get("inspection_id")) for r in local.values() if r.get("inspection_id")}
            stored_sealed = _sealed_inspections(s, parents)
            sealed = {p for p in parents if sealed_after.get(p, p in stored_sealed)}
            protected = {i for i, r in local.items() if r.get("inspection_id") in sealed}
        tp = _TablePlan(table_name)
        sealable = table_name == "inspection"
        for row in incoming:
            rid = row["id"]
            cur = local.get(rid)
            if cur is None:  # nothing stored: new whatever its version (merge.decide), no hashing
                d = merge.Decision(merge.Outcome.NEW)
            else:
                unseen = int(cur.get("change_seq") or 0) > max(0, seen_by_sender) and not old_bundle
                stored = merge.Stored(_rank_version(table_name, cur, content_hash(table_name, cur)),
                                      protected=rid in protected, unseen=unseen)
                d = merge.decide(stored, _rank_version(table_name, row, content_hash(table_name, row)),
                                 sealable=sealable)
            if d.outcome is merge.Outcome.NEW:
                tr.new += 1
                tp.inserts.append(row)
            elif d.outcome is merge.Outcome.UPDATED:
                tr.updated += 1
                tp.updates.append({**row, _EXPECTED_REV: cur.get("rev") if cur else None})
            elif d.outcome is merge.Outcome.REFUSED:
                tr.refused += 1
            elif d.outcome is merge.Outcome.UNCHANGED:
                tr.unchanged += 1
            elif d.outcome is merge.Outcome.OLDER:
                tr.older += 1
            if d.conflict is not None and cur is not None:
                tr.conflicts += 1
                winner = d.winner or "local"
                kept, other = (row, cur) if winner == "incoming" else (cur, row)
                report.conflicts.append(ConflictNote(table_name, rid, d.conflict.value, winner))
                plan.conflicts.append(_QueuedConflict(table_name, rid, kept, other, d.conflict.value, winner))
        if sealable:
            sealed_after.update((r["id"], r.get("status") == "sealed") for r in tp.inserts + tp.updates)
        plan.tables.append(tp)
    return plan


def _apply(
    store: Store, s: Session, decoded: DecodedBundle, plan: _ImportPlan, report: ImportReport, manifest_sha: str,
    written: list[Path], phase: Callable[[str], None],
) -> None:
    """Write what :func:`_plan` decided, in FK order, then the history line and the audit entry."""
    raw = decoded.raw
    m = raw.manifest
    st = plan.state
    # attachments first: attachment_link rows refer to blob_file
    for sha, data in decoded.attachments.items():
        if sha in plan.new_blobs:
            meta = m["attachments"][sha]
            s.add(BlobFile(sha256=sha, size=len(data), mime=str(meta.get("mime") or "application/octet-stream"),
                           created_at=utcnow()))
        written.extend(_write_blob(store, sha, data))  # also repairs a missing or damaged file
    s.flush()
    now = utcnow()
    for c in plan.conflicts:
        kp, kpriv = row_to_json(c.table, c.kept)
        op, opriv = row_to_json(c.table, c.other)
        s.add(SyncConflict(
            table_name=c.table, record_id=c.record_id,
            kept={**kp, **kpriv, "_winner": c.winner, "_reason": c.reason, "_from": report.from_code,
                  "_seq": report.seq},
            other={**op, **opriv},
            created_at=now,
        ))
    touched: set[str] = set()  # enterprises whose supervision class inputs arrived
    arrived: set[str] = set()  # enterprises new here
    with search.deferred_texts(s) as new_texts:  # each new enterprise's search text written once
        for tp in plan.tables:
            _apply_rows(s, tp.name, tp.inserts, tp.updates)
            touched |= classes.enterprises_of(s, tp.name, tp.inserts + tp.updates)
            if tp.name == "enterprise":
                arrived.update(str(r["id"]) for r in tp.inserts)
            if tp.name in ("enterprise", "product"):
                new_texts.update(str(r["id" if tp.name == "enterprise" else "enterprise_id"]) for r in tp.inserts)
            phase(f"applied:{tp.name}")

    classes.refresh(s, touched, arrived=arrived)
    st.last_seq_received = max(st.last_seq_received, raw.seq)
    st.acked_change_seq = max(st.acked_change_seq, plan.sender_ack)
    _resume_after_reinstall(s, st, plan.ack, plan.sender_ack, report)
    rng = m.get("range")
    s.add(BundleLog(
        direction="in", peer_code=raw.from_code, seq=raw.seq, file_name=report.file_name, sha256=manifest_sha,
        at=utcnow(),
        counts={
            "tables": {t: int(n) for t, n in m["counts"].items()},
            "range": [int(rng["after"]), int(rng["upto"])] if isinstance(rng, dict) else None,
            "kind": raw.kind, "new": report.total("new"), "updated": report.total("updated"),
            "conflicts": report.total("conflicts"), "refused": report.total("refused"),
            "older": report.total("older"), "ack": plan.sender_ack, "missing": report.missing_seqs,
        },
        status="ok",
    ))
    audit.record(s, "import", "bundle", None, sender=raw.from_code, seq=raw.seq, kind=raw.kind,
                 file=report.file_name, new=report.total("new"), updated=report.total("updated"),
                 conflicts=report.total("conflicts"))
    s.flush()


def _apply_rows(s: Session, table_name: str, inserts: list[dict[str, Any]], updates: list[dict[str, Any]]) -> None:
    t = table_of(table_name)
    if table_name == "inspection":
        inserts = _parents_first(inserts, itemgetter("id"), itemgetter("amends_id"))
    for group in _group_by_keys(inserts):
        rows = [{**r, "change_seq": 0} for r in group]
        if not insert_many(s, t, rows):
            s.execute(insert(t), rows)
    for group in _group_by_keys(updates):
        cols = [c for c in group[0] if c not in ("id", _EXPECTED_REV)]
        # the version planned against must still be there at write time: an edit committed
        # meanwhile (another window, PostgreSQL's read committed) is never overwritten
        stmt = (
            update(t)
            .where(t.c.id == bindparam("b_id"), t.c.rev == bindparam("b_expected_rev"))
            .values({c: bindparam(f"b_{c}") for c in [*cols, "change_seq"]})
        )
        result = s.connection().execute(
            stmt, [{"b_id": r["id"], "b_expected_rev": r[_EXPECTED_REV], "b_change_seq": 0,
                    **{f"b_{c}": r[c] for c in cols}} for r in group])
        dialect = s.get_bind().dialect
        sane = dialect.supports_sane_multi_rowcount if len(group) > 1 else dialect.supports_sane_rowcount
        if sane and result.rowcount != len(group):
            raise BundleError(f"导入期间本机有{TABLE_LABELS.get(table_name, table_name)}记录被修改，"
                              "为不丢失这次修改，未导入任何内容：请重新导入", "concurrent")


def _group_by_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    order: list[tuple[str, ...]] = []
    for r in rows:
        k = tuple(sorted(r))
        if k not in groups:
            order.append(k)
        groups[k].append(r)
    return [groups[k] for k in order]


def _write_blob(store: Store, sha: str, data: bytes) -> list[Path]:
    """Write an attachment's bytes if missing; returns the files created (removed on rollback)."""
    if store.data_dir is None:
        return []
    target = store.data_dir.attachments / sha
    if target.exists() and sha256_hex(target.read_bytes()) == sha:
        return []
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(sha + ".sync.tmp")
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return [target]
