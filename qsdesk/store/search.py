"""Enterprise search: any substring of name, credit code, legal representative, address or a
product name, as the user types.

On SQLite, migration ``0002`` keeps one search document per enterprise and per product and a
trigram FTS5 index over them. The list query is *driven by the search*: it reads matches in
index order (or, for a one- or two-character term, which a trigram index cannot answer, scans
the narrow document table in order) and stops when a page is full, so the first hundred results
of a common term cost about the same for 10 or 100 000 matches. A rare short term costs one scan
of the document table. A credit-code prefix is a substring like any other.

On PostgreSQL (a county hub) migration ``0004`` keeps one text per enterprise
(``enterprise_text``: its four columns and the names of its live products) and a GIN index over
the text's characters. All the terms are one lookup: the enterprises whose text holds every
character of every term (the intersection of a few posting lists, before any row is read), on
which an ``ILIKE`` per term decides. A trigram index on the same text, when the server has
``pg_trgm``, lets the planner AND in the longer terms. When many enterprises match every term
(judged on a sample of the registry, :func:`pg_walk`) the list is read in name order instead,
which stops as soon as a page is full. Connections run with ``jit = off``
(:mod:`qsdesk.store.pg_pool`).

Elsewhere, or on a database without an index, every term is a ``LIKE`` over the enterprise
columns and its products. Several space-separated terms must all match (each may match a
different field).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    exists,
    func,
    inspect,
    literal_column,
    null,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import column, table
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from qsdesk.store.idsets import chunked
from qsdesk.store.models import Enterprise, Product

search_doc = table("enterprise_search", column("doc_id"), column("enterprise_id"), column("source_id"),
                   column("body"))
search_fts = table("enterprise_fts", column("rowid"), column("body"))

INDEX_TABLES = frozenset({"enterprise_search", "enterprise_fts"})
#: terms at least this long use the trigram index, shorter ones scan the documents
TRIGRAM = 3

_available: dict[int, bool] = {}


#: migration 0004: the search text of every enterprise on PostgreSQL, and the index over its
#: characters that every search uses (its trigram index is optional)
enterprise_text = table("enterprise_text", column("enterprise_id"), column("name"), column("body"))
PG_TEXT_INDEX = "ix_enterprise_text_chars"
#: migration 0005: while this setting is ``on`` in a transaction, inserted enterprises and
#: products get no search text until ``enterprise_text_refresh`` (:func:`deferred_texts`)
DEFER_TEXTS = "qsdesk.defer_search_text"
#: the indexed expression, written exactly as migration 0004 does (the planner uses an
#: expression index only for the same expression)
TEXT_CHARS: ColumnElement[Any] = literal_column("string_to_array(lower(enterprise_text.body), NULL)")


@contextmanager
def deferred_texts(session: Session) -> Iterator[set[str]]:
    """Bulk inserts inside write each enterprise's search text once, at the end (PostgreSQL).

    The caller adds to the yielded set the enterprises whose rows it inserted (and those it
    inserted products for); their texts are written in one statement when the block ends
    without an error. Without it, inserting 5,000 enterprises and then their products writes
    every text twice (migration 0005). Updates and deletes inside keep their row triggers. On
    SQLite (its FTS5 triggers are per row) nothing changes."""
    ids: set[str] = set()
    if session.get_bind().dialect.name != "postgresql":
        yield ids
        return
    session.execute(text("SELECT set_config(:name, 'on', true)"), {"name": DEFER_TEXTS})
    yield ids
    session.execute(text("SELECT set_config(:name, 'off', true)"), {"name": DEFER_TEXTS})
    for chunk in chunked(session, sorted(ids)):
        session.execute(text("SELECT enterprise_text_refresh(CAST(:ids AS varchar[]))"), {"ids": chunk})


def has_index(engine: Engine) -> bool:
    """Whether the search index exists in this database (cached per engine): SQLite's FTS5
    tables or PostgreSQL's enterprise text (migration 0004)."""
    key = id(engine)
    if key not in _available:
        ok = False
        if engine.dialect.name == "sqlite":
            ok = set(inspect(engine).get_table_names()) >= INDEX_TABLES
        elif engine.dialect.name == "postgresql":
            with engine.connect() as c:
                ok = c.execute(text("SELECT 1 FROM pg_indexes WHERE schemaname = current_schema()"
                                            " AND indexname = :name"), {"name": PG_TEXT_INDEX}).first() is not None
        _available[key] = ok
    return _available[key]


def forget_index(engine: Engine) -> None:
    """Drop the cached :func:`has_index` answer (after a migration created the index)."""
    _available.pop(id(engine), None)


def terms(text: str) -> list[str]:
    """The search terms of what the user typed (full-width spaces count as spaces)."""
    return [t for t in re.split(r"\s+", (text or "").replace("\u3000", " ").strip()) if t]


