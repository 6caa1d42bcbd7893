"""Attacks by an enrolled node: bundles signed by a really enrolled key, each carrying one attack.

Every attack must be refused whole, with the reason named, and both databases (the sender's and
the recipient's), the recipient's attachment files and its backups exactly as they were.
"""

from __future__ import annotations

import hashlib
import json
import math
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from qsdesk.services.node import init_node, load_signing_key
from qsdesk.services.sync import crypto
from qsdesk.services.sync.bundle import BundleError, OutgoingBundle, build_members
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.services.sync.rows import PERSONAL, encode_pairs, row_to_json, table_of
from qsdesk.store.db import Store, open_store
from qsdesk.store.models import Node, Notice, SyncPeerState
from tests.pg_server import key_passphrase
from tests.services.sync_helpers import (
    COUNTY,
    STATION,
    STATION2,
    add_enterprise,
    add_inspection,
    enrol_both,
    make_node,
    snapshot,
)


@dataclass
class World:
    county: Store
    s1: Store
    s2: Store
    usb: Path
    e1: str  # station 1's enterprise, held at the county
    i1: str  # station 1's inspection, held at the county
    e2: str  # station 2's enterprise, held at the county


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Two stations and their county, which runs on SQLite and (ids with ``postgres``) on the
    real PostgreSQL the tests start (``pg_server`` in tests/conftest.py): every attack is tried
    against both county databases."""
    root = tmp_path_factory.mktemp("attacks")
    pg_name = None
    if request.param == "postgres":
        server = request.getfixturevalue("pg_server")
        pg_name = server.create_database(template=request.getfixturevalue("pg_template"))
        co = open_store(root / "c", url=server.url(pg_name))
        assert co.engine.dialect.name == "postgresql"
        init_node(co, kind="county", code=COUNTY, name="历城区市场监管局", key_passphrase=key_passphrase(co))
    else:
        co = make_node(root / "c", "county", COUNTY, "历城区市场监管局")
    s1 = make_node(root / "s1", "station", STATION, "王舍人市场监管所", COUNTY)
    s2 = make_node(root / "s2", "station", STATION2, "遥墙市场监管所", COUNTY)
    usb = root / "usb"
    enrol_both(s1, co, usb)
    enrol_both(s2, co, usb)
    e1 = add_enterprise(s1, "王舍人一厂")
    i1 = add_inspection(s1, e1)
    import_bundle(co, export_bundle(s1, COUNTY, usb).path)
    e2 = add_enterprise(s2, "遥墙一厂")
    import_bundle(co, export_bundle(s2, COUNTY, usb).path)
    with co.transaction() as s:
        s.add(Notice(title="县局通知", body="正文", issued_on=date(2026, 11, 1)))
    import_bundle(s1, export_bundle(co, STATION, usb).path)
    yield World(co, s1, s2, usb, e1, i1, e2)
    for st in (co, s1, s2):
        st.close()
    if pg_name is not None:
        request.getfixturevalue("pg_server").drop_database(pg_name)


def stored_json(store: Store, table: str, rid: str) -> dict[str, Any]:
    t = table_of(table)
    with store.session() as s:
        row = s.execute(select(t).where(t.c.id == rid)).mappings().one()
        pub, priv = row_to_json(table, row)
    return {**pub, **priv}


def forge(sender: Store, recipient: Store, out_dir: Path, rows: dict[str, list[dict[str, Any]]], *,
          patch: Callable[[dict[str, Any]], None] | None = None, plain_public: bool = False,
          seq_offset: int = 100) -> Path:
    """A bundle from ``sender`` to ``recipient`` with these rows (JSON values), signed by the
    sender's enrolled key after ``patch`` changed the manifest (so the signature verifies)."""
    with sender.session() as s:
        me = s.scalars(select(Node).where(Node.is_self.is_(True))).one()
        peer = s.get(Node, recipient.origin)
        assert peer is not None and peer.enc_public_key
        st = s.get(SyncPeerState, recipient.origin)
        seq = (st.last_seq_sent if st else 0) + seq_offset
        enc_pub, me_code, me_name, me_kind = peer.enc_public_key, me.code, me.name, me.kind
    tables = {}
    for table, objs in rows.items():
        personal = PERSONAL.get(table, ())
        pairs = [({k: v for k, v in o.items() if k not in personal},
                  {"id": o["id"], **{k: v for k, v in o.items() if k in personal}}) for o in objs]
        tables[table] = encode_pairs(pairs)
    out = OutgoingBundle(kind="data", from_code=me_code, to_code=recipient.origin, seq=seq, range_after=0,
                         range_upto=1, ack={"change_seq": 0, "seq": 0}, created_at="2026-12-01T00:00:00+00:00",
                         tables=tables, extra={"from_name": me_name, "to_name": "", "from_kind": me_kind})
    members, manifest = build_members(out, enc_pub)
    if plain_public:  # what a version 1 program wrote: the public JSONL in clear
        manifest["version"] = 1
        for table, enc in tables.items():
            name = f"data/{table}.jsonl"
            members[name] = enc.public
            manifest["members"][name] = {"sha256": hashlib.sha256(enc.public).hexdigest(), "size": len(enc.public)}
    if patch is not None:
        patch(manifest)
    return write_signed(sender, out_dir / out.file_name, manifest, members)


