"""Backups of the database with SQLite's online backup API, and restore.

A backup is a consistent copy taken while the program may be writing (``sqlite3.Connection.
backup`` copies page by page under a read transaction), checked with ``PRAGMA quick_check`` and
kept in ``<data dir>/backups`` as ``qsdesk-<YYYYmmdd-HHMMSS>-<reason>.db``. They are made
automatically at start (at most once a day), before every migration and before every bundle import
that passed every check (a refused import takes none); the newest :data:`KEEP` *automatic* ones are
kept (:data:`AUTOMATIC`), manual and pre-restore backups are never pruned. Every file is written
under a temporary name with mode 0600, fsynced, then renamed (and the folder fsynced).

Restore checks the file first and refuses, with the live database untouched: anything that is not
a qsdesk database, a damaged one (``PRAGMA integrity_check``), an unknown schema revision (newer
program), and another installation's backup (its node code or key fingerprint differs from this
installation's keys). The current database is backed up first, so a restore can itself be undone.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
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
#: Backups made by the program itself; only these are pruned.
AUTOMATIC = frozenset({"start", "migrate", "import"})


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
    # a name of its own for the temporary file: two imports may back up in the same second
    tmp = backups_dir / f"qsdesk-{stamp}-{reason}.{os.getpid()}-{secrets.token_hex(4)}.part"
    _create_private(tmp)
    try:
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
            raise BackupError(f"备份校验失败：{ok}")
        _fsync_file(tmp)
        target = _publish(tmp, backups_dir, stamp, reason)
        fsync_dir(backups_dir)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, (OSError, sqlite3.Error)):
            raise BackupError(f"备份失败（{_why(exc)}），没有留下不完整的备份文件：请检查磁盘空间后重试") from exc
        raise
    prune(backups_dir, keep)
    return target


def _publish(tmp: Path, backups_dir: Path, stamp: str, reason: str) -> Path:
    """Give the finished file its final name, never over another backup (``-<n>`` when several
    were made in the same second): a hard link fails if the name is taken, then the temp goes."""
    n = 0
    while True:
        target = backups_dir / (f"qsdesk-{stamp}-{reason}.db" if n == 0 else f"qsdesk-{stamp}-{n}-{reason}.db")
        try:
            os.link(tmp, target)
        except FileExistsError:
            n += 1
            continue
        except OSError:  # no hard links on this file system
            if target.exists():
                n += 1
                continue
            os.replace(tmp, target)
            return target
        tmp.unlink()
        return target


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "磁盘已满"
    if isinstance(exc, sqlite3.Error) and "full" in str(exc):
        return "磁盘已满"
    return getattr(exc, "strerror", None) or str(exc)


def _create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 (before any data is in it)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def copy_out(source: Path, target: Path) -> Path:
    """Copy a backup to ``target`` (a file path, or a folder to put it in) safely: never over an
    existing file, through a temporary name with mode 0600, fsynced, then renamed; a failure (a
    full stick, a missing folder) leaves nothing under the final name. Raises BackupError."""
    target = Path(target)
    if target.is_dir():
        target = target / source.name
    if target.exists():
        raise BackupError(f"目标文件已存在：{target}，请换一个文件名或文件夹")
    if not target.parent.is_dir():
        raise BackupError(f"目标文件夹不存在：{target.parent}（U盘是否已插好？）")
    tmp = target.with_name(target.name + ".part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise BackupError(f"另存备份到 {target} 失败（{_why(exc)}），目标位置没有留下不完整的文件") from exc
        raise
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
    """Remove all but the newest ``keep`` automatic backups; manual and pre-restore ones stay."""
    removed = []
    for info in [b for b in list_backups(backups_dir) if b.reason in AUTOMATIC][keep:]:
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
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{path.name} 已损坏（完整性检查未通过）")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path.name} 无法作为数据库打开：{exc}") from None
    finally:
        conn.close()
    return row[0] if row else None


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def backup_identity(path: Path) -> tuple[str, str, str] | None:
    """``(code, public key, encryption public key)`` of the node a database file belongs to."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT code, public_key, enc_public_key FROM node WHERE is_self = 1").fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
    return (str(row[0]), str(row[1] or ""), str(row[2] or "")) if row else None


