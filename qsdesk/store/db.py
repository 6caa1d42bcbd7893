"""Engine, sessions and the rules every write obeys.

SQLite settings and why:

* ``journal_mode=WAL`` — readers (the GUI's lists) never block the writer (autosave).
* ``synchronous=FULL`` — in WAL mode ``NORMAL`` may lose the last committed transactions on a
  power cut (the WAL is not fsynced at each commit). Inspectors' laptops lose power; a record
  the program said was saved must be there after the reboot, so every commit is fsynced. The
  cost is one fsync per transaction, which is why bulk work uses one transaction.
* ``foreign_keys=ON`` — SQLite leaves them off by default.
* ``busy_timeout`` — the GUI and a CLI command may touch the same file.

Every flush refuses text longer than its column (:mod:`qsdesk.store.limits`), stamps sync
metadata on changed :class:`~qsdesk.store.models.SyncMixin` rows (``rev``, ``updated_at``,
``origin``, ``change_seq``) and refuses any change to a sealed
inspection: a sealed record is never modified, a correction is an amendment.

**Lock order** (one rule for every writer, so an import and the editors never deadlock): a
transaction that writes synced rows takes the change counter (the ``counter`` row
``change_seq``, :func:`lock_change_counter`) *before* it locks or writes any synced row, and keeps
it until it commits. An editor's flush does so in :func:`_stamp` (counter, then the ``rev``
check's row locks, then the rows); the bundle import and export, the Excel import and
:func:`qsdesk.services.classes.refresh` take it first thing. On SQLite taking it is taking the
database's write lock; on PostgreSQL it is one row lock that every writer queues on, so whoever
holds it never waits for a row another writer holds. A deadlock or serialization failure that
still happens (a writer outside the rule) is turned into :class:`WriteConflictError`: one Chinese
line, nothing saved, the import retries it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, create_engine, event, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from qsdesk.domain import formspec
from qsdesk.paths import DataDir
from qsdesk.store import dburl, limits, pg_pool
from qsdesk.store.changes import Changes, ChangeTracker
from qsdesk.store.dburl import DatabaseUnavailable  # noqa: F401  (re-exported for callers)
from qsdesk.store.models import (
    Counter,
    Inspection,
    Node,
    Signature,
    SyncMixin,
)
from qsdesk.store.peek import SCHEMA_HEAD

#: Result rows to unpack: SQLAlchemy 2.1 types a row of an untyped select as Row[*tuple[Any, ...]],
#: which mypy unpacks to ``object``; the rows are sequences of column values.
_Rows = Iterable[Sequence[Any]]


class SealedRecordError(RuntimeError):
    """Raised when a flush would change a sealed inspection."""


class ConcurrentEditError(ValueError):
    """Someone else (another workstation, another window) saved the record since it was read:
    this change is refused rather than overwriting theirs. The message is Chinese."""

    def __init__(self, table: str, record_id: str) -> None:
        self.table, self.record_id = table, record_id
        super().__init__(f"这条{limits.table_label(table)}刚被其他人修改（可能在另一台工作站），"
                         "本次修改未保存；请重新打开后再修改")


class WriteConflictError(ConcurrentEditError):
    """The database refused this transaction because another one wrote at the same moment
    (a PostgreSQL deadlock or serialization failure, SQLite's lock still held after the busy
    timeout). Nothing was saved; trying again is safe. The message is Chinese."""

    def __init__(self, detail: str = "") -> None:
        self.table, self.record_id, self.detail = "", "", detail
        ValueError.__init__(self, "数据库正在保存其他人的修改（例如正在导入数据包），本次修改未保存；请稍后再保存一次")


#: PostgreSQL SQLSTATEs of a transaction that lost a race and may simply be run again.
_RETRYABLE_PGCODES = ("40P01", "40001", "55P03")  # deadlock, serialization failure, lock not available


def is_write_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` (a DBAPI error) means "another transaction was writing": retryable."""
    if isinstance(exc, WriteConflictError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in _RETRYABLE_PGCODES:
        return True
    text_ = str(orig or exc).lower()
    return "database is locked" in text_ or "deadlock detected" in text_


def lock_change_counter(session: Session) -> None:
    """Take the change counter's lock for the rest of ``session``'s transaction: the first step
    of every writer (see the lock order in this module's docstring). Changes no value."""
    res = session.execute(update(Counter).where(Counter.name == "change_seq").values(value=Counter.value))
    if res.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(Counter).values(name="change_seq", value=0))


