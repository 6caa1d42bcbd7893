"""Export and import of sync bundles, receipts, and the merge rules.

Export (:func:`export_bundle`): a station sends every row it changed after the last change the
county acknowledged (``SyncPeerState.acked_change_seq``), so a lost stick is covered by the next
export; a chosen range can be sent again. A county sends master data down to one station: that
station's inspectors, enterprises (by origin or jurisdiction), their products and responsible
supervisor assignments, and the county-wide key product catalogue, notices and form versions
(:data:`COUNTY_TABLES`, accepted only from a county). Every bundle also carries an acknowledgement of what the sender has
applied of the recipient's changes; a *receipt* is a bundle with nothing but that.

Import (:func:`preview_bundle`, :func:`import_bundle`): the file is checked completely before
anything is written (see :mod:`qsdesk.services.sync.bundle`), then planned and applied in one
transaction. Per record:

* unknown here → inserted;
* the same version → nothing;
* otherwise the version with the larger :func:`~qsdesk.services.sync.rows.version_key` wins
  (sealed beats unsealed, then higher ``rev``, later ``updated_at``, ``origin``, content hash) —
  an order every node computes the same way, so any import order converges;
* if the local version is a change the sender had not seen yet (its ``change_seq`` is above the
  sender's acknowledgement), both sides changed it: the loser is kept in ``sync_conflict`` for a
  person to resolve;
* a sealed inspection (or a signature of one) is never replaced by an unsealed version; such an
  incoming version is refused and kept as a conflict.

Rows applied from a bundle keep their ``rev``/``updated_at``/``origin`` and get ``change_seq = 0``
(not a local change: they are never sent back to where they came from).
"""

from __future__ import annotations

import copy
import errno
import gc
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, or_, select, text, true, update
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from qsdesk.domain import merge
from qsdesk.services import audit, classes
from qsdesk.services.node import load_encryption_key, load_signing_key
from qsdesk.services.sync import crypto
from qsdesk.services.sync.authority import AuthorityError, Party, check_rows
from qsdesk.services.sync.bundle import (
    BundleError,
    DecodedBundle,
    OutgoingBundle,
    RawBundle,
    decode,
    read_archive,
    sha256_hex,
    write_bundle,
)
from qsdesk.services.sync.rows import (
    TABLES,
    EncodedRows,
    TableEncoder,
    content_hash,
    is_sealed,
    iso_utc,
    json_to_row,
    raw_json_supported,
    row_problem,
    row_to_json,
    table_of,
)
from qsdesk.store.db import Store, WriteConflictError, lock_change_counter, utcnow
from qsdesk.store.models import (
    BlobFile,
    BundleLog,
    Counter,
    Enterprise,
    Node,
    SyncConflict,
    SyncPeerState,
)

#: County-wide master data: made only at the county, sent down to every station, accepted
#: only from the county (a station's copy of such a row is refused).
COUNTY_TABLES = ("key_product", "notice", "form_version", "county_setting", "holiday_schedule", "duty_check")

#: What a county sends down to a station.
DOWN_TABLES = ("inspector", "enterprise", "product", "supervisor_assignment", "class_decision",
               "enterprise_listing", *COUNTY_TABLES)

_CHUNK = 500
#: Key carrying, with a planned update, the ``rev`` it was planned against.
_EXPECTED_REV = "__expected_rev"

TABLE_LABELS = {
    "inspector": "检查人员", "enterprise": "企业", "product": "产品", "supervisor_assignment": "责任监管人员",
    "enforcement_case": "案件", "inspection": "检查记录", "signature": "签名", "attachment_link": "附件",
    "risk_report": "风险信息", "sampling": "抽查结果", "followup_step": "后处理步骤",
    "task_checklist": "任务清单", "activity": "工作记录", "audit_entry": "操作日志",
    "key_product": "重点产品目录", "notice": "通知", "form_version": "表单版本",
    "enterprise_listing": "列异列严", "class_decision": "监管类别决定",
    "county_setting": "县局设置", "monthly_report": "月度统计表",
    "holiday_schedule": "节假日安排", "duty_check": "督查清单",
}


