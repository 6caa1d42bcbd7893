"""Windows that fit the screen they open on, and remember the size a user gave them.

No window of the program has a fixed size: a station's laptop has 1366×768 with a 40 px taskbar,
a county office 1920×1080 at 150 % scaling (1280×720 logical pixels). :func:`fit_window` sizes a
window from the *available* geometry of its screen (the desktop minus taskbars and panels),
restores the size saved for that window (per window kind, in the user's settings), clamps it so
that the whole window — title bar and the bottom row of buttons included — stays on screen, and
centres it. :class:`WindowFitter`, installed once on the application, does the same for every
top-level window of the program when it is first shown and saves its size when it is closed.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QMessageBox, QWidget

log = logging.getLogger(__name__)

#: Room for the window manager's frame when it is not known yet (before the first show).
FRAME_ALLOWANCE = QSize(16, 40)
SETTINGS_PREFIX = "windows"
_FITTED = "_qsdesk_fitted"
_KEY = "_qsdesk_window_key"


def settings() -> QSettings:
    """The user's settings file (the same file as the main window's state)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "qsdesk", "qsdesk")


def available_geometry(widget: QWidget | None = None) -> QRect:
    """The usable desktop of the screen ``widget`` is on (or will open on)."""
    screen = None
    if widget is not None:
        parent = widget.parentWidget()
        screen = (parent.window().screen() if parent is not None else None) or widget.screen()
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 700)


def frame_allowance(widget: QWidget) -> QSize:
    """Frame size (title bar, borders) of ``widget``: measured once shown, else an allowance."""
    if widget.isVisible():
        fg, g = widget.frameGeometry(), widget.geometry()
        extra = QSize(fg.width() - g.width(), fg.height() - g.height())
        if extra.width() > 0 or extra.height() > 0:
            return extra
    return FRAME_ALLOWANCE


def max_client_size(widget: QWidget) -> QSize:
    """The largest client size whose window still fits the available geometry."""
    avail = available_geometry(widget)
    frame = frame_allowance(widget)
    return QSize(max(avail.width() - frame.width(), 200), max(avail.height() - frame.height(), 150))


def window_key(widget: QWidget) -> str:
    key = widget.property(_KEY)
    return str(key) if key else type(widget).__name__


def _saved_size(key: str, store: QSettings) -> QSize | None:
    value = store.value(f"{SETTINGS_PREFIX}/{key}/size")
    if isinstance(value, QSize) and value.isValid() and value.width() > 0:
        return value
    return None


def fit_window(widget: QWidget, key: str | None = None, *, fraction: tuple[float, float] = (0.94, 0.94),
               largest: QSize | None = None, store: QSettings | None = None,
               preferred: QSize | None = None) -> QSize:
    """Size and place ``widget`` on its screen; returns the client size chosen.

    Size: the one saved for ``key`` (default: the class name) if any, else ``fraction`` of the
    available geometry capped at ``largest`` and never below the layout's minimum; always clamped
    so the whole window fits the available geometry. Position: centred on the available area.
    """
    if key:
        widget.setProperty(_KEY, key)
    key = window_key(widget)
    store = store if store is not None else settings()
    limit = max_client_size(widget)
    saved = _saved_size(key, store)
    if saved is not None:
        want = saved
    elif preferred is not None:
        want = preferred.expandedTo(widget.minimumSizeHint())
    else:
        avail = available_geometry(widget)
        want = QSize(int(avail.width() * fraction[0]), int(avail.height() * fraction[1]))
        if largest is not None:
            want = want.boundedTo(largest)
        want = want.expandedTo(widget.minimumSizeHint())
    size = want.boundedTo(limit)
    if widget.maximumWidth() < size.width() or widget.maximumHeight() < size.height():
        size = size.boundedTo(widget.maximumSize())
    widget.resize(size)
    place_on_screen(widget)
    widget.setProperty(_FITTED, True)
    return size


def place_on_screen(widget: QWidget) -> None:
    """Centre the window on the available area (keeps the title bar reachable)."""
    avail = available_geometry(widget)
    frame = frame_allowance(widget)
    w = widget.width() + frame.width()
    h = widget.height() + frame.height()
    x = avail.x() + max((avail.width() - w) // 2, 0)
    y = avail.y() + max((avail.height() - h) // 2, 0)
    widget.move(QPoint(x, y))


def clamp_to_screen(widget: QWidget) -> None:
    """Shrink and move a window that would stick out of the available area."""
    limit = max_client_size(widget)
    if widget.width() > limit.width() or widget.height() > limit.height():
        widget.resize(widget.size().boundedTo(limit))
    avail = available_geometry(widget)
    fg = widget.frameGeometry()
    if not avail.contains(fg):
        x = min(max(fg.x(), avail.x()), max(avail.right() - fg.width() + 1, avail.x()))
        y = min(max(fg.y(), avail.y()), max(avail.bottom() - fg.height() + 1, avail.y()))
        widget.move(QPoint(x, y))


def remember_size(widget: QWidget, store: QSettings | None = None) -> None:
    """Save the window's client size for the next time this kind of window opens."""
    if widget.isMaximized() or widget.isFullScreen() or widget.isMinimized():
        return
    store = store if store is not None else settings()
    store.setValue(f"{SETTINGS_PREFIX}/{window_key(widget)}/size", widget.size())
    store.sync()


def _ours(widget: QWidget) -> bool:
    """Windows the program defines (not Qt's message boxes, file dialogs, menus, tooltips)."""
    if isinstance(widget, QMessageBox):
        return False
    if not isinstance(widget, QDialog | QMainWindow):
        return False
    return type(widget).__module__.startswith("qsdesk.")


class WindowFitter(QObject):
    """Application-wide: fit every window of the program on first show, save its size on close."""

    def __init__(self, parent: QObject | None = None, store: QSettings | None = None) -> None:
        super().__init__(parent)
        self.store = store

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        t = event.type()
        if t not in (QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.Close):
            return False
        if not isinstance(obj, QWidget) or not obj.isWindow() or not _ours(obj):
            return False
        try:
            if t == QEvent.Type.Show:
                if not obj.property(_FITTED) and not isinstance(obj, QMainWindow):
                    fit_window(obj, store=self.store, preferred=_preferred_size(obj))
                else:
                    clamp_to_screen(obj)
            elif obj.property(_FITTED):
                remember_size(obj, self.store)
        except Exception:  # sizing must never break a window
            log.exception("window fitting failed")
        return False


def _preferred_size(widget: QWidget) -> QSize:
    """The size the window asked for itself (``resize`` in its constructor), else its layout's
    natural size; :func:`fit_window` then clamps it to the screen."""
    if widget.testAttribute(Qt.WidgetAttribute.WA_Resized):
        return widget.size()
    return widget.sizeHint()


_installed: list[WindowFitter] = []


def install(app: QApplication | None = None, store: QSettings | None = None) -> WindowFitter:
    """Install the fitter on the application (once; returns the existing one if already there)."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    assert app is not None
    for f in _installed:
        if f.parent() is app:
            f.store = store if store is not None else f.store
            return f
    fitter = WindowFitter(app, store)
    app.installEventFilter(fitter)
    _installed.append(fitter)
    return fitter


def uninstall(app: QApplication | None = None) -> None:
    """Remove the fitter installed by :func:`install` (tests)."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    for f in list(_installed):
        if f.parent() is app:
            app.removeEventFilter(f)  # type: ignore[union-attr]
            _installed.remove(f)
