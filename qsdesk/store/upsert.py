"""INSERT … ON CONFLICT DO UPDATE on both databases.

Derived rows (a stored supervision class, a setting) are written as upserts: a row another
transaction added meanwhile (two windows bringing the classes up to date at once) is replaced,
never a primary-key failure.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.orm import Session


def upsert_statement(session: Session, table: Table, key: str) -> Any:
    """``INSERT INTO table`` that replaces every other column of a row whose ``key`` exists."""
    stmt: Any
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        stmt = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        stmt = sqlite_insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={c.name: stmt.excluded[c.name] for c in table.c if c.name != key})


def upsert_rows(session: Session, table: Table, key: str, rows: list[dict[str, Any]]) -> None:
    """Insert or replace ``rows`` (each holding every column of ``table``).

    PostgreSQL: one statement over one array per column (``INSERT … SELECT * FROM unnest(…)``),
    however many rows; an import of a station's year classifies thousands of enterprises, and
    as an ``executemany`` writing their classes cost more than computing them. SQLite: one
    ``executemany`` of :func:`upsert_statement`."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        session.execute(upsert_statement(session, table, key), rows)
        return
    names = [c.name for c in table.c]
    arrays = ", ".join(f"CAST(:{c.name} AS {c.type.compile(dialect=dialect)}[])" for c in table.c)
    session.execute(
        text(f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({arrays}) "
             f"ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in names if c != key)),
        {c: [r[c] for r in rows] for c in names})
