"""Child process for the crash-restore test: opens a new inspection form and types into it.

Usage: ``python -m tests.ui.crash_typist DATA_DIR ENTERPRISE_ID TEXT``. Types one character of
TEXT every 100 ms into 本次检查产品 and prints ``TYPED <n>`` after each, forever after the text ends
(sleeping); the parent kills it with SIGKILL at a moment of its choosing.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from qsdesk.store.db import open_store  # noqa: E402
from qsdesk.ui.forms.dialogs import InspectionDialog  # noqa: E402
from tests.ui.form_helpers import key_in  # noqa: E402


def main() -> int:
    data_dir, enterprise_id, text = sys.argv[1], sys.argv[2], sys.argv[3]
    app = QApplication([])
    store = open_store(data_dir)
    dlg = InspectionDialog(store, enterprise_id=enterprise_id)
    dlg.show()
    target = dlg.form.editors["inspected_products"].focus_widget()
    target.setFocus()
    pos = 0

    def tick() -> None:
        nonlocal pos
        if pos < len(text):
            key_in(target, text[pos])
            pos += 1
            print(f"TYPED {pos}", flush=True)

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(100)
    print("READY", flush=True)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
