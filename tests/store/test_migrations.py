"""A database made by the first schema opens and upgrades to the newest with nothing lost."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import inspect, select, text

from qsdesk.store.db import make_engine, open_store, sqlite_url
from qsdesk.store.migrate import current_revision, head_revision, upgrade_to
from qsdesk.store.models import Base, Enterprise, Inspection


def _make_first_schema_db(path: Path) -> None:
    """Build a database at revision 0001 and fill it through plain SQL (as an old build would)."""
    engine = make_engine(sqlite_url(path))
    upgrade_to(engine, "0001")
    with engine.begin() as c:
        c.execute(text(
            "INSERT INTO enterprise (id, rev, updated_at, origin, deleted, change_seq, name, uscc, unit_types,"
            " individual_business, supervision_class, extra)"
            " VALUES ('e1', 3, '2025-01-02 03:04:05.000000', '370112001', 0, 7, '济南市华兴机械有限公司',"
            " '91370112MA3C4L5X0T', 'producer', 0, 'routine', '{}')"))
        c.execute(text(
            "INSERT INTO inspection (id, rev, updated_at, origin, deleted, change_seq, enterprise_id, form_id,"
            " form_version, inspected_on, status, \"values\", answers, problems_found, problems_fixed)"
            " VALUES ('i1', 1, '2025-01-03 00:00:00.000000', '370112001', 0, 8, 'e1', 'annex4_producer', 1,"
            " '2025-01-03', 'sealed', '{}', '{\"1.1\": {\"answer\": \"未发现问题\", \"note\": \"\"}}', 0, 0)"))
        c.execute(text(
            "INSERT INTO inspection (id, rev, updated_at, origin, deleted, change_seq, enterprise_id, form_id,"
            " form_version, inspected_on, status, \"values\", answers, problems_found, problems_fixed)"
            " VALUES ('i2', 1, '2025-01-04 00:00:00.000000', '370112001', 0, 9, 'e1', 'annex4_producer', 1,"
            " '2025-01-04', 'draft', '{\"other_notes\": \"草稿内容\"}', '{}', 0, 0)"))
    assert current_revision(engine) == "0001"
    engine.dispose()


def test_first_schema_database_upgrades_with_nothing_lost(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _make_first_schema_db(data / "qsdesk.db")
    store = open_store(data)  # opening migrates automatically
    try:
        assert current_revision(store.engine) == head_revision()
        with store.session() as s:
            e = s.get(Enterprise, "e1")
            assert e is not None and e.name == "济南市华兴机械有限公司" and e.rev == 3 and e.change_seq == 7
            sealed, draft = s.get(Inspection, "i1"), s.get(Inspection, "i2")
            assert sealed.status == "sealed" and sealed.answers["1.1"]["answer"] == "未发现问题"
            assert draft.status == "draft" and draft.values["other_notes"] == "草稿内容"
            assert draft.inspected_on == date(2025, 1, 4)
            assert s.scalars(select(Enterprise.name)).all() == ["济南市华兴机械有限公司"]
    finally:
        store.close()


def test_head_schema_matches_models(tmp_path: Path) -> None:
    """Every table and column of the models exists after migrating (no forgotten migration)."""
    store = open_store(tmp_path / "d")
    try:
        insp = inspect(store.engine)
        tables = set(insp.get_table_names())
        for table in Base.metadata.sorted_tables:
            assert table.name in tables, table.name
            have = {c["name"] for c in insp.get_columns(table.name)}
            assert {c.name for c in table.columns} <= have, table.name
    finally:
        store.close()


def test_schema_head_constant_matches_migrations() -> None:
    from qsdesk.store.db import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD


def test_up_to_date_database_opens_without_alembic(tmp_path: Path) -> None:
    import subprocess
    import sys

    open_store(tmp_path / "d").close()
    code = ("import sys; from qsdesk.store.db import open_store; s = open_store(sys.argv[1]); "
            "print('alembic' in sys.modules); s.close()")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "d")], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
