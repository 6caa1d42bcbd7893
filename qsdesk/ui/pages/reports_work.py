"""统计报表 work records: publicity, surveys, assessments (ActivityDialog), cases (CaseDialog), the month's list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from qsdesk.services import activities as acts
from qsdesk.services import monthly, records
from qsdesk.store.db import Store
from qsdesk.ui.dialog_guard import GuardedDialog, form_buttons
from qsdesk.ui.pages.reports_common import _ro_item


class ActivityDialog(GuardedDialog):
    """Record a publicity visit, a survey, a self-fix, an assessment or its follow-up."""

    def __init__(self, store: Store, parent: QWidget | None = None, *, on: date | None = None,
                 kind: str | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("新增工作记录")
        self.kind = QComboBox(self)
        for k, label in acts.ACTIVITY_KINDS.items():
            if k != "rectification":  # recorded against its inspection (drill-down of 检发现问题隐患)
                self.kind.addItem(label, k)
        if kind is not None and self.kind.findData(kind) >= 0:
            self.kind.setCurrentIndex(self.kind.findData(kind))
        self.on = QDateEdit(self)
        self.on.setCalendarPopup(True)
        self.on.setDisplayFormat("yyyy-MM-dd")
        d = on or date.today()
        self.on.setDate(QDate(d.year, d.month, d.day))
        self.enterprise = QLineEdit(self)
        self.enterprise.setPlaceholderText("企业名称或统一社会信用代码（宣贯可不填）")
        self.unit = QComboBox(self)
        self.unit.addItem("按企业类型", None)
        for k, label in acts.UNIT_KINDS.items():
            self.unit.addItem(label, k)
        self.staff = QSpinBox(self)
        self.staff.setRange(0, 999)
        self.quantity = QSpinBox(self)
        self.quantity.setRange(0, 99999)
        self.quantity.setValue(1)
        self.managers = QCheckBox("已配齐质量安全管理人员", self)
        self.system = QCheckBox("已建立责任体系和工作机制", self)
        self.note = QLineEdit(self)
        self.message = QLabel(self)
        self.message.setStyleSheet("color:#b00")
        form = QFormLayout()
        form.addRow("类型", self.kind)
        form.addRow("日期", self.on)
        form.addRow("企业", self.enterprise)
        form.addRow("单位类别", self.unit)
        form.addRow("出动人员（人次）", self.staff)
        form.addRow("数量（家次/人次/条）", self.quantity)
        form.addRow("排摸情况", self.managers)
        form.addRow("", self.system)
        form.addRow("备注", self.note)
        form_buttons(self, form, self.message, on_accept=self.save, save=True, ok_text="保存", cancel_text="取消")
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        self.saved_id: str | None = None

    def _kind_changed(self) -> None:
        survey = self.kind.currentData() == "survey"
        self.managers.setEnabled(survey)
        self.system.setEnabled(survey)
        self.staff.setEnabled(self.kind.currentData() in ("publicity", "enforcement_turnout"))

    def save(self) -> None:
        eid = None
        if self.enterprise.text().strip():
            eid, why = acts.find_enterprise(self.store, self.enterprise.text())
            if eid is None:
                self.message.setText(why)
                return
        survey = self.kind.currentData() == "survey"
        qd = self.on.date()
        a = acts.ActivityInput(
            kind=self.kind.currentData(), on_date=date(qd.year(), qd.month(), qd.day()), enterprise_id=eid,
            unit_kind=self.unit.currentData(), staff_count=self.staff.value(),
            quantity=1 if survey else self.quantity.value(),
            managers_in_place=self.managers.isChecked() if survey else None,
            responsibility_system=self.system.isChecked() if survey else None,
            note=self.note.text().strip() or None)
        try:
            self.saved_id = acts.record_activity(self.store, a)
        except acts.ActivityError as exc:
            self.message.setText(str(exc))
            return
        self.accept()


class CaseDialog(GuardedDialog):
    """Record a case filed for breaking the two rules (or a quality/licence/CCC case)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("新增立案查处")
        self.enterprise = QLineEdit(self)
        self.enterprise.setPlaceholderText("企业名称或统一社会信用代码")
        self.kind = QComboBox(self)
        for k, label in acts.CASE_KINDS.items():
            self.kind.addItem(label, k)
        self.case_no = QLineEdit(self)
        self.filed = QDateEdit(self)
        self.decided = QDateEdit(self)
        for w in (self.filed, self.decided):
            w.setCalendarPopup(True)
            w.setDisplayFormat("yyyy-MM-dd")
            w.setDate(QDate.currentDate())
        self.decided_set = QCheckBox("已作出处罚决定", self)
        self.penalty = QComboBox(self)
        self.penalty.addItem("（未处罚）", None)
        for k, label in acts.PENALTIES.items():
            self.penalty.addItem(label, k)
        self.heavier = QCheckBox("从重处罚", self)
        self.fine = QLineEdit(self)
        self.fine.setPlaceholderText("元")
        self.cause = QLineEdit(self)
        self.message = QLabel(self)
        self.message.setStyleSheet("color:#b00")
        form = QFormLayout()
        form.addRow("企业", self.enterprise)
        form.addRow("案件类别", self.kind)
        form.addRow("案号", self.case_no)
        form.addRow("立案日期", self.filed)
        form.addRow(self.decided_set, self.decided)
        form.addRow("处罚种类", self.penalty)
        form.addRow("", self.heavier)
        form.addRow("罚没款金额（元）", self.fine)
        form.addRow("案由", self.cause)
        form_buttons(self, form, self.message, on_accept=self.save, save=True, ok_text="保存", cancel_text="取消")
        self.saved_id: str | None = None

    def save(self) -> None:
        from qsdesk.services.excel.normalize import parse_decimal

        eid, why = acts.find_enterprise(self.store, self.enterprise.text())
        if eid is None:
            self.message.setText(why)
            return
        try:
            fine = parse_decimal(self.fine.text())
        except ValueError:
            self.message.setText("罚没款金额应为数字")
            return
        f, d = self.filed.date(), self.decided.date()
        c = acts.CaseInput(
            enterprise_id=eid, filed_on=date(f.year(), f.month(), f.day()), kind=self.kind.currentData(),
            case_no=self.case_no.text().strip() or None, cause=self.cause.text().strip() or None,
            decided_on=date(d.year(), d.month(), d.day()) if self.decided_set.isChecked() else None,
            penalty=self.penalty.currentData(), heavier=self.heavier.isChecked(), fine_yuan=fine)
        try:
            self.saved_id = acts.record_case(self.store, c)
        except acts.ActivityError as exc:
            self.message.setText(str(exc))
            return
        self.accept()


