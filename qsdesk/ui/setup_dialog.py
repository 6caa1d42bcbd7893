"""First-start dialog: make this installation a station or a county bureau, or load demo data."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFileDialog,
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

        from qsdesk.ui.backup_panel import NEW_PC_HELP

        self.new_pc_button = QPushButton("从本所的备份恢复…")
        self.new_pc_button.clicked.connect(self._choose_backup)
        new_pc_note = QLabel("选择“市场监管所”，填写本所原来的单位代码和名称（检查人员可不填，随备份恢复），"
                             "再选择本所的备份文件。")
        new_pc_note.setWordWrap(True)
        new_pc_row = QHBoxLayout()
        new_pc_row.addWidget(new_pc_note, 1)
        new_pc_row.addWidget(self.new_pc_button)
        new_pc_box = QGroupBox("或者：换新电脑，恢复本所的备份")
        new_pc_box.setToolTip(NEW_PC_HELP)
        new_pc_box.setLayout(new_pc_row)
        #: The outcome of the last new-PC restore, for the person and for tests.
        self.last_message = ""

        form_buttons(self, intro, box, demo_box, new_pc_box, ok_text="完成设置", cancel_text="退出")

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

    # ------------------------------------------------------------------ a new PC

    def _choose_backup(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择本所的备份文件", "", "数据库备份 (*.db)")
        if path:
            self.restore_backup(Path(path))

    def _say(self, text: str, error: bool = True) -> None:
        self.last_message = text
        if error:
            QMessageBox.warning(self, "换新电脑", text)

    def restore_backup(self, path: Path) -> bool:
        """``qsdesk init`` with this unit's code, then ``qsdesk restore --new-pc`` (see
        :func:`qsdesk.ui.backup_panel.restore_on_new_pc`). The backup's unit code is compared with
        the one typed before anything is set up, so a wrong file leaves the installation as it was."""
        from qsdesk.store.backup import BackupError, database_revision, known_revisions
        from qsdesk.ui.backup_panel import backup_unit_code, restore_on_new_pc

        code = self.code.text().strip()
        if not self.station.isChecked():
            self._say("换新电脑恢复备份只用于市场监管所；县级局的数据库请按使用说明“县级局”一节恢复")
            return False
        if not code or not self.name.text().strip():
            self._say("请先填写本所原来的单位代码和单位名称，再选择备份文件")
            return False
        owner = backup_unit_code(path)
        if owner is None:
            self._say(f"{path.name} 不是本程序的数据库备份（其中没有单位信息），本机未作任何改动")
            return False
        if owner != code:
            self._say(f"{path.name} 是单位 {owner} 的备份，不是本所（{code}）的：请核对单位代码或备份文件；"
                      "本机未作任何改动")
            return False
        rev = database_revision(path)
        if rev is None or rev not in known_revisions():
            self._say(f"{path.name} 由更新版本的 qsdesk 创建，请先升级程序再恢复；本机未作任何改动")
            return False
        try:
            node = self._store.self_node()
            if node is None:
                init_node(self._store, kind="station", code=code, name=self.name.text().strip(),
                          parent_code=self.parent_code.text().strip() or None, inspectors=self.inspector_specs())
            restore_on_new_pc(self, self._store, path)
        except (SetupError, BackupError) as exc:
            self._say(f"未恢复：{exc}")
            return False
        self._say(f"已从 {path.name} 恢复本所的记录，本机的新密钥已取代旧密钥。请用原来的账号登录，然后在"
                  "“数据同步”页导出本所登记文件交县级局替换原登记，并请县级局把本所的全部记录发回。", error=False)
        QMessageBox.information(self, "换新电脑", self.last_message)
        super().accept()
        return True