def like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def trigram_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def like_clause(text: str) -> ColumnElement[bool]:
    """Portable condition (any dialect, no index): every term in some field or product name."""
    parts: list[ColumnElement[bool]] = []
    for term in terms(text):
        pat = like_pattern(term)
        product_hit = exists().where(Product.enterprise_id == Enterprise.id, Product.deleted.is_(False),
                                     Product.name.ilike(pat, escape="\\"))
        parts.append(or_(
            Enterprise.name.ilike(pat, escape="\\"),
            Enterprise.legal_rep.ilike(pat, escape="\\"),
            Enterprise.address.ilike(pat, escape="\\"),
            Enterprise.uscc.ilike(pat, escape="\\"),
            product_hit,
        ))
    return and_(*parts)


@dataclass(frozen=True)
class IndexSource:
    """What an index-driven list query selects from: ``from_`` joined to the enterprise on
    ``enterprise_id``, filtered by ``where``. On SQLite rows may repeat (an enterprise whose
    name and product both match, so the query must be ``DISTINCT``) and ``where`` refers to
    the enterprise; on PostgreSQL each enterprise is one row of ``from_`` and ``where`` refers to
    it alone (a semi-join: ``enterprise.id IN (SELECT enterprise_id … WHERE where)``)."""

    from_: Any
    enterprise_id: ColumnElement[Any]
    where: ColumnElement[bool]
    #: the search values, bound as ``q0``, ``q1``…: a statement built once for a shape of
    #: search (see :func:`shape`) is executed again with new values as the user types
    params: dict[str, Any]


def driver_order(text: str) -> list[str]:
    """The terms, the one that drives an SQLite search first: the longest (the fewest
    matches, as a rule)."""
    return sorted(terms(text), key=len, reverse=True)


def shape(text: str, dialect: str = "sqlite") -> tuple[int, ...] | None:
    """What the statement of :func:`index_source` depends on besides the values: the number of
    terms, and on SQLite whether the driver (:func:`driver_order`) uses the trigram index.
    None: no text."""
    ts = driver_order(text)
    if not ts:
        return None
    if dialect == "postgresql":
        return (len(ts),)
    return (int(len(ts[0]) >= TRIGRAM), len(ts) - 1)


def source_params(text: str, dialect: str = "sqlite") -> dict[str, Any]:
    """The values :func:`index_source` binds for ``text`` (``q0``, ``q1``… one per term; on
    PostgreSQL ``chars``, every term's characters), without building its SQL: while the user
    types only these change (see :func:`shape`)."""
    ts = driver_order(text)
    fts = dialect == "sqlite"
    params: dict[str, Any] = {
        f"q{n}": trigram_phrase(term) if fts and n == 0 and len(term) >= TRIGRAM else like_pattern(term)
        for n, term in enumerate(ts)}
    if not fts and ts:
        params["chars"] = "".join(ts)
    return params


def _pg_source(text: str) -> IndexSource:
    """PostgreSQL: the enterprises whose text holds every character of every term (one lookup
    of the character index), then each term's ``ILIKE`` on that text."""
    params = source_params(text, "postgresql")
    chars = func.string_to_array(func.lower(bindparam("chars", params["chars"], type_=String)), null())
    return IndexSource(enterprise_text, enterprise_text.c.enterprise_id,
                       and_(TEXT_CHARS.op("@>")(chars), *_pg_term_conditions(params)), params)


def _pg_term_conditions(params: dict[str, Any]) -> list[ColumnElement[bool]]:
    """One ``ILIKE`` on the enterprise text per term bound in ``params`` (:func:`source_params`)."""
    return [enterprise_text.c.body.ilike(bindparam(key, value, type_=String), escape="\\")
            for key, value in params.items() if key != "chars"]


#: How many enterprises, first in name order, :func:`pg_walk` checks.
PG_SAMPLE = 300
#: ... and how many of them must match every term for the list to be read in name order (one
#: in fifty: a page of 100 after reading about 5,000 enterprises).
PG_WALK_HITS = 6


@functools.lru_cache(maxsize=16)
def _sample_statement(n_terms: int) -> Select[int]:
    """The probe of :func:`pg_walk` for ``n_terms`` terms bound as ``p0``, ``p1``… and the sample
    size as ``sample`` (built once: building it on every keystroke cost more than running it)."""
    # the four columns as one text, a line break between them (no term holds one, so none
    # matches across two columns): one ILIKE per term and row
    doc = func.concat_ws("\n", Enterprise.name, Enterprise.uscc, Enterprise.legal_rep, Enterprise.address)
    first = (select(doc.label("doc")).where(Enterprise.deleted.is_(False))
             .order_by(Enterprise.name).limit(bindparam("sample", type_=Integer)).subquery())
    every = and_(*(first.c.doc.ilike(bindparam(f"p{n}", type_=String), escape="\\") for n in range(n_terms)))
    return select(func.count().filter(every)).select_from(first)


