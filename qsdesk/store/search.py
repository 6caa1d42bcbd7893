"""Enterprise search: any substring of name, credit code, legal representative, address or a
product name, as the user types.

On SQLite, migration ``0002`` keeps one search document per enterprise and per product and a
trigram FTS5 index over them. The list query is *driven by the search*: it reads matches in
index order (or, for a one- or two-character term, which a trigram index cannot answer, scans
the narrow document table in order) and stops when a page is full, so the first hundred results
of a common term cost about the same for 10 or 100 000 matches. A rare short term costs one scan
of the document table. A credit-code prefix is a substring like any other.

On other dialects (a PostgreSQL county hub), or a database without the index, every term is a
``LIKE`` over the enterprise columns and its products. Several space-separated terms must all
match (each may match a different field).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, bindparam, exists, inspect, or_
from sqlalchemy.sql import column, table
from sqlalchemy.sql.elements import ColumnElement

from qsdesk.store.models import Enterprise, Product

search_doc = table("enterprise_search", column("doc_id"), column("enterprise_id"), column("source_id"),
                   column("body"))
search_fts = table("enterprise_fts", column("rowid"), column("body"))

INDEX_TABLES = frozenset({"enterprise_search", "enterprise_fts"})
#: terms at least this long use the trigram index, shorter ones scan the documents
TRIGRAM = 3

_available: dict[int, bool] = {}


def has_index(engine: Engine) -> bool:
    """Whether the FTS search index exists in this database (cached per engine)."""
    key = id(engine)
    if key not in _available:
        ok = engine.dialect.name == "sqlite"
        if ok:
            ok = set(inspect(engine).get_table_names()) >= INDEX_TABLES
        _available[key] = ok
    return _available[key]


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


def shape(text: str) -> tuple[int, ...] | None:
    """What the statement of :func:`index_source` depends on besides the values: for each term
    (longest first) whether it uses the trigram index."""
    ts = sorted(terms(text), key=len, reverse=True)
    return tuple(int(len(t) >= TRIGRAM) for t in ts[:1]) + (len(ts) - 1,) if ts else None


def source_params(text: str) -> dict[str, Any]:
    """The values :func:`index_source` binds for ``text`` (``q0`` drives, ``q1``… are checked),
    without building its SQL: while the user types only these change (see :func:`shape`)."""
    ts = sorted(terms(text), key=len, reverse=True)
    params: dict[str, Any] = {}
    for n, term in enumerate(ts):
        params[f"q{n}"] = trigram_phrase(term) if n == 0 and len(term) >= TRIGRAM else like_pattern(term)
    return params


def index_source(text: str, engine: Engine) -> IndexSource | None:
    """The index-driven source for ``text``; None when there is no text, no index, or a term the
    index cannot express (then use :func:`like_clause`)."""
    ts = terms(text)
    if not ts or not has_index(engine):
        return None
    # the longest term drives (fewest matches); the others are checked on its matches
    ts.sort(key=len, reverse=True)
    driver, others = ts[0], ts[1:]
    params: dict[str, Any] = {}
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
