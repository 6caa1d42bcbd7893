"""End to end: bundles moved between two real data directories (station → county → receipt).

Every bad bundle must leave both databases exactly as they were, with a Chinese message.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from qsdesk.services.sync import bundle as bundle_mod
from qsdesk.services.sync.bundle import BundleError, read_archive
from qsdesk.services.sync.conflicts import ConflictError, differences, open_conflicts, resolve
from qsdesk.services.sync.exchange import export_bundle, import_bundle, preview_bundle, write_receipt
from qsdesk.services.sync.identity import enrol_peer, export_identity
from qsdesk.store.db import next_change_seq
from qsdesk.store.models import AuditEntry, BundleLog, Enterprise, Inspection, SyncConflict, SyncPeerState
from tests.services.sync_helpers import (
    COUNTY,
    STATION,
    STATION2,
    Pair,
    add_enterprise,
    add_inspection,
    files,
    make_node,
    make_pair,
    snapshot,
    synced_state,
)

PHOTO = b"\xff\xd8\xff\xe0 a photo of the workshop " * 40


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    p = make_pair(tmp_path)
    yield p
    p.close()


@pytest.fixture
def first_bundle(pair: Pair) -> Path:
    e = add_enterprise(pair.station)
    add_inspection(pair.station, e, sealed=True, attachment=PHOTO)
    return export_bundle(pair.station, COUNTY, pair.usb).path


def _rewrite(src: Path, dst: Path, change: Callable[[str, bytes], bytes | None],
             extra: list[tuple[zipfile.ZipInfo, bytes]] | None = None) -> Path:
    """Copy a bundle member by member, letting ``change`` alter (or with None drop) members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
        for info, data in extra or []:
            zout.writestr(info, data)
    return dst


def _flip(data: bytes, at: int | None = None) -> bytes:
    i = len(data) // 2 if at is None else at
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]


def _assert_rejected(pair: Pair, path: Path, reason: str | set[str], words: str) -> BundleError:
    before_c, before_s = snapshot(pair.county), snapshot(pair.station)
    files_c = files(pair.county)
    with pytest.raises(BundleError) as exc:
        import_bundle(pair.county, path)
    reasons = {reason} if isinstance(reason, str) else reason
    assert exc.value.reason in reasons, (exc.value.reason, str(exc.value))
    assert words in str(exc.value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value))  # said in Chinese
    assert snapshot(pair.county) == before_c
    assert snapshot(pair.station) == before_s
    assert files(pair.county) == files_c
    return exc.value


# ---------------------------------------------------------------------------------- happy path


def test_station_to_county_and_receipt(pair: Pair, first_bundle: Path) -> None:
    assert first_bundle.name == f"{STATION}-{COUNTY}-1.qsb"
    preview = preview_bundle(pair.county, first_bundle)
    sent = read_archive(first_bundle).manifest["counts"]
    # one row per record made, plus the station's audit entries (set-up, enrolment)
    assert {k: v for k, v in sent.items() if k != "audit_entry"} == {
        "inspector": 1, "enterprise": 1, "product": 1, "inspection": 1, "signature": 1, "attachment_link": 1}
    n = sum(sent.values())
    assert preview.status == "preview" and preview.total("new") == n
    assert preview.tables["enterprise"].new == 1 and preview.attachments_new == 1
    before = snapshot(pair.county)
    assert snapshot(pair.county) == before  # preview wrote nothing

    rep = import_bundle(pair.county, first_bundle)
    assert rep.status == "applied" and rep.total("new") == n and not rep.conflicts
    assert f"新增 {n} 条" in rep.summary()
    with pair.county.session() as s:
        ent = s.scalars(select(Enterprise)).one()
        assert ent.origin == STATION and ent.legal_rep == "王强" and ent.change_seq == 0
        insp = s.scalars(select(Inspection)).one()
        assert insp.status == "sealed" and insp.signatures[0].png == b"\x89PNG fake signature bytes"
    assert files(pair.county) == files(pair.station)
    assert synced_state(pair.county)["inspection"] == synced_state(pair.station)["inspection"]

    receipt = write_receipt(pair.county, STATION, pair.usb)
    assert receipt.path.name == f"{COUNTY}-{STATION}-1.qsb"
    rr = import_bundle(pair.station, receipt.path)
    assert rr.kind == "receipt" and "确认" in rr.summary()
    with pair.station.session() as s:
        st = s.get(SyncPeerState, COUNTY)
        upto = read_archive(first_bundle).manifest["range"]["upto"]
        assert st is not None and st.acked_change_seq == upto > 0
    # after the receipt only new changes travel
    nxt = export_bundle(pair.station, COUNTY, pair.usb)
    assert "enterprise" not in nxt.counts and "inspection" not in nxt.counts