def write_signed(sender: Store | None, path: Path, manifest: dict[str, Any], members: dict[str, bytes],
                 *, deflate: bool = False) -> Path:
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8")
    sig = crypto.sign(load_signing_key(sender), manifest_bytes) if sender is not None else b"\0" * 64
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED) as zf:
        zf.writestr("manifest.json", manifest_bytes)
        zf.writestr("manifest.sig", sig)
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def state(w: World, recipient: Store) -> tuple[Any, ...]:
    dd = recipient.data_dir
    assert dd is not None
    backups = sorted(p.name for p in dd.backups.iterdir()) if dd.backups.is_dir() else []
    atts = sorted(p.name for p in dd.attachments.iterdir())
    return (snapshot(w.county), snapshot(w.s1), snapshot(w.s2), backups, atts)


def assert_refused(w: World, recipient: Store, path: Path, reason: str, *words: str) -> str:
    before = state(w, recipient)
    with pytest.raises(BundleError) as err:
        import_bundle(recipient, path)
    assert err.value.reason == reason, str(err.value)
    for word in words:
        assert word in str(err.value), str(err.value)
    assert state(w, recipient) == before
    return str(err.value)


# ------------------------------------------------------------------------------- row authority


def _edited(w: World, table: str, rid: str, **changes: Any) -> dict[str, Any]:
    row = stored_json(w.county, table, rid)
    row.update(rev=row["rev"] + 50, updated_at="2026-12-01T00:00:00.000000+00:00", **changes)
    return row


@pytest.mark.parametrize("origin", [STATION, STATION2, COUNTY])
def test_station_cannot_overwrite_another_stations_enterprise(world: World, tmp_path: Path, origin: str) -> None:
    row = _edited(world, "enterprise", world.e1, name="被篡改的名称", origin=origin)
    msg = assert_refused(world, world.county, forge(world.s2, world.county, tmp_path, {"enterprise": [row]}),
                         "authority", "遥墙市场监管所（370112002）发来的企业", world.e1)
    assert "整个数据包未导入" in msg


def test_station_cannot_delete_another_stations_enterprise(world: World, tmp_path: Path) -> None:
    row = _edited(world, "enterprise", world.e1, deleted=True)
    assert_refused(world, world.county, forge(world.s2, world.county, tmp_path, {"enterprise": [row]}),
                   "authority", STATION2, world.e1)


def test_station_cannot_overwrite_or_delete_another_stations_inspection(world: World, tmp_path: Path) -> None:
    for changes in ({"result": "被篡改"}, {"deleted": True}, {"origin": STATION2}):
        row = _edited(world, "inspection", world.i1, **changes)
        assert_refused(world, world.county, forge(world.s2, world.county, tmp_path / str(len(changes)),
                                                  {"inspection": [row]}), "authority", "检查记录", world.i1)


