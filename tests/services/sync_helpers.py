"""Two real data directories (a station and its county) that have enrolled each other."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, select

from qsdesk.services.node import InspectorSpec, init_node
from qsdesk.services.sync.identity import enrol_peer, export_identity
from qsdesk.store.db import Store, open_store, utcnow
from qsdesk.store.models import (
    AttachmentLink,
    BlobFile,
    Enterprise,
    Inspection,
    Inspector,
    Product,
    Signature,
)

STATION = "370112001"
STATION2 = "370112002"
COUNTY = "370112"


@dataclass
class Pair:
    station: Store
    county: Store
    usb: Path

    def close(self) -> None:
        self.station.close()
        self.county.close()


def make_node(root: Path, kind: str, code: str, name: str, parent: str | None = None) -> Store:
    st = open_store(root)
    init_node(st, kind=kind, code=code, name=name, parent_code=parent,
              inspectors=[InspectorSpec.parse("张伟:13805310001:37011200101")] if kind == "station" else [])
    return st


def enrol_both(a: Store, b: Store, usb: Path) -> None:
    enrol_peer(b, export_identity(a, usb))
    enrol_peer(a, export_identity(b, usb))


def make_pair(tmp_path: Path) -> Pair:
    station = make_node(tmp_path / "station", "station", STATION, "王舍人市场监管所", COUNTY)
    county = make_node(tmp_path / "county", "county", COUNTY, "历城区市场监管局")
    usb = tmp_path / "usb"
    enrol_both(station, county, usb)
    return Pair(station, county, usb)


def add_enterprise(store: Store, name: str = "济南市历城区华兴机械厂", **kw: Any) -> str:
    with store.transaction() as s:
        e = Enterprise(name=name, uscc="91370112MA3C4L5X0T", unit_types="producer", legal_rep="王强",
                       phone="13912345678", jurisdiction=store.origin, **kw)
        s.add(e)
        s.flush()
        s.add(Product(enterprise_id=e.id, name="电线电缆", licence_type="工业产品生产许可证"))
        return e.id


def add_inspection(store: Store, enterprise_id: str, *, sealed: bool = False, attachment: bytes | None = None
                   ) -> str:
    with store.transaction() as s:
        inspector = s.scalars(select(Inspector)).first()
        i = Inspection(enterprise_id=enterprise_id, form_id="annex4_producer", form_version=1,
                       inspected_on=date(2026, 11, 20), values={"contact": "王强", "phone": "13912345678"},
                       answers={"1.1": {"answer": "是"}}, result="未发现问题",
                       inspector1_id=inspector.id if inspector else None)
        s.add(i)
        s.flush()
        s.add(Signature(inspection_id=i.id, role="enterprise", signer_name="王强", strokes=[[1, 2, 3, 4]],
                        png=b"\x89PNG fake signature bytes"))
        if attachment is not None:
            sha = hashlib.sha256(attachment).hexdigest()
            assert store.data_dir is not None
            (store.data_dir.attachments / sha).write_bytes(attachment)
            if s.get(BlobFile, sha) is None:
                s.add(BlobFile(sha256=sha, size=len(attachment), mime="image/jpeg", created_at=utcnow()))
                s.flush()
            s.add(AttachmentLink(owner_table="inspection", owner_id=i.id, sha256=sha, filename="现场照片.jpg"))
        insp_id = i.id
    if sealed:
        with store.transaction() as s:
            i2 = s.get(Inspection, insp_id)
            assert i2 is not None
            i2.status = "sealed"
            i2.sealed_at = utcnow()
            i2.content_hash = "a" * 64
    return insp_id


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: "the database exactly as it was"."""
    md = MetaData()
    md.reflect(store.engine)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as c:
        for name, table in sorted(md.tables.items()):
            rows = [tuple(r) for r in c.execute(select(table))]
            out[name] = sorted(rows, key=repr)
    return out


def files(store: Store) -> list[str]:
    assert store.data_dir is not None
    return sorted(p.name for p in store.data_dir.attachments.iterdir())


def synced_state(store: Store) -> dict[str, list[str]]:
    """Synced tables (rows as canonical JSON) without the node-local change numbers and the
    node's own audit trail."""
    from qsdesk.services.sync.rows import TABLES, canonical, row_to_json

    out: dict[str, list[str]] = {}
    with store.session() as s:
        for name, model in TABLES.items():
            t = model.__table__  # type: ignore[attr-defined]
            stmt = select(t)
            if name == "audit_entry":
                stmt = stmt.where(t.c.origin != store.origin)
            rows = []
            for r in s.execute(stmt).mappings():
                pub, priv = row_to_json(name, r)
                rows.append(canonical({**pub, **priv}).decode("utf-8"))
            out[name] = sorted(rows)
    return out
