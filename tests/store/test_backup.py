"""Backups (online API, daily at start, before migration, pruning) and restore refusals."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from qsdesk.cli import main
from qsdesk.store.backup import (
    BackupError,
    backup_at_start,
    backup_data_dir,
    database_revision,
    list_backups,
    prune,
    restore,
)
from qsdesk.store.db import Store, open_store
from qsdesk.store.migrate import head_revision, upgrade_to
from qsdesk.store.models import Enterprise


def _add(store: Store, name: str) -> None:
    with store.transaction() as s:
        s.add(Enterprise(name=name, unit_types="retailer"))


def _names(store: Store) -> list[str]:
    with store.session() as s:
        return sorted(s.scalars(select(Enterprise.name)))


def test_backup_while_open_and_restore(store: Store) -> None:
    dd = store.data_dir
    _add(store, "甲商店")
    made = backup_data_dir(dd, "manual")  # the store is open, WAL has uncommitted-to-main pages
    assert database_revision(made) == head_revision()
    _add(store, "乙商店")
    store.close()
    safety = restore(dd, made)
    assert safety.parent == dd.backups and "restore" in safety.name
    reopened = open_store(dd.root)
    try:
        assert _names(reopened) == ["甲商店"]
    finally:
        reopened.close()
    # the safety backup holds the state before the restore: restoring it undoes the restore
    restore(dd, safety)
    again = open_store(dd.root)
    try:
        assert _names(again) == ["乙商店", "甲商店"]
    finally:
        again.close()


def test_start_backup_at_most_daily(store: Store) -> None:
    dd = store.data_dir
    assert backup_at_start(dd, date.today()) is not None
    assert backup_at_start(dd, date.today()) is None
    assert [b.reason for b in list_backups(dd.backups)] == ["start"]


def test_prune_keeps_newest_automatic_and_every_manual_or_pre_restore(store: Store) -> None:
    dd = store.data_dir
    manual = backup_data_dir(dd, "manual", keep=100)
    before_restore = backup_data_dir(dd, "restore", keep=100)
    made = [backup_data_dir(dd, "import", keep=100) for _ in range(4)]
    removed = prune(dd.backups, keep=2)
    assert set(removed) == set(made[:2])
    left = [b.path for b in list_backups(dd.backups)]
    assert left[:2] == [made[3], made[2]] and set(left) == {made[3], made[2], before_restore, manual}
    for _ in range(12):  # automatic backups never push out a manual or pre-restore one
        backup_data_dir(dd, "start", keep=3)
    left = list_backups(dd.backups)
    assert manual in [b.path for b in left] and before_restore in [b.path for b in left]
    assert len([b for b in left if b.reason in ("start", "import")]) == 3
    assert all(b.path.stat().st_mode & 0o777 == 0o600 for b in left)
    assert not list(dd.backups.glob("*.part"))


def test_restore_refuses_foreign_and_newer_files(store: Store, tmp_path: Path) -> None:
    dd = store.data_dir
    _add(store, "甲商店")
    text_file = tmp_path / "notes.db"
    text_file.write_text("这不是数据库")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    newer = backup_data_dir(dd, "manual")
    con = sqlite3.connect(newer)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    store.close()
    before = dd.db_path.read_bytes()
    with pytest.raises(BackupError, match="不是 SQLite"):
        restore(dd, text_file)
    with pytest.raises(BackupError, match="缺少 qsdesk 的数据表"):
        restore(dd, other)
    with pytest.raises(BackupError, match="更新版本"):
        restore(dd, newer)
    assert dd.db_path.read_bytes() == before


def test_migration_makes_a_backup_first(tmp_path: Path) -> None:
    from qsdesk.store.db import make_engine, sqlite_url

    data = tmp_path / "d"
    data.mkdir()
    engine = make_engine(sqlite_url(data / "qsdesk.db"))
    upgrade_to(engine, "0001")
    engine.dispose()
    store = open_store(data)
    store.close()
    backups = list_backups(data / "backups")
    assert [b.reason for b in backups] == ["migrate"]
    assert database_revision(backups[0].path) == "0001"


def test_cli_backup_restore(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(store.data_dir.root)
    _add(store, "甲商店")
    assert main(["backup", "--data-dir", root]) == 0
    made = list_backups(store.data_dir.backups)[0].path
    _add(store, "乙商店")
    store.close()
    assert main(["restore", "--data-dir", root, str(made)]) == 0
    assert "已从" in capsys.readouterr().out
    assert main(["restore", "--data-dir", root, "/nonexistent.db"]) == 2
    reopened = open_store(root)
    try:
        assert _names(reopened) == ["甲商店"]
    finally:
        reopened.close()
