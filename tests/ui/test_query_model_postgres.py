"""Lists that jump: beyond ``jump_after`` rows the row count is known up front and a page is
read only where the view looks, so Ctrl+End shows the last rows at once (on PostgreSQL, a
county's 200k enterprises, and on SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView
from sqlalchemy import event, insert, select

from qsdesk.store.db import Store, open_store
from qsdesk.store.models import Enterprise
from qsdesk.ui.lists import Column
from qsdesk.ui.query_model import QueryTableModel

N = 2400
NOW = datetime(2026, 12, 1, tzinfo=UTC)
COLUMNS = [Column("name", "企业名称", sort=Enterprise.name), Column("town", "镇街", shared=True)]


def _stmt():  # type: ignore[no-untyped-def]
    return (select(Enterprise.id, Enterprise.name, Enterprise.town)
            .where(Enterprise.deleted.is_(False)).order_by(Enterprise.name, Enterprise.id))


def _fill(store: Store, n: int = N) -> None:
    with store.transaction() as s:
        s.execute(insert(Enterprise), [
            {"id": f"e{i:06d}", "name": f"企业{i:06d}", "town": "港沟街道" if i % 2 else "唐冶街道", "rev": 1,
             "origin": "s1", "change_seq": 1, "deleted": False, "updated_at": NOW, "unit_types": "", "supervision_class": "routine",
             "extra": {}}
            for i in range(n)])


@pytest.fixture(params=["sqlite", "postgres"])
def either_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        st = open_store(tmp_path / "s")
    else:
        st = open_store(tmp_path / "c", url=request.getfixturevalue("pg_url"))
    yield st
    st.close()


def test_postgres_list_count_known_up_front_and_pages_read_where_looked(either_store: Store, qapp) -> None:  # type: ignore[no-untyped-def]
    _fill(either_store)
    model = QueryTableModel(either_store, COLUMNS, _stmt(), page_size=100, jump_after=500)
    assert model.jumping
    assert model.rowCount() == N and model.total() == N and not model.canFetchMore()
    assert model.loaded_rows() == 100
    assert model.data(model.index(N - 1, 0)) == f"企业{N - 1:06d}"
    assert model.data(model.index(1234, 0)) == "企业001234"
    assert model.row_id(1234) == "e001234"
    assert model.loaded_rows() == 300
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.rowCount() == N and model.data(model.index(0, 0)) == f"企业{N - 1:06d}"
    assert model.data(model.index(N - 1, 0)) == "企业000000"


def test_postgres_ctrl_end_shows_last_rows_at_once(either_store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    _fill(either_store)
    model = QueryTableModel(either_store, COLUMNS, _stmt(), page_size=100, jump_after=500)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(500, 300)
    view.show()
    qtbot.waitExposed(view)
    view.setFocus()
    view.setCurrentIndex(model.index(0, 0))
    offsets: list[int] = []

    def seen(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        values = parameters.values() if isinstance(parameters, dict) else parameters
        offsets.extend(v for v in values if isinstance(v, int))

    event.listen(either_store.engine, "before_cursor_execute", seen)
    qtbot.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(20)
    event.remove(either_store.engine, "before_cursor_execute", seen)
    # the last rows are read from the end (ORDER BY reversed), not by skipping 2,300 rows
    assert offsets and max(offsets) <= 200, offsets
    assert view.currentIndex().row() == N - 1
    top = view.rowAt(0)
    assert top > N - 30
    assert model.data(model.index(top, 0)) == f"企业{top:06d}"
    assert model.loaded_rows() <= 300  # the first page and the last one or two, not 24 pages


def test_small_lists_stream_as_before_postgres_too(either_store: Store, qapp) -> None:  # type: ignore[no-untyped-def]
    _fill(either_store, 450)
    model = QueryTableModel(either_store, COLUMNS, _stmt(), page_size=200, jump_after=500)
    assert not model.jumping
    assert model.rowCount() == 200 and model.canFetchMore() and model.total() == 450
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 450
