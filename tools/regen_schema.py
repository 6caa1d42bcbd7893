"""Regenerate the first migration (0001) from qsdesk/store/models.py.

Development only, while no database made by a released build exists: every schema change made
in models.py during the first milestone is folded into 0001 by running
``.venv/bin/python tools/regen_schema.py``. Later revisions (0002 …) are hand-written on top and
are kept; after the first release, add a new revision instead of running this.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from qsdesk.store.db import make_engine
from qsdesk.store.migrate import MIGRATIONS_DIR, alembic_config

FIRST = MIGRATIONS_DIR / "versions" / "0001_initial_schema.py"
#: the generated file's docstring says why it is longer than 500 lines (the issue 19 rule)
WHY_LONG = ("\nGenerated from qsdesk/store/models.py by tools/regen_schema.py and never edited by hand: its\n"
            "length is the schema's, which is why it is longer than 500 lines.\n")


def main() -> None:
    later = [p for p in (MIGRATIONS_DIR / "versions").glob("0*.py") if p != FIRST]
    parked = {p: p.read_text(encoding="utf-8") for p in later}
    for p in later:
        p.unlink()
    FIRST.unlink(missing_ok=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'empty.db'}")
            cfg = alembic_config(engine)
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
            engine.dispose()
    finally:
        for p, text in parked.items():
            p.write_text(text, encoding="utf-8")
    generated = next((MIGRATIONS_DIR / "versions").glob("0001_*.py"))
    if generated != FIRST:
        generated.rename(FIRST)
    text = FIRST.read_text(encoding="utf-8")
    FIRST.write_text(text.replace('"""initial schema\n', '"""initial schema\n' + WHY_LONG, 1), encoding="utf-8")
    print(f"regenerated {FIRST}")


if __name__ == "__main__":
    main()