class SyncError(ValueError):
    """A sync request that cannot be carried out; the message is Chinese."""


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a bundle is made, or decoded and applied.

    A year's bundle decodes to a few million dicts, lists and strings that all live until the
    import ends; every automatic collection walks all of them again and together they cost about
    a fifth of the import, while collecting nothing (an export's rows, likewise). Collection
    resumes afterwards if it was on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ------------------------------------------------------------------------------------ node state


def _self_node(session: Session) -> Node:
    node = session.scalars(select(Node).where(Node.is_self.is_(True))).first()
    if node is None:
        raise SyncError("本机尚未初始化为单位节点，请先完成初始化")
    return node


def _peer(session: Session, code: str) -> Node:
    node = session.get(Node, code)
    if node is None or node.is_self or not node.public_key or not node.enc_public_key:
        raise SyncError(f"单位 {code} 尚未登记：请先导入对方的登记文件（qsdesk enrol --import 文件）")
    return node


def _state(session: Session, peer: str, *, create: bool = True) -> SyncPeerState:
    st = session.get(SyncPeerState, peer)
    if st is None:
        st = SyncPeerState(peer_code=peer, last_seq_sent=0, last_seq_received=0, acked_change_seq=0)
        if create:
            session.add(st)
    return st


def current_change_seq(session: Session) -> int:
    return int(session.scalar(select(Counter.value).where(Counter.name == "change_seq")) or 0)


def _received_logs(session: Session, peer: str) -> list[BundleLog]:
    return list(session.scalars(select(BundleLog).where(BundleLog.direction == "in", BundleLog.peer_code == peer)))


def coverage(logs: Iterable[BundleLog]) -> int:
    """The highest change number N such that every change of the peer up to N has been applied."""
    ranges = sorted(
        (int(r[0]), int(r[1])) for r in (lg.counts.get("range") for lg in logs) if isinstance(r, list) and len(r) == 2
    )
    cov = 0
    for after, upto in ranges:
        if after > cov:
            break
        cov = max(cov, upto)
    return cov


# ----------------------------------------------------------------------------------------- export


@dataclass
class ExportResult:
    path: Path
    seq: int
    counts: dict[str, int]
    range_after: int | None
    range_upto: int | None
    attachments: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        parts = [f"{TABLE_LABELS.get(t, t)} {n} 条" for t, n in self.counts.items() if n]
        body = "，".join(parts) if parts else "没有新的变更"
        return f"已导出 {self.path.name}（第 {self.seq} 号）：{body}；附件 {self.attachments} 个"


def _station_scope(table_name: str, to_code: str) -> Any:
    """Which rows of a master-data table belong to station ``to_code`` (county → station)."""
    t = table_of(table_name)
    if table_name == "duty_check":  # each station receives the checks of itself only
        return t.c.station_code == to_code
    if table_name in COUNTY_TABLES:
        return true()
    ent = table_of("enterprise")
    station_enterprises = select(ent.c.id).where(or_(ent.c.origin == to_code, ent.c.jurisdiction == to_code))
    if table_name == "inspector":
        return or_(t.c.origin == to_code, t.c.station_code == to_code)
    if table_name == "enterprise":
        return or_(t.c.origin == to_code, t.c.jurisdiction == to_code)
    return t.c.enterprise_id.in_(station_enterprises)


def _collect_rows(
    session: Session, me: Node, to_code: str, after: int, upto: int, *, full: bool = False
) -> tuple[dict[str, EncodedRows], list[str]]:
    """The rows to send, encoded per table, and the attachments (sha256) their links name.

    ``full`` (county → station, after a lost laptop): every row of the station's records — its
    own work (``origin`` = the station) and its master data — whatever its change number, rows
    received from the station included."""
    tables: dict[str, EncodedRows] = {}
    shas: list[str] = []
    names = tuple(TABLES) if full else DOWN_TABLES if me.kind == "county" else tuple(TABLES)
    dialect = session.get_bind().dialect
    raw_json = raw_json_supported(session)
    for name in names:
        t = table_of(name)
        encoder = TableEncoder(name, dialect, raw_json=raw_json)
        if full:
            scope = _station_scope(name, to_code) if name in DOWN_TABLES else t.c.origin == to_code
            stmt = select(*encoder.columns).where(scope)
        else:
            stmt = select(*encoder.columns).where(t.c.change_seq > after, t.c.change_seq <= upto,
                                                  t.c.change_seq > 0)
            if me.kind == "county":
                stmt = stmt.where(_station_scope(name, to_code))
        rows = session.execute(stmt.order_by(t.c.change_seq, t.c.id)).all()
        if not rows:
            continue
        if name == "inspection":
            rows = _parents_first(rows, itemgetter(encoder.id_index), itemgetter(encoder.index("amends_id")))
        if name == "attachment_link":
            shas.extend(r[encoder.index("sha256")] for r in rows)
        tables[name] = encoder.encode(rows)
    return tables, shas


def _parents_first(rows: Any, id_of: Callable[[Any], Any], parent_of: Callable[[Any], Any]) -> list[Any]:
    """Order rows so that a row referring to another row of the same batch comes after it."""
    rows = list(rows)
    ids = {id_of(r) for r in rows}
    done: set[str] = set()
    out: list[Any] = []
    pending = rows
    while pending:
        nxt = []
        for r in pending:
            parent = parent_of(r)
            if parent is None or parent not in ids or parent in done:
                out.append(r)
                done.add(id_of(r))
            else:
                nxt.append(r)
        if len(nxt) == len(pending):  # a cycle cannot be ordered; let the database decide
            out.extend(nxt)
            break
        pending = nxt
    return out


def _attachments_for(store: Store, session: Session, shas: Iterable[Any]) -> dict[str, tuple[bytes, str]]:
    out: dict[str, tuple[bytes, str]] = {}
    if store.data_dir is None:
        return out
    for sha in shas:
        if not isinstance(sha, str) or sha in out:
            continue
        path = store.data_dir.attachments / sha
        if not path.is_file():
            raise SyncError(f"附件 {sha[:12]}… 的文件不在数据目录中，无法导出；请运行自检（qsdesk selftest）")
        data = path.read_bytes()
        if sha256_hex(data) != sha:
            raise SyncError(f"附件 {sha[:12]}… 的文件已损坏（校验值不符），无法导出")
        blob = session.get(BlobFile, sha)
        out[sha] = (data, blob.mime if blob else "application/octet-stream")
    return out


def export_bundle(
    store: Store,
    to_code: str,
    out_dir: Path,
    *,
    since: int | None = None,
    upto: int | None = None,
    kind: str = "data",
    full: bool = False,
) -> ExportResult:
    """Write the next bundle for ``to_code`` into ``out_dir``.

    ``since``/``upto`` choose a range of this node's change numbers to send again; by default
    everything after the peer's last acknowledgement is sent. Nothing is recorded unless the file
    was written completely and verified.
    """
    with _gc_paused(), store.transaction() as s:
        lock_change_counter(s)  # the lock order (qsdesk.store.db); the rows sent are a stable cut
        me = _self_node(s)
        peer = _peer(s, to_code)
        st = _state(s, to_code)
        seq = st.last_seq_sent + 1
        now_seq = current_change_seq(s)
        logs = _received_logs(s, to_code)
        ack = {"change_seq": coverage(logs), "seq": st.last_seq_received}
        if kind == "receipt":
            after: int | None = None
            top: int | None = None
            tables: dict[str, EncodedRows] = {}
            shas: list[str] = []
        else:
            after = 0 if full else st.acked_change_seq if since is None else max(0, since)
            top = now_seq if upto is None else min(upto, now_seq)
            if top < after:
                raise SyncError(f"导出范围无效：起点 {after} 大于终点 {top}")
            if full and me.kind != "county":
                raise SyncError("只有县级局可以把一个所的全部记录发回该所（换电脑后恢复）")
            tables, shas = _collect_rows(s, me, to_code, after, top, full=full)
        attachments = _attachments_for(store, s, shas)
        out = OutgoingBundle(
            kind=kind, from_code=me.code, to_code=to_code, seq=seq, range_after=after, range_upto=top, ack=ack,
            created_at=utcnow().isoformat(timespec="seconds"), tables=tables, attachments=attachments,
            extra={"from_name": me.name, "to_name": peer.name, "from_kind": me.kind},
        )
        path, manifest_sha, _manifest = write_bundle(out, out_dir, load_signing_key(store), peer.enc_public_key or "")
        try:
            counts = {t: r.count for t, r in tables.items()}
            st.last_seq_sent = seq
            s.add(BundleLog(
                direction="out", peer_code=to_code, seq=seq, file_name=path.name,
                sha256=manifest_sha, at=utcnow(),
                counts={"tables": counts, "range": None if top is None else [after, top], "kind": kind,
                        "attachments": len(attachments), "path": str(path)},
                status="ok",
            ))
            audit.record(s, "export", "bundle", None, to=to_code, seq=seq, kind=kind, file=path.name,
                         rows=sum(counts.values()))
            s.flush()
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return ExportResult(path, seq, counts, after, top, len(attachments))


def write_receipt(store: Store, to_code: str, out_dir: Path) -> ExportResult:
    """A signed acknowledgement of everything applied from ``to_code`` so far."""
    return export_bundle(store, to_code, out_dir, kind="receipt")


# ----------------------------------------------------------------------------------------- import


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


def verify_bundle(store: Store, path: Path) -> tuple[RawBundle, Node, Node]:
    """Structure, hashes, sender enrolment, signature and recipient. Returns ``(raw, me, sender)``.

    Sender, signature and recipient are checked as soon as the manifest is read, before any other
    member is inflated."""
    found: dict[str, Node] = {}

    def check(manifest: dict[str, Any], manifest_bytes: bytes, signature: bytes) -> None:
        from_code, to_code = str(manifest["from"]), str(manifest["to"])
        with store.session() as s:
            me = _self_node(s)
            sender = s.get(Node, from_code)
            if sender is None or sender.is_self or not sender.public_key:
                if from_code == me.code:
                    raise BundleError("这是本单位自己导出的数据包，不能在本机导入", "recipient")
                raise BundleError(f"发送单位 {from_code} 未登记：请先导入对方的登记文件并核对指纹", "sender")
            if not crypto.verify(sender.public_key, manifest_bytes, signature):
                raise BundleError(f"数据包签名校验失败：不是 {sender.name}（{sender.code}）签发的，或已被篡改",
                                  "signature")
            if to_code != me.code:
                raise BundleError(
                    f"此数据包是发给单位 {to_code} 的，不是发给本单位（{me.code}）的，请勿导入", "recipient"
                )
            s.expunge_all()
        found["me"], found["sender"] = me, sender

    raw = read_archive(Path(path), verify=check)
    return raw, found["me"], found["sender"]


#: The points of a real import where :func:`import_bundle` calls its ``on_phase`` callback, in
#: order: the bundle is read, checked and converted (no transaction yet); the plan is made (the
#: transaction holds the change counter); each table's rows are written (``applied:<table>``,
#: FK order); everything is written and the commit is next; the transaction has committed.
#: A test seam: tests act at an exact point of a real import (an edit, a second import, a
#: failure) without patching private functions; the program never passes a callback.
PHASES = ("read", "planned", "applied:<table>", "before_commit", "committed")

#: How often an import that lost a race with another writer (deadlock, serialization failure,
#: SQLite still locked) is run again from the start of its transaction.
_ATTEMPTS = 3


def _no_phase(_name: str) -> None:
    return None


def preview_bundle(store: Store, path: Path) -> ImportReport:
    """Check a bundle and say what importing it would do, without writing anything."""
    return _run_import(store, Path(path), apply=False, allow_gap=False, on_phase=None)


def import_bundle(store: Store, path: Path, *, allow_gap: bool = False,
                  on_phase: Callable[[str], None] | None = None) -> ImportReport:
    """Check and apply a bundle in one transaction (all of it or nothing).

    The transaction takes the change counter first (the lock order in :mod:`qsdesk.store.db`),
    then plans against the rows as they are now and writes them: no edit can commit in between
    (editors queue on the counter), and each update still re-checks the ``rev`` it was planned
    against. ``on_phase``: a test seam, see :data:`PHASES`.
    """
    return _run_import(store, Path(path), apply=True, allow_gap=allow_gap, on_phase=on_phase)


def _run_import(store: Store, path: Path, *, apply: bool, allow_gap: bool,
                on_phase: Callable[[str], None] | None) -> ImportReport:
    with _gc_paused():
        return _run_import_checked(store, path, apply=apply, allow_gap=allow_gap, phase=on_phase or _no_phase)


def _run_import_checked(store: Store, path: Path, *, apply: bool, allow_gap: bool,
                        phase: Callable[[str], None]) -> ImportReport:
    raw, me, sender = verify_bundle(store, path)
    m = raw.manifest
    report = ImportReport(path.name, raw.from_code, str(m.get("from_name") or sender.name), raw.to_code,
                          raw.seq, raw.kind)
    manifest_sha = sha256_hex(raw.manifest_bytes)
    with store.session() as chk:
        if _already_imported(chk, raw, manifest_sha):
            report.status = "already"
            return report
    decoded = decode(raw, load_encryption_key(store))
    sender_name = str(m.get("from_name") or sender.name)
    rows = _convert_rows(decoded, sender_name)
    with store.session() as chk:  # every refusal that needs no writing, before any backup or write
        _check_gap(chk, raw, report, allow_gap)
        _check_authority(chk, rows, Party(sender.code, sender.kind), Party(me.code, me.kind), sender_name)
    phase("read")
    safety: Path | None = None
    if apply and store.data_dir is not None and store.engine.dialect.name == "sqlite":
        from qsdesk.store.backup import backup_data_dir

        safety = backup_data_dir(store.data_dir, "import")  # a checked bundle is about to change the records
    written: list[Path] = []
    try:
        if apply:
            report = _apply_locked(store, decoded, rows, report, manifest_sha, allow_gap=allow_gap,
                                   written=written, phase=phase)
        else:
            with store.session() as s:
                try:
                    _plan(s, decoded, rows, report, allow_gap=allow_gap, create_state=False)
                finally:
                    s.rollback()
    except BaseException as exc:
        _unlink_all(written)
        if safety is not None:  # nothing was imported: the backup taken for it protects nothing
            safety.unlink(missing_ok=True)
        if isinstance(exc, (IntegrityError, OperationalError, WriteConflictError)) and apply:
            _raise_if_imported_meanwhile(store, raw, exc)
        if isinstance(exc, WriteConflictError):
            raise BundleError("导入时数据库一直被其他程序占用（例如另一个导入或其他工作站正在保存），"
                              "未导入任何内容：请稍后重试", "db") from exc
        if isinstance(exc, IntegrityError):
            raise BundleError("数据包中的记录引用了本机没有的记录（可能缺少更早的数据包），未导入任何内容",
                              "reference") from exc
        if isinstance(exc, DataError):
            raise BundleError(f"数据包中有本机数据库不能保存的值（{exc.orig or exc}），未导入任何内容",
                              "value") from exc
        if isinstance(exc, OperationalError):
            raise BundleError(_db_failure(exc), "db") from exc
        if isinstance(exc, OSError):
            why = "磁盘已满" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
            raise BundleError(f"导入时写入失败（{why}），未导入任何内容：请处理后重试", "io") from exc
        raise
    report.status = "applied" if apply else "preview"
    if apply:
        phase("committed")
    if apply and report.tables.get("form_version") is not None:
        from qsdesk.services.form_versions import install_forms

        try:
            report.notes.extend(install_forms(store))
        except OSError as exc:  # the rows are stored; the files are written again at the next start
            report.notes.append(f"表单版本文件未能写入数据目录（{exc}），将在下次启动时重试")
    return report


def _already_imported(s: Session, raw: RawBundle, manifest_sha: str) -> bool:
    """True when this very bundle was imported before; a different file with the same sender and
    number is refused (``replay``)."""
    done = s.scalars(select(BundleLog).where(
        BundleLog.direction == "in", BundleLog.peer_code == raw.from_code, BundleLog.seq == raw.seq)).first()
    if done is None:
        return False
    if done.sha256 != manifest_sha:
        raise BundleError(
            f"来自 {raw.from_code} 的第 {raw.seq} 号数据包已导入过，但这个文件内容不同：请核实来源", "replay")
    return True


def _apply_locked(
    store: Store, decoded: DecodedBundle, rows: dict[str, list[dict[str, Any]]], base: ImportReport,
    manifest_sha: str, *, allow_gap: bool, written: list[Path], phase: Callable[[str], None],
) -> ImportReport:
    """Plan and write in one transaction that holds the change counter from its first statement;
    run again (from scratch) when it lost a race with another writer."""
    raw = decoded.raw
    for attempt in range(_ATTEMPTS):
        report = copy.deepcopy(base)
        try:
            with store.transaction() as s:
                lock_change_counter(s)  # the lock order: the counter before any row
                if _already_imported(s, raw, manifest_sha):  # a concurrent import of it just committed
                    raise BundleError(
                        f"同一时间另有一个导入已导入了来自 {raw.from_code} 的第 {raw.seq} 号数据包，"
                        "本次导入未做任何改动，无需重试", "concurrent")
                plan = _plan(s, decoded, rows, report, allow_gap=allow_gap, create_state=True)
                phase("planned")
                _apply(store, s, decoded, plan, report, manifest_sha, written, phase)
                phase("before_commit")
            return report
        except WriteConflictError:
            _unlink_all(written)
            written.clear()
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _raise_if_imported_meanwhile(store: Store, raw: RawBundle, exc: BaseException) -> None:
    """The real cause when another import of the same sender's bundle committed while this one
    was applying (two windows, or the GUI and the CLI at once): not a missing bundle."""
    try:
        with store.session() as s:
            other = s.scalars(select(BundleLog).where(
                BundleLog.direction == "in", BundleLog.peer_code == raw.from_code, BundleLog.seq == raw.seq)).first()
    except OperationalError:
        return
    if other is not None:
        raise BundleError(
            f"同一时间另有一个导入已导入了来自 {raw.from_code} 的第 {raw.seq} 号数据包（{other.file_name}），"
            "本次导入未做任何改动，无需重试", "concurrent") from exc


def _unlink_all(paths: list[Path]) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


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
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        for r in s.execute(select(t).where(t.c.id.in_(chunk))).mappings():
            out[r["id"]] = dict(r)
    return out


def _sealed_inspections(s: Session, ids: Iterable[str]) -> set[str]:
    t = table_of("inspection")
    ids = [i for i in set(ids) if i]
    out: set[str] = set()
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        out.update(s.scalars(select(t.c.id).where(t.c.id.in_(chunk), t.c.status == "sealed")))
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


def _convert_rows(decoded: DecodedBundle, sender_name: str) -> dict[str, list[dict[str, Any]]]:
    """Database values of every incoming row; a value of the wrong type or out of range refuses
    the bundle (naming sender, table and row) before anything is written."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table_name in TABLES:
        incoming_json = decoded.tables.get(table_name)
        if not incoming_json:
            continue
        rows = []
        for j in incoming_json:
            problem = row_problem(table_name, j)
            if problem is None:
                try:
                    rows.append(json_to_row(table_name, j))
                    continue
                except (ValueError, TypeError, ArithmeticError) as exc:
                    problem = f"有无法识别的值（{exc}）"
            raise BundleError(
                f"数据包被拒绝：{sender_name}（{decoded.raw.from_code}）发来的{TABLE_LABELS.get(table_name, table_name)}"
                f"记录 {str(j.get('id'))[:40]} {problem}，整个数据包未导入任何内容", "value")
        out[table_name] = rows
    return out


def _check_authority(
    s: Session, rows: dict[str, list[dict[str, Any]]], sender: Party, me: Party, sender_name: str
) -> None:
    """Row authority (:mod:`qsdesk.services.sync.authority`) against the rows stored here."""
    bundle_origins: dict[tuple[str, str], str] = {}
    for table_name, incoming in rows.items():
        stored = _load_local(s, table_name, [r["id"] for r in incoming])
        try:
            check_rows(s, table_name, incoming, stored, sender, me, sender_name, bundle_origins)
        except AuthorityError as exc:
            raise BundleError(str(exc), "authority") from exc


def _db_failure(exc: OperationalError) -> str:
    text_ = str(exc.orig or exc).splitlines()[0] if str(exc.orig or exc) else ""
    if "locked" in text_ or "busy" in text_:
        return "数据库正被另一个导入或程序占用（database is locked），未导入任何内容：请等对方完成后重试"
    if "disk" in text_ or "full" in text_:
        return f"磁盘已满或无法写入（{text_}），未导入任何内容：请清理磁盘空间后重试"
    return f"数据库暂时无法写入（{text_}），未导入任何内容：请稍后重试"


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
            h_in = content_hash(table_name, row)
            stored = None
            if cur is not None:
                unseen = int(cur.get("change_seq") or 0) > max(0, seen_by_sender) and not old_bundle
                stored = merge.Stored(_rank_version(table_name, cur, content_hash(table_name, cur)),
                                      protected=rid in protected, unseen=unseen)
            d = merge.decide(stored, _rank_version(table_name, row, h_in), sealable=sealable)
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
    big = sum(len(v) for v in decoded.tables.values()) > 5000
    sqlite = s.get_bind().dialect.name == "sqlite"
    if big and sqlite:
        # a large transaction must not spill SQLite's page cache into the WAL over and over
        s.execute(text("PRAGMA cache_size=-131072"))
    touched: set[str] = set()  # enterprises whose supervision class inputs arrived
    for tp in plan.tables:
        _apply_rows(s, tp.name, tp.inserts, tp.updates)
        touched |= classes.enterprises_of(s, tp.name, tp.inserts + tp.updates)
        phase(f"applied:{tp.name}")
    if big and sqlite:
        s.execute(text("PRAGMA cache_size=-2000"))  # SQLite's default again for this connection

    classes.refresh(s, touched)
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
        if not _insert_many_sqlite(s, t, rows):
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


def _insert_many_sqlite(s: Session, t: Table, rows: list[dict[str, Any]]) -> bool:
    """``INSERT`` rows that carry every column of ``t`` with one ``executemany`` on SQLite, the
    values converted by the columns' own SQLAlchemy bind processors (the stored values are those
    ``s.execute(insert(t), rows)`` stores, without its per-row overhead). Returns False, having
    done nothing, when that does not apply (another database, a column missing: its default)."""
    conn = s.connection()
    dialect = conn.dialect
    keys = list(rows[0])
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark" or set(keys) != set(t.c.keys()):
        return False
    data = [list(r) for r in map(itemgetter(*keys), rows)]
    for j, key in enumerate(keys):
        proc = t.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if proc is not None:
            for row in data:
                row[j] = proc(row[j])
    q = dialect.identifier_preparer.quote
    conn.exec_driver_sql(f"INSERT INTO {q(t.name)} ({', '.join(q(k) for k in keys)}) "
                         f"VALUES ({', '.join('?' * len(keys))})", [tuple(r) for r in data])
    return True


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


# ---------------------------------------------------------------------------------------- history


def history(store: Store, limit: int = 500) -> list[BundleLog]:
    with store.session() as s:
        return list(s.scalars(select(BundleLog).order_by(BundleLog.at.desc()).limit(limit)))


def peer_states(store: Store) -> list[SyncPeerState]:
    with store.session() as s:
        return list(s.scalars(select(SyncPeerState).order_by(SyncPeerState.peer_code)))


def pending_change_count(store: Store, to_code: str) -> int:
    """How many local rows changed since ``to_code`` last acknowledged (what an export would send)."""
    with store.session() as s:
        me = _self_node(s)
        st = s.get(SyncPeerState, to_code)
        after = st.acked_change_seq if st else 0
        total = 0
        for name in DOWN_TABLES if me.kind == "county" else tuple(TABLES):
            t = table_of(name)
            stmt = select(func.count()).select_from(t).where(t.c.change_seq > after)
            if me.kind == "county":
                stmt = stmt.where(_station_scope(name, to_code))
            total += int(s.scalar(stmt) or 0)
        return total


__all__ = [
    "COUNTY_TABLES", "DOWN_TABLES", "ConflictNote", "Enterprise", "ExportResult", "ImportReport", "SyncError", "TableReport",
    "export_bundle", "history", "import_bundle", "peer_states", "pending_change_count", "preview_bundle",
    "verify_bundle", "write_receipt",
]
