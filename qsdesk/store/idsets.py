"""Conditions over many record ids, in as few statements as the database allows.

SQLite: an ``IN`` list per chunk of 500 ids (well under its bound-variable limit). PostgreSQL:
``col = ANY(:ids)`` with one array parameter per chunk of 10,000: the same statement text for
every chunk, and none of the thousands of bound values an expanded ``IN`` makes the driver parse
(a county import looks up tens of thousands of ids at a time).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

#: ids per statement: an array parameter on PostgreSQL, an ``IN`` list elsewhere
_PG_CHUNK, _IN_CHUNK = 10_000, 500


def _pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def chunked(session: Session, ids: Iterable[str]) -> Iterator[list[str]]:
    """``ids`` in chunks of the size :func:`among` takes on this database."""
    ids = list(ids)
    size = _PG_CHUNK if _pg(session) else _IN_CHUNK
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def among(session: Session, col: Any, chunk: list[str]) -> ColumnElement[bool]:
    """``col`` is one of ``chunk`` (a chunk from :func:`chunked`)."""
    if _pg(session):
        return col == any_(bindparam(None, chunk, type_=ARRAY(String)))  # type: ignore[no-any-return]
    return col.in_(chunk)  # type: ignore[no-any-return]
