"""Opening the database on a thread while the window and the login dialog are already on screen.

Loading SQLAlchemy and the models and opening the database takes longer than showing the window
(see :mod:`qsdesk.store.peek`). The work is started here on a plain thread as soon as the window
is up; whoever needs the store calls :meth:`OpeningStore.wait`, which keeps the window painting
(but takes no clicks or keys) until the store is ready. Importing on a thread does not make the
import itself faster (the GIL), but the person is reading the window and typing a password
meanwhile, so for them the wait disappears.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from qsdesk.store.db import Store


class OpeningStore:
    """The store of ``data_dir`` (or ``url``), opened and prepared on a thread."""

    def __init__(self, data_dir: Path | None, url: str | None = None,
                 prepare: Callable[[Store], None] | None = None,
                 afterwards: Callable[[Store], None] | None = None) -> None:
        """``prepare`` runs on the thread before the store is handed out; ``afterwards`` runs
        on it after (work that must not keep the person waiting, such as the daily backup)."""
        self.data_dir = data_dir
        self.url = url
        self._prepare = prepare
        self._afterwards = afterwards
        self._store: Store | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="qsdesk-open-store", daemon=True)

    def start(self) -> OpeningStore:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            from qsdesk.store.db import open_store

            store = open_store(self.data_dir, url=self.url)
            self._store = store
            if self._prepare is not None:
                self._prepare(store)
        except BaseException as exc:  # re-raised in the GUI thread by wait()
            self._error = exc
        finally:
            self._done.set()
        if self._afterwards is not None and self._error is None and self._store is not None:
            self._afterwards(self._store)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread, including its ``afterwards`` work."""
        self._thread.join(timeout)

    def is_done(self) -> bool:
        return self._done.is_set()

    def wait(self) -> Store:
        """The opened store; raises what opening raised. Repaints the GUI while waiting."""
        app = QApplication.instance()
        while not self._done.wait(0.01):
            if app is not None:
                app.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents, 10)
        if self._error is not None:
            raise self._error
        assert self._store is not None
        return self._store
