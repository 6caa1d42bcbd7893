"""How the program's PostgreSQL connections are set up and checked out of the pool.

* **JIT off** on every connection: the program's queries are short lookups and pages, and the
  JIT compiler cost 452 of 558 ms of a two-term registry search at 25k enterprises while saving
  nothing.
* **Lists as binary arrays** (the id arrays of :mod:`qsdesk.store.idsets`, the column arrays of
  an upsert): psycopg writes a text array value by value in Python, five times slower (27 ms
  per 10,000 ids), and an import sends hundreds of thousands of ids.
* **A ping only after a pause**: a connection that sat in the pool for :data:`PING_AFTER_IDLE`
  seconds (a county server restarted overnight, a dropped network) is tried with a ``SELECT 1``
  before use and replaced if dead. One used a moment ago is not: SQLAlchemy's ``pool_pre_ping``
  pings at every checkout, and a registry search (probe and page, a few milliseconds) paid one
  more round trip for it than for the search itself.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

#: seconds a pooled connection may sit unused before it is pinged at its next checkout
PING_AFTER_IDLE = 5.0

#: what :func:`connect_args` sets on every connection
OPTIONS = "-c jit=off"


def connect_args(given: dict[str, Any] | None) -> dict[str, Any]:
    """The driver's connection arguments: the caller's, with JIT off unless they set options."""
    args = dict(given or {})
    args.setdefault("options", OPTIONS)
    return args


def configure(engine: Engine) -> None:
    """Binary arrays on every new psycopg connection, and the ping after a pause."""
    if engine.dialect.driver == "psycopg":

        @event.listens_for(engine, "connect")
        def _binary_arrays(dbapi_conn: Any, _record: Any) -> None:
            from psycopg.types.array import ListBinaryDumper

            # the last dumper registered for a type is the one a ``%s`` placeholder uses
            dbapi_conn.adapters.register_dumper(list, ListBinaryDumper)

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_from"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_after_pause(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_from")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return  # new, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            # the pool discards this connection and checks out (or opens) another
            raise DisconnectionError("pooled connection is gone") from exc
