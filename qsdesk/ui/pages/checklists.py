"""任务清单: graded enterprises still lacking a task checklist for a period, filling one through
the form widgets (国市监质监发〔2023〕38号 附件2 / 宝山区实施方案 附件3), the checklists already
filled, and the county's 督查清单 of its stations (附件3, :mod:`qsdesk.ui.pages.duty_checks`)."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qsdesk.domain.grading import Grade
from qsdesk.services import records
from qsdesk.services import registry as reg
from qsdesk.services import task_checklists as tc
from qsdesk.store.db import Store
from qsdesk.ui.forms.dialogs import RecordDialog, register_draft_opener
from qsdesk.ui.keys import enter_opens
from qsdesk.ui.lists import Column
from qsdesk.ui.query_model import QueryTableModel

log = logging.getLogger(__name__)

MISSING_COLUMNS = [
    Column("name", "企业名称", sort="name", width=260),
    Column("uscc", "统一社会信用代码", sort="uscc", width=170),
    Column("grade", "分级", sort="grade", shared=True, width=44),
    Column("unit_types", "单位类型", format=reg.unit_types_label, shared=True, width=90),
    Column("town", "镇（街道）", sort="town", shared=True, width=100),
]


class ChecklistDialog(RecordDialog):
    """The task checklist form for one enterprise and period."""

    record_table = "task_checklist"
    kind = "checklist"

    def __init__(self, store: Store, enterprise_id: str, period: str, parent: QWidget | None = None, *,
                 checklist_id: str | None = None) -> None:
        with store.session() as s:
            row = records.task_checklist(s, checklist_id)
            ent = records.enterprise(s, enterprise_id)
            if row is not None:
                spec = store.forms.spec(row.form_id, row.form_version)
                values, answers = dict(row.values), dict(row.answers)
            else:
                spec = store.forms.spec(tc.form_id_for(ent.unit_types if ent else None, ent.domain if ent else None))
                values, answers = tc.prefill(s, enterprise_id, spec=spec), {}
        super().__init__(store, spec, parent, record_id=checklist_id, enterprise_id=enterprise_id)
        self.period = period
        self.setWindowTitle(f"{spec.title}{spec.subtitle or ''} — {ent.name if ent else ''}（{period}）")
        self.form.set_values(values, answers)
        self._dirty = False

    def draft_content(self) -> dict[str, Any]:
        return {**super().draft_content(), "period": self.period}

    def save(self) -> bool:
        assert self.enterprise_id is not None
        try:
            cid = tc.save_checklist(self.store, self.enterprise_id, self.period, self.form.values(),
                                    self.form.answers())
        except tc.ChecklistError as exc:
            self.form.set_extra_problems(exc.problems)
            self.status.setText(str(exc))
            self.form.jump_to_first_problem()
            return False
        self._after_save(cid)
        return True


def _open_checklist_draft(store: Store, draft: Any, parent: QWidget | None) -> ChecklistDialog | None:
    """Reopen a checklist whose autosaved draft survived a crash (see forms.dialogs.open_draft)."""
    c = draft.content
    enterprise_id = c.get("enterprise_id") or draft.enterprise_id
    if not enterprise_id or not c.get("period"):
        return None
    return ChecklistDialog(store, enterprise_id, c["period"], parent,
                           checklist_id=c.get("record_id") or draft.record_id)


register_draft_opener(ChecklistDialog.kind, _open_checklist_draft)


class ChecklistsPage(QWidget):
    """任务清单 page."""

    #: tables whose committed changes refresh this page (see qsdesk.ui.page)
    SHOWS = frozenset({"task_checklist", "enterprise"})


    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.period = QLineEdit(str(date.today().year), self)
        self.period.setMaximumWidth(100)
        self.period.setToolTip("年度（如 2026）或半年（如 2026H2）")
        self.period.editingFinished.connect(self.refresh)
        self.summary = QLabel(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("期间：", self))
        top.addWidget(self.period)
        top.addWidget(self.summary, 1)

        self.tabs = QTabWidget(self)
        missing_box = QWidget(self)
        self.missing_model = QueryTableModel(store, MISSING_COLUMNS, parent=self)
        self.missing_view = QTableView(missing_box)
        self.missing_view.setModel(self.missing_model)
        self.missing_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.missing_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.missing_view.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.missing_view.setSortingEnabled(True)
        self.missing_view.horizontalHeader().setStretchLastSection(True)
        self.missing_view.doubleClicked.connect(lambda idx: self.fill(self.missing_model.row_id(idx.row())))
        enter_opens(self.missing_view)
        for i, c in enumerate(MISSING_COLUMNS):
            if c.width:
                self.missing_view.setColumnWidth(i, c.width)
        fill_btn = QPushButton("填写清单…", missing_box)
        fill_btn.clicked.connect(self._fill_selected)
        ml = QVBoxLayout(missing_box)
        row = QHBoxLayout()
        row.addWidget(QLabel("以下已分级企业在本期间还没有监管任务清单：", missing_box), 1)
        row.addWidget(fill_btn)
        ml.addLayout(row)
        ml.addWidget(self.missing_view, 1)

        done_box = QWidget(self)
        self.done = QTableWidget(0, 4, done_box)
        self.done.setHorizontalHeaderLabels(["企业名称", "期间", "填表日期", "填表人"])
        self.done.horizontalHeader().setStretchLastSection(True)
        self.done.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.done.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # 打印所选
        self.done.verticalHeader().setVisible(False)
        self.done.doubleClicked.connect(lambda idx: self.open_checklist(idx.row()))
        enter_opens(self.done)
        open_btn = QPushButton("打开…", done_box)
        open_btn.clicked.connect(lambda: self.open_checklist(self.done.currentRow()))
        export_btn = QPushButton("导出 Excel…", done_box)
        export_btn.clicked.connect(self._export_selected)
        print_btn = QPushButton("打印…", done_box)
        print_btn.setToolTip("选中一份：打印预览（选择打印机、份数和页码，或另存为 PDF）；按住 Ctrl 或 Shift 选中多份：一次打印")
        print_btn.clicked.connect(self._print_selected)
        dl = QVBoxLayout(done_box)
        row2 = QHBoxLayout()
        row2.addStretch(1)
        row2.addWidget(open_btn)
        row2.addWidget(export_btn)
        row2.addWidget(print_btn)
        dl.addLayout(row2)
        dl.addWidget(self.done, 1)
        self.tabs.addTab(missing_box, "缺少清单")
        self.tabs.addTab(done_box, "已填清单")
        from qsdesk.ui.pages.duty_checks import DutyChecksPanel

        self.duty_checks = DutyChecksPanel(store, self)
        self.tabs.addTab(self.duty_checks, "督查清单")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(top)
        lay.addWidget(self.tabs, 1)
        self._infos: list[tc.ChecklistInfo] = []
        self.dialog: ChecklistDialog | None = None
        self.refresh()

    def current_period(self) -> str | None:
        try:
            return tc.check_period(self.period.text())
        except tc.ChecklistError as exc:
            self.summary.setText(str(exc))
            return None

    def refresh(self) -> None:
        period = self.current_period()
        if period is None:
            return
        stmt = tc.missing_list_statement(period)
        self.missing_model.set_statement(stmt)
        missing = self.missing_model.total()
        with self.store.session() as s:
            graded = tc.graded_count(s)
            self._infos = tc.list_checklists(s, period=period)
        self.summary.setText(f"已分级企业 {graded} 家，本期已填清单 {len(self._infos)} 份，缺少清单 {missing} 家"
                             f"（分级：{'/'.join(g.value for g in Grade)}）")
        self.done.setRowCount(len(self._infos))
        for r, info in enumerate(self._infos):
            for c, v in enumerate((info.enterprise_name, info.period, info.filled_on.isoformat(), info.filled_by)):
                self.done.setItem(r, c, QTableWidgetItem(v or ""))
        if hasattr(self, "duty_checks"):
            self.duty_checks.refresh()

    def _fill_selected(self) -> None:
        idx = self.missing_view.currentIndex()
        if not idx.isValid():
            QMessageBox.information(self, "请选择", "请先在列表中选择一家企业。")
            return
        self.fill(self.missing_model.row_id(idx.row()))

    def fill(self, enterprise_id: Any) -> ChecklistDialog | None:
        period = self.current_period()
        if period is None or not enterprise_id:
            return None
        return self._open(ChecklistDialog(self.store, str(enterprise_id), period, self))

    def open_checklist(self, row: int) -> ChecklistDialog | None:
        if not 0 <= row < len(self._infos):
            return None
        info = self._infos[row]
        return self._open(ChecklistDialog(self.store, info.enterprise_id, info.period, self, checklist_id=info.id))

    def _open(self, dlg: ChecklistDialog) -> ChecklistDialog:
        dlg.saved.connect(lambda _id: self.refresh())
        dlg.setModal(False)
        dlg.show()
        self.dialog = dlg
        return dlg

    def export_checklist(self, row: int, path: Path) -> None:
        tc.export_checklist(self.store, self._infos[row].id, path)

    def print_checklist(self, row: int, path: Path) -> Path:
        from qsdesk.services.printing.records import render_task_checklist

        return render_task_checklist(self.store, self._infos[row].id, path)

    def _print_selected(self) -> None:
        """打印: one checklist opens its print preview; several selected print as one job."""
        from qsdesk.ui.record_print import print_ids

        rows = sorted({i.row() for i in self.done.selectionModel().selectedRows()}) or [self.done.currentRow()]
        ids = [self._infos[r].id for r in rows if 0 <= r < len(self._infos)]
        if not ids:
            QMessageBox.information(self, "请选择", "请先选择一份清单（按住 Ctrl 或 Shift 可多选）。")
            return
        print_ids(self, self.store, "task_checklist", ids)

    def _export_selected(self) -> None:
        row = self.done.currentRow()
        if not 0 <= row < len(self._infos):
            QMessageBox.information(self, "请选择", "请先选择一份清单。")
            return
        info = self._infos[row]
        path, _ = QFileDialog.getSaveFileName(self, "导出监管任务清单", f"监管任务清单-{info.enterprise_name}-{info.period}.xlsx",
                                              "Excel 工作簿 (*.xlsx)")
        if path:
            try:
                self.export_checklist(row, Path(path))
            except OSError as exc:
                QMessageBox.warning(self, "导出失败", f"无法写入文件：{exc}")
