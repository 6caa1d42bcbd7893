"""Enterprise search: any substring of name, credit code, legal representative, address or a
product name, as the user types.

On SQLite, migration ``0002`` keeps one search document per enterprise and per product and a
trigram FTS5 index over them. The list query is *driven by the search*: it reads matches in
index order (or, for a one- or two-character term, which a trigram index cannot answer, scans
the narrow document table in order) and stops when a page is full, so the first hundred results
of a common term cost about the same for 10 or 100 000 matches. A rare short term costs one scan
of the document table. A credit-code prefix is a substring like any other.

On PostgreSQL (a county hub, migration ``0003``) ``pg_trgm`` GIN indexes cover each searched
column. The index is only used when each column is asked on its own, so the longest term is a
``UNION`` of one ``ILIKE`` branch per column and one over live product names (0.9 ms at 25k
enterprises against 79 ms for the same search as an ``OR`` across the columns and a product
subquery); the other terms are checked on its matches. A one- or two-character driver, which a
trigram index cannot answer, uses GIN indexes over the characters of the same text (one over
the enterprise's four columns, one over product names, also migration ``0003``): the rows that
hold every character of the term, on which the ``ILIKE`` decides, again a ``UNION`` of the
enterprise and the product branch. Which term drives, and whether the indexes are used at all,
is judged on a sample of the registry (:func:`pg_sample`): terms many enterprises match are read
in name order instead, which stops as soon as a page is full. Connections run with ``jit = off``
(:func:`qsdesk.store.db.make_engine`).

Elsewhere, or on a database without an index, every term is a ``LIKE`` over the enterprise
columns and its products. Several space-separated terms must all match (each may match a
different field).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
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
    true,
    union,
)
from sqlalchemy.sql import column, table
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.selectable import FromClause

from qsdesk.store.models import Enterprise, Product

search_doc = table("enterprise_search", column("doc_id"), column("enterprise_id"), column("source_id"),
                   column("body"))
search_fts = table("enterprise_fts", column("rowid"), column("body"))

INDEX_TABLES = frozenset({"enterprise_search", "enterprise_fts"})
#: terms at least this long use the trigram index, shorter ones scan the documents
TRIGRAM = 3

_available: dict[int, bool] = {}
_short_available: dict[int, bool] = {}


#: the pg_trgm indexes of migration 0003
PG_INDEXES = frozenset({"ix_enterprise_name_trgm", "ix_enterprise_uscc_trgm", "ix_enterprise_legal_rep_trgm",
                        "ix_enterprise_address_trgm", "ix_product_name_trgm"})
#: the character indexes of migration 0003 (terms of one or two characters)
PG_CHAR_INDEXES = frozenset({"ix_enterprise_chars", "ix_product_name_chars"})

#: the indexed expressions of :data:`PG_CHAR_INDEXES`, written exactly as migration 0003 does
#: (the planner uses an expression index only for the same expression)
ENTERPRISE_CHARS: ColumnElement[Any] = literal_column(
    "string_to_array(lower(coalesce(enterprise.name, '') || ' ' || coalesce(enterprise.uscc, '') || ' ' "
    "|| coalesce(enterprise.legal_rep, '') || ' ' || coalesce(enterprise.address, '')), NULL)")
PRODUCT_CHARS: ColumnElement[Any] = literal_column("string_to_array(lower(product.name), NULL)")


def has_index(engine: Engine) -> bool:
    """Whether the search index exists in this database (cached per engine): SQLite's FTS5
    tables or PostgreSQL's trigram indexes."""
    key = id(engine)
    if key not in _available:
        ok = short = False
        if engine.dialect.name == "sqlite":
            ok = short = set(inspect(engine).get_table_names()) >= INDEX_TABLES
        elif engine.dialect.name == "postgresql":
            with engine.connect() as c:
                found: set[str] = set(c.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
                                           " AND (indexname LIKE '%\\_trgm' OR indexname LIKE '%\\_chars')")).scalars())
            ok, short = found >= PG_INDEXES, found >= PG_INDEXES | PG_CHAR_INDEXES
        _available[key], _short_available[key] = ok, short
    return _available[key]


def has_short_index(engine: Engine) -> bool:
    """Whether terms of one or two characters are index-served too: SQLite's document table;
    on PostgreSQL the character indexes (a database made by an earlier 0003 has only the
    trigram ones: its short terms are a LIKE scan)."""
    return has_index(engine) and _short_available.get(id(engine), False)


