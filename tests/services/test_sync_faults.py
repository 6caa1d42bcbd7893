"""Faults: refused imports against the backup count, concurrent imports, a full disk, restore checks."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from qsdesk.cli import main
from qsdesk.services.sync.bundle import BundleError
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.store import backup as backup_mod
from qsdesk.store.backup import BackupError, backup_data_dir, list_backups, restore
from qsdesk.store.db import open_store
from tests.services.sync_helpers import (
    COUNTY,
    STATION,
    STATION2,
    Pair,
    add_enterprise,
    add_inspection,
    make_node,
    make_pair,
    snapshot,
)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    p = make_pair(tmp_path)
    yield p
    p.close()


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, nearly full (a real ENOSPC, not a simulated one)."""
    mnt = tmp_path / "stick"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        with open(mnt / "filler", "wb") as f:
            f.write(b"\0" * (1024 * 1024 - 64 * 1024))  # 64 kB left: smaller than any database
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def _backups(store) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(b.path.name for b in list_backups(store.data_dir.backups))


def test_refused_import_retried_takes_no_backup_and_keeps_the_manual_one(pair: Pair, tmp_path: Path) -> None:
    add_enterprise(pair.station)
    first = export_bundle(pair.station, COUNTY, pair.usb)
    add_enterprise(pair.station, "第二家")
    # a bundle whose range does not join on (the first was never imported): refused, gap
    with pair.station.transaction() as s:
        from qsdesk.store.models import SyncPeerState

        st = s.get(SyncPeerState, COUNTY)
        assert st is not None
        st.acked_change_seq = first.range_upto or 0
    gap = export_bundle(pair.station, COUNTY, tmp_path / "gap")
    manual = backup_data_dir(pair.county.data_dir, "manual")
    before = snapshot(pair.county)
    for _ in range(11):
        with pytest.raises(BundleError) as err:
            import_bundle(pair.county, gap.path)
        assert err.value.reason == "gap"
    assert _backups(pair.county) == [manual.name]
    assert snapshot(pair.county) == before
    import_bundle(pair.county, first.path)
    assert len(_backups(pair.county)) == 2 and manual.name in _backups(pair.county)
    for _ in range(11):  # accepted imports: automatic backups pruned, the manual one stays
        add_enterprise(pair.station, "又一家")
        import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
    left = _backups(pair.county)
    assert manual.name in left and len(left) == backup_mod.KEEP + 1


def test_failure_while_writing_removes_the_backup_it_took(pair: Pair) -> None:
    add_enterprise(pair.station)
    bundle = export_bundle(pair.station, COUNTY, pair.usb)

    def disk_full(phase: str) -> None:
        if phase.startswith("applied:"):
            raise OSError(errno.ENOSPC, "No space left on device")

    before = snapshot(pair.county)
    with pytest.raises(BundleError, match="磁盘已满"):
        import_bundle(pair.county, bundle.path, on_phase=disk_full)
    assert _backups(pair.county) == []
    assert snapshot(pair.county) == before


