"""A throwaway PostgreSQL server for the tests, started by the tests themselves.

``make deps`` installs Debian's ``postgresql`` (binaries only: no cluster is started). The
session fixture ``pg_server`` (tests/conftest.py) runs ``initdb`` into a fresh directory under
``/tmp``, starts ``postgres`` listening only on a Unix socket in that directory (no port that
could clash with another test worker or a real server), and stops and removes it at the end.

``initdb`` and ``postgres`` refuse to run as root: as root the cluster belongs to the
``postgres`` system user (``runuser``); as anybody else it belongs to the current user.

The cluster trades durability for speed (``fsync=off``): it is thrown away after the run.
Local connections of the superuser are trusted; every other role logs in with a password
(``scram-sha-256``), so the tests can check what a wrong password does.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUPERUSER = "postgres"
PORT = 5432  # only names the socket file (.s.PGSQL.5432) inside our own directory


class PgUnavailable(RuntimeError):
    """The PostgreSQL server binaries are not installed (run ``make deps``)."""


def must_run(environ: dict[str, str] | None = None) -> bool:
    """Whether missing PostgreSQL binaries fail the tests (CI: ``make test`` must run them all)
    rather than skip them (a developer's machine without ``make deps``)."""
    env = os.environ if environ is None else environ
    return env.get("CI", "").strip().lower() in ("1", "true", "yes")


def find_bindir() -> Path:
    """Directory of ``initdb``/``pg_ctl``/``postgres``: ``QSDESK_PG_BINDIR``, ``pg_config``, or
    the newest ``/usr/lib/postgresql/<major>/bin`` (Debian keeps them off ``PATH``)."""
    env = os.environ.get("QSDESK_PG_BINDIR")
    candidates: list[Path] = [Path(env)] if env else []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        majors = sorted((p for p in debian.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True)
        candidates += [p / "bin" for p in majors]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for c in candidates:
        if (c / "initdb").is_file() and (c / "pg_ctl").is_file():
            return c
    raise PgUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found: run `make deps` "
                        "(installs Debian's postgresql) or set QSDESK_PG_BINDIR")


@dataclass
class PgServer:
    """A running throwaway cluster; :meth:`url` names a database on it."""

    bindir: Path
    root: Path  # scratch folder: data/ and the socket
    run_as: str | None  # system user that owns the cluster (None: the current user)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    def _cmd(self, *args: str) -> list[str]:
        return (["runuser", "-u", self.run_as, "--"] if self.run_as else []) + list(args)

    def run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run one of the server's programs (``pg_dump``, ``psql`` …) as the cluster's owner."""
        return subprocess.run(self._cmd(str(self.bindir / tool), *args), capture_output=True, text=True,
                              check=check, cwd="/")

    def url(self, database: str = "postgres", user: str = SUPERUSER, password: str | None = None,
            scheme: str = "postgresql+psycopg") -> str:
        auth = user + (f":{password}" if password is not None else "")
        return f"{scheme}://{auth}@/{database}?host={self.socket_dir}&port={PORT}"

    def admin_sql(self, *statements: str, database: str = "postgres") -> None:
        """Run statements as the superuser, outside a transaction (CREATE DATABASE etc.)."""
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), port=PORT, user=SUPERUSER, dbname=database,
                             autocommit=True) as conn:
            for st in statements:
                conn.execute(st)  # type: ignore[arg-type]

    def create_database(self, prefix: str = "qsdesk", template: str | None = None, owner: str | None = None) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        sql = f'CREATE DATABASE "{name}"'
        if template:
            sql += f' TEMPLATE "{template}"'
        if owner:
            sql += f' OWNER "{owner}"'
        self.admin_sql(sql)
        return name

    def drop_database(self, name: str) -> None:
        self.admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop", check=False)


def _owner() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        raise PgUnavailable("running as root but there is no `postgres` system user to own the "
                            "test cluster: run `make deps`") from None
    return SUPERUSER


@contextmanager
def running_server(settings: dict[str, str] | None = None) -> Iterator[PgServer]:
    """Start a cluster in a fresh scratch folder; stop and remove it on exit.

    ``settings``: server parameters that replace the test suite's (``{"shared_buffers": "128MB"}``)."""
    bindir = find_bindir()
    run_as = _owner()
    # under /tmp, not pytest's tmp_path: that is owner-only (root), the cluster's user must enter
    root = Path(tempfile.mkdtemp(prefix="qsdesk-pg-", dir="/tmp"))
    if run_as:
        info = pwd.getpwnam(run_as)
        os.chown(root, info.pw_uid, info.pw_gid)
    os.chmod(root, 0o700)
    server = PgServer(bindir=bindir, root=root, run_as=run_as)
    started = False
    try:
        init = server.run("initdb", "-D", str(server.datadir), "-U", SUPERUSER, "-E", "UTF8",
                          "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=reject", "-N", check=False)
        if init.returncode != 0:
            raise PgUnavailable(f"initdb failed: {init.stderr.strip()[-500:]}")
        # the superuser is trusted on the socket; every other role needs its password
        hba = f"local all {SUPERUSER} trust\nlocal all all scram-sha-256\n"
        (server.datadir / "pg_hba.conf").write_text(hba)
        params = {"listen_addresses": "''", "unix_socket_directories": f"'{server.socket_dir}'", "port": str(PORT),
                  "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                  "max_connections": "60", "shared_buffers": "32MB", **(settings or {})}
        opts = " ".join(f"-c {k}={v}" for k, v in params.items())
        start = server.run("pg_ctl", "-D", str(server.datadir), "-l", str(root / "server.log"), "-w",
                           "-t", "60", "-o", opts, "start", check=False)
        if start.returncode != 0:
            log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
            raise PgUnavailable(f"pg_ctl start failed: {start.stderr.strip()} {log[-800:]}")
        started = True
        yield server
    finally:
        if started:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


#: the key passphrase of every county set up on the test server (init_node requires one there)
KEY_PASSPHRASE = "县局测试密钥口令-2026"


def key_passphrase(store: Any) -> str | None:
    """The ``key_passphrase`` for :func:`qsdesk.services.node.init_node`: the test one on a shared
    database, none on a SQLite file."""
    return KEY_PASSPHRASE if store.engine.dialect.name != "sqlite" else None