def test_station_cannot_sign_another_stations_inspection(world: World, tmp_path: Path) -> None:
    sig = {"id": "f" * 32, "rev": 1, "updated_at": "2026-12-01T00:00:00.000000+00:00", "origin": STATION2,
           "deleted": False, "inspection_id": world.i1, "role": "enterprise", "signer_name": "冒名",
           "strokes": [], "png": None}
    assert_refused(world, world.county, forge(world.s2, world.county, tmp_path, {"signature": [sig]}),
                   "authority", "签名", world.i1)


def test_forged_origin_new_row_in_another_stations_name(world: World, tmp_path: Path) -> None:
    row = _edited(world, "enterprise", world.e2, id="9" * 32, name="冒名新企业", origin=STATION)
    assert_refused(world, world.county, forge(world.s2, world.county, tmp_path, {"enterprise": [row]}),
                   "authority", "9" * 32, "不能以其他单位的名义新增")


def test_one_bad_row_refuses_the_rows_around_it(world: World, tmp_path: Path) -> None:
    good = _edited(world, "enterprise", world.e2, name="遥墙一厂（改名）")
    bad = _edited(world, "enterprise", world.e1, name="被篡改的名称")
    assert_refused(world, world.county, forge(world.s2, world.county, tmp_path, {"enterprise": [good, bad]}),
                   "authority", world.e1)


@pytest.mark.parametrize("origin", [STATION2, COUNTY])
def test_county_only_tables_from_a_station(world: World, tmp_path: Path, origin: str) -> None:
    with world.county.session() as s:
        nid = s.scalars(select(Notice.id)).one()
    row = _edited(world, "notice", nid, title="所里改的通知", origin=origin)
    assert_refused(world, world.county, forge(world.s2, world.county, tmp_path, {"notice": [row]}),
                   "authority", "通知", "只能由县级局发布")
    new = {**row, "id": "8" * 32, "rev": 1}
    assert_refused(world, world.county, forge(world.s2, world.county, tmp_path / "n", {"notice": [new]}),
                   "authority", "只能由县级局发布")


def test_county_cannot_hand_one_stations_work_to_another(world: World, tmp_path: Path) -> None:
    row = stored_json(world.county, "inspection", world.i1)
    assert_refused(world, world.s2, forge(world.county, world.s2, tmp_path, {"inspection": [row]}),
                   "authority", "检查记录", world.i1)


# -------------------------------------------------------------------------------- bad values


@pytest.mark.parametrize(("column", "value"), [
    ("rev", "51"), ("rev", True), ("rev", 2**63), ("rev", -1), ("rev", 0), ("rev", 1e26),
    ("staff", float("nan")), ("staff", 1e26), ("staff", "12"), ("staff", 2**64),
    ("revenue_wan", "1e26"), ("revenue_wan", "NaN"), ("revenue_wan", float("inf")), ("revenue_wan", [1]),
    ("updated_at", "昨天"), ("updated_at", 5), ("responsible_since", "2026-13-45"), ("individual_business", 1),
    ("name", None), ("name", 12), ("origin", None),
])
def test_bad_values_refused(world: World, tmp_path: Path, column: str, value: Any) -> None:
    row = _edited(world, "enterprise", world.e2)
    row[column] = value
    bundle = forge(world.s2, world.county, tmp_path, {"enterprise": [row]})
    if isinstance(value, float) and not math.isfinite(value):  # not JSON at all: refused when parsed
        assert_refused(world, world.county, bundle, "corrupt", "data/enterprise.jsonl", "NaN")
    else:
        assert_refused(world, world.county, bundle, "value", "遥墙市场监管所（370112002）发来的企业", column)


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def patch(m: dict[str, Any]) -> None:
        target = m
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return patch


