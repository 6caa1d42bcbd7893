"""A county on PostgreSQL from the command line: init records the database once, the password
goes to the password file (never to the settings or the output), failures are one Chinese line
with exit 2, and init never replaces a node's keys. Real server: ``pg_server`` in conftest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from qsdesk.cli import main
from qsdesk.store import dburl
from qsdesk.store.db import DatabaseUnavailable, open_store
from qsdesk.store.migrate import current_revision, head_revision, upgrade_to
from qsdesk.store.peek import SCHEMA_HEAD

INIT = ["init", "--kind", "county", "--code", "370112", "--name", "历城区市场监管局"]


@pytest.fixture(autouse=True)
def _own_pgpass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "pgpass"
    monkeypatch.setenv("PGPASSFILE", str(path))
    return path


def _role(pg_server, name: str, password: str, *, owner_of_new_db: bool = True) -> str:  # type: ignore[no-untyped-def]
    pg_server.admin_sql(f"DROP ROLE IF EXISTS {name}", f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
    return pg_server.create_database(owner=name if owner_of_new_db else None)


def test_postgres_migrations_from_empty(pg_empty_url: str) -> None:
    from qsdesk.store.db import make_engine

    engine = make_engine(pg_empty_url)
    try:
        assert current_revision(engine) is None
        upgrade_to(engine, "head")
        assert current_revision(engine) == head_revision() == SCHEMA_HEAD
        with engine.connect() as c:
            tables = set(c.execute(text("SELECT tablename FROM pg_tables WHERE schemaname='public'")).scalars())
        assert {"node", "enterprise", "inspection", "sync_conflict", "audit_entry"} <= tables
    finally:
        engine.dispose()


def test_postgres_migrations_from_every_earlier_revision(pg_server) -> None:  # type: ignore[no-untyped-def]
    from alembic.script import ScriptDirectory

    from qsdesk.store.db import make_engine
    from qsdesk.store.migrate import alembic_config

    revisions = [r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()][::-1]
    assert len(revisions) >= 2
    for rev in revisions[:-1]:
        name = pg_server.create_database()
        engine = make_engine(pg_server.url(name))
        try:
            upgrade_to(engine, rev)
            assert current_revision(engine) == rev
            upgrade_to(engine, "head")
            assert current_revision(engine) == head_revision()
        finally:
            engine.dispose()
            pg_server.drop_database(name)


def test_postgres_upgrade_to_0004_gives_existing_enterprises_their_search_text(pg_empty_url: str) -> None:
    """A county searched through 0003's per-column indexes: the upgrade writes every existing
    enterprise's text (its live products included), drops the old indexes, and search and the
    triggers work on the upgraded database."""
    from datetime import UTC, datetime

    from qsdesk.services import registry as reg
    from qsdesk.store import search
    from qsdesk.store.db import make_engine
    from qsdesk.store.models import Enterprise, Product

    engine = make_engine(pg_empty_url)
    try:
        upgrade_to(engine, "0003")
        now = datetime(2026, 12, 1, tzinfo=UTC)
        with engine.begin() as c:
            c.execute(Enterprise.__table__.insert(), [
                {"id": "e1", "name": "济南泰和电线电缆有限公司", "address": "港沟路1号", "updated_at": now},
                {"id": "e2", "name": "历城区鲁泰五金门市部", "address": None, "updated_at": now}])
            c.execute(Product.__table__.insert(), [
                {"id": "p1", "enterprise_id": "e1", "name": "聚氯乙烯绝缘电线", "updated_at": now, "deleted": False},
                {"id": "p2", "enterprise_id": "e2", "name": "插座", "updated_at": now, "deleted": True}])
        upgrade_to(engine, "head")
        search.forget_index(engine)
        with engine.connect() as c:
            assert dict(c.execute(text("SELECT enterprise_id, body FROM enterprise_text")).tuples().all()) == {
                "e1": "济南泰和电线电缆有限公司\n港沟路1号\n聚氯乙烯绝缘电线", "e2": "历城区鲁泰五金门市部"}
            indexes = set(c.execute(text("SELECT indexname FROM pg_indexes")).scalars())
        assert "ix_enterprise_name_trgm" not in indexes and search.PG_TEXT_INDEX in indexes

        def found(q: str) -> set[str]:
            stmt, params = reg.list_query(engine, reg.RegistryFilter(text=q))
            with engine.connect() as c:
                return {r.name for r in c.execute(stmt, params)}

        assert found("绝缘 港沟") == {"济南泰和电线电缆有限公司"} and found("插座") == set()
        with engine.begin() as c:
            c.execute(text("UPDATE product SET deleted = false WHERE id = 'p2'"))
        assert found("插座") == {"历城区鲁泰五金门市部"}
        from alembic import command

        from qsdesk.store.migrate import alembic_config

        cfg = alembic_config(engine)
        with engine.begin() as conn:  # and back: the per-column indexes again
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003")
        with engine.connect() as c:
            indexes = set(c.execute(text("SELECT indexname FROM pg_indexes")).scalars())
            assert "ix_enterprise_name_trgm" in indexes and "enterprise_text" not in set(
                c.execute(text("SELECT tablename FROM pg_tables")).scalars())
    finally:
        search.forget_index(engine)
        engine.dispose()


def test_postgres_init_records_url_once_and_keeps_password_out(
        tmp_path: Path, pg_server, _own_pgpass: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    db = _role(pg_server, "clerk_a", "S3cret-pw")
    url = pg_server.url(db, user="clerk_a", password="S3cret-pw")
    d = str(tmp_path / "county")
    assert main(["--data-dir", d, "--database-url", url, *INIT]) == 0
    out = capsys.readouterr()
    assert "S3cret-pw" not in out.out + out.err
    saved = json.loads((tmp_path / "county" / "database.json").read_text())
    assert "S3cret-pw" not in json.dumps(saved)
    assert saved["url"].startswith("postgresql+psycopg://clerk_a@")
    assert (tmp_path / "county" / "database.json").stat().st_mode & 0o077 == 0
    assert "S3cret-pw" in _own_pgpass.read_text() and _own_pgpass.stat().st_mode & 0o077 == 0
    # later commands (and the GUI, through open_store) find the database by themselves
    assert main(["--data-dir", d, "selftest"]) == 0
    st = open_store(d)
    try:
        assert st.engine.dialect.name == "postgresql"
        node = st.self_node()
        assert node is not None and node.code == "370112"
        assert not (tmp_path / "county" / "qsdesk.db").exists()
    finally:
        st.close()


def test_postgres_scheme_accepted(tmp_path: Path, pg_server, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    db = pg_server.create_database()
    for scheme in ("postgres", "postgresql"):
        assert dburl.normalize(f"{scheme}://u@h/d") == "postgresql+psycopg://u@h/d"
    url = pg_server.url(db, scheme="postgres")
    assert main(["--data-dir", str(tmp_path / "c"), "--database-url", url, *INIT]) == 0
    assert "已初始化" in capsys.readouterr().out
    pg_server.drop_database(db)


def test_postgres_init_refuses_existing_node(tmp_path: Path, pg_url: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    d = str(tmp_path / "county")
    assert main(["--data-dir", d, "--database-url", pg_url, *INIT]) == 0
    keys = {p.name: p.read_bytes() for p in (tmp_path / "county" / "keys").iterdir()}
    capsys.readouterr()
    # again, with or without the URL: refused, keys untouched
    assert main(["--data-dir", d, *INIT]) == 2
    assert main(["--data-dir", d, "--database-url", pg_url, *INIT]) == 2
    # a second data directory on the same database: the database already has its node
    assert main(["--data-dir", str(tmp_path / "other"), "--database-url", pg_url, *INIT]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 3 and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in (tmp_path / "county" / "keys").iterdir()} == keys


def test_init_on_sqlite_never_replaces_keys_of_a_postgres_county(
        tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The trap of the issue: the county's data dir, init without the URL (or with a new
    database) made new keys over the county's. Now refused on either backend."""
    d = tmp_path / "county"
    assert main(["--data-dir", str(d), "--database-url", pg_url, *INIT]) == 0
    keys = {p.name: p.read_bytes() for p in (d / "keys").iterdir()}
    (d / "database.json").unlink()  # even when the settings file was lost
    capsys.readouterr()
    assert main(["--data-dir", str(d), *INIT]) == 2
    assert "已有本单位密钥" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (d / "keys").iterdir()} == keys