class WorkRecordsTab(QWidget):
    """The month's publicity/survey/assessment records and cases, with add and delete."""

    def __init__(self, store: Store, month_of: Callable[[], tuple[int, int]], parent: QWidget | None = None,
                 on_change: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.month_of = month_of
        self.on_change = on_change
        add_act = QPushButton("新增工作记录…", self)
        add_act.clicked.connect(self._add_activity)
        add_case = QPushButton("新增立案查处…", self)
        add_case.clicked.connect(self._add_case)
        delete = QPushButton("删除所选工作记录", self)
        delete.clicked.connect(self._delete)
        top = QHBoxLayout()
        self.title = QLabel(self)
        top.addWidget(self.title, 1)
        for b in (add_act, add_case, delete):
            top.addWidget(b)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(["类别", "企业", "内容"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)

    def refresh(self) -> None:
        y, m = self.month_of()
        start, end = monthly.month_range(y, m)
        self.title.setText(f"{y}年{m}月的工作记录和立案查处")
        with self.store.session() as s:
            rows: list[tuple[str, str | None, str, Any]] = []
            acts_rows = acts.list_activities(s, None, start, end)
            cases = acts.list_cases(s, start, end)
            ids = ({a.enterprise_id for a in acts_rows if a.enterprise_id}
                   | {c.enterprise_id for c in cases if c.enterprise_id})
            names = records.enterprise_names(s, ids)
            for a in acts_rows:
                rows.append(("工作记录", names.get(a.enterprise_id or ""), acts.describe(a), ("activity", a.id)))
            for c in cases:
                rows.append(("立案查处", names.get(c.enterprise_id), acts.describe(c), ("enforcement_case", c.id)))
        self.table.setRowCount(len(rows))
        for r, (kind, name, desc, data) in enumerate(rows):
            self.table.setItem(r, 0, _ro_item(kind, data))
            self.table.setItem(r, 1, _ro_item(name))
            self.table.setItem(r, 2, _ro_item(desc))

    def _changed(self) -> None:
        self.refresh()
        if self.on_change is not None:
            self.on_change()

    def _add_activity(self) -> None:
        y, m = self.month_of()
        today = date.today()
        on = today if (today.year, today.month) == (y, m) else date(y, m, 1)
        if ActivityDialog(self.store, self, on=on).exec():
            self._changed()

    def _add_case(self) -> None:
        if CaseDialog(self.store, self).exec():
            self._changed()

    def _delete(self) -> None:
        item = self.table.item(self.table.currentRow(), 0)
        if item is None:
            return
        table, rid = item.data(Qt.ItemDataRole.UserRole)
        if table != "activity":
            QMessageBox.information(self, "不能删除", "立案查处记录不能在此删除。")
            return
        if QMessageBox.question(self, "删除", "删除所选工作记录？") == QMessageBox.StandardButton.Yes:
            acts.delete_activity(self.store, rid)
            self._changed()
