"""The README's 县级局 steps, followed from scratch: every ``psql`` and ``qsdesk`` line of its
``county-steps`` block runs against the PostgreSQL the tests start (the server address becomes
the test server's socket, the shared folder a temporary one, each workstation its own data
directory)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from qsdesk.cli import main
from qsdesk.store.db import open_store
from qsdesk.store.models import Enterprise

README = Path(__file__).resolve().parents[2] / "README.md"


def county_steps() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- county-steps")
    block = text[text.index("```sh", start) + 5:text.index("```", text.index("```sh", start) + 5)]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_postgres_readme_county_steps_from_scratch(tmp_path: Path, pg_server, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass"))
    shared = tmp_path / "share"
    shared.mkdir()
    steps = county_steps()
    assert [s.split()[0] for s in steps] == ["sudo", "sudo", "sudo", "qsdesk", "qsdesk", "qsdesk"]
    pg_server.admin_sql("DROP DATABASE IF EXISTS qsdesk WITH (FORCE)", "DROP ROLE IF EXISTS qsdesk")
    workstation = 0
    for line in steps:
        if line.startswith("sudo apt install"):
            continue  # the test server's binaries are installed by `make deps` the same way
        if line.startswith("sudo -u postgres psql -c "):
            pg_server.admin_sql(shlex.split(line)[-1])
            continue
        args = shlex.split(line)[1:]
        args = [re.sub(r"@192\.168\.1\.10/(\w+)$", rf"@/\1?host={pg_server.socket_dir}&port=5432", a)
                for a in args]
        args = [str(shared) if a == "/mnt/qsdesk-attachments" else a for a in args]
        if args[0] in ("init", "connect"):
            workstation += 1
        monkeypatch.setenv("QSDESK_DATA_DIR", str(tmp_path / f"workstation{workstation}"))
        assert main(args) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "已初始化" in out and "已连接" in out and "已备份（pg_dump）" in out
    assert "Qs-change-me-2026" not in out
    # both workstations work on the one database, without a URL typed again
    one, two = open_store(tmp_path / "workstation1"), open_store(tmp_path / "workstation2")
    try:
        with one.transaction() as s:
            s.add(Enterprise(name="济南华鲁电器有限公司"))
        with two.session() as s:
            assert [e.name for e in s.query(Enterprise)] == ["济南华鲁电器有限公司"]
        assert two.engine.url.username == "qsdesk" and two.engine.url.password is None
    finally:
        one.close()
        two.close()
    assert list((tmp_path / "workstation2" / "backups").glob("qsdesk-pg-*/database.dump"))
