"""The county's pooled PostgreSQL connections (:mod:`qsdesk.store.pg_pool`): pinged only after
a pause, so a search pays no extra round trip, yet a connection the server dropped meanwhile
(a restart overnight) is replaced, never handed to a list; reads without a transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from qsdesk.store import pg_pool
from qsdesk.store.db import Store


@pytest.fixture
def pings(pg_store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    dialect = pg_store.engine.dialect
    real = dialect.do_ping
    seen: list[int] = []

    def counted(dbapi_conn):  # type: ignore[no-untyped-def]
        seen.append(1)
        return real(dbapi_conn)

    monkeypatch.setattr(dialect, "do_ping", counted)
    yield seen


def _drop_the_programs_connections(pg_server, store: Store) -> int:  # type: ignore[no-untyped-def]
    """What a server restart does to the pooled connections: the server ends them."""
    with store.engine.connect() as c:
        db = c.execute(text("SELECT current_database()")).scalar()
    import psycopg

    with psycopg.connect(host=str(pg_server.socket_dir), port=5432, user="postgres", dbname="postgres",
                         autocommit=True) as admin:
        return len(admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = %s AND pid <> pg_backend_pid()", (db,)).fetchall())


def test_postgres_connection_used_a_moment_ago_is_not_pinged(pg_store: Store, pings: list[int]) -> None:
    for _ in range(5):
        with pg_store.engine.connect() as c:
            assert c.execute(text("SELECT 1")).scalar() == 1
    assert pings == []


def test_postgres_connection_dropped_after_a_pause_is_replaced(
        pg_server, pg_store: Store, pings: list[int], monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    with pg_store.engine.connect() as c:
        c.execute(text("SELECT 1"))
    assert _drop_the_programs_connections(pg_server, pg_store) >= 1
    monkeypatch.setattr(pg_pool, "PING_AFTER_IDLE", 0.0)  # the pause is over
    with pg_store.engine.connect() as c:
        assert c.execute(text("SELECT 1")).scalar() == 1
    assert pings == [1]  # the dead one was pinged and replaced; the new one was not pinged


def test_postgres_reading_opens_no_transaction(pg_store: Store) -> None:
    with pg_store.reading() as c:
        assert c.execute(text("SELECT 1")).scalar() == 1
        dbapi_conn = c.connection.dbapi_connection
        assert dbapi_conn is not None and dbapi_conn.autocommit
    with pg_store.engine.connect() as c:  # the same pooled connection, as it was
        assert c.connection.dbapi_connection is dbapi_conn and not dbapi_conn.autocommit
