"""Attachments (photos, PDFs) stored once by SHA-256 and linked to the records that use them.

The bytes live in ``<data_dir>/attachments/<sha256>``; a :class:`BlobFile` row describes them and
an :class:`AttachmentLink` row ties one blob to one owner record (an inspection, a risk report,
...). The same photo attached twice is stored once. Files are written to a temporary name,
fsynced and renamed, so a power cut never leaves a half-written blob under its final name.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsdesk.paths import DataDir
from qsdesk.services import audit
from qsdesk.store.db import Store, utcnow
from qsdesk.store.models import AttachmentLink, BlobFile

#: What the attachments strip offers in its file dialog.
ACCEPTED_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".pdf")


class AttachmentError(ValueError):
    """A file a user picked cannot be attached; the message is Chinese."""


@dataclass(frozen=True)
class AttachmentInfo:
    """One attachment of a record as the form and printing see it."""

    link_id: str | None
    sha256: str
    filename: str
    mime: str
    size: int
    caption: str | None = None

    def as_value(self) -> dict[str, object]:
        """The JSON form kept in a record's ``values`` (for drafts and content hashes)."""
        return {"sha256": self.sha256, "filename": self.filename, "mime": self.mime, "size": self.size,
                "caption": self.caption}


def _data_dir(store: Store) -> DataDir:
    if store.data_dir is None:
        raise AttachmentError("此数据库没有数据目录，无法保存附件")
    return store.data_dir


def blob_path(store: Store, sha256: str) -> Path:
    """Where the bytes of ``sha256`` live."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise AttachmentError(f"附件编号无效：{sha256!r}")
    return _data_dir(store).attachments / sha256


def guess_mime(filename: str) -> str:
    mime, _ = mimetypes.guess_type(filename)
    return mime or "application/octet-stream"


def _write_blob(target: Path, data: bytes) -> None:
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)


def store_bytes(store: Store, session: Session, data: bytes, filename: str) -> AttachmentInfo:
    """Store ``data`` once (by SHA-256) and make sure a BlobFile row exists; no link yet."""
    digest = hashlib.sha256(data).hexdigest()
    target = blob_path(store, digest)
    if not target.exists() or target.stat().st_size != len(data):
        _write_blob(target, data)
    mime = guess_mime(filename)
    blob = session.get(BlobFile, digest)
    if blob is None:
        blob = BlobFile(sha256=digest, size=len(data), mime=mime, created_at=utcnow())
        session.add(blob)
    return AttachmentInfo(None, digest, Path(filename).name, blob.mime, blob.size)


def import_file(store: Store, path: Path | str) -> AttachmentInfo:
    """Copy a picked file into the attachment store (own transaction); returns its info."""
    p = Path(path)
    if not p.is_file():
        raise AttachmentError(f"找不到文件：{p}")
    if p.suffix.lower() not in ACCEPTED_SUFFIXES:
        raise AttachmentError(f"不支持的附件类型：{p.suffix or '无扩展名'}（可附照片或 PDF）")
    data = p.read_bytes()
    with store.transaction() as s:
        return store_bytes(store, s, data, p.name)


def read_bytes(store: Store, sha256: str) -> bytes:
    """The stored bytes; raises :class:`AttachmentError` if missing or corrupted."""
    path = blob_path(store, sha256)
    if not path.exists():
        raise AttachmentError(f"附件文件缺失：{sha256}")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise AttachmentError(f"附件文件已损坏：{sha256}")
    return data


def links_for(session: Session, owner_table: str, owner_id: str) -> list[AttachmentLink]:
    stmt = (
        select(AttachmentLink)
        .where(AttachmentLink.owner_table == owner_table, AttachmentLink.owner_id == owner_id,
               AttachmentLink.deleted.is_(False))
        .order_by(AttachmentLink.filename)
    )
    return list(session.scalars(stmt))


def list_attachments(store: Store, owner_table: str, owner_id: str) -> list[AttachmentInfo]:
    with store.session() as s:
        out = []
        for link in links_for(s, owner_table, owner_id):
            blob = s.get(BlobFile, link.sha256)
            out.append(AttachmentInfo(link.id, link.sha256, link.filename,
                                      blob.mime if blob else guess_mime(link.filename),
                                      blob.size if blob else 0, link.caption))
        return out


def sync_links(
    session: Session, owner_table: str, owner_id: str, items: Sequence[Mapping[str, object]]
) -> list[AttachmentLink]:
    """Make the owner's links match ``items`` (each with ``sha256`` and ``filename``).

    New items get a link (audited ``create``), links no longer listed are soft-deleted (audited
    ``delete``), the rest are left alone. Every sha256 must already be a stored BlobFile.
    """
    wanted: dict[tuple[str, str], Mapping[str, object]] = {}
    for it in items:
        sha = str(it.get("sha256") or "")
        if session.get(BlobFile, sha) is None:
            raise AttachmentError(f"附件未入库：{it.get('filename') or sha}")
        wanted[(sha, str(it.get("filename") or sha))] = it
    existing = {(ln.sha256, ln.filename): ln for ln in links_for(session, owner_table, owner_id)}
    for key, link in existing.items():
        if key not in wanted:
            link.deleted = True
            audit.record(session, "delete", "attachment_link", link.id, owner=owner_id, sha256=link.sha256)
    out = []
    for key, it in wanted.items():
        found = existing.get(key)
        if found is None:
            caption = it.get("caption")
            link = AttachmentLink(owner_table=owner_table, owner_id=owner_id, sha256=key[0],
                                  filename=key[1], caption=str(caption) if caption else None)
            session.add(link)
            session.flush()
            audit.record(session, "create", "attachment_link", link.id, owner=owner_id, sha256=key[0],
                         filename=key[1])
        else:
            link = found
        out.append(link)
    return out


def attach(store: Store, owner_table: str, owner_id: str, path: Path | str,
           caption: str | None = None) -> AttachmentInfo:
    """Store a file and link it to one record in one go (used by the CLI and tests)."""
    p = Path(path)
    if not p.is_file():
        raise AttachmentError(f"找不到文件：{p}")
    data = p.read_bytes()
    with store.transaction() as s:
        info = store_bytes(store, s, data, p.name)
        current: list[dict[str, object]] = [{"sha256": ln.sha256, "filename": ln.filename}
                                            for ln in links_for(s, owner_table, owner_id)]
        current.append({"sha256": info.sha256, "filename": info.filename, "caption": caption})
        links = sync_links(s, owner_table, owner_id, current)
        link = next(ln for ln in links if ln.sha256 == info.sha256 and ln.filename == info.filename)
        return AttachmentInfo(link.id, info.sha256, info.filename, info.mime, info.size, caption)