def expect_rev(session: Session, table: str, record_id: str, rev: int) -> None:
    """Refuse this session's flush of ``table``/``record_id`` unless the database still holds
    ``rev`` — the revision a form was opened with (optimistic concurrency over minutes)."""
    session.info.setdefault("expected_rev", {})[(table, record_id)] = rev


def _check_revs(session: Session, dirty: list[Any]) -> None:
    """Optimistic ``rev`` check at write time: every changed synced row must still have the
    revision this session read (or the one :func:`expect_rev` named). The rows are locked
    (``FOR UPDATE`` on PostgreSQL) so a concurrent writer waits, then sees the new revision and
    is refused: never a lost update between two workstations."""
    expected: dict[tuple[str, str], int] = session.info.get("expected_rev", {})
    by_table: dict[Any, dict[str, int]] = {}
    for obj in dirty:
        table = type(obj).__table__
        want = expected.get((table.name, obj.id), obj.rev)
        if want is not None:
            by_table.setdefault(table, {})[obj.id] = int(want)
    for table, revs in by_table.items():
        ids = list(revs)
        for i in range(0, len(ids), 500):
            q = select(table.c.id, table.c.rev).where(table.c.id.in_(ids[i:i + 500]))
            if session.get_bind().dialect.name != "sqlite":
                q = q.with_for_update(key_share=True)  # FOR NO KEY UPDATE: what the UPDATE takes
            with session.no_autoflush:
                for rid, rev in cast(_Rows, session.execute(q)):
                    if rev != revs[rid]:
                        raise ConcurrentEditError(table.name, rid)


def utcnow() -> datetime:
    return datetime.now(UTC)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


