"""Enterprise search: any substring of name, credit code, legal representative, address or a
product name.

On SQLite the search documents and the FTS5 trigram index of migration ``0002`` answer
substrings of three or more characters from the index (a credit-code prefix is a substring
too); one- and two-character terms scan the
narrow document table with ``LIKE`` (the trigram index cannot answer them). On other dialects,
or a database without the index, every term is a ``LIKE`` over the enterprise columns and its
products. Several space-separated terms must all match (each may match a different field).
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, and_, exists, inspect, or_, select, true
from sqlalchemy.sql import column, table
from sqlalchemy.sql.elements import ColumnElement

from qsdesk.store.models import Enterprise, Product

search_doc = table("enterprise_search", column("doc_id"), column("enterprise_id"), column("body"))
search_fts = table("enterprise_fts", column("rowid"), column("body"))

_available: dict[int, bool] = {}

#: terms shorter than this are answered with LIKE (the trigram index needs three characters)
TRIGRAM = 3


def has_index(engine: Engine) -> bool:
    """Whether the FTS search index exists in this database (cached per engine)."""
    key = id(engine)
    if key not in _available:
        ok = engine.dialect.name == "sqlite"
        if ok:
            names = set(inspect(engine).get_table_names())
            ok = {"enterprise_search", "enterprise_fts"} <= names
        _available[key] = ok
    return _available[key]


def terms(text: str) -> list[str]:
    """The search terms of what the user typed (full-width spaces count as spaces)."""
    return [t for t in re.split(r"\s+", (text or "").replace("\u3000", " ").strip()) if t]


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def term_clause(term: str, *, use_index: bool) -> ColumnElement[bool]:
    """A condition on :class:`Enterprise` true when ``term`` occurs in one of its fields."""
    if use_index:
        if len(term) >= TRIGRAM:
            docs = select(search_fts.c.rowid).where(search_fts.c.body.op("MATCH")(_fts_phrase(term)))
            ids = select(search_doc.c.enterprise_id).where(search_doc.c.doc_id.in_(docs))
        else:
            ids = select(search_doc.c.enterprise_id).where(
                search_doc.c.body.like(_like_pattern(term), escape="\\"))
        return Enterprise.id.in_(ids)
    pat = _like_pattern(term)
    product_hit = exists().where(Product.enterprise_id == Enterprise.id, Product.deleted.is_(False),
                                 Product.name.ilike(pat, escape="\\"))
    clauses: list[ColumnElement[bool]] = [
        Enterprise.name.ilike(pat, escape="\\"),
        Enterprise.legal_rep.ilike(pat, escape="\\"),
        Enterprise.address.ilike(pat, escape="\\"),
        Enterprise.uscc.ilike(pat, escape="\\"),
        product_hit,
    ]
    return or_(*clauses)


def search_clause(text: str, engine: Engine) -> ColumnElement[bool]:
    """Condition matching enterprises for the user's search text (``true()`` when empty)."""
    ts = terms(text)
    if not ts:
        return true()
    use_index = has_index(engine)
    return and_(*(term_clause(t, use_index=use_index) for t in ts))
