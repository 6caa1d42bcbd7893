"""run_in_background: result, progress, errors and cancel."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressDialog, QPushButton, QWidget

from qsdesk.ui.worker import TaskCancelled, run_in_background


def test_returns_result_computed_off_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    main = threading.get_ident()
    seen: list[int] = []

    def work(progress, cancelled, n):  # type: ignore[no-untyped-def]
        seen.append(threading.get_ident())
        for i in range(n):
            progress(i, n, f"第 {i} 项")
        return n * 2

    assert run_in_background(parent, "计算", work, 5) == 10
    assert seen and seen[0] != main


def test_error_is_reraised(qtbot) -> None:  # type: ignore[no-untyped-def]
    def work(progress, cancelled):  # type: ignore[no-untyped-def]
        raise ValueError("文件格式错误")

    with pytest.raises(ValueError, match="文件格式错误"):
        run_in_background(None, "导入", work)


def test_cancel_reaches_the_work(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()

    def press_cancel() -> None:
        dialogs = parent.findChildren(QProgressDialog)
        assert dialogs, "the progress dialog is shown"
        button = next(b for b in dialogs[0].findChildren(QPushButton) if b.text() == "取消")
        button.click()

    def work(progress, cancelled):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if cancelled():
                raise TaskCancelled()
            progress(0, 0, "")
            time.sleep(0.01)
        return "finished"

    QTimer.singleShot(400, press_cancel)
    with pytest.raises(TaskCancelled):
        run_in_background(parent, "导出", work, min_duration_ms=0)