def test_the_whole_payload_is_encrypted_in_the_file(pair: Pair, first_bundle: Path) -> None:
    raw = read_archive(first_bundle)
    blob = first_bundle.read_bytes() + b"".join(raw.members.values())
    for secret in ("13912345678", "王强", "张伟", "现场照片", "济南市历城区华兴机械厂", "91370112MA3C4L5X0T",
                   "电线电缆", "未发现问题"):
        assert secret.encode() not in blob, secret
    assert PHOTO[:20] not in blob
    assert raw.manifest["version"] == 2 and raw.manifest["counts"]["enterprise"] == 1  # routing stays clear


def test_replay_changes_nothing(pair: Pair, first_bundle: Path) -> None:
    import_bundle(pair.county, first_bundle)
    before = snapshot(pair.county)
    rep = import_bundle(pair.county, first_bundle)
    assert rep.status == "already" and "已导入过" in rep.summary()
    assert snapshot(pair.county) == before


def test_lost_stick_is_covered_by_next_export(pair: Pair) -> None:
    e = add_enterprise(pair.station)
    lost = export_bundle(pair.station, COUNTY, pair.usb)
    lost.path.unlink()  # the stick was lost
    with pair.station.transaction() as s:
        obj = s.get(Enterprise, e)
        assert obj is not None
        obj.staff = 42
    b2 = export_bundle(pair.station, COUNTY, pair.usb)
    rep = import_bundle(pair.county, b2.path)
    assert rep.missing_seqs == [1] and "未收到" in rep.summary()
    with pair.county.session() as s:
        got = s.get(Enterprise, e)
        assert got is not None and got.staff == 42


# -------------------------------------------------------------------------------- tampering


@pytest.mark.parametrize("member", ["manifest.json", "manifest.sig", "data/", "private/", "attachments/"])
def test_flipped_byte_in_each_member_kind(pair: Pair, first_bundle: Path, tmp_path: Path, member: str) -> None:
    hit: list[str] = []

    def change(name: str, data: bytes) -> bytes:
        if name.startswith(member) and not hit:
            hit.append(name)
            return _flip(data, 40 if name == "manifest.json" else None)
        return data

    bad = _rewrite(first_bundle, tmp_path / first_bundle.name, change)
    assert hit
    _assert_rejected(pair, bad, {"signature", "hash", "corrupt"}, "数据包")


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_truncated_bundle(pair: Pair, first_bundle: Path, tmp_path: Path, keep: float) -> None:
    data = first_bundle.read_bytes()
    bad = tmp_path / "cut.qsb"
    bad.write_bytes(data[: int(len(data) * keep)])
    _assert_rejected(pair, bad, "truncated", "不完整")


@pytest.mark.parametrize("name", ["../x", "data/../../x", "/etc/x", "C:/x", "data\\..\\x"])
def test_path_escape_member(pair: Pair, first_bundle: Path, tmp_path: Path, name: str) -> None:
    info = zipfile.ZipInfo("placeholder")
    info.filename = name  # zipfile would normalise some names; set it raw
    bad = _rewrite(first_bundle, tmp_path / "slip.qsb", lambda n, d: d, [(info, b"owned")])
    _assert_rejected(pair, bad, "path", "拒绝")
    assert not (tmp_path / "x").exists() and not (pair.usb.parent / "x").exists()


def test_symlink_member(pair: Pair, first_bundle: Path, tmp_path: Path) -> None:
    info = zipfile.ZipInfo("attachments/" + "0" * 64)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    bad = _rewrite(first_bundle, tmp_path / "link.qsb", lambda n, d: d, [(info, b"/etc/passwd")])
    _assert_rejected(pair, bad, "path", "链接")


