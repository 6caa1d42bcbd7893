"""Alembic migrations, applied automatically when a database is opened.

The migration scripts live in ``qsdesk/store/migrations``; no ``alembic.ini`` is needed at run
time (the configuration is built here), so a frozen build migrates the same way.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        # "%" is interpolation syntax for the config parser (e.g. a quoted unix-socket host)
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def revision_module(revision: str) -> ModuleType:
    """The module of one migration script, as Alembic loaded it: a later revision that redefines
    what an earlier one made reuses its SQL instead of repeating it (the name of a revision file
    is no module name to import)."""
    script = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    assert script is not None, revision
    return script.module


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the newest revision (no-op when it already is)."""
    upgrade_to(engine, "head")


def upgrade_to(engine: Engine, revision: str) -> None:
    if revision == "head" and current_revision(engine) == head_revision():
        return
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
