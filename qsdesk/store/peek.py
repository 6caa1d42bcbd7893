"""A first look at a data directory with the standard ``sqlite3`` module, before SQLAlchemy.

Importing SQLAlchemy, its ORM and the models costs about 0.6 s on a two-core field laptop, four
times a bare Qt window. The start-up therefore shows the window and the login dialog from what
this module reads (the node's name, the active user names) while the database layer loads and
opens on a thread behind them; by the time a person has typed a password it is ready.

Only an up-to-date SQLite database is peeked at; anything else (no file yet, an older schema
that needs migrating, another database server) returns None and start-up waits for the full
open as before.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

#: The newest migration revision. Opening an up-to-date database compares against this constant
#: with one SELECT and never imports Alembic (≈0.2 s of start-up); a test keeps it equal to the
#: head of qsdesk/store/migrations. **Bump it with every new migration.**
SCHEMA_HEAD = "0005"


@dataclass(frozen=True)
class Peek:
    node_code: str
    node_name: str
    usernames: tuple[str, ...]  # active accounts, chiefs first (as the login dialog lists them)


def peek(db_path: Path) -> Peek | None:
    """What the login needs from ``db_path``, or None when only a full open can tell."""
    db_path = Path(db_path)
    if not db_path.is_file():
        return None  # never let sqlite3 create an empty file here
    try:
        con = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        rev = con.execute("SELECT version_num FROM alembic_version").fetchone()
        if rev is None or rev[0] != SCHEMA_HEAD:
            return None
        node = con.execute("SELECT code, name FROM node WHERE is_self = 1 LIMIT 1").fetchone()
        if node is None:
            return None
        users = con.execute(
            "SELECT username FROM account WHERE active = 1 ORDER BY role, username").fetchall()
        return Peek(node_code=node[0], node_name=node[1], usernames=tuple(u[0] for u in users))
    except sqlite3.Error:
        return None
    finally:
        con.close()