def test_init_refuses_sqlite_node_keys_for_a_new_postgres_database(
        tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "station"
    assert main(["--data-dir", str(d), "init", "--kind", "station", "--code", "s1", "--name", "所"]) == 0
    keys = {p.name: p.read_bytes() for p in (d / "keys").iterdir()}
    capsys.readouterr()
    assert main(["--data-dir", str(d), "--database-url", pg_url, *INIT]) == 2  # postgres target
    assert {p.name: p.read_bytes() for p in (d / "keys").iterdir()} == keys
    assert not (d / "database.json").exists()


def _one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for n in needles:
        assert n in err, err
    return err


def test_postgres_wrong_password_one_line(tmp_path: Path, pg_server, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    db = _role(pg_server, "clerk_b", "right")
    err = _one_line_exit_2(["--data-dir", str(tmp_path / "c"), "--database-url",
                            pg_server.url(db, user="clerk_b", password="wrong"), *INIT], capsys, "密码错误")
    assert "wrong" not in err
    assert not (tmp_path / "c" / "keys" / "signing_ed25519.pem").exists()


def test_postgres_server_down_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql://x:pw@/qsdesk?host={tmp_path}/nothing-listens&port=5432"
    err = _one_line_exit_2(["--data-dir", str(tmp_path / "c"), "--database-url", url, *INIT],
                           capsys, "无法连接数据库服务器")
    assert "pw@" not in err
    err = _one_line_exit_2(["--data-dir", str(tmp_path / "c"), "--database-url",
                            "postgres://x:pw@127.0.0.1:1/qsdesk", "demo"], capsys)


def test_postgres_missing_database_one_line(tmp_path: Path, pg_server, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    _one_line_exit_2(["--data-dir", str(tmp_path / "c"), "--database-url", pg_server.url("no_such_db"), *INIT],
                     capsys, "数据库 no_such_db 不存在")


def test_postgres_role_without_rights_one_line(tmp_path: Path, pg_server,  # type: ignore[no-untyped-def]
                                               capsys: pytest.CaptureFixture[str]) -> None:
    db = _role(pg_server, "clerk_c", "pw", owner_of_new_db=False)  # may log in, may not create
    _one_line_exit_2(["--data-dir", str(tmp_path / "c"), "--database-url",
                      pg_server.url(db, user="clerk_c", password="pw"), *INIT], capsys, "权限不足", "clerk_c")
    assert not (tmp_path / "c" / "database.json").exists()


def test_postgres_saved_url_that_stops_working_is_one_line(tmp_path: Path, pg_server,  # type: ignore[no-untyped-def]
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    db = pg_server.create_database()
    d = tmp_path / "county"
    assert main(["--data-dir", str(d), "--database-url", pg_server.url(db), *INIT]) == 0
    pg_server.drop_database(db)
    capsys.readouterr()
    _one_line_exit_2(["--data-dir", str(d), "demo", "--enterprises", "0"], capsys, "不存在")
    with pytest.raises(DatabaseUnavailable):
        open_store(d)


def test_postgres_backup_with_pg_dump_restores(tmp_path: Path, pg_server, pg_url: str,  # type: ignore[no-untyped-def]
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from qsdesk.store.models import Enterprise
    from qsdesk.store.pg_backup import restore_postgres

    d = tmp_path / "county"
    assert main(["--data-dir", str(d), "--database-url", pg_url, *INIT]) == 0
    st = open_store(d)
    try:
        with st.transaction() as s:
            s.add(Enterprise(name="济南某食品有限公司", uscc="91370112MA3C000001", address="历城区"))
    finally:
        st.close()
    capsys.readouterr()
    assert main(["--data-dir", str(d), "backup"]) == 0  # the recorded database, no URL typed
    [made] = list((d / "backups").glob("qsdesk-pg-*-manual"))
    assert {p.name for p in made.iterdir()} >= {"database.dump", "keys", "说明.txt"}
    assert {p.name for p in (made / "keys").iterdir()} == {p.name for p in (d / "keys").iterdir()}
    assert "附件" in (made / "说明.txt").read_text(encoding="utf-8")
    # the dump restores into a new database with the same records
    fresh = pg_server.create_database()
    restore_postgres(made / "database.dump", pg_server.url(fresh))
    again = open_store(tmp_path / "restored", url=pg_server.url(fresh))
    try:
        with again.session() as s:
            assert [e.name for e in s.query(Enterprise)] == ["济南某食品有限公司"]
        node = again.self_node()
        assert node is not None and node.code == "370112"
    finally:
        again.close()
        pg_server.drop_database(fresh)


def test_postgres_fixture_fails_under_ci_when_binaries_are_missing(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    from tests import pg_server as pgs

    assert pgs.must_run({"CI": "true"}) and pgs.must_run({"CI": "1"})
    assert not pgs.must_run({}) and not pgs.must_run({"CI": ""})
    # no binaries anywhere: the fixture's error names `make deps`
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("QSDESK_PG_BINDIR", str(tmp_path))
    monkeypatch.setattr(pgs, "Path", lambda p: tmp_path / "none" if p == "/usr/lib/postgresql" else Path(p))
    with pytest.raises(pgs.PgUnavailable, match="make deps"):
        pgs.find_bindir()


def test_postgres_county_restore_points_to_pg_restore(tmp_path: Path, pg_url: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "county"
    assert main(["--data-dir", str(d), "--database-url", pg_url, *INIT]) == 0
    capsys.readouterr()
    _one_line_exit_2(["--data-dir", str(d), "restore", str(tmp_path / "x.db")], capsys, "pg_restore")
