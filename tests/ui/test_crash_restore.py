"""Kill a process that is typing into a form; the next start offers the draft back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from qsdesk.services import drafts
from qsdesk.store.db import open_store
from qsdesk.ui.forms import dialogs
from tests.services.inspection_helpers import make_enterprise
from tests.ui.form_helpers import click

REPO = Path(__file__).resolve().parents[2]
TEXT = "电热水壶HL-1715型及电暖器NSB-200型各一批次现场检查"
KILL_AFTER_CHARS = 30  # about three seconds of typing


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_while_typing_then_restore(qtbot, store, data_dir, monkeypatch) -> None:
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    eid = make_enterprise(store)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "tests.ui.crash_typist", str(data_dir), eid, TEXT],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    typed = 0
    deadline = time.monotonic() + 60
    try:
        assert proc.stdout is not None
        while typed < KILL_AFTER_CHARS and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("TYPED "):
                typed = int(line.split()[1])
        assert typed >= KILL_AFTER_CHARS, proc.stderr.read() if proc.stderr else ""
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    # The next start: the prompt lists the draft; restoring reopens the form with the typing.
    store2 = open_store(data_dir)
    try:
        found = drafts.list_drafts(store2)
        assert len(found) == 1 and found[0].enterprise_id == eid
        prompt = dialogs.offer_draft_restore(store2)
        assert prompt is not None
        qtbot.addWidget(prompt)
        assert prompt.list.count() == 1 and "济南华鲁电器有限公司" in prompt.list.item(0).text()
        click(qtbot, prompt.restore_btn)
        assert len(prompt.opened) == 1
        dlg = prompt.opened[0]
        qtbot.addWidget(dlg)
        restored = dlg.form.editors["inspected_products"].value() or ""
        assert TEXT[:typed].startswith(restored)
        # Autosave runs within ~2 s of a change: at 10 characters a second at most ~25 are lost.
        assert typed - len(restored) <= 25, (typed, restored)
        assert len(restored) >= 5
        # Saving turns the draft into a record and removes it.
        assert dlg.save()
        assert drafts.list_drafts(store2) == []
        dlg._dirty = False
    finally:
        store2.close()
