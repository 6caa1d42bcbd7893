"""Backups of the database with SQLite's online backup API, and restore.

A backup is a consistent copy taken while the program may be writing (``sqlite3.Connection.
backup`` copies page by page under a read transaction), checked with ``PRAGMA quick_check`` and
kept in ``<data dir>/backups`` as ``qsdesk-<YYYYmmdd-HHMMSS>-<reason>.db``. They are made
automatically at start (at most once a day), before every migration and before every bundle import;
the newest :data:`KEEP` are kept.

Restore refuses a file that is not a qsdesk database, or one made by a newer program (a schema
revision this build does not know). The current database is backed up first, so a restore can
itself be undone.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from alembic.script import ScriptDirectory

from qsdesk.paths import DataDir
from qsdesk.store.migrate import alembic_config

KEEP = 10
_NAME = re.compile(r"^qsdesk-(\d{8}-\d{6}(?:-\d+)?)-([a-z_-]+)\.db$")
REASONS = {
    "start": "启动时自动备份",
    "manual": "手动备份",
    "migrate": "升级表结构前",
    "import": "导入同步包前",
    "restore": "恢复前",
}


class BackupError(ValueError):
    """A backup or restore that cannot be done; the message says why in Chinese."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: datetime
    reason: str
    size: int

    @property
    def reason_text(self) -> str:
        return REASONS.get(self.reason, self.reason)


def backup_file(db_path: Path, backups_dir: Path, reason: str = "manual", keep: int = KEEP) -> Path:
    """Copy the SQLite database at ``db_path`` into ``backups_dir``; returns the new file."""
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    if not db_path.is_file():
        raise BackupError(f"没有可备份的数据库：{db_path}")
    backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = backups_dir / f"qsdesk-{stamp}-{reason}.db"
    n = 1
    while target.exists():  # two backups in the same second
        target = backups_dir / f"qsdesk-{stamp}-{n}-{reason}.db"
        n += 1
    tmp = target.with_suffix(".part")
    src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
            ok = dst.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    if ok != "ok":
        tmp.unlink(missing_ok=True)
        raise BackupError(f"备份校验失败：{ok}")
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, target)
    os.chmod(target, 0o600)
    prune(backups_dir, keep)
    return target


def backup_data_dir(dd: DataDir, reason: str = "manual", keep: int = KEEP) -> Path:
    return backup_file(dd.db_path, dd.backups, reason, keep)


def list_backups(backups_dir: Path) -> list[BackupInfo]:
    """Backups in the directory, newest first."""
    found: list[tuple[datetime, int, BackupInfo]] = []
    for p in backups_dir.glob("qsdesk-*.db") if backups_dir.is_dir() else ():
        m = _NAME.match(p.name)
        if not m:
            continue
        seq = m.group(1)[16:]  # "-<n>" when several backups were made in the same second
        taken = datetime.strptime(m.group(1)[:15], "%Y%m%d-%H%M%S")
        found.append((taken, int(seq or 0), BackupInfo(p, taken, m.group(2), p.stat().st_size)))
    return [b for _t, _n, b in sorted(found, key=lambda x: (x[0], x[1]), reverse=True)]


def prune(backups_dir: Path, keep: int = KEEP) -> list[Path]:
    removed = []
    for info in list_backups(backups_dir)[keep:]:
        info.path.unlink(missing_ok=True)
        removed.append(info.path)
    return removed


def backup_at_start(dd: DataDir, today: date | None = None) -> Path | None:
    """At most one automatic backup a day, made when the program starts."""
    today = today or date.today()
    if not dd.db_path.is_file():
        return None
    if any(b.reason == "start" and b.taken_at.date() == today for b in list_backups(dd.backups)):
        return None
    return backup_data_dir(dd, "start")


def database_revision(path: Path) -> str | None:
    """The Alembic revision stored in a database file; raises BackupError if it is not ours."""
    try:
        with open(path, "rb") as f:
            header = f.read(16)
    except OSError as exc:
        raise BackupError(f"无法读取文件：{exc}") from None
    if header != b"SQLite format 3\x00":
        raise BackupError(f"{path.name} 不是 qsdesk 数据库文件（不是 SQLite 数据库）")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"alembic_version", "enterprise", "node", "inspection"} <= tables:
            raise BackupError(f"{path.name} 不是 qsdesk 数据库（缺少 qsdesk 的数据表）")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"{path.name} 已损坏（完整性检查未通过）")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path.name} 无法作为数据库打开：{exc}") from None
    finally:
        conn.close()
    return row[0] if row else None


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def restore(dd: DataDir, source: Path) -> Path:
    """Replace the data directory's database with ``source``; returns the safety backup made first.

    The caller must have closed every connection to the database (the GUI reopens it after).
    A database made by an older program is accepted: it is migrated when next opened.
    """
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"找不到备份文件：{source}")
    rev = database_revision(source)
    if rev is not None and rev not in known_revisions():
        raise BackupError(f"{source.name} 由更新版本的 qsdesk 创建（表结构版本 {rev}），请先升级程序再恢复")
    safety = backup_data_dir(dd, "restore") if dd.db_path.is_file() else None
    tmp = dd.db_path.with_suffix(".restoring")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    for suffix in ("-wal", "-shm"):  # stale WAL of the replaced database must not be replayed
        Path(str(dd.db_path) + suffix).unlink(missing_ok=True)
    os.replace(tmp, dd.db_path)
    os.chmod(dd.db_path, 0o600)
    return safety or dd.db_path
