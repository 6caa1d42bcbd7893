"""The 数据同步 page's words and dialogs: what sync terms mean, the removable drives offered as
targets, the summary shown before an import is applied, and the county's 发回该所全部记录 dialog.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStorageInfo, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsdesk.services.sync.exchange import (
    TABLE_LABELS,
    ImportReport,
)
from qsdesk.ui.dialog_guard import GuardedDialog
from qsdesk.ui.window_fit import fit_window

DIRECTION = {"out": "发出", "in": "收到"}


#: The words of this page, explained where they appear (tooltips) and in one help line.
SYNC_WORDS = {
    "登记文件": "记有本单位名称、代码和公钥的小文件。监管所与县局之间交换一次即可：导入对方的登记文件后，"
               "才能给对方写数据包，也才能确认收到的数据包确实来自对方、途中未被改动。",
    "指纹": "公钥的简短摘要（一串字母和数字）。导入对方登记文件时，请打电话或当面请对方读出其指纹，"
          "逐位核对一致后再登记，以防文件被调包。",
    "数据包": "用U盘传递的一个加密文件，装有上次以来本单位新增或修改的记录，只有收件单位能打开。",
    "回执": "导入数据包后写出的小文件。把它带回给发送方导入，对方据此知道哪些数据已经送达，下次只发新的变更。",
}
SYNC_HELP_LINE = ("第一次使用：与对方交换“登记文件”并电话核对“指纹”（只需一次）。之后用U盘传递“数据包”；"
                  "导入对方的数据包后，写“回执”带回给对方。把鼠标停在按钮上可看说明。")


def removable_drives() -> list[Path]:
    """Mounted, writable volumes that look like a USB stick (not the system disk)."""
    out: list[Path] = []
    system_drive = os.environ.get("SYSTEMDRIVE", "C:").upper()
    for vol in QStorageInfo.mountedVolumes():
        if not (vol.isValid() and vol.isReady()) or vol.isReadOnly():
            continue
        root = vol.rootPath()
        if sys.platform.startswith("win"):
            if root[:2].upper() != system_drive and len(root) <= 3:
                out.append(Path(root))
        elif root.startswith(("/media/", "/run/media/", "/mnt/", "/Volumes/")):
            out.append(Path(root))
    return out


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _history_counts(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return ""
    if not isinstance(value, dict):
        return ""
    if value.get("kind") == "receipt":
        ack = value.get("ack")
        return "回执" + (f"（确认到第 {ack} 号变更）" if ack else "")
    tables = value.get("tables") or {}
    total = sum(int(n) for n in tables.values())
    parts = [f"{total} 条记录"]
    for key, label in (("new", "新增"), ("updated", "更新"), ("conflicts", "冲突"), ("refused", "拒绝")):
        if value.get(key):
            parts.append(f"{label} {value[key]}")
    if value.get("missing"):
        parts.append("缺 " + "、".join(str(n) for n in value["missing"][:10]) + " 号")
    return "，".join(parts)


class ImportPreviewDialog(QDialog):
    """What importing a bundle will do, table by table, before anything is written."""

    def __init__(self, report: ImportReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("导入前确认")
        self.report = report
        lay = QVBoxLayout(self)
        head = QLabel(report.summary(), self)
        head.setWordWrap(True)
        lay.addWidget(head)
        cols = ["数据", "新增", "更新", "冲突", "拒绝", "跳过（本机更新）", "相同"]
        self.table = QTableWidget(len(report.tables), len(cols), self)
        self.table.setHorizontalHeaderLabels(cols)
        for r, (name, t) in enumerate(report.tables.items()):
            values = [TABLE_LABELS.get(name, name), t.new, t.updated, t.conflicts, t.refused, t.older, t.unchanged]
            for c, v in enumerate(values):
                item = QTableWidgetItem(str(v))
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(r, c, item)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        lay.addWidget(self.table)
        reasons = report.rejected_reasons() + [
            f"{TABLE_LABELS.get(c.table, c.table)} {c.record_id[:8]}："
            f"{'双方都修改过' if c.reason == 'both' else '有两个不同的封存版本'}，"
            f"{'对方版本较新，已采用；本机版本放入冲突队列' if c.winner == 'incoming' else '本机版本较新，保留；对方版本放入冲突队列'}"
            for c in report.conflicts if c.reason in ("both", "both_sealed")
        ]
        if reasons:
            box = QPlainTextEdit("\n".join(reasons), self)
            box.setReadOnly(True)
            lay.addWidget(QLabel("说明：", self))
            lay.addWidget(box)
        buttons = QDialogButtonBox(self)
        self.ok_button = buttons.addButton("导入", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(640, 420)


SEND_ALL_HELP = (
    "用于某个所换了电脑、重装系统或丢失电脑之后：把本局收到的该所全部记录（该所的企业档案、检查记录、"
    "抽查和风险信息、附件等，以及本局发给该所的通知、表单、节假日安排）写成一个数据包，"
    "只有该所新电脑的密钥能打开。该所导入后，记录全部回到新电脑，发送序号从本局已收到的位置继续，"
    "此后照常同步，冲突照常检测。\n\n"
    "发回之前：请先导入该所新电脑的登记文件，电话核对新指纹，并选择“替换原登记”（旧密钥随之作废）。"
    "该所丢失的电脑上尚未交给本局的改动无法找回。仅所长可以操作，并记入操作记录。"
)


class SendAllDialog(GuardedDialog):
    """County: choose the station whose records go back to it, after reading what that does."""

    def __init__(self, stations: list[tuple[str, str]], current: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("发回该所的全部记录")
        lay = QVBoxLayout(self)
        text = QLabel(SEND_ALL_HELP, self)
        text.setWordWrap(True)
        lay.addWidget(text)
        row = QHBoxLayout()
        row.addWidget(QLabel("发回给", self))
        self.station_combo = QComboBox(self)
        for code, name in stations:
            self.station_combo.addItem(f"{name}（{code}）", code)
        if current is not None and self.station_combo.findData(current) >= 0:
            self.station_combo.setCurrentIndex(self.station_combo.findData(current))
        row.addWidget(self.station_combo, 1)
        lay.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("写出数据包")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        fit_window(self, "sync.send_all", fraction=(0.5, 0.5))

    def station_code(self) -> str | None:
        data = self.station_combo.currentData()
        return str(data) if data else None
