"""QueryTableModel: pages fetched lazily, totals by COUNT, sorting in the database."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from sqlalchemy import select

from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise
from qsdesk.ui.lists import Column
from qsdesk.ui.query_model import QueryTableModel, RawRole


def _fill(store: Store, n: int) -> None:
    with store.transaction() as s:
        for i in range(n):
            s.add(Enterprise(name=f"企业{i:04d}", town="王舍人街道" if i % 2 else "港沟街道",
                             responsible_since=date(2026, 1, 1) if i % 3 == 0 else None))


COLUMNS = [
    Column("name", "企业名称", sort=Enterprise.name),
    Column("town", "镇街", sort=Enterprise.town, shared=True),
    Column("responsible_since", "负责起始"),
]


def _stmt():  # type: ignore[no-untyped-def]
    return select(Enterprise.id, Enterprise.name, Enterprise.town, Enterprise.responsible_since).where(
        Enterprise.deleted.is_(False)).order_by(Enterprise.name)


def test_fetches_in_pages_and_counts(store: Store, qapp) -> None:  # type: ignore[no-untyped-def]
    _fill(store, 450)
    model = QueryTableModel(store, COLUMNS, _stmt(), page_size=200)
    assert model.rowCount() == 200
    assert model.canFetchMore()
    assert model.total() == 450
    model.fetchMore()
    assert model.rowCount() == 400
    model.fetchMore()
    assert model.rowCount() == 450
    assert not model.canFetchMore()
    assert model.data(model.index(0, 0)) == "企业0000"
    assert model.data(model.index(449, 0)) == "企业0449"
    assert model.data(model.index(0, 2)) == "2026-01-01"
    assert model.data(model.index(1, 2)) == ""
    # values come back as the column's Python type (the driver hands SQLite dates over as text)
    assert model.data(model.index(0, 2), RawRole) == date(2026, 1, 1)
    assert model.row_values(0)["responsible_since"] == date(2026, 1, 1)
    assert model.headerData(1, Qt.Orientation.Horizontal) == "镇街"
    # shared low-cardinality strings are one object
    towns = {id(model.data(model.index(r, 1), Qt.ItemDataRole.UserRole + 1)) for r in range(450)}
    assert len(towns) == 2


def test_sort_runs_in_database(store: Store, qapp) -> None:  # type: ignore[no-untyped-def]
    _fill(store, 250)
    model = QueryTableModel(store, COLUMNS, _stmt(), page_size=100)
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.rowCount() == 100
    assert model.data(model.index(0, 0)) == "企业0249"
    assert "DESC" in str(model.statement)
    model.sort(0, Qt.SortOrder.AscendingOrder)
    assert model.data(model.index(0, 0)) == "企业0000"
    # the unsortable column is ignored
    model.sort(2, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 0)) == "企业0000"


def test_refresh_sees_new_rows_and_row_id(store: Store, qapp) -> None:  # type: ignore[no-untyped-def]
    _fill(store, 3)
    model = QueryTableModel(store, COLUMNS, _stmt())
    assert model.rowCount() == 3 and model.total() == 3
    with store.transaction() as s:
        s.add(Enterprise(name="企业0001A"))
    model.refresh()
    assert model.rowCount() == 4
    with store.session() as s:
        eid = s.scalar(select(Enterprise.id).where(Enterprise.name == "企业0001A"))
    assert model.row_id(2) == eid
    assert model.find_row(eid) == 2
    assert model.row_values(2)["name"] == "企业0001A"


def test_view_scrolling_grows_rows(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QTableView

    _fill(store, 600)
    model = QueryTableModel(store, COLUMNS, _stmt(), page_size=100)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(500, 300)
    view.show()
    qtbot.waitExposed(view)
    assert model.rowCount() == 100
    bar = view.verticalScrollBar()
    for _ in range(10):
        bar.setValue(bar.maximum())
        qtbot.wait(10)
    assert model.rowCount() == 600
    assert not model.canFetchMore()


def test_total_counted_off_thread(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    _fill(store, 450)
    model = QueryTableModel(store, COLUMNS, _stmt(), page_size=100)
    with qtbot.waitSignal(model.totalChanged, timeout=5000) as sig:
        model.request_total()
    assert sig.args == [450]
    assert model.rowCount() == 100  # counting did not load rows