def test_unlisted_or_missing_member(pair: Pair, first_bundle: Path, tmp_path: Path) -> None:
    extra = _rewrite(first_bundle, tmp_path / "extra.qsb", lambda n, d: d,
                     [(zipfile.ZipInfo("attachments/" + "1" * 64), b"smuggled")])
    _assert_rejected(pair, extra, "corrupt", "未列出")
    dropped = _rewrite(first_bundle, tmp_path / "drop.qsb", lambda n, d: None if n.startswith("private/inspection")
                       else d)
    _assert_rejected(pair, dropped, "truncated", "缺少")


def test_resigned_manifest_with_wrong_counts_is_refused(pair: Pair, first_bundle: Path, tmp_path: Path) -> None:
    """Even a manifest signed by the real sender must agree with its members."""
    import json

    from qsdesk.services.node import load_signing_key
    from qsdesk.services.sync import crypto

    raw = read_archive(first_bundle)
    m = json.loads(raw.manifest_bytes)
    m["counts"]["enterprise"] = 2
    mb = json.dumps(m).encode()
    sig = crypto.sign(load_signing_key(pair.station), mb)
    bad = _rewrite(first_bundle, tmp_path / "count.qsb",
                   lambda n, d: mb if n == "manifest.json" else sig if n == "manifest.sig" else d)
    _assert_rejected(pair, bad, "count", "记录数")


def test_unknown_sender(pair: Pair, tmp_path: Path) -> None:
    stranger = make_node(tmp_path / "stranger", "station", STATION2, "遥墙市场监管所", COUNTY)
    try:
        enrol_peer(stranger, export_identity(pair.county, tmp_path / "usb2"))  # one-sided
        add_enterprise(stranger, "遥墙五金店")
        b = export_bundle(stranger, COUNTY, tmp_path / "usb2").path
        _assert_rejected(pair, b, "sender", "未登记")
    finally:
        stranger.close()


def test_forged_sender_code(pair: Pair, tmp_path: Path) -> None:
    """A bundle claiming to come from the enrolled station but signed by another key."""
    impostor = make_node(tmp_path / "imp", "station", STATION, "冒充者", COUNTY)
    try:
        enrol_peer(impostor, export_identity(pair.county, tmp_path / "usb2"))
        add_enterprise(impostor, "冒充企业")
        b = export_bundle(impostor, COUNTY, tmp_path / "usb2").path
        _assert_rejected(pair, b, "signature", "签名")
    finally:
        impostor.close()


def test_wrong_recipient(pair: Pair, tmp_path: Path) -> None:
    other = make_node(tmp_path / "other", "station", STATION2, "遥墙市场监管所", COUNTY)
    try:
        enrol_peer(other, export_identity(pair.county, tmp_path / "usb2"))
        enrol_peer(pair.county, export_identity(other, tmp_path / "usb2"))
        with pair.county.transaction() as s:
            s.add(Enterprise(name="遥墙五金店", jurisdiction=STATION2, unit_types="retailer"))
        down = export_bundle(pair.county, STATION2, pair.usb).path  # meant for the other station
        before_s, before_c = snapshot(pair.station), snapshot(pair.county)
        with pytest.raises(BundleError) as exc:
            import_bundle(pair.station, down)
        assert exc.value.reason == "recipient" and "不是发给本单位" in str(exc.value)
        assert snapshot(pair.station) == before_s and snapshot(pair.county) == before_c
    finally:
        other.close()


def test_own_bundle_cannot_be_imported_back(pair: Pair, first_bundle: Path) -> None:
    before = snapshot(pair.station)
    with pytest.raises(BundleError, match="本单位自己"):
        import_bundle(pair.station, first_bundle)
    assert snapshot(pair.station) == before


# ------------------------------------------------------------------------------- sequence gap


def test_sequence_gap_is_reported_with_missing_numbers(pair: Pair) -> None:
    add_enterprise(pair.station, "一号企业")
    b1 = export_bundle(pair.station, COUNTY, pair.usb)
    add_enterprise(pair.station, "二号企业")
    b2 = export_bundle(pair.station, COUNTY, pair.usb, since=b1.range_upto)
    add_enterprise(pair.station, "三号企业")
    b3 = export_bundle(pair.station, COUNTY, pair.usb, since=b2.range_upto)
    err = _assert_rejected(pair, b3.path, "gap", "缺少")
    assert "第 1、2 号" in str(err)
    import_bundle(pair.county, b1.path)
    err = _assert_rejected(pair, b3.path, "gap", "第 2 号")
    import_bundle(pair.county, b2.path)
    rep = import_bundle(pair.county, b3.path)
    assert rep.status == "applied" and not rep.missing_seqs
    with pair.county.session() as s:
        assert sorted(s.scalars(select(Enterprise.name))) == ["一号企业", "三号企业", "二号企业"]


