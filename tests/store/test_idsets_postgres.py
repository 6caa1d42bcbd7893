"""Conditions over many ids on PostgreSQL (:mod:`qsdesk.store.idsets`): one array parameter per
chunk, sent in the binary array format (:func:`qsdesk.store.db.make_engine`), finding exactly the
ids asked for whatever characters they hold."""

from __future__ import annotations

import pytest
from psycopg.adapt import PyFormat
from psycopg.types.array import ListBinaryDumper
from sqlalchemy import select

from qsdesk.store import idsets
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise

ODD_IDS = ["a,b", "{x}", '"q"', "中文编号", "back\\slash", "NULL", "sp ace", "tab\there"]


def test_postgres_id_lists_are_sent_as_binary_arrays(pg_store: Store) -> None:
    with pg_store.engine.connect() as c:
        dbapi_conn = c.connection.dbapi_connection
        assert dbapi_conn is not None
        assert dbapi_conn.adapters.get_dumper(list, PyFormat.AUTO) is ListBinaryDumper


def test_postgres_among_finds_exactly_the_ids_in_every_chunk(pg_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idsets, "_PG_CHUNK", 3)
    with pg_store.transaction() as s:
        s.add_all([Enterprise(id=i, name=f"企业{n}") for n, i in enumerate(ODD_IDS)])
    asked = [*ODD_IDS[::2], "missing", "a", "{x", ""]
    with pg_store.session() as s:
        chunks = list(idsets.chunked(s, asked))
        assert [len(c) for c in chunks] == [3, 3, 2]
        found = {eid for chunk in chunks
                 for eid in s.scalars(select(Enterprise.id).where(idsets.among(s, Enterprise.id, chunk)))}
    assert found == set(ODD_IDS[::2])