@functools.lru_cache(maxsize=16)
def _sample_sql(n_terms: int, dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """:func:`_sample_statement` as the driver's SQL and the values it binds itself: the probe
    runs on every keystroke, and sent as text it skips SQLAlchemy's cache look-up and result
    set-up (a third of its cost)."""
    compiled = _sample_statement(n_terms).compile(dialect=dialect)
    return str(compiled), dict(compiled.params)


def sample_query(ts: Sequence[str]) -> tuple[Select[int], dict[str, Any]]:
    """The probe of :func:`pg_walk` for the terms ``ts`` and its values: the number of sampled
    enterprises matching every term."""
    return _sample_statement(len(ts)), {"sample": PG_SAMPLE, **{f"p{n}": like_pattern(t) for n, t in enumerate(ts)}}


def pg_walk(bind: Engine | Connection, text: str) -> bool:
    """Whether a PostgreSQL search for ``text`` is read fastest in name order rather than
    through the index, judged on a sample (False elsewhere).

    The list is ordered by name. Through the index every enterprise matching all the terms is
    read and sorted before the first page shows: 204–480 ms for a trade word in one name of
    eleven at 200k enterprises. When many enterprises match, reading them in name order (the
    name index) and checking each finds a page after a few thousand rows and stops; when few do,
    that walk would read the whole table (1 s), so the index stays.

    The sample is the first :data:`PG_SAMPLE` enterprises in name order, checked against every
    term (about a millisecond); the walk is chosen when :data:`PG_WALK_HITS` of them match. Only
    the enterprise's own columns are checked: a product-name subquery would cost more than the
    rest, and a product match missed only keeps the index.

    ``bind``: a connection runs the probe on it (the page that follows then needs no second
    checkout from the pool, which costs more than the probe); an engine checks one out.
    """
    ts = terms(text)
    engine = bind.engine if isinstance(bind, Connection) else bind
    if engine.dialect.name != "postgresql" or not ts or not has_index(engine):
        return False
    _probe, params = sample_query(ts)
    sql, fixed = _sample_sql(len(ts), engine.dialect)
    params = {**fixed, **params}
    with nullcontext(bind) if isinstance(bind, Connection) else bind.connect() as conn:
        hits: int = conn.exec_driver_sql(sql, params).scalar_one()
    return hits >= PG_WALK_HITS


def pg_walk_source(text: str, engine: Engine) -> IndexSource | None:
    """PostgreSQL, for terms many enterprises match (:func:`pg_walk`): the enterprise texts,
    to be read in the order of their ``name`` (indexed with the key), each checked against every
    term as it comes (bound as :func:`source_params` binds them); None elsewhere."""
    ts = terms(text)
    if engine.dialect.name != "postgresql" or not ts or not has_index(engine):
        return None
    params = source_params(text, "postgresql")
    return IndexSource(enterprise_text, enterprise_text.c.enterprise_id, and_(*_pg_term_conditions(params)), params)


def index_source(text: str, engine: Engine) -> IndexSource | None:
    """The index-driven source for ``text``; None when there is no text or no index (then use
    :func:`like_clause`). On SQLite the first term of :func:`driver_order` drives and the
    others are checked on its matches; on PostgreSQL all terms are one index lookup."""
    ts = driver_order(text)
    if not ts or not has_index(engine):
        return None
    if engine.dialect.name == "postgresql":
        return _pg_source(text)
    driver, others = ts[0], ts[1:]
    params: dict[str, Any] = {}
    src: FromClause
    if len(driver) >= TRIGRAM:
        src = search_fts.join(search_doc, search_doc.c.doc_id == search_fts.c.rowid)
        params["q0"] = trigram_phrase(driver)
        conds: list[ColumnElement[bool]] = [search_fts.c.body.op("MATCH")(bindparam("q0", params["q0"]))]
        enterprise_id: ColumnElement[Any] = search_doc.c.enterprise_id
    else:
        src = search_doc
        params["q0"] = like_pattern(driver)
        conds = [search_doc.c.body.like(bindparam("q0", params["q0"]), escape="\\")]
        # "|| ''" keeps SQLite from driving the join from the enterprise side (probing each
        # enterprise's documents): scanning the documents in order stops after one page
        enterprise_id = search_doc.c.enterprise_id.concat("")
    for n, term in enumerate(others, start=1):
        other_doc = search_doc.alias()
        params[f"q{n}"] = like_pattern(term)
        conds.append(exists().where(other_doc.c.enterprise_id == Enterprise.id,
                                    other_doc.c.body.like(bindparam(f"q{n}", params[f"q{n}"]), escape="\\")))
    return IndexSource(src, enterprise_id, and_(*conds), params)
