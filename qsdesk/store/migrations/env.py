"""Alembic environment: runs on the connection qsdesk.store.migrate hands in."""

from alembic import context
from sqlalchemy import create_engine

from qsdesk.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is None:  # `alembic` command line, e.g. autogenerate during development
        engine = create_engine(config.get_main_option("sqlalchemy.url", ""))
        with engine.begin() as c:
            _run_on(c)
        return
    _run_on(conn)


def _run_on(conn) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=conn,
        target_metadata=target_metadata,
        render_as_batch=conn.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
