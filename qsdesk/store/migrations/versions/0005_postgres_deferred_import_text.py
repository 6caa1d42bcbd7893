"""an import writes the search texts of its new enterprises once, at the end

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

0004's statement triggers write an enterprise's search text when the enterprise is inserted and
again when its products are: an import's ``COPY`` of 5,000 new enterprises, then of their 8,000
products, wrote 5,000 texts and then replaced them, with every index entry of the body (the
character and trigram GIN indexes) made twice. That was a quarter of the server's work in an
import (0.9 s of 2.2 s per station-year, measured against the same ``COPY`` with the triggers off).

Here the two insert triggers do nothing while the transaction has set
``qsdesk.defer_search_text`` to ``on`` (``set_config(…, true)``: this transaction only), and
``enterprise_text_refresh(ids)`` writes the texts of the given enterprises in one statement. The
bundle import (:func:`qsdesk.store.search.deferred_texts`) sets it, writes its rows, and refreshes
the enterprises it inserted or gave products, before it commits. Every other writer, and every
update or delete, keeps 0004's triggers as they were.
"""

from collections.abc import Sequence

from alembic import op

from qsdesk.store.migrate import revision_module

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the setting that defers the insert triggers (read with ``missing_ok``: unset is not deferred)
DEFER = "qsdesk.defer_search_text"
#: 0004's insert trigger functions, which this revision makes wait while DEFER is on
DEFERRABLE = ("enterprise_text_enterprises_added", "enterprise_text_products_added")


def _define(function: str, body: str, guarded: bool) -> None:
    guard = f"IF current_setting('{DEFER}', true) = 'on' THEN RETURN NULL; END IF; " if guarded else ""
    op.execute(f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
               f"BEGIN {guard}{body}; RETURN NULL; END $$")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    m4 = revision_module("0004")  # its trigger functions and REFRESH text
    for function, body in m4.FUNCTIONS:
        if function in DEFERRABLE:
            _define(function, body, guarded=True)
    op.execute("CREATE FUNCTION enterprise_text_refresh(ids varchar[]) RETURNS void LANGUAGE sql AS $$ "
               + m4.REFRESH.format(ids="SELECT unnest(ids)") + " $$")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS enterprise_text_refresh(varchar[])")
    for function, body in revision_module("0004").FUNCTIONS:
        if function in DEFERRABLE:
            _define(function, body, guarded=False)
