"""监督抽查 dialogs: enter a sampling, its conclusion, a follow-up step, the report's delivery, help."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from qsdesk.domain.sampling import SamplingResult
from qsdesk.services import followup as fu
from qsdesk.services import help_ledger as hl
from qsdesk.services import sampling as svc
from qsdesk.store.db import Store
from qsdesk.ui.dialog_guard import GuardedDialog, form_buttons
from qsdesk.ui.pages.sampling_widgets import EnterprisePicker, date_edit, from_qdate

OUTCOMES = ("已完成", "已送达", "无异议", "已提出异议", "已下架收回", "已召回", "整改完成", "复查合格", "复查不合格",
            "已立案", "不予立案", "已约谈", "已列入", fu.NOT_APPLICABLE)


class SamplingDialog(GuardedDialog):
    """Enter one sampling result; shows the 6-month / 上抽下不抽 warnings before saving."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("录入监督抽查结果")
        self.setMinimumWidth(960)
        self._store = store
        self.result_value: svc.EntryResult | None = None
        self._acknowledged: tuple[str, ...] | None = None
        task = QGroupBox("抽查任务", self)
        tf = QFormLayout(task)
        self.level = QComboBox(task)
        for k, v in svc.LEVEL_LABELS.items():
            self.level.addItem(v, k)
        self.level.setCurrentIndex(self.level.findData("county"))
        tf.addRow("任务层级", self.level)
        self.organiser = QLineEdit(task)
        self.organiser.setPlaceholderText("组织抽查的部门，如：历城区市场监督管理局")
        tf.addRow("组织部门", self.organiser)
        self.task_name = QLineEdit(task)
        tf.addRow("任务名称", self.task_name)
        self.year = QSpinBox(task)
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year)
        tf.addRow("年度", self.year)
        self.batch = QLineEdit(task)
        tf.addRow("批次", self.batch)

        unit = QGroupBox("被抽样单位与产品", self)
        uf = QFormLayout(unit)
        self.producer = EnterprisePicker(store, unit, allow_empty=True)
        uf.addRow("生产者", self.producer)
        self.seller = EnterprisePicker(store, unit, allow_empty=True)
        uf.addRow("销售者", self.seller)
        self.product = QLineEdit(unit)
        uf.addRow("产品名称", self.product)
        self.trademark = QLineEdit(unit)
        uf.addRow("商标", self.trademark)
        self.model = QLineEdit(unit)
        uf.addRow("规格型号", self.model)
        self.standard = QLineEdit(unit)
        uf.addRow("执行标准", self.standard)
        self.production_batch = QLineEdit(unit)
        uf.addRow("生产日期/批号", self.production_batch)

        res = QGroupBox("抽查结果", self)
        rf = QFormLayout(res)
        self.sampled_on = date_edit(None, res)
        rf.addRow("抽样日期", self.sampled_on)
        self.result_combo = QComboBox(res)
        self.result_combo.addItems(list(svc.ENTRY_RESULTS))
        rf.addRow("检验结论", self.result_combo)
        self.items = QPlainTextEdit(res)
        self.items.setMaximumHeight(60)
        rf.addRow("不合格项目", self.items)
        self.hazard = QCheckBox("存在重大质量安全隐患", res)
        rf.addRow("", self.hazard)
        self.has_received = QCheckBox("报告收到日期", res)
        self.received_on = date_edit(None, res)
        rl = QHBoxLayout()
        rl.addWidget(self.has_received)
        rl.addWidget(self.received_on)
        rf.addRow("", rl)

        self.warnings = QLabel(self)
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #b45309;")
        cols = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(task)
        left.addWidget(res)
        cols.addLayout(left)
        cols.addWidget(unit)
        self.buttons = form_buttons(self, cols, self.warnings, on_accept=self.save, save=True)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.update_warnings)
        for w in (self.organiser, self.task_name, self.product, self.trademark, self.model, self.standard):
            w.textChanged.connect(lambda _t: self._timer.start())
        for c in (self.level, self.result_combo):
            c.currentIndexChanged.connect(lambda _i: self._on_change())
        self.producer.changed.connect(self._timer.start)
        self.seller.changed.connect(self._timer.start)
        self.sampled_on.dateChanged.connect(lambda _d: self._timer.start())
        self._on_change()

    def _on_change(self) -> None:
        failing = self.result_combo.currentText() == SamplingResult.FAIL
        self.items.setEnabled(failing)
        self.hazard.setEnabled(failing)
        if not failing:
            self.hazard.setChecked(False)
        self._timer.start()

    def value(self) -> svc.SamplingInput:
        failing = self.result_combo.currentText() == SamplingResult.FAIL
        return svc.SamplingInput(
            product_name=self.product.text(),
            sampled_on=from_qdate(self.sampled_on.date()),
            result=self.result_combo.currentText(),
            producer_id=self.producer.enterprise_id(),
            seller_id=self.seller.enterprise_id(),
            level=str(self.level.currentData()),
            organiser=self.organiser.text(),
            task_name=self.task_name.text(),
            year=self.year.value(),
            batch=self.batch.text(),
            trademark=self.trademark.text(),
            model=self.model.text(),
            standard=self.standard.text(),
            production_batch=self.production_batch.text(),
            nonconforming_items=self.items.toPlainText() if failing else None,
            major_hazard=self.hazard.isChecked() and failing,
            report_received_on=from_qdate(self.received_on.date()) if self.has_received.isChecked() else None,
        )

    def current_warnings(self) -> list[svc.SamplingWarning]:
        try:
            with self._store.session() as s:
                return svc.check_sampling(s, self.value())
        except svc.SamplingError:
            return []

    def update_warnings(self) -> list[svc.SamplingWarning]:
        ws = self.current_warnings()
        self.warnings.setText("\n".join(f"⚠ {w.message}" for w in ws))
        return ws

    def save(self) -> None:
        self._timer.stop()
        ws = self.update_warnings()
        msgs = tuple(w.message for w in ws)
        if msgs and self._acknowledged != msgs:
            # First save with warnings: show them and ask for a second, deliberate click.
            self._acknowledged = msgs
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("仍然保存")
            return
        try:
            self.result_value = svc.enter_sampling(self._store, self.value())
        except svc.SamplingError as exc:
            QMessageBox.warning(self, "无法保存", str(exc))
            return
        self.accept()


