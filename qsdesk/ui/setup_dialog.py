"""First-start dialog: make this installation a station or a county bureau, or load demo data."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from qsdesk.services.node import InspectorSpec, SetupError, init_node
from qsdesk.store.db import Store
from qsdesk.ui.dialog_guard import form_buttons

log = logging.getLogger(__name__)

DEMO_CODE = "370112001"
DEMO_NAME = "历城区市场监管局王舍人市场监管所（演示）"
DEMO_PARENT = "370112"
DEMO_INSPECTORS = ("张伟:13805310001", "李娜:13805310002", "王强:13805310003", "刘洋:13805310004")


class SetupDialog(QDialog):
    """Asks for the node's kind, codes, name and inspectors; or sets up a demo station."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.setWindowTitle("首次使用：设置本单位")
        self.setMinimumWidth(560)

        intro = QLabel("本数据目录尚未设置。请填写本单位信息（以后可在“设置”中查看），"
                       "或者载入演示数据先熟悉程序。")
        intro.setWordWrap(True)

        self.station = QRadioButton("市场监管所（基层）")
        self.county = QRadioButton("县级市场监管局（汇总各所数据）")
        self.station.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.station)
        group.addButton(self.county)
        kinds = QHBoxLayout()
        kinds.addWidget(self.station)
        kinds.addWidget(self.county)
        kinds.addStretch(1)

        self.code = QLineEdit()
        self.code.setPlaceholderText("如 370112001（字母、数字，2–32 位）")
        self.name = QLineEdit()
        self.name.setPlaceholderText("如 历城区市场监管局王舍人市场监管所")
        self.parent_code = QLineEdit()
        self.parent_code.setPlaceholderText("上级县级局代码，如 370112（可不填）")
        self.inspectors = QPlainTextEdit()
        self.inspectors.setPlaceholderText("每行一人：姓名:电话:执法证号（电话、证号可不填）\n例如：张伟:13805310001")
        self.inspectors.setMinimumHeight(90)

        form = QFormLayout()
        form.addRow("单位类型", kinds)
        form.addRow("单位代码", self.code)
        form.addRow("单位名称", self.name)
        form.addRow("上级单位代码", self.parent_code)
        form.addRow("检查人员", self.inspectors)
        box = QGroupBox("本单位")
        box.setLayout(form)

        self.demo_count = QSpinBox()
        self.demo_count.setRange(100, 300_000)
        self.demo_count.setSingleStep(1000)
        self.demo_count.setValue(2000)
        self.demo_count.setSuffix(" 家企业")
        self.demo_button = QPushButton("载入演示数据")
        self.demo_button.clicked.connect(self.load_demo)
        demo_row = QHBoxLayout()
        demo_row.addWidget(QLabel("演示数据规模"))
        demo_row.addWidget(self.demo_count)
        demo_row.addStretch(1)
        demo_row.addWidget(self.demo_button)
        demo_box = QGroupBox("或者：载入演示数据（虚构的企业和检查记录，仅供熟悉程序）")
        demo_box.setLayout(demo_row)

        form_buttons(self, intro, box, demo_box, ok_text="完成设置", cancel_text="退出")

    def inspector_specs(self) -> list[InspectorSpec]:
        lines = [ln.strip() for ln in self.inspectors.toPlainText().splitlines()]
        return [InspectorSpec.parse(ln.replace("：", ":")) for ln in lines if ln]

    def accept(self) -> None:
        try:
            specs = self.inspector_specs()
            if not specs:
                raise SetupError("请至少填写一名检查人员（现场检查须两人以上）")
            init_node(self._store, kind="county" if self.county.isChecked() else "station",
                      code=self.code.text().strip(), name=self.name.text().strip(),
                      parent_code=self.parent_code.text().strip() or None, inspectors=specs)
        except SetupError as exc:
            QMessageBox.warning(self, "设置", str(exc))
            return
        super().accept()

    def load_demo(self) -> None:
        """Set up a demo station and fill it with generated records (off the GUI thread)."""
        try:
            from qsdesk.services import demo
        except ImportError:
            QMessageBox.information(self, "演示数据", "此版本未包含演示数据生成功能，请填写本单位信息。")
            return
        from qsdesk.ui.worker import TaskCancelled, run_in_background

        n = self.demo_count.value()
        try:
            init_node(self._store, kind="station", code=DEMO_CODE, name=DEMO_NAME, parent_code=DEMO_PARENT,
                      inspectors=[InspectorSpec.parse(s) for s in DEMO_INSPECTORS])
        except SetupError as exc:
            QMessageBox.warning(self, "演示数据", str(exc))
            return

        def work(progress, cancelled):
            return demo.generate(self._store, enterprises=n, seed=1, progress=progress, cancelled=cancelled)

        try:
            run_in_background(self, "正在生成演示数据……", work)
        except (TaskCancelled, getattr(demo, "Cancelled", TaskCancelled)):
            QMessageBox.information(self, "演示数据", "已取消；演示单位已设置，但没有写入演示记录。")
        super().accept()