# ------------------------------------------------------------------------------- conflicts


def _roundtrip(pair: Pair) -> None:
    import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
    import_bundle(pair.station, write_receipt(pair.county, STATION, pair.usb).path)


def test_both_sides_edit_is_kept_and_resolvable(pair: Pair) -> None:
    eid = add_enterprise(pair.station)
    _roundtrip(pair)
    with pair.county.transaction() as s:  # the county corrects the address
        e = s.get(Enterprise, eid)
        assert e is not None
        e.address = "县局核实的地址"
    for staff in (10, 11):  # meanwhile the station edits twice
        with pair.station.transaction() as s:
            e = s.get(Enterprise, eid)
            assert e is not None
            e.staff = staff
    up = export_bundle(pair.station, COUNTY, pair.usb)
    preview = preview_bundle(pair.county, up.path)
    assert preview.total("conflicts") == 1 and preview.conflicts[0].winner == "incoming"
    rep = import_bundle(pair.county, up.path)
    assert rep.total("conflicts") == 1 and "冲突 1 条" in rep.summary()
    with pair.county.session() as s:
        e = s.get(Enterprise, eid)
        assert e is not None and e.staff == 11 and e.address is None and e.rev == 3  # higher rev won
    [c] = open_conflicts(pair.county)
    assert c.table_name == "enterprise" and c.other["address"] == "县局核实的地址"
    assert {d.column for d in differences(c)} >= {"address", "staff"}

    pair.county.set_actor("县局王科长", "chief")
    resolve(pair.county, c.id, "other")
    with pair.county.session() as s:
        e = s.get(Enterprise, eid)
        assert e is not None and e.address == "县局核实的地址" and e.rev == 4
        done = s.get(SyncConflict, c.id)
        assert done is not None and done.resolved_by == "县局王科长" and done.resolution == "other"
        trail = s.scalars(select(AuditEntry).where(AuditEntry.action == "resolve_conflict")).one()
        assert trail.actor == "县局王科长" and trail.detail["choice"] == "other"
    with pytest.raises(ConflictError, match="已由"):
        resolve(pair.county, c.id, "kept")

    # the chosen version travels down and the station takes it without a new conflict
    down = export_bundle(pair.county, STATION, pair.usb)
    assert down.counts.get("enterprise") == 1
    rep2 = import_bundle(pair.station, down.path)
    assert rep2.total("conflicts") == 0 and rep2.total("updated") == 1
    with pair.station.session() as s:
        e = s.get(Enterprise, eid)
        assert e is not None and e.address == "县局核实的地址" and e.rev == 4


def test_local_newer_version_wins_and_incoming_is_kept(pair: Pair) -> None:
    eid = add_enterprise(pair.station)
    _roundtrip(pair)
    for addr in ("甲", "乙", "丙"):  # the county edits three times: rev 4
        with pair.county.transaction() as s:
            e = s.get(Enterprise, eid)
            assert e is not None
            e.address = addr
    with pair.station.transaction() as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        e.staff = 7
    rep = import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
    assert rep.total("conflicts") == 1 and rep.conflicts[0].winner == "local"
    with pair.county.session() as s:
        e = s.get(Enterprise, eid)
        assert e is not None and e.address == "丙" and e.staff is None
    [c] = open_conflicts(pair.county)
    assert c.other["staff"] == 7
    resolve(pair.county, c.id, "kept", actor="李科员")
    assert open_conflicts(pair.county) == []


