"""What a committed transaction changed: the tables it wrote, told to whoever listens.

Every write, however it is made (ORM flush, a bulk ``update()``, ``session.connection()``
statements of an import, raw SQL text), reaches the database as an INSERT, UPDATE or DELETE
statement on a connection; :class:`ChangeTracker` notes the table of each on the connection
(``after_cursor_execute``), moves the set aside when that connection commits and forgets it when
it rolls back, and hands it to the listeners as a :class:`Changes` once the session's commit has
succeeded (``after_commit``). So a listener learns about every committed write, never about one
that was rolled back, and only after the data can be read. The GUI turns this into one
application signal that refreshes the pages showing those tables (Anki's ``OpChanges`` and
calibre's database listeners are the models).

Listeners run on the thread that committed; they must be quick and must not write.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

_KEY = "qsdesk_touched"

# INSERT [OR …] INTO t, REPLACE INTO t, UPDATE [OR …] t, DELETE FROM t (optionally schema.t, quoted)
_WRITE = re.compile(
    r"""\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"""
    r"""(?:"?\w+"?\.)?"?(\w+)"?""",
    re.IGNORECASE,
)


def written_table(sql: str) -> str | None:
    """The table an INSERT / UPDATE / DELETE statement writes, None for anything else."""
    head = sql.lstrip()[:1].upper()
    if head not in ("I", "U", "D", "R"):
        return None
    m = _WRITE.match(sql)
    return m.group(1).lower() if m else None


@dataclass(frozen=True)
class Changes:
    """The tables one or more committed transactions wrote."""

    tables: frozenset[str]

    def touches(self, tables: Iterable[str] | None) -> bool:
        """Whether any of ``tables`` changed (None: any table at all)."""
        if tables is None:
            return bool(self.tables)
        return not self.tables.isdisjoint(tables)

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.tables | other.tables)

    def __bool__(self) -> bool:
        return bool(self.tables)


Listener = Callable[[Changes], None]


class ChangeTracker:
    """Collects the tables written on ``engine`` and tells listeners after each commit of a
    session made by ``factory``."""

    def __init__(self, engine: Engine, factory: sessionmaker[Session]) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        event.listen(engine, "after_cursor_execute", self._executed)
        event.listen(engine, "commit", self._connection_committed)
        event.listen(engine, "rollback", self._connection_rolled_back)
        event.listen(factory, "after_commit", self._session_committed)

    # ----------------------------------------------------------------- listeners

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` after every commit that wrote something; returns the unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    # ----------------------------------------------------------------- events

    @staticmethod
    def _executed(conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        table = written_table(statement)
        if table is not None:
            conn.info.setdefault(_KEY, set()).add(table)

    def _connection_committed(self, conn: Any) -> None:
        touched = conn.info.pop(_KEY, None)
        if touched:
            committed: set[str] = getattr(self._local, "committed", None) or set()
            committed |= touched
            self._local.committed = committed

    @staticmethod
    def _connection_rolled_back(conn: Any) -> None:
        conn.info.pop(_KEY, None)

    def _session_committed(self, _session: Session) -> None:
        committed = getattr(self._local, "committed", None)
        if not committed:
            return
        self._local.committed = None
        self.notify(Changes(frozenset(committed)))

    def notify(self, changes: Changes) -> None:
        """Tell every listener (a failing listener is logged; the write stays committed)."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(changes)
            except Exception:
                log.exception("change listener failed")
