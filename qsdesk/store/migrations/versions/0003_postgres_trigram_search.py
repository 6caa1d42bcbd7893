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


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _table, _column in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
