"""Enrolment by identity file: fingerprints, tampering, re-enrolment, replacement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from qsdesk.services.sync.crypto import fingerprint
from qsdesk.services.sync.identity import EnrolError, enrol_peer, export_identity, own_identity, read_identity
from qsdesk.store.models import AuditEntry, Node
from tests.services.sync_helpers import COUNTY, STATION, make_node, snapshot


def test_identity_roundtrip_and_fingerprint(tmp_path: Path) -> None:
    st = make_node(tmp_path / "s", "station", STATION, "王舍人市场监管所", COUNTY)
    co = make_node(tmp_path / "c", "county", COUNTY, "历城区市场监管局")
    try:
        path = export_identity(st, tmp_path / "usb")
        assert path.name == f"{STATION}.qsid"
        ident = read_identity(path)
        me = own_identity(st)
        assert ident.fingerprint == me.fingerprint
        assert len(me.fingerprint) == 24 and me.fingerprint.count("-") == 4
        assert fingerprint(me.public_key, me.enc_public_key) != own_identity(co).fingerprint
        got, changed = enrol_peer(co, path)
        assert changed and got.code == STATION
        with co.session() as s:
            node = s.get(Node, STATION)
            assert node is not None and not node.is_self and node.public_key == me.public_key
            assert s.scalars(select(AuditEntry).where(AuditEntry.action == "import")).first() is not None
        before = snapshot(co)
        assert enrol_peer(co, path) == (got, False)  # same file again: nothing changes
        assert snapshot(co) == before
        with pytest.raises(EnrolError, match="自己"):
            enrol_peer(st, path)
    finally:
        st.close()
        co.close()


def test_tampered_identity_is_refused(tmp_path: Path) -> None:
    st = make_node(tmp_path / "s", "station", STATION, "王舍人市场监管所", COUNTY)
    co = make_node(tmp_path / "c", "county", COUNTY, "历城区市场监管局")
    try:
        path = export_identity(st, tmp_path / "usb")
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["body"]["name"] = "冒名顶替所"
        bad = tmp_path / "bad.qsid"
        bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        before = snapshot(co)
        with pytest.raises(EnrolError, match="签名校验失败"):
            enrol_peer(co, bad)
        (tmp_path / "junk.qsid").write_bytes(b"\x00\x01garbage")
        with pytest.raises(EnrolError, match="不是有效"):
            enrol_peer(co, tmp_path / "junk.qsid")
        assert snapshot(co) == before
    finally:
        st.close()
        co.close()


def test_reinstalled_peer_needs_replace(tmp_path: Path) -> None:
    old = make_node(tmp_path / "old", "station", STATION, "王舍人市场监管所", COUNTY)
    new = make_node(tmp_path / "new", "station", STATION, "王舍人市场监管所", COUNTY)  # same code, new keys
    co = make_node(tmp_path / "c", "county", COUNTY, "历城区市场监管局")
    try:
        enrol_peer(co, export_identity(old, tmp_path / "usb1"))
        path_new = export_identity(new, tmp_path / "usb2")
        before = snapshot(co)
        with pytest.raises(EnrolError, match="密钥不同"):
            enrol_peer(co, path_new)
        assert snapshot(co) == before
        _, changed = enrol_peer(co, path_new, replace=True)
        assert changed
        with co.session() as s:
            node = s.get(Node, STATION)
            assert node is not None and node.public_key == own_identity(new).public_key
    finally:
        for s_ in (old, new, co):
            s_.close()