def forget_index(engine: Engine) -> None:
    """Drop the cached :func:`has_index` answer (after a migration created the index)."""
    _available.pop(id(engine), None)
    _short_available.pop(id(engine), None)


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
    ``enterprise_id``, filtered by ``where``. Rows may repeat (an enterprise whose name and
    product both match) so the query must be ``DISTINCT``."""

    from_: Any
    enterprise_id: ColumnElement[Any]
    where: ColumnElement[bool]
    #: the search values, bound as ``q0``, ``q1``…: a statement built once for a shape of
    #: search (see :func:`shape`) is executed again with new values as the user types
    params: dict[str, Any]


def driver_order(text: str, order: Sequence[str] | None = None) -> list[str]:
    """The terms, the one that drives the search first: ``order`` when the caller chose it
    (:func:`pg_sample`), else the longest first (the fewest matches, as a rule)."""
    return list(order) if order is not None else sorted(terms(text), key=len, reverse=True)


def shape(text: str, dialect: str = "sqlite", short_index: bool = True,
          order: Sequence[str] | None = None) -> tuple[int, ...] | None:
    """What the statement of :func:`index_source` depends on besides the values: for each term
    (driver first, :func:`driver_order`) whether it uses the trigram index. None: no statement
    to reuse (no text, or a short driver without ``short_index``, searched with
    :func:`like_clause`)."""
    ts = driver_order(text, order)
    if ts and len(ts[0]) < TRIGRAM and not short_index:
        return None
    return tuple(int(len(t) >= TRIGRAM) for t in ts[:1]) + (len(ts) - 1,) if ts else None


def source_params(text: str, dialect: str = "sqlite", order: Sequence[str] | None = None) -> dict[str, Any]:
    """The values :func:`index_source` binds for ``text`` (``q0`` drives, ``q1``… are checked),
    without building its SQL: while the user types only these change (see :func:`shape`)."""
    ts = driver_order(text, order)
    params: dict[str, Any] = {}
    fts = dialect == "sqlite"
    for n, term in enumerate(ts):
        params[f"q{n}"] = trigram_phrase(term) if fts and n == 0 and len(term) >= TRIGRAM else like_pattern(term)
    if not fts and ts and len(ts[0]) < TRIGRAM:
        params["c0"] = ts[0]  # its characters, for the character indexes
    return params


def _term_anywhere(param: str, value: str) -> ColumnElement[bool]:
    """One term in any searched field or live product name (bound as ``param``)."""
    q: BindParameter[str] = bindparam(param, value)
    return or_(
        Enterprise.name.ilike(q, escape="\\"),
        Enterprise.uscc.ilike(q, escape="\\"),
        Enterprise.legal_rep.ilike(q, escape="\\"),
        Enterprise.address.ilike(q, escape="\\"),
        exists().where(Product.enterprise_id == Enterprise.id, Product.deleted.is_(False),
                       Product.name.ilike(q, escape="\\")),
    )


def _pg_branches(ts: list[str], params: dict[str, Any]) -> list[Any]:
    """The driver ``ts[0]`` as indexed branches selecting ``enterprise_id`` (trigram indexes for
    three characters or more, the character indexes for fewer); fills ``params``."""
    params.update({f"q{n}": like_pattern(t) for n, t in enumerate(ts)})
    q0: BindParameter[str] = bindparam("q0", params["q0"])
    if len(ts[0]) >= TRIGRAM:
        branches: list[Any] = [select(Enterprise.id.label("enterprise_id")).where(col.ilike(q0, escape="\\"))
                               for col in (Enterprise.name, Enterprise.uscc, Enterprise.legal_rep, Enterprise.address)]
        branches.append(select(Product.enterprise_id.label("enterprise_id"))
                        .where(Product.name.ilike(q0, escape="\\"), Product.deleted.is_(False)))
        return branches
    # rows holding every character of the term (lower-cased by the server, as the index was)
    params["c0"] = ts[0]
    chars = func.string_to_array(func.lower(bindparam("c0", ts[0], type_=String)), null())
    return [
        select(Enterprise.id.label("enterprise_id")).where(
            ENTERPRISE_CHARS.op("@>")(chars),
            or_(*(col.ilike(q0, escape="\\") for col in (Enterprise.name, Enterprise.uscc,
                                                        Enterprise.legal_rep, Enterprise.address)))),
        select(Product.enterprise_id.label("enterprise_id")).where(
            PRODUCT_CHARS.op("@>")(chars), Product.name.ilike(q0, escape="\\"), Product.deleted.is_(False)),
    ]


def _pg_source(ts: list[str]) -> IndexSource:
    """PostgreSQL: the driver as a UNION of indexed branches, the other terms checked on its
    matches."""
    params: dict[str, Any] = {}
    hits = union(*_pg_branches(ts, params)).subquery("hits")
    conds = [_term_anywhere(f"q{n}", params[f"q{n}"]) for n in range(1, len(ts))]
    return IndexSource(hits, hits.c.enterprise_id, and_(true(), *conds), params)


#: How many enterprises, first in name order, :func:`pg_sample` checks.
PG_SAMPLE = 300
#: ... and how many of them must match every term for the list to be read in name order (one
#: in fifty: a page of 100 after reading about 5,000 enterprises).
PG_WALK_HITS = 6


@functools.lru_cache(maxsize=16)
def _sample_statement(n_terms: int) -> Select[tuple[int, ...]]:
    """The probe of :func:`pg_sample` for ``n_terms`` terms bound as ``p0``, ``p1``… and the sample
    size as ``sample`` (built once:
    building it on every keystroke cost more than running it)."""
    # the four columns as one text, a line break between them (no term holds one, so none
    # matches across two columns): one ILIKE per term and row
    doc = func.concat_ws("\n", Enterprise.name, Enterprise.uscc, Enterprise.legal_rep, Enterprise.address)
    first = (select(doc.label("doc")).where(Enterprise.deleted.is_(False))
             .order_by(Enterprise.name).limit(bindparam("sample", type_=Integer)).subquery())
    each_hit = select(*(first.c.doc.ilike(bindparam(f"p{n}", type_=String), escape="\\").label(f"h{n}")
                        for n in range(n_terms))).subquery()
    hits = [each_hit.c[f"h{n}"] for n in range(n_terms)]
    counts = [func.count().filter(and_(*hits)), *(func.count().filter(h) for h in hits)]
    return select(*counts).select_from(each_hit)  # type: ignore[return-value]  # n_terms + 1 counts


def sample_query(ts: Sequence[str]) -> tuple[Select[tuple[int, ...]], dict[str, Any]]:
    """The probe of :func:`pg_sample` for the terms ``ts`` and its values: the number of sampled
    enterprises matching every term, then the number matching each."""
    return _sample_statement(len(ts)), {"sample": PG_SAMPLE, **{f"p{n}": like_pattern(t) for n, t in enumerate(ts)}}


@dataclass(frozen=True)
class Sample:
    """What :func:`pg_sample` found: read in name order (``walk``), else the terms with the one
    that drives the indexed search first (``order``)."""

    walk: bool
    order: list[str]


def pg_sample(engine: Engine, text: str) -> Sample | None:
    """How a PostgreSQL search for ``text`` is read fastest, judged on a sample; None elsewhere.

    The list is ordered by name. Through the indexes every match of the driving term is read,
    checked against the other terms and sorted before the first page shows: 204–480 ms for a
    trade word in one name of eleven at 200k enterprises. When many enterprises match every
    term, reading them in name order (the name index) and checking each finds a page after a
    few thousand rows and stops; when few do, that walk would read the whole table (1 s), so
    the indexes stay, driven by the term the sample matched least (电线 港沟: 港沟, not the
    longer but common 电线; ties go to the longer term).

    The sample is the first :data:`PG_SAMPLE` enterprises in name order, checked against each
    term (about a millisecond); the walk is chosen when :data:`PG_WALK_HITS` of them match every
    term. Only the enterprise's own columns are checked: a product-name subquery would cost more
    than the rest, and a product match missed only keeps the indexes.
    """
    ts = terms(text)
    if engine.dialect.name != "postgresql" or not ts or not has_index(engine):
        return None
    probe, params = sample_query(ts)
    with engine.connect() as conn:
        counts = [int(n) for n in conn.execute(probe, params).one()]
    every, each = counts[0], counts[1:]
    order = [t for _n, _neg, t in sorted(zip(each, (-len(t) for t in ts), ts, strict=True))]
    return Sample(walk=every >= PG_WALK_HITS, order=order)


def index_source(text: str, engine: Engine, order: Sequence[str] | None = None) -> IndexSource | None:
    """The index-driven source for ``text``; None when there is no text, no index, or a term the
    index cannot express (then use :func:`like_clause`). The first term of
    :func:`driver_order` drives; the others are checked on its matches."""
    ts = driver_order(text, order)
    if not ts or not has_index(engine):
        return None
    if engine.dialect.name == "postgresql":
        return _pg_source(ts) if len(ts[0]) >= TRIGRAM or has_short_index(engine) else None
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
