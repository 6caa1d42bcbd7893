"""Import, first half: check a bundle completely, then plan and apply it in one transaction.

The checks (:func:`verify_bundle`, already imported, decryption, values, row authority, sequence)
run before any backup or write; then one transaction takes the change counter first (the lock
order in :mod:`qsdesk.store.db`), plans (:mod:`qsdesk.services.sync.plan`) and applies. A
transaction that lost a race with another writer is run again; a concurrent import of the same
bundle is told so.
"""

from __future__ import annotations

import copy
import errno
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from qsdesk.services.node import load_encryption_key
from qsdesk.services.sync import crypto
from qsdesk.services.sync.authority import AuthorityError, Party, check_rows
from qsdesk.services.sync.bundle import (
    BundleError,
    DecodedBundle,
    RawBundle,
    decode,
    read_archive,
    sha256_hex,
)
from qsdesk.services.sync.peers import (
    TABLE_LABELS,
    _gc_paused,
    _self_node,
)
from qsdesk.services.sync.plan import (
    ImportReport,
    _apply,
    _check_gap,
    _load_local,
    _plan,
)
from qsdesk.services.sync.row_values import RowValueError, incoming_row
from qsdesk.services.sync.rows import TABLES
from qsdesk.store.bulk import bulk_session
from qsdesk.store.db import Store, WriteConflictError, lock_change_counter
from qsdesk.store.models import (
    BundleLog,
    Node,
)


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
            # a large bundle must not spill SQLite's page cache into the WAL over and over
            big = sum(len(v) for v in decoded.tables.values()) > 5000
            with store.transaction() as s, bulk_session(s, cache_kib=128 * 1024, enabled=big):
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
            try:
                rows.append(incoming_row(table_name, j))
            except RowValueError as exc:
                raise BundleError(
                    f"数据包被拒绝：{sender_name}（{decoded.raw.from_code}）发来的"
                    f"{TABLE_LABELS.get(table_name, table_name)}记录 {str(j.get('id'))[:40]} {exc}，"
                    "整个数据包未导入任何内容", "value") from None
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
