"""What a list shows: its columns (:class:`Column`), how a cell's value is written, and the
read-only table view every list page puts over a :class:`~qsdesk.ui.query_model.QueryTableModel`.

Kept apart from the model so a page that only describes its columns does not need the model's
paging machinery, and the model does not need the widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

if TYPE_CHECKING:
    from qsdesk.ui.query_model import QueryTableModel


def local_time(value: Any) -> str:
    """A stored UTC time (datetime, or the text a raw row holds) in local time, to the minute."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value[:16]
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.astimezone().strftime("%Y-%m-%d %H:%M"))


def default_format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M") if value.tzinfo else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


@dataclass(frozen=True)
class Column:
    """One visible column.

    ``key`` names a labelled column of the statement; ``sort`` is what the database orders by
    when the user clicks the header: the name of a column of the statement (whose expression,
    under its label, is used; the services build the statements, so the pages name columns
    instead of importing the models) or an expression (``None``: not sortable); ``shared`` marks
    low-cardinality text whose values are shared between rows in memory.
    """

    key: str
    title: str
    #: a column name of the statement, or a SQL expression the service built (typed loosely so the
    #: GUI's list descriptions do not import SQLAlchemy: only the model executes statements)
    sort: Any = None
    format: Callable[[Any], str] | None = None
    align: Qt.AlignmentFlag | None = None
    shared: bool = False
    width: int | None = None


def list_view(model: QueryTableModel, parent: QWidget | None = None) -> QTableView:
    """A read-only table view over ``model``: whole rows selected one at a time, the columns'
    widths, sorting by a header click (the query's own order until then, with no indicator)."""
    v = QTableView(parent)
    v.setModel(model)
    v.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    v.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    v.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    v.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    v.setSortingEnabled(True)
    v.setAlternatingRowColors(True)
    v.verticalHeader().setVisible(False)
    v.verticalHeader().setDefaultSectionSize(v.fontMetrics().height() + 10)
    v.horizontalHeader().setStretchLastSection(True)
    for i, c in enumerate(model.columns):
        if c.width:
            v.setColumnWidth(i, c.width)
    from qsdesk.ui.keys import enter_opens

    enter_opens(v)  # Enter opens the selected row like a double click
    return v
