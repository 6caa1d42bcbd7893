"""The 录入原因 row above the census form (国市监质监发〔2023〕38号 四（一）: "首次录入信息平台的
生产和销售单位，应注明录入原因"): an editable list of the document's reasons, required on a first
entry (the census service refuses one without it), shown and changeable when editing."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from qsdesk.domain.supervision import ENTRY_REASONS


class EntryReasonBox(QWidget):
    def __init__(self, parent: QWidget | None, current: str | None, first_entry: bool,
                 label: str | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox(self)
        self.combo.setEditable(True)
        self.combo.addItems(ENTRY_REASONS)
        self.combo.setCurrentIndex(-1)
        self.combo.setEditText(current or "")
        line = self.combo.lineEdit()  # the combo is editable: it has one
        if line is not None:
            line.setPlaceholderText("选择或填写录入原因" + ("（首次录入必填）" if first_entry else ""))
        text = label or ("录入原因<span style='color:#c00'>*</span>：" if first_entry else "录入原因：")
        label_w = QLabel(text, self)
        hint = QLabel("国市监质监发〔2023〕38号 四（一）：首次录入的生产和销售单位应注明录入原因", self)
        hint.setStyleSheet("color: #555;")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(label_w)
        lay.addWidget(self.combo, 1)
        lay.addWidget(hint)

    def reason(self) -> str | None:
        t = self.combo.currentText().strip()
        return t or None