def test_sealed_record_is_never_overwritten_by_edited_copy(pair: Pair) -> None:
    eid = add_enterprise(pair.station)
    iid = add_inspection(pair.station, eid, sealed=True)
    _roundtrip(pair)
    # an unsealed, edited copy with a higher revision turns up at the station (an old program,
    # a restored backup): it bypasses the store's guard, as foreign data would
    with pair.station.transaction() as s:
        seq = next_change_seq(s)
        s.execute(update(Inspection.__table__).where(Inspection.__table__.c.id == iid)
                  .values(status="draft", result="改过的结论", rev=9, change_seq=seq))
    before_row = _row(pair.county, iid)
    rep = import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
    assert rep.total("refused") == 1 and rep.conflicts[0].reason == "sealed"
    assert any("已封存" in r for r in rep.rejected_reasons())
    assert _row(pair.county, iid) == before_row  # exactly as it was
    [c] = open_conflicts(pair.county)
    assert c.other["result"] == "改过的结论"
    with pytest.raises(ConflictError, match="已封存"):
        resolve(pair.county, c.id, "other", actor="王科长")
    assert _row(pair.county, iid) == before_row
    resolve(pair.county, c.id, "kept", actor="王科长")


def test_two_different_sealed_versions_always_reach_the_queue(pair: Pair) -> None:
    eid = add_enterprise(pair.station)
    iid = add_inspection(pair.station, eid, sealed=True)
    _roundtrip(pair)
    with pair.station.transaction() as s:  # a second, different sealed version (foreign data)
        seq = next_change_seq(s)
        s.execute(update(Inspection.__table__).where(Inspection.__table__.c.id == iid)
                  .values(result="另一封存结论", rev=5, change_seq=seq))
    rep = import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
    assert [c.reason for c in rep.conflicts] == ["both_sealed"]
    [c] = open_conflicts(pair.county)
    assert c.kept["result"] == "另一封存结论" and c.other["result"] != "另一封存结论"


def test_sealed_version_beats_unsealed_edit(pair: Pair) -> None:
    """Draft at both ends; the county edits its copy, the station seals: the sealed one wins."""
    eid = add_enterprise(pair.station)
    iid = add_inspection(pair.station, eid)
    _roundtrip(pair)
    for note in ("县局批注1", "县局批注2", "县局批注3"):
        with pair.county.transaction() as s:
            i = s.get(Inspection, iid)
            assert i is not None
            i.opinion_text = note
    with pair.station.transaction() as s:
        i = s.get(Inspection, iid)
        assert i is not None
        i.status = "sealed"
    rep = import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
    assert rep.tables["inspection"].updated == 1 and rep.total("conflicts") == 1
    with pair.county.session() as s:
        i = s.get(Inspection, iid)
        assert i is not None and i.status == "sealed" and i.opinion_text is None


def _row(store: object, iid: str) -> tuple[object, ...]:
    with store.engine.connect() as c:  # type: ignore[attr-defined]
        t = Inspection.__table__
        return tuple(c.execute(select(t).where(t.c.id == iid)).one())


# ------------------------------------------------------------------------- interrupted write


