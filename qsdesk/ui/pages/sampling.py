"""监督抽查 page: sampling results, their follow-up, the tracking list, 双随机 plans, help ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qsdesk.services import followup as fu
from qsdesk.services import help_ledger as hl
from qsdesk.services import revisions
from qsdesk.services import sampling as svc
from qsdesk.store.db import ConcurrentEditError, Store
from qsdesk.store.models import Enterprise, FollowUpStep, Sampling
from qsdesk.ui.dialog_guard import GuardedDialog
from qsdesk.ui.pages.sampling_draw import PlanView
from qsdesk.ui.pages.sampling_widgets import EnterprisePicker, date_edit, find_loaded_row, from_qdate
from qsdesk.ui.query_model import Column, QueryTableModel, list_view

OUTCOMES = ("已完成", "已送达", "无异议", "已提出异议", "已下架收回", "已召回", "整改完成", "复查合格", "复查不合格",
            "已立案", "不予立案", "已约谈", "已列入", fu.NOT_APPLICABLE)


def _progress(row: dict[str, object]) -> str:
    total = int(row.get("all_steps") or 0)
    if not total:
        return ""
    if row.get("followup_closed_on"):
        return "已办结"
    done = total - int(row.get("open_steps") or 0)
    return f"{done}/{total}"


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
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        cols = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(task)
        left.addWidget(res)
        cols.addLayout(left)
        cols.addWidget(unit)
        lay = QVBoxLayout(self)
        lay.addLayout(cols)
        lay.addWidget(self.warnings)
        lay.addWidget(self.buttons)

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
        failing = self.result_combo.currentText() == "不合格"
        self.items.setEnabled(failing)
        self.hazard.setEnabled(failing)
        if not failing:
            self.hazard.setChecked(False)
        self._timer.start()

    def value(self) -> svc.SamplingInput:
        failing = self.result_combo.currentText() == "不合格"
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)
        self.result_combo.currentIndexChanged.connect(lambda _i: self._on_change())
        self._on_change()

    def _on_change(self) -> None:
        failing = self.result_combo.currentText() == "不合格"
        self.items.setEnabled(failing)
        self.hazard.setEnabled(failing)

    def save(self) -> None:
        failing = self.result_combo.currentText() == "不合格"
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)


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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(buttons)


class FollowUpPanel(QWidget):
    """The selected sampling's follow-up checklist, walked step by step to closed."""

    HEADERS = ("步骤", "期限", "完成日期", "结果", "备注", "适用情形", "依据")

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.sampling_id: str | None = None
        self._step_ids: list[str] = []
        self.title = QLabel("请选择一条抽查记录", self)
        self.title.setWordWrap(True)
        self.table = QTableWidget(0, len(self.HEADERS), self)
        self.table.setHorizontalHeaderLabels(list(self.HEADERS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 200)
        self.table.setColumnWidth(1, 290)  # "逾期（2026-11-20）（默认期限，县局可设置）" fits
        self.done_button = QPushButton("完成所选步骤", self)
        self.skip_button = QPushButton("不适用", self)
        self.undo_button = QPushButton("撤销完成", self)
        self.close_button = QPushButton("办结后处理", self)
        self.reopen_button = QPushButton("重新打开", self)
        self.help_button = QPushButton("登记帮扶", self)
        self.deliver_button = QPushButton("登记送达日期", self)
        self.deliver_button.setToolTip("不合格检验报告送达企业之日：异议、整改、复查期限自此起算")
        bl = QHBoxLayout()
        for b in (self.deliver_button, self.done_button, self.skip_button, self.undo_button, self.close_button, self.reopen_button,
                  self.help_button):
            bl.addWidget(b)
        bl.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.table, 1)
        lay.addLayout(bl)
        self.done_button.clicked.connect(lambda: self.complete_selected())
        self.skip_button.clicked.connect(lambda: self.complete_selected(fu.NOT_APPLICABLE))
        self.undo_button.clicked.connect(self.undo_selected)
        self.close_button.clicked.connect(self.close_followup)
        self.reopen_button.clicked.connect(self.reopen_followup)
        self.help_button.clicked.connect(self.add_help)
        self.deliver_button.clicked.connect(self.record_delivery)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.on_changed: list[Callable[[], None]] = []
        self.show_sampling(None)

    def _changed(self) -> None:
        for cb in self.on_changed:
            cb()

    def show_sampling(self, sampling_id: str | None) -> None:
        self.sampling_id = sampling_id
        self.table.setRowCount(0)
        self._step_ids = []
        self._closed = False
        self._result = ""
        self._delivered: date | None = None
        if not sampling_id:
            self.title.setText("请选择一条抽查记录")
            self._update_buttons()
            return
        today = date.today()
        with self._store.session() as s:
            smp = s.get(Sampling, sampling_id)
            if smp is None:
                self.title.setText("")
                self._update_buttons()
                return
            ent = s.get(Enterprise, smp.enterprise_id)
            steps = fu.steps(s, sampling_id)
            prog = fu.progress(s, sampling_id)
            helps = hl.help_for_sampling(s, sampling_id)
            self._closed = smp.followup_closed_on is not None
            self._result = smp.result
            self._delivered = smp.report_delivered_on
            templates = {t.key: t for t in svc.step_templates(s, smp)}
            statuses = [fu.step_status(st, smp, today) for st in steps]
            head = f"{ent.name if ent else ''} · {smp.product_name} · {smp.sampled_on.isoformat()} · {smp.result}"
            if smp.result == "不合格":
                head += (f"    报告送达：{smp.report_delivered_on.isoformat()}" if smp.report_delivered_on
                         else "    报告待送达（异议、整改、复查期限自送达之日起算）")
            if smp.nonconforming_items:
                head += f"（不合格项目：{smp.nonconforming_items}）"
            if steps:
                head += f"    后处理进度：{prog.label}"
            elif smp.result == "合格":
                head += "    合格，无需后处理"
            elif smp.result == svc.PENDING:
                head += "    检验结论未出，请在结论出具后登记"
            if helps:
                head += f"    帮扶 {len(helps)} 次"
            self.title.setText(head)
        self.table.setRowCount(len(steps))
        for r, st in enumerate(steps):
            tpl = templates.get(st.step)
            status = statuses[r]
            due = status if st.done_on is None else (st.due_on.isoformat() if st.due_on else "")
            if tpl is not None and tpl.by_default and st.due_on is not None and st.done_on is None:
                due += "（默认期限，县局可设置）"
            vals = (
                fu.step_label(st.step, self._result),
                due,
                st.done_on.isoformat() if st.done_on else "",
                st.outcome or "",
                st.note or "",
                (tpl.condition or "") if tpl else "",
                (tpl.basis or "") if tpl else "",
            )
            overdue = status.startswith(fu.OVERDUE)
            for c, v in enumerate(vals):
                item = QTableWidgetItem(v)
                if c == 0 and tpl is not None:
                    item.setToolTip(tpl.title)
                if overdue:
                    item.setForeground(QColor("#b91c1c"))
                    item.setToolTip("已逾期")
                if c == 1 and status == fu.AWAITING_DELIVERY:
                    item.setToolTip("报告尚未送达企业：登记送达日期后按文件规定的天数计算期限")
                self.table.setItem(r, c, item)
            self._step_ids.append(st.id)
        self._update_buttons()

    def selected_step(self) -> str | None:
        row = self.table.currentRow()
        return self._step_ids[row] if 0 <= row < len(self._step_ids) else None

    def select_step(self, row: int) -> None:
        self.table.selectRow(row)

    def _update_buttons(self) -> None:
        has = self.selected_step() is not None and not self._closed
        for b in (self.done_button, self.skip_button, self.undo_button):
            b.setEnabled(has)
        self.close_button.setEnabled(bool(self._step_ids) and not self._closed)
        self.reopen_button.setEnabled(self._closed)
        self.help_button.setEnabled(self.sampling_id is not None and self._result != "合格")
        self.deliver_button.setEnabled(self.sampling_id is not None and self._result == "不合格" and not self._closed)
        self.deliver_button.setText("更正送达日期" if self._delivered else "登记送达日期")

    def record_delivery(self, on: date | None = None) -> None:
        """Record the day the report reached the enterprise; ``on`` given skips the dialog (tests)."""
        if not self.sampling_id:
            return
        if on is None:
            dlg = DeliveryDialog(self._delivered or date.today(), self)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            on = from_qdate(dlg.on.date())
        try:
            svc.record_delivery(self._store, self.sampling_id, on)
        except svc.SamplingError as exc:
            QMessageBox.warning(self, "无法登记送达", str(exc))
            return
        self.show_sampling(self.sampling_id)
        self._changed()

    def complete_selected(self, outcome: str = "已完成") -> None:
        sid = self.selected_step()
        if not sid:
            return
        row = self.table.currentRow()
        opened = revisions.current(self._store, "followup_step", sid)  # changed elsewhere meanwhile: refused
        dlg = StepDialog(self.table.item(row, 0).text(), self, outcome=outcome)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            fu.complete_step(self._store, sid, from_qdate(dlg.done_on.date()), dlg.outcome.currentText(),
                             dlg.note.toPlainText(), expected_rev=opened)
        except ConcurrentEditError:
            typed = dlg.note.toPlainText().strip()
            QMessageBox.warning(self, "无法完成步骤", revisions.stale_message(self._store, "followup_step", sid)
                                + "。已显示最新内容，请核对后重新填写"
                                + (f"（您填写的备注：{typed}）" if typed else ""))
            self.show_sampling(self.sampling_id)
            return
        except fu.FollowUpError as exc:
            QMessageBox.warning(self, "无法完成步骤", str(exc))
            return
        self.show_sampling(self.sampling_id)
        self.select_step(min(row + 1, len(self._step_ids) - 1))
        self._changed()

    def undo_selected(self) -> None:
        sid = self.selected_step()
        if not sid:
            return
        try:
            fu.reopen_step(self._store, sid)
        except fu.FollowUpError as exc:
            QMessageBox.warning(self, "无法撤销", str(exc))
            return
        row = self.table.currentRow()
        self.show_sampling(self.sampling_id)
        self.select_step(row)
        self._changed()

    def close_followup(self) -> None:
        if not self.sampling_id:
            return
        with self._store.session() as s:
            done = [x.done_on for x in fu.steps(s, self.sampling_id) if x.done_on]
        on = max([date.today(), *done])
        try:
            fu.close_followup(self._store, self.sampling_id, on)
        except fu.FollowUpError as exc:
            QMessageBox.warning(self, "无法办结", str(exc))
            return
        self.show_sampling(self.sampling_id)
        self._changed()

    def reopen_followup(self) -> None:
        if not self.sampling_id:
            return
        dlg = ReasonDialog("重新打开后处理", self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            fu.reopen_followup(self._store, self.sampling_id, dlg.reason.text())
        except fu.FollowUpError as exc:
            QMessageBox.warning(self, "无法重新打开", str(exc))
            return
        self.show_sampling(self.sampling_id)
        self._changed()

    def add_help(self) -> None:
        if not self.sampling_id:
            return
        with self._store.session() as s:
            smp = s.get(Sampling, self.sampling_id)
            assert smp is not None
            ent_id = smp.enterprise_id
        dlg = HelpDialog(self._store, ent_id, self.sampling_id, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.show_sampling(self.sampling_id)
            self._changed()


class ReasonDialog(GuardedDialog):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout()
        self.reason = QLineEdit(self)
        form.addRow("原因", self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)


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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)

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


class SamplingListTab(QWidget):
    COLUMNS = (
        Column("sampled_on", "抽样日期", sort=Sampling.sampled_on, width=100),
        Column("enterprise", "生产者/被抽样单位", sort=Enterprise.name, width=220),
        Column("seller", "销售者"),
        Column("product_name", "产品", sort=Sampling.product_name),
        Column("trademark", "商标"),
        Column("model", "规格型号"),
        Column("level", "层级", sort=Sampling.level, format=lambda v: svc.LEVEL_LABELS.get(v, v or ""),
               shared=True),
        Column("result", "结论", sort=Sampling.result, shared=True),
        Column("nonconforming_items", "不合格项目"),
        Column("open_steps", "未完成步骤", format=lambda n: f"{n} 项" if n else ""),
        Column("followup_closed_on", "后处理办结"),
    )

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("搜索企业、产品、商标或任务")
        self.result_filter = QComboBox(self)
        self.result_filter.addItem("全部结论", None)
        for r in svc.ENTRY_RESULTS:
            self.result_filter.addItem(r, r)
        self.open_only = QCheckBox("只看后处理未办结", self)
        self.new_button = QPushButton("录入抽查结果…", self)
        self.conclusion_button = QPushButton("登记检验结论…", self)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.result_filter)
        top.addWidget(self.open_only)
        top.addWidget(self.new_button)
        top.addWidget(self.conclusion_button)
        self.model = QueryTableModel(store, self.COLUMNS, parent=self)
        self.table = list_view(self.model, self)
        self.followup = FollowUpPanel(store, self)
        self.followup.on_changed.append(self._after_step)
        self.last_warnings = QLabel(self)
        self.last_warnings.setWordWrap(True)
        self.last_warnings.setStyleSheet("color: #b45309;")
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.followup)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.last_warnings)
        lay.addWidget(split, 1)
        self.search.textChanged.connect(lambda _t: self.reload())
        self.result_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.open_only.toggled.connect(lambda _b: self.reload())
        self.new_button.clicked.connect(self.new_sampling)
        self.conclusion_button.clicked.connect(self.enter_conclusion)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection())
        self.reload()

    def reload(self) -> None:
        keep = self.selected_id()
        self.model.set_statement(svc.list_query(result=self.result_filter.currentData(), text=self.search.text(),
                                                open_followup=self.open_only.isChecked()))
        if keep:
            self.select(keep)
        self._selection()

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        rid = self.model.row_id(rows[0].row())
        return str(rid) if rid else None

    def select(self, sampling_id: str) -> bool:
        row = find_loaded_row(self.model, sampling_id)
        if row >= 0:
            self.table.selectRow(row)
        return row >= 0

    def open_record(self, sampling_id: str) -> None:
        if self.select(sampling_id):
            return
        with self._store.session() as s:
            smp = s.get(Sampling, sampling_id)
            ent = s.get(Enterprise, smp.enterprise_id) if smp else None
        self.result_filter.setCurrentIndex(0)
        self.open_only.setChecked(False)
        if ent is not None:
            self.search.setText(ent.name)
        self.reload()
        self.select(sampling_id)

    def _selection(self) -> None:
        sid = self.selected_id()
        self.followup.show_sampling(sid)
        pending = False
        if sid:
            row = self.model.find_row(sid)
            pending = self.model.row_values(row).get("result") == svc.PENDING
        self.conclusion_button.setEnabled(pending)

    def _show_outcome(self, res: svc.EntryResult) -> None:
        lines = [f"⚠ {w.message}" for w in res.warnings]
        if res.escalation and res.escalation.level != "无":
            lines += [f"❗ {r}" for r in res.escalation.reasons]
        self.last_warnings.setText("\n".join(lines))

    def enter_conclusion(self) -> None:
        sid = self.selected_id()
        if not sid:
            return
        dlg = ConclusionDialog(self._store, sid, self)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.result_value is None:
            return
        self._show_outcome(dlg.result_value)
        self.reload()
        self.select(sid)

    def _after_step(self) -> None:
        keep = self.selected_id()
        self.model.refresh()
        if keep:
            self.select(keep)

    def new_sampling(self) -> None:
        dlg = SamplingDialog(self._store, self)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.result_value is None:
            return
        res = dlg.result_value
        self._show_outcome(res)
        self.reload()
        self.select(res.sampling_id)


