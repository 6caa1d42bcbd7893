"""Keyboard conventions shared by the lists and forms.

* :func:`enter_opens` — Enter (Return or keypad Enter) on a list opens the selected row exactly
  as a double click does: the view emits ``doubleClicked`` for its current index, so a page that
  opens rows on double click opens them on Enter too, with no second code path.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class _EnterOpens(QObject):
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if (event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent)
                or event.key() not in _ENTER or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            return False
        view = self.parent()
        if isinstance(view, QAbstractItemView) and view.state() != QAbstractItemView.State.EditingState:
            idx = view.currentIndex()
            if idx.isValid():
                view.doubleClicked.emit(idx)
                return True
        return False


def enter_opens(view: QAbstractItemView) -> QAbstractItemView:
    """Make Enter on ``view`` act like a double click on its current row; returns ``view``."""
    if view.property("_qsdesk_enter_opens"):
        return view
    f = _EnterOpens(view)
    view.installEventFilter(f)
    view.setProperty("_qsdesk_enter_opens", True)
    return view