def test_interrupted_write_leaves_no_bundle_and_no_state(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    e = add_enterprise(pair.station)
    add_inspection(pair.station, e, attachment=PHOTO)
    before = snapshot(pair.station)
    calls = {"n": 0}
    real = zipfile.ZipFile.writestr

    def pulled_out(self: zipfile.ZipFile, *a: object, **kw: object) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(5, "Input/output error")
        real(self, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "writestr", pulled_out)
    with pytest.raises(BundleError, match="U盘") as exc:
        export_bundle(pair.station, COUNTY, pair.usb)
    assert exc.value.reason == "write"
    monkeypatch.undo()
    assert sorted(os.listdir(pair.usb)) == sorted(p.name for p in pair.usb.glob("*.qsid"))
    assert snapshot(pair.station) == before
    # the next export is number 1 again and is complete
    ok = export_bundle(pair.station, COUNTY, pair.usb)
    assert ok.seq == 1
    assert import_bundle(pair.county, ok.path).status == "applied"


def test_fsync_failure_leaves_nothing(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    add_enterprise(pair.station)
    before = snapshot(pair.station)

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bundle_mod.os, "fsync", no_space)
    with pytest.raises(BundleError, match="已满"):
        export_bundle(pair.station, COUNTY, pair.usb)
    monkeypatch.undo()
    assert not list(pair.usb.glob("*.qsb*"))
    assert snapshot(pair.station) == before


def test_half_written_file_is_rejected(pair: Pair, first_bundle: Path, tmp_path: Path) -> None:
    """A copy that stopped halfway looks like nothing the importer accepts."""
    partial = tmp_path / (first_bundle.name + ".partial")
    data = first_bundle.read_bytes()
    partial.write_bytes(data[: len(data) - 200])
    _assert_rejected(pair, partial, "truncated", "不完整")


def test_read_archive_rejects_non_zip() -> None:
    with pytest.raises(BundleError, match="不完整"):
        read_archive(io.BytesIO(b"not a zip at all"))


def test_bundle_log_records_both_directions(pair: Pair, first_bundle: Path) -> None:
    import_bundle(pair.county, first_bundle)
    with pair.station.session() as s:
        out = s.scalars(select(BundleLog)).one()
        assert out.direction == "out" and out.seq == 1
    with pair.county.session() as s:
        inn = s.scalars(select(BundleLog)).one()
        n = sum(read_archive(first_bundle).manifest["counts"].values())
        assert inn.direction == "in" and inn.counts["new"] == n and inn.sha256 == out.sha256


def test_flipped_byte_anywhere_is_refused_or_harmless(pair: Pair, first_bundle: Path, tmp_path: Path) -> None:
    """One flipped byte at ~150 positions over the whole file: either a Chinese refusal, or (a byte
    no reader relies on, such as a zip header timestamp) exactly the genuine bundle's content."""
    genuine = preview_bundle(pair.county, first_bundle)
    data = first_bundle.read_bytes()
    bad = tmp_path / first_bundle.name
    before = snapshot(pair.county)
    refused = 0
    for at in range(0, len(data), max(1, len(data) // 150)):
        bad.write_bytes(_flip(data, at))
        try:
            rep = preview_bundle(pair.county, bad)
        except BundleError as exc:
            refused += 1
            assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc))
        else:
            assert rep.tables == genuine.tables and rep.attachments_new == genuine.attachments_new
    assert refused > 100
    assert snapshot(pair.county) == before


def test_truncated_anywhere_is_refused(pair: Pair, first_bundle: Path, tmp_path: Path) -> None:
    data = first_bundle.read_bytes()
    bad = tmp_path / first_bundle.name
    before = snapshot(pair.county)
    for end in [*range(0, len(data), max(1, len(data) // 80)), len(data) - 1]:
        bad.write_bytes(data[:end])
        with pytest.raises(BundleError) as exc:
            preview_bundle(pair.county, bad)
        assert exc.value.reason in {"truncated", "hash", "size", "corrupt"}, (end, exc.value.reason)
    assert snapshot(pair.county) == before


def test_resolving_a_stale_conflict_is_refused_and_requeued(pair: Pair) -> None:
    """A conflict resolved against a version that has changed since (a newer version arrived) is
    not applied: it goes back to the queue showing the current version, and the attempt is audited."""
    eid = add_enterprise(pair.station)
    _roundtrip(pair)
    with pair.county.transaction() as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        e.address = "县局核实的地址"
    with pair.station.transaction() as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        e.staff = 10
    import_bundle(pair.station, export_bundle(pair.county, STATION, pair.usb).path)
    stale = open_conflicts(pair.station)[0]
    with pair.county.transaction() as s:  # the county edits again; the new version goes down
        e = s.get(Enterprise, eid)
        assert e is not None
        e.address = "县局二次核实的地址"
        e.staff = 12
    import_bundle(pair.station, export_bundle(pair.county, STATION, pair.usb).path)
    with pair.station.session() as s:
        e = s.get(Enterprise, eid)
        assert e is not None and e.address == "县局二次核实的地址"
    pair.station.set_actor("所长", "chief")
    with pytest.raises(ConflictError, match="重新放回冲突队列"):
        resolve(pair.station, stale.id, "kept")
    with pair.station.session() as s:
        again = s.get(SyncConflict, stale.id)
        assert again is not None and again.resolved_at is None
        assert again.kept["address"] == "县局二次核实的地址" and "_requeued_at" in again.kept
        trail = s.scalars(select(AuditEntry).where(AuditEntry.action == "resolve_conflict")).one()
        assert trail.actor == "所长" and trail.detail["choice"] == "kept" and trail.detail["outcome"] == "requeued"
    resolve(pair.station, stale.id, "kept")  # now against the current version: recorded
    with pair.station.session() as s:
        done = s.get(SyncConflict, stale.id)
        assert done is not None and done.resolution == "kept" and done.resolved_by == "所长"
        e = s.get(Enterprise, eid)
        assert e is not None and e.address == "县局二次核实的地址"
