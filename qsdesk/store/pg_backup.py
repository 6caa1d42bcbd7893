"""Backups of a county's PostgreSQL database with ``pg_dump``.

A backup is a folder ``<data dir>/backups/qsdesk-pg-<YYYYmmdd-HHMMSS>-<reason>/`` holding:

* ``database.dump`` — ``pg_dump --format=custom`` of the whole database (records, accounts,
  audit log, the keys and attachments kept in the database for other workstations);
* ``keys/`` — this workstation's copy of the node's private keys (owner-only);
* ``forms/`` — form versions the county published (when there are any);
* ``说明.txt`` — what is in it, what is not (attachment files kept in the data directory, named
  with their count and size) and how to restore with ``pg_restore``.

The connection is handed to ``pg_dump`` in its environment (``PGHOST`` …), never on the command
line where ``ps`` would show it; a password comes from the password file as for the program.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from qsdesk.paths import DataDir
from qsdesk.store import dburl


class PgBackupError(ValueError):
    """A PostgreSQL backup that cannot be made; the message is Chinese, one line."""


def find_tool(name: str) -> Path:
    """``pg_dump``/``pg_restore``: on PATH, or in Debian's /usr/lib/postgresql/<major>/bin."""
    found = shutil.which(name)
    if found:
        return Path(found)
    base = Path("/usr/lib/postgresql")
    if base.is_dir():
        for major in sorted((p for p in base.iterdir() if p.name.isdigit()), key=lambda p: -int(p.name)):
            if (major / "bin" / name).is_file():
                return major / "bin" / name
    raise PgBackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（Debian：apt install postgresql-client）")


def libpq_env(url: str | URL) -> dict[str, str]:
    """The libpq environment that names the database of ``url`` (password only if in the URL)."""
    u = make_url(dburl.normalize(url)) if isinstance(url, str) else url
    env = dict(os.environ)
    query = dict(u.query or {})

    def first(v: object) -> str:
        return str(v[0] if isinstance(v, tuple) else v)

    host = u.host or (first(query["host"]) if "host" in query else None)
    port = u.port or (first(query["port"]) if "port" in query else None)
    for key, value in (("PGHOST", host), ("PGPORT", port), ("PGUSER", u.username),
                       ("PGDATABASE", u.database), ("PGPASSWORD", u.password)):
        if value:
            env[key] = str(value)
    return env


def backup_postgres(url: str | URL, dd: DataDir, reason: str = "manual") -> Path:
    """Dump the database of ``url`` with the keys and forms of ``dd``; returns the folder."""
    pg_dump = find_tool("pg_dump")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = dd.backups / f"qsdesk-pg-{stamp}-{reason}"
    n = 1
    while target.exists():
        n += 1
        target = dd.backups / f"qsdesk-pg-{stamp}-{n}-{reason}"
    partial = target.with_name(target.name + ".partial")
    partial.mkdir(parents=True, mode=0o700)
    try:
        dump = partial / "database.dump"
        done = subprocess.run([str(pg_dump), "--format=custom", "--no-password", f"--file={dump}"],
                              env=libpq_env(url), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["?"])[-1]
            raise PgBackupError(f"pg_dump 未能完成备份（{dburl.describe(url)}）：{last}")
        if dd.keys.is_dir():
            shutil.copytree(dd.keys, partial / "keys")
            os.chmod(partial / "keys", 0o700)
        forms = dd.root / "forms"
        if forms.is_dir():
            shutil.copytree(forms, partial / "forms")
        files = [p for p in dd.attachments.rglob("*") if p.is_file()] if dd.attachments.is_dir() else []
        size = sum(p.stat().st_size for p in files)
        (partial / "说明.txt").write_text(
            f"qsdesk 县级局 PostgreSQL 备份（{stamp}）\n"
            f"数据库：{dburl.describe(url)}\n"
            "database.dump：整个数据库（记录、账号、操作记录，以及存入数据库供其他工作站使用的密钥和附件），"
            "pg_dump 自定义格式\n"
            "keys/：本工作站的单位私钥副本（请妥善保管）\n"
            + ("forms/：县级局发布的表单版本\n" if forms.is_dir() else "")
            + f"未包含：数据目录中的附件文件 {dd.attachments}（{len(files)} 个，{size / 1e6:.1f} MB），"
            "附件同时保存在数据库中；如需单独保留请另行复制该目录\n"
            "恢复：新建一个空数据库，运行 pg_restore --no-owner -d <新数据库> database.dump，"
            "再把数据目录中 database.json 的地址改为新数据库（或恢复到原来的数据库名）\n",
            encoding="utf-8")
        os.replace(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return target


def restore_postgres(dump: Path, url: str | URL) -> None:
    """Restore a ``database.dump`` into the (new, empty) database of ``url``."""
    pg_restore = find_tool("pg_restore")
    done = subprocess.run([str(pg_restore), "--no-owner", "--no-password", "--exit-on-error",
                           f"--dbname={make_url(dburl.normalize(str(url)) if isinstance(url, str) else url).database}",
                           str(dump)], env=libpq_env(url), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise PgBackupError(f"pg_restore 未能完成恢复（{dburl.describe(url)}）：{last}")
