"""The contract between the main window and its pages, and the one "data changed" signal.

A page (``qsdesk.ui.pages.<module>:<Class>``) is a ``QWidget`` built as ``Class(store, parent)``.
What the window may call on it: ``refresh()`` to read its data again (:class:`Refreshable`),
``open_record(record_id)`` to show one record (:class:`RecordOpener`), and the class attribute
``SHOWS`` (:func:`shows`): the tables
whose changes it shows. After every committed write the store names the tables written
(:mod:`qsdesk.store.changes`); :class:`ChangeRelay` turns that into one Qt signal in the GUI
thread (coalesced: many commits in one burst refresh once), and the window refreshes the visible
pages that show one of those tables and marks the hidden ones stale, refreshing them when shown.
A page without ``SHOWS`` is refreshed each time it is shown, as before.

What a page may ask of the window is :class:`PageHost` (found with :func:`host_of`) instead of
guessing attributes of ``self.window()``.

This module is on the start-up path: it imports Qt only (no SQLAlchemy, no models).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from qsdesk.store.changes import Changes


@runtime_checkable
class Refreshable(Protocol):
    """A page that reads its data again when asked (each page may have it; the window checks)."""

    def refresh(self) -> None: ...


@runtime_checkable
class RecordOpener(Protocol):
    """A page that can show one record (the pages named in ``RECORD_PAGES``)."""

    def open_record(self, record_id: str) -> None: ...


@runtime_checkable
class PageHost(Protocol):
    """What a page may ask of the window that holds it."""

    def show_page(self, key: str) -> QWidget:
        """Switch to a page (``NAVIGATION`` key) and return it."""
        ...

    def open_record(self, table: str, record_id: str) -> None:
        """Show the page for a record of ``table`` and open the record there."""
        ...

    def set_idle_minutes(self, minutes: int) -> None:
        """Use a new idle-lock delay from now on."""
        ...


def host_of(widget: QWidget) -> PageHost | None:
    """The window holding ``widget`` when it is a page host (None for a page shown on its own)."""
    win = widget.window()
    return win if isinstance(win, PageHost) else None


def shows(page: object) -> frozenset[str] | None:
    """The tables ``page`` declares it shows (None: not declared)."""
    value = getattr(type(page), "SHOWS", None)
    return frozenset(value) if value is not None else None


class ChangeRelay(QObject):
    """Store commits (on any thread) → one ``changed(Changes)`` signal in this object's thread,
    coalescing the commits of one burst into one emission."""

    changed = Signal(object)
    _arrived = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: Changes | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._flush)
        self._arrived.connect(self._collect, Qt.ConnectionType.QueuedConnection)

    def notify(self, changes: Changes) -> None:
        """The store listener: safe to call from any thread."""
        self._arrived.emit(changes)

    def _collect(self, changes: Any) -> None:
        self._pending = changes if self._pending is None else self._pending | changes
        self._timer.start()

    def _flush(self) -> None:
        changes, self._pending = self._pending, None
        if changes:
            self.changed.emit(changes)

    def flush(self) -> None:
        """Deliver what arrived so far now (tests, and before a page is shown)."""
        self._timer.stop()
        self._flush()

