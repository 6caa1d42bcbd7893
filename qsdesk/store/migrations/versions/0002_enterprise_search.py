"""enterprise search index (SQLite FTS5 trigram)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

One search document per enterprise (name, credit code, legal representative, address) and one
per product (name), kept current by triggers so that bulk inserts, the ORM, sync imports and
the CLI all update it. ``enterprise_fts`` is an external-content FTS5 table with the trigram
tokenizer over ``enterprise_search.body``: any substring of three or more characters is an index
lookup. One- and two-character substrings (which a trigram index cannot answer) scan the narrow
``enterprise_search`` table.

(A second, one-token-per-character index for the short terms was tried and dropped: building
the spaced text in a trigger cost about 1 ms per row, which made bulk imports ten times slower.)

SQLite only. Other dialects (a PostgreSQL county hub) get nothing here and search with LIKE
(see :mod:`qsdesk.store.search`).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ENT_BODY = (
    "{r}.name || ' ' || coalesce({r}.uscc, '') || ' ' || coalesce({r}.legal_rep, '') || ' ' "
    "|| coalesce({r}.address, '')"
)



STATEMENTS = [
    """CREATE TABLE enterprise_search (
        doc_id INTEGER PRIMARY KEY,
        enterprise_id VARCHAR(36) NOT NULL,
        source_id VARCHAR(36) NOT NULL UNIQUE,
        body TEXT NOT NULL
    )""",
    "CREATE INDEX ix_enterprise_search_enterprise_id ON enterprise_search (enterprise_id)",
    """CREATE VIRTUAL TABLE enterprise_fts USING fts5(
        body, content='enterprise_search', content_rowid='doc_id', tokenize='trigram'
    )""",
    # documents -> full-text index
    """CREATE TRIGGER enterprise_search_ai AFTER INSERT ON enterprise_search BEGIN
        INSERT INTO enterprise_fts(rowid, body) VALUES (new.doc_id, new.body);
    END""",
    """CREATE TRIGGER enterprise_search_ad AFTER DELETE ON enterprise_search BEGIN
        INSERT INTO enterprise_fts(enterprise_fts, rowid, body) VALUES ('delete', old.doc_id, old.body);
    END""",
    """CREATE TRIGGER enterprise_search_au AFTER UPDATE ON enterprise_search BEGIN
        INSERT INTO enterprise_fts(enterprise_fts, rowid, body) VALUES ('delete', old.doc_id, old.body);
        INSERT INTO enterprise_fts(rowid, body) VALUES (new.doc_id, new.body);
    END""",
    # enterprises -> documents
    f"""CREATE TRIGGER enterprise_search_ent_ai AFTER INSERT ON enterprise BEGIN
        INSERT INTO enterprise_search(enterprise_id, source_id, body)
        VALUES (new.id, new.id, {_ENT_BODY.format(r="new")});
    END""",
    f"""CREATE TRIGGER enterprise_search_ent_au AFTER UPDATE OF name, uscc, legal_rep, address ON enterprise
    BEGIN
        UPDATE enterprise_search SET body = {_ENT_BODY.format(r="new")} WHERE source_id = new.id;
    END""",
    """CREATE TRIGGER enterprise_search_ent_ad AFTER DELETE ON enterprise BEGIN
        DELETE FROM enterprise_search WHERE source_id = old.id;
    END""",
    # products -> documents (a soft-deleted product is not searchable)
    """CREATE TRIGGER enterprise_search_prod_ai AFTER INSERT ON product WHEN new.deleted = 0 BEGIN
        INSERT INTO enterprise_search(enterprise_id, source_id, body)
        VALUES (new.enterprise_id, new.id, new.name);
    END""",
    """CREATE TRIGGER enterprise_search_prod_au AFTER UPDATE OF name, enterprise_id, deleted ON product BEGIN
        DELETE FROM enterprise_search WHERE source_id = old.id;
        INSERT INTO enterprise_search(enterprise_id, source_id, body)
        SELECT new.enterprise_id, new.id, new.name WHERE new.deleted = 0;
    END""",
    """CREATE TRIGGER enterprise_search_prod_ad AFTER DELETE ON product BEGIN
        DELETE FROM enterprise_search WHERE source_id = old.id;
    END""",
    # rows that existed before this revision
    f"""INSERT INTO enterprise_search(enterprise_id, source_id, body)
        SELECT e.id, e.id, {_ENT_BODY.format(r="e")} FROM enterprise e""",
    """INSERT INTO enterprise_search(enterprise_id, source_id, body)
        SELECT p.enterprise_id, p.id, p.name FROM product p WHERE p.deleted = 0""",
]

DOWN = [
    "DROP TRIGGER IF EXISTS enterprise_search_prod_ad",
    "DROP TRIGGER IF EXISTS enterprise_search_prod_au",
    "DROP TRIGGER IF EXISTS enterprise_search_prod_ai",
    "DROP TRIGGER IF EXISTS enterprise_search_ent_ad",
    "DROP TRIGGER IF EXISTS enterprise_search_ent_au",
    "DROP TRIGGER IF EXISTS enterprise_search_ent_ai",
    "DROP TRIGGER IF EXISTS enterprise_search_au",
    "DROP TRIGGER IF EXISTS enterprise_search_ad",
    "DROP TRIGGER IF EXISTS enterprise_search_ai",
    "DROP TABLE IF EXISTS enterprise_fts",
    "DROP TABLE IF EXISTS enterprise_search",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for sql in STATEMENTS:
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for sql in DOWN:
        op.execute(sql)
