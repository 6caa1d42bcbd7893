"""enterprise search index on PostgreSQL (pg_trgm)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

A county hub on PostgreSQL searches the registry of all its stations (200k enterprises) by any
substring of name, credit code, legal representative, address or a product name. ``pg_trgm``
GIN indexes answer ``ILIKE '%…%'`` for terms of three or more characters (Chinese included
under a UTF-8 ctype); :mod:`qsdesk.store.search` asks one indexed column per branch of a UNION,
the shape the planner can use them for (an OR across the columns and a product subquery is a
sequential scan).

A trigram index cannot answer a term of one or two characters (a clerk types 电线 or 泰). For
those, GIN indexes over the *characters* of the same columns (``string_to_array(lower(…), NULL)``,
one index over the enterprise's four columns, one over product names) find the rows holding
every character of the term; the ``ILIKE`` on those few rows keeps the answer exact. Characters
rather than bigrams: the index is small (a registry uses a few thousand distinct characters, so
the posting lists compress well), built and kept up in C by PostgreSQL's own functions, and
cheap on every import; a bigram index costs several times a trigram index to build and keep.
:mod:`qsdesk.store.search` writes the same expressions (``ENTERPRISE_CHARS``, ``PRODUCT_CHARS``).

``pg_trgm`` is a trusted extension (PostgreSQL 13+): the database owner may create it. When the
server lacks it (no contrib modules) nothing is created and the search stays a plain ``ILIKE``.
SQLite gets nothing here (its FTS5 index is revision 0002).
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (index name, table, column); partial on live rows as the searches ask
INDEXES = [
    ("ix_enterprise_name_trgm", "enterprise", "name"),
    ("ix_enterprise_uscc_trgm", "enterprise", "uscc"),
    ("ix_enterprise_legal_rep_trgm", "enterprise", "legal_rep"),
    ("ix_enterprise_address_trgm", "enterprise", "address"),
    ("ix_product_name_trgm", "product", "name"),
]


#: (index name, table, expression): the characters of the searched text, for short terms; the
#: expressions must be written exactly so in the queries (``qsdesk.store.search``)
CHAR_INDEXES = [
    ("ix_enterprise_chars", "enterprise",
     "string_to_array(lower(coalesce(name, '') || ' ' || coalesce(uscc, '') || ' ' || coalesce(legal_rep, '')"
     " || ' ' || coalesce(address, '')), NULL)"),
    ("ix_product_name_chars", "product", "string_to_array(lower(name), NULL)"),
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
    if available is None:
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")
    for name, table, expression in CHAR_INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, *_rest in INDEXES + CHAR_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
