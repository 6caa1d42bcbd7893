"""A lazy table model over a SQLAlchemy ``select``.

:class:`QueryTableModel` never loads a whole table. It runs its statement once and pulls rows
from the open database cursor a page at a time when the view asks for more (``canFetchMore`` /
``fetchMore``, which ``QTableView`` calls as the user scrolls to the bottom). Pulling from one
open cursor instead of re-querying with ``OFFSET`` keeps every page O(page size): scrolling to the
end of 200 000 rows costs one query, not a thousand ever slower ones. The cursor is closed as
soon as the last row has been read, on :meth:`QueryTableModel.refresh`/``set_statement``, and when
the model is destroyed, so a long-lived model does not hold the database's read snapshot.

The number of rows is known up front: each (re)load first counts at most ``jump_after`` + 1
matching rows (cheap however large the table). Up to ``jump_after`` rows the model streams from
the cursor as above. Beyond that (a county's 200 000 enterprises) it switches to *jump* mode:
the full ``count(*)`` is the row count from the start, and a page is read with ``LIMIT``/
``OFFSET`` only when the view asks for one of its rows, so Ctrl+End or dragging the scroll bar
to the end reads the last page alone instead of every row before it (16 s at 200k rows when
every page had to be fetched first). At most :data:`KEEP_PAGES` pages stay in memory.

Totals (:meth:`QueryTableModel.total`) are therefore known after every load. Sorting by a column replaces the statement's ``ORDER BY`` with the
column's sort expression (plus the id as a tie-breaker) and runs the query again in the
database; nothing is sorted in Python.

Rows are kept as plain tuples; strings of low-cardinality columns (grade, status, town…) are
shared between rows so a fully scrolled list stays small.

Why this file is longer than 500 lines: it is one class whose two reading modes (streaming from
an open cursor, jumping by page) share the row cache, the cursor and the reload generation;
split, each half would have to reach into the other's state. The column descriptions and the
table view live in :mod:`qsdesk.ui.lists`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QWidget
from sqlalchemy import Connection, CursorResult, Select, func, select
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, Label, UnaryExpression

from qsdesk.store.db import Store
from qsdesk.ui.lists import Column, default_format

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

#: Qt role that returns the raw (unformatted) value of a cell.
RawRole = Qt.ItemDataRole.UserRole + 1

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_RAW = int(RawRole)
_VALUE_ROLES = frozenset((_DISPLAY, _TOOLTIP, _RAW))
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def sort_expression(stmt: Select[Any], sort: str | ColumnElement[Any] | None) -> ColumnElement[Any]:
    """The expression to order ``stmt`` by: a column of the statement named ``sort`` (the
    expression under its label), or ``sort`` itself."""
    assert sort is not None
    if not isinstance(sort, str):
        return sort
    col = stmt.selected_columns[sort]
    return col.element if isinstance(col, Label) else col



class _CountRelay(QObject):
    """Carries counts from worker threads to models in the GUI thread (lives as long as the
    process, so a worker never emits on a deleted object)."""

    counted = Signal(object, int, int)  # weakref to the model, generation, total

    def __init__(self) -> None:
        super().__init__()
        self.counted.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @staticmethod
    def _deliver(ref: Any, generation: int, n: int) -> None:
        model = ref()
        if model is not None:
            with contextlib.suppress(RuntimeError):  # the C++ side of the model is gone
                model._on_counted(generation, n)


_relay_instance: _CountRelay | None = None


def _relay() -> _CountRelay:
    global _relay_instance
    if _relay_instance is None:
        _relay_instance = _CountRelay()
    return _relay_instance


#: pages a model in jump mode keeps in memory (the least recently read are dropped)
KEEP_PAGES = 64


class QueryTableModel(QAbstractTableModel):
    """Read-only, lazily fetched rows of ``statement``; see the module docstring."""

    #: emitted with the number of rows matching the statement when :meth:`total` computed it
    totalChanged = Signal(int)
    #: emitted after a reset (new statement, sort or refresh)
    reloaded = Signal()

    def __init__(
        self,
        store: Store,
        columns: Sequence[Column],
        statement: Select[*tuple[Any, ...]] | None = None,
        *,
        id_key: str = "id",
        page_size: int = 200,
        jump_after: int = 5000,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._jump_after = jump_after
        self._jump = False  # rows read where the view looks (see the module docstring)
        self._pages: dict[int, None] = {}  # loaded page numbers in jump mode, oldest first
        self._store = store
        self._columns = list(columns)
        self._id_key = id_key
        self._page_size = page_size
        self._base: Select[*tuple[Any, ...]] | None = None
        self._params: dict[str, Any] = {}
        self._stmt: Select[*tuple[Any, ...]] | None = None
        self._rows: list[tuple[Any, ...]] = []
        self._positions: list[int] = []  # column index -> position in the result row
        self._id_pos = 0
        self._conn: Connection | None = None
        self._result: CursorResult[Any] | None = None
        self._exhausted = True
        self._total: int | None = None
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._shared: dict[str, str] = {}
        self._generation = 0
        self._processors: list[Any] = []
        self._raw = False
        self._shared_pos: list[int] = []
        self.destroyed.connect(self._close_cursor)
        if statement is not None:
            self.set_statement(statement)

    # ----------------------------------------------------------------- public API

    @property
    def columns(self) -> list[Column]:
        return list(self._columns)

    @property
    def statement(self) -> Select[*tuple[Any, ...]] | None:
        """The statement as last executed (with the current sort applied)."""
        return self._stmt

    def set_statement(self, statement: Select[*tuple[Any, ...]], params: dict[str, Any] | None = None) -> None:
        """Show the rows of ``statement`` executed with bind ``params`` (keeps the current column
        sort, if any). Passing the same statement with new ``params`` reuses its compiled form."""
        self._base = statement
        self._params = dict(params or {})
        self._reload()

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._params)

    def refresh(self) -> None:
        """Run the statement again (after data changed)."""
        if self._base is not None:
            self._reload()

    def total(self) -> int:
        """Number of rows the statement matches (``SELECT count(*)``), cached until reload."""
        if self._total is None:
            if self._exhausted and self._stmt is not None:
                self._total = len(self._rows)
            elif self._stmt is None:
                self._total = 0
            else:
                count = select(func.count()).select_from(self._stmt.order_by(None).subquery())
                with self._store.reading() as conn:
                    self._total = int(conn.execute(count, self._params).scalar_one())
            self.totalChanged.emit(self._total)
        return self._total

    def request_total(self) -> None:
        """Count the matching rows on a worker thread; ``totalChanged`` is emitted when done.

        A count over a broad search can take a moment on a large table; doing it off the GUI
        thread keeps typing responsive. A count that finishes after the statement changed again
        is dropped.
        """
        if self._total is not None:
            self.totalChanged.emit(self._total)
            return
        if self._stmt is None or self._exhausted:
            self.total()
            return
        generation = self._generation
        count = select(func.count()).select_from(self._stmt.order_by(None).subquery())
        store = self._store
        params = dict(self._params)
        relay = _relay()
        ref = weakref.ref(self)

        def work() -> None:
            try:
                with store.reading() as conn:
                    n = int(conn.execute(count, params).scalar_one())
            except Exception:
                log.exception("count failed")
                return
            relay.counted.emit(ref, generation, n)

        threading.Thread(target=work, name="qsdesk-count", daemon=True).start()

    def _on_counted(self, generation: int, n: int) -> None:
        if generation == self._generation and self._total is None:
            self._total = n
            self.totalChanged.emit(n)

    def loaded_rows(self) -> int:
        if self._jump:
            return sum(1 for r in self._rows if r is not None)
        return len(self._rows)

    def row_id(self, row: int) -> Any:
        if 0 <= row < len(self._rows):
            return (self._rows[row] or self._load_row(row))[self._id_pos]
        return None

    def row_values(self, row: int) -> dict[str, Any]:
        """The raw values of a row keyed by statement column name."""
        if not (0 <= row < len(self._rows)) or self._stmt is None:
            return {}
        keys: list[Any] = [c.key for c in self._stmt.selected_columns]
        return dict(zip(keys, self._rows[row] or self._load_row(row), strict=False))

    def find_row(self, record_id: Any) -> int:
        """Row number of a loaded record, -1 if it is not (yet) loaded."""
        for i, r in enumerate(self._rows):
            if r is not None and r[self._id_pos] == record_id:
                return i
        return -1

    @property
    def jumping(self) -> bool:
        """Whether rows are read where the view looks (more than ``jump_after`` rows)."""
        return self._jump

    def close(self) -> None:
        self._close_cursor()

    # ----------------------------------------------------------------- Qt model API

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # Called for every role of every visible cell on each paint: plain int roles, and the
        # value looked up only for the roles answered (most are not).
        if role in _VALUE_ROLES:
            if not index.isValid():
                return None
            c = index.column()
            row = self._rows[index.row()]
            if row is None:
                row = self._load_row(index.row())
            value = row[self._positions[c]]
            if role == _RAW:
                return value
            text = (self._columns[c].format or default_format)(value)
            if role == _DISPLAY:
                return text
            return text if len(text) > 20 else None
        if role == _ALIGN and index.isValid():
            align = self._columns[index.column()].align
            return int(align | Qt.AlignmentFlag.AlignVCenter) if align is not None else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section].title
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        rows = self._read_page()
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order by a column in the database; ``column < 0`` restores the statement's own order."""
        if column < 0:
            if self._sort is None:
                return
            self._sort = None
        elif column >= len(self._columns) or self._columns[column].sort is None:
            return
        else:
            self._sort = (column, order)
        if self._base is not None:
            self._reload()

    # ----------------------------------------------------------------- internals

    def _ordered(self, base: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
        if self._sort is None:
            return base
        column, order = self._sort
        expr = sort_expression(base, self._columns[column].sort)
        id_expr = base.selected_columns[self._id_key]
        if order == Qt.SortOrder.DescendingOrder:
            return base.order_by(None).order_by(expr.desc(), id_expr.desc())
        return base.order_by(None).order_by(expr.asc(), id_expr.asc())

    def _reload(self) -> None:
        assert self._base is not None
        self.beginResetModel()
        self._close_cursor()
        self._generation += 1
        self._rows = []
        self._total = None
        self._shared = {}
        self._stmt = self._ordered(self._base)
        keys: list[Any] = [c.key for c in self._stmt.selected_columns]
        try:
            self._positions = [keys.index(c.key) for c in self._columns]
            self._id_pos = keys.index(self._id_key)
        except ValueError as exc:
            self.endResetModel()
            raise ValueError(f"statement lacks a column the model shows: {exc}") from exc
        self._exhausted = False
        self._jump = False
        self._pages = {}
        dialect = self._store.engine.dialect
        self._processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in self._stmt.selected_columns]
        self._shared_pos = [self._positions[i] for i, c in enumerate(self._columns) if c.shared]
        # SQLite's cursor steps lazily by itself; elsewhere (PostgreSQL) ask for a server-side
        # cursor and read through SQLAlchemy, which then buffers rows ahead of the DBAPI cursor
        self._raw = dialect.name == "sqlite"
        try:
            self._count_up_front()
        except Exception:
            log.exception("list count failed")
        if self._jump:
            self._exhausted = True
            self._rows = [None] * (self._total or 0)  # type: ignore[list-item]
            if self._rows:
                self._load_row(0)
            self.endResetModel()
            self.reloaded.emit()
            return
        try:
            conn = self._store.engine.connect()
            self._conn = conn if self._raw else conn.execution_options(stream_results=True)
            self._result = self._conn.execute(self._stmt, self._params)
        except Exception:
            log.exception("list query failed")
            self._close_cursor()
        self._rows = self._read_page()
        self.endResetModel()
        self.reloaded.emit()

    def _count_up_front(self) -> None:
        """Count at most ``jump_after`` + 1 rows; more than that: the full count, jump mode."""
        assert self._stmt is not None
        inner = self._stmt.order_by(None)
        bounded = select(func.count()).select_from(inner.limit(self._jump_after + 1).subquery())
        with self._store.reading() as conn:
            n = int(conn.execute(bounded, self._params).scalar_one())
            if n > self._jump_after:
                n = int(conn.execute(select(func.count()).select_from(inner.subquery()), self._params).scalar_one())
                self._jump = True
        self._total = n

    def _load_row(self, row: int) -> tuple[Any, ...]:
        """Read the page holding ``row`` (jump mode) and return the row."""
        assert self._stmt is not None
        page = row // self._page_size
        first = page * self._page_size
        n = len(self._rows)
        reverse = self._reversed() if first > n // 2 else None
        if reverse is not None:
            # the back half read from the end: the last page costs what the first one does
            end = min(first + self._page_size, n)
            stmt = reverse.limit(end - first).offset(n - end)
        else:
            stmt = self._stmt.limit(self._page_size).offset(first)
        try:
            with self._store.reading() as conn:
                fetched = [tuple(r) for r in conn.execute(stmt, self._params)]
            if reverse is not None:
                fetched.reverse()
        except Exception:
            log.exception("reading list page failed")
            fetched = []
        rows = self._share(fetched)
        # rows beyond what the count said (data changed since) are not shown; missing ones are
        # shown blank rather than failing a paint
        blank = tuple(None for _ in self._stmt.selected_columns)
        end = min(first + self._page_size, len(self._rows))
        for i in range(first, end):
            k = i - first
            self._rows[i] = rows[k] if k < len(rows) else blank
        self._pages[page] = None
        while len(self._pages) > KEEP_PAGES:
            old = next(iter(self._pages))
            if old == page:
                break
            del self._pages[old]
            for i in range(old * self._page_size, min((old + 1) * self._page_size, len(self._rows))):
                self._rows[i] = None  # type: ignore[call-overload]
        return self._rows[row]

    def _reversed(self) -> Select[*tuple[Any, ...]] | None:
        """The statement in exactly the opposite order, when its order is total (it ends with the
        id, as every list's tie-breaker does): ASC↔DESC also swaps where NULLs go on SQLite and
        PostgreSQL alike. None otherwise (then pages are read with OFFSET from the start)."""
        assert self._stmt is not None
        clauses = list(self._stmt._order_by_clauses)
        if not clauses:
            return None
        id_col = self._stmt.selected_columns[self._id_key]
        flipped = []
        for c in clauses:
            if isinstance(c, UnaryExpression) and c.modifier in (operators.desc_op, operators.asc_op):
                inner = c.element
                flipped.append(inner.asc() if c.modifier is operators.desc_op else inner.desc())
            elif isinstance(c, UnaryExpression) and c.modifier is not None:
                return None  # NULLS FIRST/LAST and the like: not flipped here
            else:
                inner = c
                flipped.append(c.desc())
        last = clauses[-1].element if isinstance(clauses[-1], UnaryExpression) else clauses[-1]
        base_id = getattr(id_col, "element", id_col)  # a labelled column: its expression
        if not (last is id_col or last is base_id or getattr(last, "key", None) == getattr(base_id, "key", "")
                and getattr(last, "table", None) is getattr(base_id, "table", None)):
            return None
        return self._stmt.order_by(None).order_by(*flipped)

    def _share(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Rows with their low-cardinality strings shared (see the module docstring)."""
        if not self._shared_pos:
            return rows
        pool = self._shared
        out = []
        for r in rows:
            lst = list(r)
            for i in self._shared_pos:
                v = lst[i]
                if isinstance(v, str):
                    lst[i] = pool.setdefault(v, v)
            out.append(tuple(lst))
        return out

    def _read_page(self) -> list[tuple[Any, ...]]:
        """The next page, read from the DBAPI cursor under the SQLAlchemy result.

        Rows come straight from the driver and only the columns whose type needs it (dates,
        decimals…) go through their SQLAlchemy result processor; this halves the Python work per
        page compared with building SQLAlchemy ``Row`` objects, which matters for search as you
        type.
        """
        if self._result is None:
            self._exhausted = True
            return []
        try:
            if self._raw:
                fetched = self._result.cursor.fetchmany(self._page_size)
            else:
                fetched = [tuple(r) for r in self._result.fetchmany(self._page_size)]
        except Exception:
            log.exception("reading list rows failed")
            fetched = []
            self._close_cursor()
        convert = [(i, p) for i, p in enumerate(self._processors) if p is not None] if self._raw else []
        convert += [(i, None) for i in self._shared_pos]
        if not convert:
            rows = [tuple(r) for r in fetched]
        else:
            pool = self._shared
            rows = []
            for r in fetched:
                lst = list(r)
                for i, proc in convert:
                    v = lst[i]
                    if proc is not None:
                        lst[i] = proc(v)
                    elif isinstance(v, str):
                        lst[i] = pool.setdefault(v, v)
                rows.append(tuple(lst))
        if len(fetched) < self._page_size:
            self._close_cursor()
        return rows

    def _close_cursor(self, *_args: Any) -> None:
        self._exhausted = True
        result, conn = self._result, self._conn
        self._result = None
        self._conn = None
        try:
            if result is not None:
                result.close()
        finally:
            if conn is not None:
                conn.close()