#: Chinese text stored as UTF-8, not \uXXXX escapes: half the size, readable in a DB browser.
#: One encoder for every value (``json.dumps`` builds a new one per call).
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _json_dumps(value: Any) -> str:
    return _JSON_ENCODER.encode(value)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (``postgres://`` and ``postgresql://`` mean psycopg 3); PostgreSQL
    connections are set up by :mod:`qsdesk.store.pg_pool` (JIT off, binary arrays, a ping only
    after a pause)."""
    kwargs.setdefault("json_serializer", _json_dumps)
    url = dburl.normalize(url)
    if url.startswith("postgresql"):
        kwargs["connect_args"] = pg_pool.connect_args(kwargs.pop("connect_args", None))
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":
        pg_pool.configure(engine)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()

    return engine


def next_change_seq(session: Session) -> int:
    """Increment and return the node-local change counter (portable: UPDATE then SELECT)."""
    res = session.execute(
        update(Counter).where(Counter.name == "change_seq").values(value=Counter.value + 1)
    )
    if res.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(Counter).values(name="change_seq", value=1))
        return 1
    return int(session.execute(select(Counter.value).where(Counter.name == "change_seq")).scalar_one())


def reserve_change_seqs(session: Session, n: int) -> int:
    """Reserve ``n`` consecutive change numbers for a bulk insert; returns the first one."""
    last = next_change_seq(session)
    if n > 1:
        session.execute(
            update(Counter).where(Counter.name == "change_seq").values(value=Counter.value + (n - 1))
        )
    return last


def _stored_status(session: Session, inspection_id: str | None) -> str | None:
    """The inspection's status as the database holds it now (before this flush)."""
    if not inspection_id:
        return None
    with session.no_autoflush:
        return session.execute(select(Inspection.status).where(Inspection.id == inspection_id)).scalar()


def _guard_sealed(session: Session) -> None:
    """Refuse any flush that changes a sealed inspection, its answers or its signatures.

    Sealing itself (draft → sealed, with the last answers, in one flush) is allowed because the
    stored status is still ``draft`` while that flush runs.
    """
    touched: set[str] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Inspection) and obj not in session.new:
            if obj in session.deleted or session.is_modified(obj, include_collections=False):
                touched.add(obj.id)
        elif isinstance(obj, Signature) and (
            obj in session.new or obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            parent_id = obj.inspection_id or (obj.inspection.id if obj.inspection else None)
            if parent_id:
                touched.add(parent_id)
    for insp_id in touched:
        if _stored_status(session, insp_id) == "sealed":
            raise SealedRecordError("已封存的检查记录不可修改；如需更正，请新建更正记录")


def _stamp(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.info.get("sync_apply"):
        return  # rows arriving in a bundle keep their own metadata
    _guard_sealed(session)
    # what the county's PostgreSQL would refuse is refused here, on every backend
    for obj in session.new:
        limits.check_object(obj)
    for obj in session.dirty:
        limits.check_object(obj)
    changed = [o for o in session.new if isinstance(o, SyncMixin)]
    dirty = [
        o
        for o in session.dirty
        if isinstance(o, SyncMixin) and session.is_modified(o, include_collections=False)
    ]
    changed += dirty
    if not changed:
        return
    seq = next_change_seq(session)  # the counter first: the lock order (module docstring)
    if dirty:
        _check_revs(session, dirty)
    now = utcnow()
    origin = session.info.get("origin", "")
    for obj in changed:
        if obj in session.new:
            obj.rev = obj.rev or 1
            if not obj.origin:
                obj.origin = origin
        else:
            obj.rev = (obj.rev or 0) + 1
            key = (cast(Any, type(obj)).__table__.name, obj.id)
            if key in session.info.get("expected_rev", {}):  # a later flush checks against this one
                session.info["expected_rev"][key] = obj.rev
        obj.updated_at = now
        obj.change_seq = seq


@dataclass
class Store:
    """An opened database: engine, session factory, and the data directory it belongs to."""

    engine: Engine
    data_dir: DataDir | None
    origin: str = ""
    actor: str = ""
    role: str = ""  # the logged-in user's role ("chief" / "inspector"); "" when nobody logged in
    _factory: sessionmaker[Session] = field(init=False, repr=False)
    _changes: ChangeTracker = field(init=False, repr=False)
    #: The forms this store's records use: the bundled ones and the versions a county published,
    #: installed in ``<data dir>/forms`` (:mod:`qsdesk.services.form_versions`); cached.
    forms: formspec.FormCatalog = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.forms = formspec.FormCatalog([self.data_dir.root / "forms"] if self.data_dir is not None else [])
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        self._update_info()
        event.listen(self._factory, "before_flush", _stamp)
        self._changes = ChangeTracker(self.engine, self._factory)

    def on_change(self, listener: Callable[[Changes], None]) -> Callable[[], None]:
        """Call ``listener`` with the tables written after every committed transaction (on the
        committing thread; see :mod:`qsdesk.store.changes`). Returns the unsubscribe."""
        return self._changes.listen(listener)

    def _update_info(self) -> None:
        # Every new session carries the node code (stamped on rows) and the logged-in user
        # (written to audit entries).
        self._factory.kw["info"] = {"origin": self.origin, "actor": self.actor, "forms": self.forms}

    def set_origin(self, code: str) -> None:
        self.origin = code
        self._update_info()

    def set_actor(self, username: str, role: str = "") -> None:
        self.actor = username
        self.role = role
        self._update_info()

    def session(self) -> Session:
        return self._factory()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for statements that only read, each on its own (a list's probe, count
        and page): no transaction is opened or rolled back around them, two round trips fewer
        per checkout on PostgreSQL. Not for a server-side cursor, which needs a transaction."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn

    def upgrade_schema(self) -> None:
        """Bring the database to this program's schema (after a restore put an older one in place)."""
        if stored_revision(self.engine) != SCHEMA_HEAD:
            from qsdesk.store.migrate import upgrade_to_head

            upgrade_to_head(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back everything on any error.

        A transaction that lost a race with another writer (deadlock, serialization failure,
        SQLite still locked after the busy timeout) raises :class:`WriteConflictError` (one
        Chinese line; nothing saved, safe to try again) instead of the driver's error."""
        try:
            with self._factory() as s, s.begin():
                yield s
        except DBAPIError as exc:
            if is_write_conflict(exc):
                raise WriteConflictError(str(exc.orig or exc).splitlines()[0]) from exc
            raise

    def self_node(self) -> Node | None:
        with self.session() as s:
            return s.scalars(select(Node).where(Node.is_self.is_(True))).first()

    def close(self) -> None:
        self.engine.dispose()




def stored_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database (None for a new or foreign database)."""
    with engine.connect() as c:
        try:
            return c.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # no alembic_version table yet  # noqa: BLE001
            return None


def open_store(data_dir: Path | str | None = None, *, url: str | None = None, migrate: bool = True) -> Store:
    """Open (and by default migrate to the newest schema) the database of a data directory.

    Without ``url`` the database is the one recorded for the data directory at ``init``
    (``database.json``, a county's PostgreSQL) or else its SQLite file. Before a database made by
    an older version is migrated, a backup is taken (SQLite files). A server that cannot be
    reached, a wrong password, a missing database or a role without rights raise
    :class:`DatabaseUnavailable` (one Chinese line, no password).
    """
    from qsdesk.paths import default_data_dir

    dd = DataDir(Path(data_dir) if data_dir else default_data_dir()).ensure()
    if url is None:
        url = dburl.saved_url(dd.root)
    target = dburl.normalize(url) if url else sqlite_url(dd.db_path)
    try:
        engine = make_engine(target)
    except Exception as exc:
        problem = dburl.explain(exc, target)
        if problem is None:
            raise
        raise problem from None
    try:
        if engine.dialect.name != "sqlite":
            with engine.connect():
                pass  # a connection failure is told as such, not as a missing table
        if migrate and stored_revision(engine) != SCHEMA_HEAD:
            from qsdesk.store.migrate import upgrade_to_head

            if url is None and dd.db_path.is_file() and stored_revision(engine) is not None:
                from qsdesk.store.backup import backup_data_dir

                backup_data_dir(dd, "migrate")  # an upgrade never risks the only copy
            upgrade_to_head(engine)
    except DBAPIError as exc:
        engine.dispose()
        problem = dburl.explain(exc, target) if engine.dialect.name != "sqlite" else None
        if problem is None:
            raise
        raise problem from None
    if url is None and dd.db_path.is_file():
        os.chmod(dd.db_path, 0o600)
    store = Store(engine=engine, data_dir=dd)
    try:
        node = store.self_node()
    except Exception:  # an unmigrated database has no node table yet
        node = None
    if node is not None:
        store.set_origin(node.code)
    return store


def forms_of(session: Session) -> formspec.FormCatalog:
    """The form catalogue of the store a session came from (the bundled forms for a bare one)."""
    forms = session.info.get("forms")
    return forms if isinstance(forms, formspec.FormCatalog) else formspec.BUNDLED


def integrity_check(engine: Engine) -> list[str]:
    """Problems SQLite reports (empty when healthy); other dialects are trusted."""
    if engine.dialect.name != "sqlite":
        return []
    with engine.connect() as c:
        rows = [r[0] for r in c.execute(text("PRAGMA integrity_check"))]
        fk = list(c.execute(text("PRAGMA foreign_key_check")))
    problems = [r for r in rows if r != "ok"]
    problems += [f"foreign key: {tuple(r)}" for r in fk]
    return problems
