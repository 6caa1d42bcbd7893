"""The attachments strip of a form: photos and PDFs, stored once by SHA-256.

Files are copied into the data directory's attachment store as soon as they are picked (so an
autosaved draft refers to bytes that exist); the record's links are written when it is saved.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qsdesk.services import attachments as svc
from qsdesk.store.db import Store
from qsdesk.ui.forms.editors import Editor

FILE_FILTER = "照片或 PDF (*.jpg *.jpeg *.png *.bmp *.gif *.webp *.pdf);;所有文件 (*)"
THUMB = 72


class AttachmentEditor(Editor):
    def __init__(self, field: Any, parent: QWidget | None = None, store: Store | None = None) -> None:
        super().__init__(field, parent)
        self.store = store
        self._items: list[dict[str, Any]] = []
        box = QWidget(parent)
        self.list = QListWidget(box)
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setFlow(QListWidget.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 60, THUMB + 36))
        self.list.setFixedHeight(THUMB + 52)
        self.list.setMovement(QListWidget.Movement.Static)
        self.list.setAccessibleName(field.label)
        self.add_btn = QPushButton("添加照片/PDF…", box)
        self.remove_btn = QPushButton("移除所选", box)
        self.add_btn.clicked.connect(self._pick)
        self.remove_btn.clicked.connect(self._remove_selected)
        self.list.itemActivated.connect(self._open)
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_btn)
        buttons.addWidget(self.remove_btn)
        buttons.addStretch(1)
        lay = QHBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)
        self.widget = box
        if store is None:
            self.add_btn.setEnabled(False)
            self.add_btn.setToolTip("未连接数据库，无法添加附件")

    # ------------------------------------------------------------------ actions
    def _pick(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self.widget, "选择附件", "", FILE_FILTER)
        for p in paths:
            self.add_file(p)

    def add_file(self, path: str) -> dict[str, Any] | None:
        if self.store is None:
            return None
        try:
            info = svc.import_file(self.store, path)
        except svc.AttachmentError as e:
            QMessageBox.warning(self.widget, "无法添加附件", str(e))
            return None
        v = info.as_value()
        if any(x["sha256"] == v["sha256"] and x["filename"] == v["filename"] for x in self._items):
            return v
        self._items.append(v)
        self._add_item(v)
        self.changed.emit()
        return v

    def _remove_selected(self) -> None:
        rows = sorted({self.list.row(i) for i in self.list.selectedItems()}, reverse=True)
        if not rows and self.list.currentRow() >= 0:
            rows = [self.list.currentRow()]
        for r in rows:
            self.list.takeItem(r)
            del self._items[r]
        if rows:
            self.changed.emit()

    def _open(self, item: QListWidgetItem) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        if self.store is None:
            return
        sha = item.data(Qt.ItemDataRole.UserRole)
        path = svc.blob_path(self.store, sha)
        if path.exists():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _icon(self, v: dict[str, Any]) -> QIcon:
        if self.store is not None and str(v.get("mime", "")).startswith("image/"):
            try:
                img = QImage(str(svc.blob_path(self.store, v["sha256"])))
            except svc.AttachmentError:
                img = QImage()
            if not img.isNull():
                return QIcon(QPixmap.fromImage(img.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                          Qt.TransformationMode.SmoothTransformation)))
        style = self.widget.style()
        from PySide6.QtWidgets import QStyle

        return style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)

    def _add_item(self, v: dict[str, Any]) -> None:
        name = str(v.get("filename") or "")
        short = name if len(name) <= 10 else name[:4] + "…" + name[-5:]
        it = QListWidgetItem(self._icon(v), short)
        it.setToolTip(name)
        it.setData(Qt.ItemDataRole.UserRole, v["sha256"])
        self.list.addItem(it)

    # ------------------------------------------------------------------ editor API
    def value(self) -> Any:
        return [dict(x) for x in self._items]

    def set_value(self, v: Any) -> None:
        self.list.clear()
        self._items = [dict(x) for x in (v or []) if isinstance(x, dict) and x.get("sha256")]
        for x in self._items:
            self._add_item(x)

    def focus_widget(self) -> QWidget:
        return self.add_btn if self.add_btn.isEnabled() else self.list

    def focus_chain(self) -> list[QWidget]:
        return [self.list, self.add_btn, self.remove_btn]

    def set_read_only(self, ro: bool) -> None:
        self.add_btn.setVisible(not ro)
        self.remove_btn.setVisible(not ro)
