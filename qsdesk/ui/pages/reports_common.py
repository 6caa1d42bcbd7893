"""Small helpers shared by the 统计报表 tabs (read-only cells, numbers, the save-as question)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QTableWidgetItem,
    QWidget,
)


def _wrap(text: str, width: int) -> str:
    """``text`` broken into lines of ``width`` characters (narrow header columns)."""
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


TABLE_LABELS = {"activity": "工作记录", "inspection": "监督检查", "enforcement_case": "立案查处"}


def _ro_item(text: Any, data: Any = None) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


def _fmt(v: int | Decimal) -> str:
    if isinstance(v, Decimal):
        return format(v.quantize(Decimal("0.01")), ",f")
    return str(v)


def _ask_save(parent: QWidget, title: str, name: str) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, name, "Excel 工作簿 (*.xlsx)")
    if not path:
        return None
    p = Path(path)
    return p if p.suffix.lower() == ".xlsx" else p.with_suffix(".xlsx")


_BUTTON_TEXT = {
    QDialogButtonBox.StandardButton.Save: "保存",
    QDialogButtonBox.StandardButton.Cancel: "取消",
    QDialogButtonBox.StandardButton.Close: "关闭",
}


def _chinese_buttons(box: QDialogButtonBox) -> None:
    """Standard buttons in Chinese even where no Qt translation is installed."""
    for std, text in _BUTTON_TEXT.items():
        b = box.button(std)
        if b is not None:
            b.setText(text)
