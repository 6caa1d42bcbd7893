"""SQLite tuning for one large write, set on the session's connection and restored afterwards.

A big import (an Excel registry, a sync bundle of thousands of rows) runs in one transaction,
so a commit is one fsync (see :mod:`qsdesk.store.db`). Such a transaction touches pages all
over the tables' indexes; with SQLite's default page cache (about 2 MB) changed pages are
spilled to the WAL and written again many times before the commit. :func:`bulk_session` gives
the connection a large page cache for the duration and puts back the value it found, also when
the work fails, so a pooled connection never keeps the big cache. Other databases are left
alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

#: The page cache of a bulk write, in KiB (256 MB: a county registry's indexes fit).
BULK_CACHE_KIB = 256 * 1024


@contextmanager
def bulk_session(session: Session, *, cache_kib: int = BULK_CACHE_KIB, enabled: bool = True) -> Iterator[Session]:
    """Tune ``session``'s connection for a large write; restore the PRAGMA on the way out.

    ``enabled=False`` (a small write) and databases other than SQLite change nothing.
    """
    conn = session.connection()
    if not enabled or conn.dialect.name != "sqlite":
        yield session
        return
    saved = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size=-{int(cache_kib)}")
    try:
        yield session
    finally:
        if not conn.invalidated:  # a lost connection is discarded with its settings
            conn.exec_driver_sql(f"PRAGMA cache_size={saved}")
