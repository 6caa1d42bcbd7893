"""The follow-up checklist of one sampling (steps, deadlines, delivery, closing, help)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsdesk.domain.sampling import SamplingResult
from qsdesk.services import followup as fu
from qsdesk.services import help_ledger as hl
from qsdesk.services import records, revisions
from qsdesk.services import sampling as svc
from qsdesk.store.db import ConcurrentEditError, Store
from qsdesk.ui.pages.sampling_dialogs import DeliveryDialog, HelpDialog, ReasonDialog, StepDialog
from qsdesk.ui.pages.sampling_widgets import from_qdate


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
            smp = records.sampling(s, sampling_id)
            if smp is None:
                self.title.setText("")
                self._update_buttons()
                return
            ent = records.enterprise(s, smp.enterprise_id)
            steps = fu.steps(s, sampling_id)
            prog = fu.progress(s, sampling_id)
            helps = hl.help_for_sampling(s, sampling_id)
            self._closed = smp.followup_closed_on is not None
            self._result = smp.result
            self._delivered = smp.report_delivered_on
            templates = {t.key: t for t in svc.step_templates(s, smp)}
            statuses = [fu.step_status(st, smp, today) for st in steps]
            head = f"{ent.name if ent else ''} · {smp.product_name} · {smp.sampled_on.isoformat()} · {smp.result}"
            if smp.result == SamplingResult.FAIL:
                head += (f"    报告送达：{smp.report_delivered_on.isoformat()}" if smp.report_delivered_on
                         else "    报告待送达（异议、整改、复查期限自送达之日起算）")
            if smp.nonconforming_items:
                head += f"（不合格项目：{smp.nonconforming_items}）"
            if steps:
                head += f"    后处理进度：{prog.label}"
            elif smp.result == SamplingResult.PASS:
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
        self.help_button.setEnabled(self.sampling_id is not None and self._result != SamplingResult.PASS)
        self.deliver_button.setEnabled(self.sampling_id is not None and self._result == SamplingResult.FAIL and not self._closed)
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
        item = self.table.item(row, 0)  # the selected step's row: its first cell is filled
        opened = revisions.current(self._store, "followup_step", sid)  # changed elsewhere meanwhile: refused
        dlg = StepDialog(item.text() if item is not None else "", self, outcome=outcome)
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
            smp = records.sampling(s, self.sampling_id)
            assert smp is not None
            ent_id = smp.enterprise_id
        dlg = HelpDialog(self._store, ent_id, self.sampling_id, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.show_sampling(self.sampling_id)
            self._changed()