class ConclusionDialog(GuardedDialog):
    """The test conclusion of a pending (待检) sampling."""

    def __init__(self, store: Store, sampling_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("登记检验结论")
        self._store = store
        self._sampling_id = sampling_id
        self.result_value: svc.EntryResult | None = None
        form = QFormLayout()
        self.result_combo = QComboBox(self)
        self.result_combo.addItems(list(svc.RESULTS))
        form.addRow("检验结论", self.result_combo)
        self.items = QPlainTextEdit(self)
        self.items.setMaximumHeight(60)
        form.addRow("不合格项目", self.items)
        self.hazard = QCheckBox("存在重大质量安全隐患", self)
        form.addRow("", self.hazard)
        self.received_on = date_edit(None, self)
        form.addRow("报告收到日期", self.received_on)
        form_buttons(self, form, on_accept=self.save, save=True)
        self.result_combo.currentIndexChanged.connect(lambda _i: self._on_change())
        self._on_change()

    def _on_change(self) -> None:
        failing = self.result_combo.currentText() == SamplingResult.FAIL
        self.items.setEnabled(failing)
        self.hazard.setEnabled(failing)

    def save(self) -> None:
        failing = self.result_combo.currentText() == SamplingResult.FAIL
        try:
            self.result_value = svc.record_result(
                self._store, self._sampling_id, self.result_combo.currentText(),
                nonconforming_items=self.items.toPlainText() if failing else None,
                major_hazard=self.hazard.isChecked() and failing,
                report_received_on=from_qdate(self.received_on.date()))
        except svc.SamplingError as exc:
            QMessageBox.warning(self, "无法保存", str(exc))
            return
        self.accept()


class StepDialog(GuardedDialog):
    """Complete one follow-up step: date, outcome, note."""

    def __init__(self, title: str, parent: QWidget | None = None, *, outcome: str = "已完成") -> None:
        super().__init__(parent)
        self.setWindowTitle("完成后处理步骤")
        form = QFormLayout()
        head = QLabel(title, self)
        head.setWordWrap(True)
        form.addRow("步骤", head)
        self.done_on = date_edit(None, self)
        form.addRow("完成日期", self.done_on)
        self.outcome = QComboBox(self)
        self.outcome.setEditable(True)
        self.outcome.addItems(list(OUTCOMES))
        self.outcome.setCurrentText(outcome)
        form.addRow("结果", self.outcome)
        self.note = QPlainTextEdit(self)
        self.note.setMaximumHeight(80)
        form.addRow("备注/理由", self.note)
        form_buttons(self, form)


class DeliveryDialog(GuardedDialog):
    """Ask for the day the non-conforming report was delivered to the enterprise."""

    def __init__(self, on: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("登记检验报告送达日期")
        self.on = date_edit(on, self)
        form = QFormLayout()
        form.addRow("送达日期", self.on)
        note = QLabel("异议期限（《产品质量法》第十五条，15日）、整改期限（《产品质量监督抽查管理暂行办法》第四十六条，"
                      "60日）和复查期限（同办法第四十七条，75日）自送达之日起算。", self)
        note.setWordWrap(True)
        form_buttons(self, form, note, ok_text="确定", cancel_text="取消")


class ReasonDialog(GuardedDialog):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout()
        self.reason = QLineEdit(self)
        form.addRow("原因", self.reason)
        form_buttons(self, form)


class HelpDialog(GuardedDialog):
    """Add a 帮扶台账 entry for the enterprise, answering the given sampling."""

    def __init__(self, store: Store, enterprise_id: str, sampling_id: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("登记帮扶")
        self._store = store
        self._enterprise_id = enterprise_id
        self._sampling_id = sampling_id
        self.created_id: str | None = None
        form = QFormLayout()
        self.kind = QComboBox(self)
        for k, v in hl.HELP_KINDS.items():
            self.kind.addItem(v, k)
        form.addRow("帮扶类型", self.kind)
        self.given_on = date_edit(None, self)
        form.addRow("日期", self.given_on)
        self.provider = QLineEdit(self)
        self.provider.setPlaceholderText("如：出具建议书的检验检测机构")
        form.addRow("帮扶单位", self.provider)
        self.content = QPlainTextEdit(self)
        form.addRow("帮扶内容", self.content)
        self.outcome = QLineEdit(self)
        form.addRow("成效", self.outcome)
        form_buttons(self, form, on_accept=self.save, save=True)

    def save(self) -> None:
        try:
            self.created_id = hl.add_help(self._store, hl.HelpInput(
                enterprise_id=self._enterprise_id, kind=str(self.kind.currentData()),
                given_on=from_qdate(self.given_on.date()), content=self.content.toPlainText(),
                sampling_id=self._sampling_id, provider=self.provider.text(), outcome=self.outcome.text()))
        except hl.HelpLedgerError as exc:
            QMessageBox.warning(self, "无法保存", str(exc))
            return
        self.accept()
