"""Long work off the GUI thread, with a progress dialog and a cancel button.

``run_in_background(parent, title, fn, *args, **kwargs)`` calls
``fn(progress, cancelled, *args, **kwargs)`` on a ``QThread`` (docs/HELPERS.md), where

* ``progress(done: int, total: int, text: str)`` may be called from the worker thread at any
  rate (it only posts a queued signal; ``total == 0`` shows a busy bar);
* ``cancelled() -> bool`` tells the work that the user pressed 取消; the work should stop at
  a safe point (before committing) and either return or raise :class:`TaskCancelled`.

The call blocks the caller (running a local event loop, so the window keeps painting) and
returns what ``fn`` returned. An exception raised by ``fn`` is re-raised in the GUI thread so the
caller can say what went wrong. Work that stops early because of a cancel should raise
:class:`TaskCancelled` (the caller then sees it); work that finished anyway returns its result.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]


class TaskCancelled(Exception):
    """The user cancelled a background task."""

    def __init__(self, message: str = "操作已取消") -> None:
        super().__init__(message)


class _Signals(QObject):
    progress = Signal(int, int, str)


class _Thread(QThread):
    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                 signals: _Signals, cancel_flag: threading.Event) -> None:
        super().__init__()
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._signals = signals
        self._cancel = cancel_flag
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        def progress(done: int, total: int, text: str = "") -> None:
            self._signals.progress.emit(int(done), int(total), str(text))

        try:
            self.result = self._fn(progress, self._cancel.is_set, *self._args, **self._kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread
            self.error = exc


def run_in_background(parent: QWidget | None, title: str, fn: Callable[..., Any], *args: Any,
                      min_duration_ms: int = 300, **kwargs: Any) -> Any:
    """Run ``fn(progress, cancelled, *args, **kwargs)`` on a worker thread; see module docstring."""
    cancel_flag = threading.Event()
    signals = _Signals()
    dialog = QProgressDialog(title, "取消", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(min_duration_ms)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumWidth(360)

    def on_progress(done: int, total: int, text: str) -> None:
        if total <= 0:
            dialog.setRange(0, 0)
        else:
            dialog.setRange(0, total)
            dialog.setValue(min(done, total))
        if text:
            dialog.setLabelText(text)

    def on_cancel() -> None:
        cancel_flag.set()
        dialog.setLabelText("正在取消……")

    signals.progress.connect(on_progress, Qt.ConnectionType.QueuedConnection)
    dialog.canceled.connect(on_cancel)
    thread = _Thread(fn, args, kwargs, signals, cancel_flag)
    loop = QEventLoop()
    thread.finished.connect(loop.quit)
    thread.start()
    if thread.isRunning():
        loop.exec()
    thread.wait()
    dialog.close()
    dialog.deleteLater()
    if thread.error is not None:
        raise thread.error
    return thread.result


class _AsyncThread(QThread):
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable[[], Any], parent: QObject | None) -> None:
        super().__init__(parent)
        self._fn = fn

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread
            self.failed.emit(exc)
        else:
            self.done.emit(result)


def run_async(parent: QObject, fn: Callable[[], Any], on_done: Callable[[Any], None],
              on_error: Callable[[BaseException], None] | None = None) -> QThread:
    """Run ``fn()`` on a worker thread without a dialog (e.g. filling the dashboard); call
    ``on_done(result)`` or ``on_error(exc)`` in the GUI thread. The thread is parented to
    ``parent`` and deletes itself when finished."""
    thread = _AsyncThread(fn, parent)
    thread.done.connect(on_done, Qt.ConnectionType.QueuedConnection)
    if on_error is not None:
        thread.failed.connect(on_error, Qt.ConnectionType.QueuedConnection)
    else:
        thread.failed.connect(lambda exc: log.error("background task failed: %r", exc))
    thread.finished.connect(thread.deleteLater)
    thread.start()
    return thread
