from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from qsdesk.services import attachments
from qsdesk.store.db import Store
from qsdesk.store.models import AttachmentLink, AuditEntry, BlobFile

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0f01f0005000201a5f6c6d80000000049454e44ae426082"
)


def test_stored_once_by_sha256(store: Store, tmp_path) -> None:
    a = tmp_path / "现场照片1.png"
    b = tmp_path / "copy.png"
    a.write_bytes(PNG_1PX)
    b.write_bytes(PNG_1PX)
    digest = hashlib.sha256(PNG_1PX).hexdigest()
    i1 = attachments.attach(store, "inspection", "rec-1", a, caption="车间")
    i2 = attachments.attach(store, "inspection", "rec-2", b)
    assert i1.sha256 == i2.sha256 == digest
    assert i1.mime == "image/png"
    blob = store.data_dir.attachments / digest
    assert blob.read_bytes() == PNG_1PX
    assert [p.name for p in store.data_dir.attachments.iterdir()] == [digest]
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(BlobFile)) == 1
        assert s.scalar(select(func.count()).select_from(AttachmentLink)) == 2
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "create",
                                                  AuditEntry.table_name == "attachment_link")).all()
    listed = attachments.list_attachments(store, "inspection", "rec-1")
    assert [(x.filename, x.caption) for x in listed] == [("现场照片1.png", "车间")]
    assert attachments.read_bytes(store, digest) == PNG_1PX


def test_sync_links_removes_and_detects_corruption(store: Store, tmp_path) -> None:
    p = tmp_path / "a.pdf"
    p.write_bytes(b"%PDF-1.4 test")
    info = attachments.import_file(store, p)
    with store.transaction() as s:
        attachments.sync_links(s, "risk_report", "r1", [info.as_value()])
    with store.transaction() as s:
        attachments.sync_links(s, "risk_report", "r1", [])
    assert attachments.list_attachments(store, "risk_report", "r1") == []
    path = attachments.blob_path(store, info.sha256)
    path.write_bytes(b"tampered")
    with pytest.raises(attachments.AttachmentError, match="损坏"):
        attachments.read_bytes(store, info.sha256)


def test_rejects_bad_input(store: Store, tmp_path) -> None:
    exe = tmp_path / "x.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(attachments.AttachmentError, match="不支持"):
        attachments.import_file(store, exe)
    with pytest.raises(attachments.AttachmentError, match="找不到"):
        attachments.import_file(store, tmp_path / "missing.jpg")
    with pytest.raises(attachments.AttachmentError):
        attachments.blob_path(store, "../../etc/passwd")
    with pytest.raises(attachments.AttachmentError, match="未入库"), store.transaction() as s:
        attachments.sync_links(s, "inspection", "r", [{"sha256": "0" * 64, "filename": "a.jpg"}])
