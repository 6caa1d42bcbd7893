"""Export: a bundle of this node's changes (or master data) for one peer, and receipts
(part of :mod:`qsdesk.services.sync.exchange`, which describes what travels)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsdesk.services import audit
from qsdesk.services.node import load_signing_key
from qsdesk.services.sync.bundle import (
    OutgoingBundle,
    sha256_hex,
    write_bundle,
)
from qsdesk.services.sync.peers import (
    DOWN_TABLES,
    TABLE_LABELS,
    SyncError,
    _gc_paused,
    _parents_first,
    _peer,
    _received_logs,
    _self_node,
    _state,
    _station_scope,
    coverage,
    current_change_seq,
)
from qsdesk.services.sync.rows import (
    TABLES,
    EncodedRows,
    TableEncoder,
    raw_json_supported,
    table_of,
)
from qsdesk.store.db import Store, lock_change_counter, utcnow
from qsdesk.store.models import (
    BlobFile,
    BundleLog,
    Node,
)

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