def test_concurrent_imports_loser_names_the_real_cause(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    e = add_enterprise(pair.station)
    for _ in range(30):
        add_inspection(pair.station, e)
    bundle = export_bundle(pair.station, COUNTY, pair.usb).path
    other = open_store(pair.county.data_dir.root)  # type: ignore[union-attr]
    barrier = threading.Barrier(2, timeout=30)
    real = backup_mod.backup_data_dir

    def backup_then_wait(*a, **k):  # type: ignore[no-untyped-def]
        made = real(*a, **k)
        barrier.wait()  # both imports have passed every check and are about to write
        return made

    monkeypatch.setattr(backup_mod, "backup_data_dir", backup_then_wait)
    outcomes: list[object] = []

    def run(store) -> None:  # type: ignore[no-untyped-def]
        try:
            outcomes.append(import_bundle(store, bundle).status)
        except BundleError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=run, args=(st,)) for st in (pair.county, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    other.close()
    assert "applied" in outcomes
    losers = [o for o in outcomes if isinstance(o, BundleError)]
    assert len(losers) == 1, outcomes
    msg = str(losers[0])
    assert losers[0].reason in ("concurrent", "db"), msg
    assert "缺少" not in msg and ("另有一个导入" in msg or "另一个导入" in msg), msg
    assert len(_backups(pair.county)) == 1  # the loser's backup was removed


def test_backup_out_to_a_full_stick(pair: Pair, tiny_disk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(pair.county.data_dir.root)  # type: ignore[union-attr]
    assert main(["backup", "--data-dir", root, "--out", str(tiny_disk / "备份.db")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "磁盘已满" in err and "Traceback" not in err
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler"]


def test_export_bundle_to_a_full_stick(pair: Pair, tiny_disk: Path) -> None:
    e = add_enterprise(pair.station)
    add_inspection(pair.station, e, attachment=os.urandom(200 * 1024))
    before = snapshot(pair.station)
    with pytest.raises(BundleError) as err:
        export_bundle(pair.station, COUNTY, tiny_disk)
    assert err.value.reason == "write" and "已满" in str(err.value)
    assert snapshot(pair.station) == before
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler"]


def test_backup_out_refuses_existing_file_and_missing_folder(pair: Pair, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    root = str(pair.county.data_dir.root)  # type: ignore[union-attr]
    existing = tmp_path / "old.db"
    existing.write_bytes(b"keep me")
    assert main(["backup", "--data-dir", root, "--out", str(existing)]) == 2
    assert "已存在" in capsys.readouterr().err and existing.read_bytes() == b"keep me"
    assert main(["backup", "--data-dir", root, "--out", str(tmp_path / "nope" / "x.db")]) == 2
    assert "不存在" in capsys.readouterr().err
    out = tmp_path / "ok.db"
    assert main(["backup", "--data-dir", root, "--out", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o600


def test_restore_refuses_another_stations_and_broken_backups(tmp_path: Path) -> None:
    a = make_node(tmp_path / "a", "station", STATION, "王舍人市场监管所", COUNTY)
    b = make_node(tmp_path / "b", "station", STATION2, "遥墙市场监管所", COUNTY)
    twin = make_node(tmp_path / "twin", "station", STATION, "王舍人市场监管所", COUNTY)  # same code, other keys
    add_enterprise(a)
    foreign = backup_data_dir(b.data_dir, "manual")
    same_code = backup_data_dir(twin.data_dir, "manual")
    own = backup_data_dir(a.data_dir, "manual")
    broken = tmp_path / "broken.db"
    shutil.copyfile(own, broken)
    with open(broken, "r+b") as f:  # damage a page in the middle of the file
        f.seek(os.path.getsize(broken) // 2)
        f.write(os.urandom(4096))
    for st in (a, b, twin):
        st.close()
    dd = a.data_dir
    assert dd is not None
    live = dd.db_path.read_bytes()
    for bad, words in ((foreign, "370112002"), (same_code, "指纹"), (broken, "")):
        with pytest.raises(BackupError, match=words):
            restore(dd, bad)
        assert dd.db_path.read_bytes() == live
    assert [x.reason for x in list_backups(dd.backups)] == ["manual"]  # no safety backup either
    restore(dd, own)  # its own backup is accepted
    again = open_store(dd.root)
    again.close()


def _fill(mnt: Path) -> None:
    with contextlib.suppress(OSError), open(mnt / "rest", "wb", buffering=0) as f:
        while True:
            f.write(b"\0" * 4096)
            f.flush()


def test_cli_io_errors_are_one_line_exit_2(pair: Pair, tiny_disk: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = str(pair.station.data_dir.root)  # type: ignore[union-attr]
    add_enterprise(pair.station)
    pair.station.close()
    pair.county.close()
    _fill(tiny_disk)
    listing = sorted(p.name for p in tiny_disk.iterdir())
    for argv in (["enrol", "--data-dir", root, "--export", str(tiny_disk)],
                 ["export-bundle", "--data-dir", root, "--to", COUNTY, "--out", str(tiny_disk)],
                 ["backup", "--data-dir", root, "--out", str(tiny_disk)]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "Traceback" not in err, err
        assert "已满" in err, err
        assert sorted(p.name for p in tiny_disk.iterdir()) == listing
    pair.station = open_store(root)
    pair.county = open_store(pair.county.data_dir.root)  # type: ignore[union-attr]
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    assert main(["enrol", "--data-dir", root, "--export", str(blocked)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err


def test_an_edit_saved_during_an_import_waits_and_is_never_overwritten(pair: Pair) -> None:
    """The clerk saves while the import writes: the save waits for the import (which holds the
    change counter), then finds the record changed and is refused; nothing is overwritten.
    (Every phase, both backends: tests/services/test_import_race.py.)"""
    from qsdesk.store.db import ConcurrentEditError
    from qsdesk.store.models import Enterprise

    eid = add_enterprise(pair.station)
    import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
    with pair.station.transaction() as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        e.staff = 5
    bundle = export_bundle(pair.station, COUNTY, pair.usb).path
    other = open_store(pair.county.data_dir.root)  # type: ignore[union-attr]  # the GUI, say
    outcome: list[BaseException | None] = []

    def clerk() -> None:
        try:
            with other.transaction() as o:
                ent = o.get(Enterprise, eid)
                assert ent is not None
                ent.address = "县局刚保存的地址"
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - judged below
            outcome.append(exc)

    t = threading.Thread(target=clerk)

    def at(phase: str) -> None:
        if phase == "applied:enterprise":  # planned and written already; the clerk saves now
            t.start()
            t.join(0.5)
            assert t.is_alive()  # waits for the import instead of slipping in between

    rep = import_bundle(pair.county, bundle, on_phase=at)
    t.join(30)
    other.close()
    assert rep.tables["enterprise"].updated == 1
    assert len(outcome) == 1 and isinstance(outcome[0], ConcurrentEditError), outcome
    assert "其他人修改" in str(outcome[0])
    with pair.county.session() as s:
        e = s.get(Enterprise, eid)
        assert e is not None and e.staff == 5 and e.address != "县局刚保存的地址"
