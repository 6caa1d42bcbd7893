"""one search text per enterprise on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

Revision 0003 indexed each searched column on its own (four enterprise columns and product
names). A search of several terms could then use only one term's index and check the others on
every row it found: 电线 港沟 at 200k enterprises read the 14,728 enterprises holding 电线 to find
the 324 that also hold 港沟 (310 ms), and a term found only in a product name needed its own
branch.

Here every enterprise gets one text, ``enterprise_text.body``: name, credit code, legal
representative, address and the names of its live products, a line break between them (no search
term holds one, so no term matches across two fields), and its name again for the order of a
list. One GIN index over the body's characters (``string_to_array(lower(body), NULL)``) answers every term at once: the rows holding all the
characters of all the terms are the intersection of a few posting lists, read before any row
(电线 港沟: 324 candidates, 8 ms), and ``ILIKE`` on the body keeps the answer exact. A trigram
index on the body (when the server has ``pg_trgm``) lets the planner AND in the longer terms.
Terms that many enterprises match are read in name order from ``(name, enterprise_id)`` instead,
each text checked as it comes (7 ms for a page of 燃气具 历城), stopping when a page is full.
:mod:`qsdesk.store.search` writes the same expression (``TEXT_CHARS``).

Triggers keep the text current whoever writes (the program's sessions, the bundle import's
``COPY``, a clerk's ``psql``): inserts are handled per statement through transition tables (an
import's ``COPY`` of 5,000 enterprises is one ``INSERT … SELECT``), updates per row and only
when a searched column changed (a grade or ``rev`` change costs nothing). Every writer takes the
change counter first (:mod:`qsdesk.store.db`), so these extra row locks keep the one lock order.

The per-column indexes of 0003 are dropped: nothing searches them any more, and seven GIN
indexes cost every import more than the two here. SQLite gets nothing (its FTS5 index is 0002).
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from qsdesk.store.migrate import revision_module

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the search text of the enterprise row ``e`` (written as in :mod:`qsdesk.store.search`)
BODY = (
    "concat_ws(E'\\n', {e}.name, {e}.uscc, {e}.legal_rep, {e}.address, "
    "(SELECT string_agg(p.name, E'\\n' ORDER BY p.id) FROM product p "
    "WHERE p.enterprise_id = {e}.id AND NOT p.deleted))"
)
#: recompute the text of the enterprises whose ids ``{ids}`` selects (unchanged texts are not
#: rewritten, so their index entries stay)
REFRESH = (
    "INSERT INTO enterprise_text (enterprise_id, name, body) "
    "SELECT e.id, e.name, " + BODY.format(e="e") + " FROM enterprise e WHERE e.id IN ({ids}) "
    "ON CONFLICT (enterprise_id) DO UPDATE SET name = EXCLUDED.name, body = EXCLUDED.body "
    "WHERE (enterprise_text.name, enterprise_text.body) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.body)"
)

#: (function, body of a PL/pgSQL trigger function)
FUNCTIONS = [
    ("enterprise_text_enterprises_added",
     "INSERT INTO enterprise_text (enterprise_id, name, body) SELECT n.id, n.name, " + BODY.format(e="n")
     + " FROM added n ON CONFLICT (enterprise_id) DO UPDATE SET name = EXCLUDED.name, body = EXCLUDED.body"),
    ("enterprise_text_enterprise_changed", REFRESH.format(ids="NEW.id")),
    ("enterprise_text_enterprises_removed",
     "DELETE FROM enterprise_text WHERE enterprise_id IN (SELECT id FROM removed)"),
    ("enterprise_text_products_added", REFRESH.format(ids="SELECT enterprise_id FROM added")),
    ("enterprise_text_product_changed", REFRESH.format(ids="OLD.enterprise_id, NEW.enterprise_id")),
    ("enterprise_text_product_removed", REFRESH.format(ids="OLD.enterprise_id")),
]

_TEXT_CHANGED = ("OLD.name IS DISTINCT FROM NEW.name OR OLD.uscc IS DISTINCT FROM NEW.uscc "
                 "OR OLD.legal_rep IS DISTINCT FROM NEW.legal_rep OR OLD.address IS DISTINCT FROM NEW.address")
_PRODUCT_CHANGED = ("OLD.name IS DISTINCT FROM NEW.name OR OLD.enterprise_id IS DISTINCT FROM NEW.enterprise_id "
                    "OR OLD.deleted IS DISTINCT FROM NEW.deleted")

#: (trigger, table, when and how it fires, function)
TRIGGERS = [
    ("enterprise_text_ent_ai", "enterprise", "AFTER INSERT ON enterprise REFERENCING NEW TABLE AS added "
     "FOR EACH STATEMENT", "enterprise_text_enterprises_added"),
    ("enterprise_text_ent_au", "enterprise", "AFTER UPDATE OF name, uscc, legal_rep, address ON enterprise "
     f"FOR EACH ROW WHEN ({_TEXT_CHANGED})", "enterprise_text_enterprise_changed"),
    ("enterprise_text_ent_ad", "enterprise", "AFTER DELETE ON enterprise REFERENCING OLD TABLE AS removed "
     "FOR EACH STATEMENT", "enterprise_text_enterprises_removed"),
    ("enterprise_text_prod_ai", "product", "AFTER INSERT ON product REFERENCING NEW TABLE AS added "
     "FOR EACH STATEMENT", "enterprise_text_products_added"),
    ("enterprise_text_prod_au", "product", "AFTER UPDATE OF name, enterprise_id, deleted ON product "
     f"FOR EACH ROW WHEN ({_PRODUCT_CHANGED})", "enterprise_text_product_changed"),
    ("enterprise_text_prod_ad", "product", "AFTER DELETE ON product FOR EACH ROW",
     "enterprise_text_product_removed"),
]

#: the name order, for lists read in name order with a filter on the text (the enterprise's own
#: name index would need a second look-up per row to check the text)
NAME_INDEX = "CREATE INDEX IF NOT EXISTS ix_enterprise_text_name ON enterprise_text (name, enterprise_id)"
#: the index over the body's characters (any term), and the trigram one (needs pg_trgm)
CHARS_INDEX = ("CREATE INDEX IF NOT EXISTS ix_enterprise_text_chars ON enterprise_text "
               "USING gin ((string_to_array(lower(body), NULL)))")
TRGM_INDEX = ("CREATE INDEX IF NOT EXISTS ix_enterprise_text_trgm ON enterprise_text "
              "USING gin (body gin_trgm_ops)")


def _has_trgm() -> bool:
    return op.get_bind().execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is not None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    revision_module("0003").downgrade()  # its indexes give way to this one's
    op.execute("CREATE TABLE enterprise_text (enterprise_id VARCHAR(36) PRIMARY KEY, name VARCHAR(200) NOT NULL, "
               "body TEXT NOT NULL)")
    for function, body in FUNCTIONS:
        op.execute(f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {body}; RETURN NULL; END $$")
    for trigger, _table, when, function in TRIGGERS:
        op.execute(f"CREATE TRIGGER {trigger} {when} EXECUTE FUNCTION {function}()")
    op.execute("INSERT INTO enterprise_text (enterprise_id, name, body) SELECT e.id, e.name, " + BODY.format(e="e")
               + " FROM enterprise e")
    op.execute(NAME_INDEX)
    op.execute(CHARS_INDEX)
    if _has_trgm():
        op.execute(TRGM_INDEX)
    op.execute("ANALYZE enterprise_text")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for trigger, table, _when, _function in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    for function, _body in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.execute("DROP TABLE IF EXISTS enterprise_text")
    revision_module("0003").upgrade()