@pytest.mark.parametrize(("path", "value"), [
    (("seq",), -1), (("seq",), 0), (("seq",), 2**63), (("seq",), True), (("seq",), "7"), (("seq",), 1.5),
    (("range", "after"), -3), (("range", "upto"), 2**63), (("range", "after"), 5),
    (("ack", "change_seq"), -1), (("ack", "seq"), 2**64), (("ack", "change_seq"), float("nan")),
    (("counts", "enterprise"), -1), (("counts", "enterprise"), 1e26),
])
def test_bad_manifest_numbers_refused(world: World, tmp_path: Path, path: tuple[str, ...], value: Any) -> None:
    row = _edited(world, "enterprise", world.e2)
    bundle = forge(world.s2, world.county, tmp_path, {"enterprise": [row]}, patch=_set(path, value))
    assert_refused(world, world.county, bundle, "corrupt")


# --------------------------------------------------------------------------------------- bombs


def _bomb_members(size: int) -> tuple[dict[str, bytes], bytes]:
    data = b" " * size
    return {"data/enterprise.jsonl": data}, data


def _bomb_bundle(world: World, path: Path, *, signed: bool) -> Path:
    """A bundle whose public member inflates from ~60 kB to 64 MB, listed with its true hash."""
    members, data = _bomb_members(64 * 1024 * 1024)
    row = _edited(world, "enterprise", world.e2)
    manifest: dict[str, Any] = {}

    def keep(m: dict[str, Any]) -> None:
        manifest.update(m)

    forge(world.s2, world.county, path.parent / "tmpl", {"enterprise": [row]}, patch=keep)
    manifest["members"] = {"data/enterprise.jsonl": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}}
    return write_signed(world.s2 if signed else None, path, manifest, members, deflate=True)


@pytest.mark.parametrize(("signed", "reason"), [(False, "signature"), (True, "size")])
def test_zip_bomb_refused_before_inflating(world: World, tmp_path: Path, signed: bool, reason: str) -> None:
    bundle = _bomb_bundle(world, tmp_path / "bomb.qsb", signed=signed)
    assert bundle.stat().st_size < 1024 * 1024
    tracemalloc.start()
    try:
        assert_refused(world, world.county, bundle, reason)
        _cur, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the database snapshots are taken inside the traced span (they grow with the schema); the bomb
    # alone would be 64 MB inflated, so half of it still proves nothing was inflated whole
    assert peak < 32 * 1024 * 1024


def test_xlsx_bomb_refused_before_parsing(tmp_path: Path) -> None:
    from qsdesk.services.excel.reader import ExcelFileError, open_workbook

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (64 * 1024 * 1024) + b">")
    assert path.stat().st_size < 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(ExcelFileError, match="压缩比异常"):
            open_workbook(path)
        _cur, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


def test_lying_xlsx_sizes_refused(tmp_path: Path) -> None:
    """A part whose header declares a small size but whose stream inflates to more."""
    from qsdesk.services.excel.reader import ExcelFileError, open_workbook

    good = tmp_path / "good.xlsx"
    with zipfile.ZipFile(good, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * 5000 + b">")
    raw = bytearray(good.read_bytes())
    # shrink the declared uncompressed size in both headers (local: offset 22, central: 24)
    size = (5002).to_bytes(4, "little")
    for pos in [i for i in range(len(raw) - 4) if raw[i:i + 4] == size]:
        raw[pos:pos + 4] = (100).to_bytes(4, "little")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ExcelFileError):
        open_workbook(bad)


def test_a_version_1_bundle_is_still_read(world: World, tmp_path: Path) -> None:
    row = _edited(world, "enterprise", world.e2, name="遥墙一厂（旧版程序改名）")
    # its own sequence number: the refused attacks' number 100 must stay unused whatever the order
    bundle = forge(world.s2, world.county, tmp_path, {"enterprise": [row]}, plain_public=True, seq_offset=5000)
    rep = import_bundle(world.county, bundle)
    assert rep.status == "applied" and rep.tables["enterprise"].updated == 1
    assert stored_json(world.county, "enterprise", world.e2)["name"] == "遥墙一厂（旧版程序改名）"