class TrackingTab(QWidget):
    HEADERS = ("企业", "上年度不合格次数", "上年度拒检次数", "最近一次", "产品", "身份")

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("跟踪抽查年度", self))
        top.addWidget(self.year)
        top.addWidget(self.note, 1)
        self.table = QTableWidget(0, len(self.HEADERS), self)
        self.table.setHorizontalHeaderLabels(list(self.HEADERS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        self.year.valueChanged.connect(lambda _v: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        with self._store.session() as s:
            rows = svc.tracking_list(s, self.year.value())
        self.note.setText(f"{self.year.value()} 年跟踪抽查名单：共 {len(rows)} 户。列入规则：{svc.TRACKING_RULE}")
        self.table.setRowCount(len(rows))
        for r, t in enumerate(rows):
            for c, v in enumerate((t.name, t.failures, t.refusals, t.last_on.isoformat(), t.products, t.roles)):
                self.table.setItem(r, c, QTableWidgetItem(str(v)))


class OverdueTab(QWidget):
    COLUMNS = (
        Column("due_on", "期限", sort=FollowUpStep.due_on),
        Column("enterprise", "企业", sort=Enterprise.name),
        Column("product_name", "产品"),
        Column("result", "结论", shared=True),
        Column("step", "逾期步骤", format=lambda k: fu.step_label(k)),
        Column("sampled_on", "抽样日期"),
    )

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.label = QLabel(self)
        self.model = QueryTableModel(store, self.COLUMNS, parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.label)
        lay.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        today = date.today()
        self.model.set_statement(fu.overdue_query(today))
        self.label.setText(f"截至 {today.isoformat()} 逾期未完成的后处理步骤：{self.model.total()} 项")


class HelpLedgerTab(QWidget):
    HEADERS = ("日期", "企业", "帮扶类型", "帮扶单位", "帮扶内容", "对应不合格产品", "不合格项目", "成效")

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year)
        top = QHBoxLayout()
        top.addWidget(QLabel("年度", self))
        top.addWidget(self.year)
        top.addStretch(1)
        self.table = QTableWidget(0, len(self.HEADERS), self)
        self.table.setHorizontalHeaderLabels(list(self.HEADERS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        self.year.valueChanged.connect(lambda _v: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        with self._store.session() as s:
            rows = list(s.execute(hl.ledger_query(year=self.year.value()).limit(5000)))
        self.table.setRowCount(len(rows))
        for r, (rec, name, product, items) in enumerate(rows):
            vals = (rec.given_on.isoformat(), name, hl.HELP_KINDS.get(rec.kind, rec.kind), rec.provider or "",
                    rec.content or "", product or "", items or "", rec.outcome or "")
            for c, v in enumerate(vals):
                self.table.setItem(r, c, QTableWidgetItem(v))


class SamplingPage(QWidget):
    """监督抽查: records + follow-up, tracking list, overdue steps, 双随机 plans, help ledger."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.tabs = QTabWidget(self)
        self.records = SamplingListTab(store, self)
        self.tracking = TrackingTab(store, self)
        self.overdue = OverdueTab(store, self)
        self.plans = PlanView(store, self)
        self.ledger = HelpLedgerTab(store, self)
        self.tabs.addTab(self.records, "抽查结果与后处理")
        self.tabs.addTab(self.overdue, "逾期后处理")
        self.tabs.addTab(self.tracking, "跟踪抽查名单")
        self.tabs.addTab(self.plans, "双随机抽查计划")
        self.tabs.addTab(self.ledger, "帮扶台账")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tabs)
        self.tabs.currentChanged.connect(lambda _i: self._refresh_current())

    def _refresh_current(self) -> None:
        w = self.tabs.currentWidget()
        if w is self.records:
            self.records.reload()
        elif hasattr(w, "refresh"):
            w.refresh()

    def refresh(self) -> None:
        self._refresh_current()

    def open_record(self, record_id: str) -> None:
        """Show a sampling (or the sampling of a follow-up step) with its follow-up checklist."""
        with self._store.session() as s:
            step = s.get(FollowUpStep, record_id)
            sampling_id = step.sampling_id if step is not None else record_id
            step_id = step.id if step is not None else None
        self.tabs.setCurrentWidget(self.records)
        self.records.open_record(sampling_id)
        if step_id and step_id in self.records.followup._step_ids:
            self.records.followup.select_step(self.records.followup._step_ids.index(step_id))
