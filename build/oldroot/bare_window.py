"""The start-time baseline (issue 18 item 5): the least a frozen PySide6 program can do.

Frozen in the build root like qsdesk (``oldroot.sh baseline``); it opens one empty window,
prints ``bare-window: visible`` once the window is shown and quits. The ratio of qsdesk's start
to this one's, in the same root, tells what qsdesk itself adds to Python + Qt.
"""

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget


def main() -> int:
    app = QApplication(sys.argv)
    w = QWidget()
    w.setWindowTitle("bare")
    w.resize(400, 300)
    w.show()

    def shown() -> None:
        print(f"bare-window: visible={w.isVisible()}", flush=True)
        app.quit()

    QTimer.singleShot(0, shown)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