def installed_keys(dd: DataDir) -> tuple[str, str] | None:
    """The public halves (base64) of this installation's key files, or None before ``init``."""
    from qsdesk import crypto
    from qsdesk.paths import ENCRYPTION_KEY_FILE, SIGNING_KEY_FILE

    sign_path, enc_path = dd.keys / SIGNING_KEY_FILE, dd.keys / ENCRYPTION_KEY_FILE
    if not sign_path.is_file() or not enc_path.is_file():
        return None
    from cryptography.hazmat.primitives import serialization

    try:
        sign = serialization.load_pem_private_key(sign_path.read_bytes(), None)
        enc = serialization.load_pem_private_key(enc_path.read_bytes(), None)
        return crypto.b64e(crypto.public_raw(sign)), crypto.b64e(crypto.public_raw(enc))  # type: ignore[arg-type]
    except (OSError, ValueError, TypeError) as exc:
        raise BackupError(f"本机密钥文件无法读取（{exc}），不能核对备份是否属于本单位") from None


def check_backup(dd: DataDir, source: Path, *, new_pc: bool = False) -> str:
    """Everything restore checks before touching anything; returns the schema revision.

    ``new_pc``: the backup of this unit restored on a new installation (a lost laptop): the
    installation must already be set up with the same unit code; its new keys replace the old
    ones in the restored database (the county then enrols the new identity with "replace")."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"找不到备份文件：{source}")
    rev = database_revision(source)
    if rev is None or rev not in known_revisions():
        raise BackupError(f"{source.name} 由更新版本的 qsdesk 创建（表结构版本 {rev}），请先升级程序再恢复")
    ident = backup_identity(source)
    keys = installed_keys(dd)
    live = backup_identity(dd.db_path) if dd.db_path.is_file() else None
    if keys is None:
        if ident is not None:
            raise BackupError(
                f"{source.name} 是单位 {ident[0]} 的备份，而本机没有该单位的密钥：不能直接恢复。"
                "换新电脑时请按《丢失电脑后的处理》办理（见使用说明“数据安全”）")
        return rev
    if ident is None:
        raise BackupError(f"{source.name} 不是本单位的备份（其中没有单位信息），已拒绝恢复")
    from qsdesk import crypto

    if live is not None and ident[0] != live[0]:
        raise BackupError(f"{source.name} 是单位 {ident[0]} 的备份，不是本单位（{live[0]}）的，已拒绝恢复")
    if new_pc:
        if live is None or ident[0] != live[0]:
            raise BackupError(f"{source.name} 是单位 {ident[0]} 的备份：新电脑须先以同一单位代码初始化后才能恢复")
        return rev
    if (ident[1], ident[2]) != keys:
        raise BackupError(
            f"{source.name} 的单位密钥指纹（{crypto.fingerprint(ident[1], ident[2])}）与本机"
            f"（{crypto.fingerprint(*keys)}）不同：它属于另一套安装，已拒绝恢复")
    return rev


def restore(dd: DataDir, source: Path, *, new_pc: bool = False) -> Path:
    """Replace the data directory's database with ``source``; returns the safety backup made first.

    The caller must have closed every connection to the database (the GUI reopens it after).
    A database made by an older program is accepted: it is migrated when next opened. Every check
    (:func:`check_backup`) runs before anything is written.
    """
    source = Path(source)
    check_backup(dd, source, new_pc=new_pc)
    keys = installed_keys(dd) if new_pc else None
    safety = backup_data_dir(dd, "restore") if dd.db_path.is_file() else None
    tmp = dd.db_path.with_suffix(".restoring")
    _create_private(tmp)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
                if keys is not None:  # this installation's keys are the unit's keys from now on
                    dst.execute("UPDATE node SET public_key = ?, enc_public_key = ? WHERE is_self = 1", keys)
                    dst.commit()
            finally:
                dst.close()
        finally:
            src.close()
        _fsync_file(tmp)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, (OSError, sqlite3.Error)):
            raise BackupError(f"恢复失败（{_why(exc)}），当前数据库未改动") from exc
        raise
    for suffix in ("-wal", "-shm"):  # stale WAL of the replaced database must not be replayed
        Path(str(dd.db_path) + suffix).unlink(missing_ok=True)
    os.replace(tmp, dd.db_path)
    fsync_dir(dd.db_path.parent)
    return safety or dd.db_path
