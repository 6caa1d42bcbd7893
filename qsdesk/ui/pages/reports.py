"""统计报表: the monthly table (002 annex 5) with drill-down to its records, the annual lists,
the small work records the table needs (publicity, surveys, assessments, cases) and Excel
import/export.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qsdesk.services import annual_lists
from qsdesk.services.excel import exporter
from qsdesk.store.db import Store
from qsdesk.ui.pages.reports_common import _ask_save, _ro_item
from qsdesk.ui.pages.reports_monthly import MonthlyTab
from qsdesk.ui.pages.reports_work import WorkRecordsTab
from qsdesk.ui.record_print import print_table_widget
from qsdesk.ui.worker import TaskCancelled, run_in_background

log = logging.getLogger(__name__)


class AnnualTab(QWidget):
    LISTS = [*annual_lists.LIST_TITLES.items(), (("tracking", ""), "跟踪抽查名单")]

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.year = QSpinBox(self)
        self.year.setRange(2020, 2100)
        self.year.setValue(date.today().year)
        self.year.setSuffix(" 年")
        self.which = QComboBox(self)
        for key, title in self.LISTS:
            self.which.addItem(title, key)
        self.year.valueChanged.connect(self.refresh)
        self.which.currentIndexChanged.connect(self.refresh)
        export = QPushButton("导出全部名单…", self)
        export.clicked.connect(self._export)
        top = QHBoxLayout()
        for w in (QLabel("年度：", self), self.year, self.which):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(export)
        self.print_btn = QPushButton("打印名单…", self)
        self.print_btn.clicked.connect(lambda: print_table_widget(
            self, self.table, f"{self.year.value()}年度{self.which.currentText()}"))
        top.addWidget(self.print_btn)
        self.count = QLabel(self)
        self.table: QTableWidget = QTableWidget(0, 5, self)  # declared: the print lambda above reads it
        self.table.setHorizontalHeaderLabels(["企业名称", "统一社会信用代码", "乡镇（街道）", "列入日期", "列入原因"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.count)
        lay.addWidget(self.table, 1)

    def refresh(self) -> None:
        key = self.which.currentData()
        year = self.year.value()
        rows: list[tuple[Any, ...]]
        with self.store.session() as s:
            if key[0] == "tracking":
                rows = [(t.name, t.uscc, "", t.last_on, t.reason)
                        for t in annual_lists.tracking_list(s, year)]
            else:
                lists = annual_lists.build_lists(s, year)
                rows = [(e.name, e.uscc, e.town, e.since, "；".join(e.reasons)) for e in lists.entries(*key)]
        self.table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, v in enumerate(values):
                self.table.setItem(r, c, _ro_item(v.isoformat() if isinstance(v, date) else v))
        self.table.resizeColumnsToContents()
        self.count.setText(f"{self.which.currentText()}：{len(rows)} 家")

    def _export(self) -> None:
        path = _ask_save(self, "导出年度名单", f"{self.year.value()}年度重点特别监管及跟踪抽查名单.xlsx")
        if path is None:
            return
        try:
            annual_lists.export_lists(self.store, self.year.value(), path)
        except OSError as exc:
            QMessageBox.warning(self, "导出失败", f"无法写入文件：{exc}")


class ExcelTab(QWidget):
    """Import the enterprise list; export the registry, the ledger, risks, samplings."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        imp = QPushButton("导入企业名单（Excel）…", self)
        imp.clicked.connect(self.open_import)
        box = QGroupBox("导出", self)
        self.start = QDateEdit(self)
        self.end = QDateEdit(self)
        today = QDate.currentDate()
        self.start.setDate(QDate(today.year(), 1, 1))
        self.end.setDate(today)
        for w in (self.start, self.end):
            w.setCalendarPopup(True)
            w.setDisplayFormat("yyyy-MM-dd")
        period = QHBoxLayout()
        period.addWidget(QLabel("期间：", self))
        period.addWidget(self.start)
        period.addWidget(QLabel("至", self))
        period.addWidget(self.end)
        period.addStretch(1)
        buttons = QHBoxLayout()
        for kind, label in (("registry", "企业档案（全部）"), ("ledger", "监督检查台账"), ("risks", "风险信息"),
                            ("samplings", "监督抽查结果及后处理")):
            b = QPushButton(label + "…", self)
            b.clicked.connect(lambda _=False, k=kind, t=label: self._export(k, t))
            buttons.addWidget(b)
        buttons.addStretch(1)
        bl = QVBoxLayout(box)
        bl.addLayout(period)
        bl.addLayout(buttons)
        self.status = QLabel(self)
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(imp)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(box)
        lay.addWidget(self.status)
        lay.addStretch(1)

    def open_import(self) -> QDialog:
        from qsdesk.ui.excel_import_wizard import ExcelImportWizard

        wiz = ExcelImportWizard(self.store, self)
        wiz.open()
        return wiz

    def period(self) -> tuple[date, date]:
        s, e = self.start.date(), self.end.date()
        return date(s.year(), s.month(), s.day()), date(e.year(), e.month(), e.day())

    def export(self, kind: str, path: Path) -> int:
        start, end = self.period()

        def work(progress: Callable[[int, int, str], None], cancelled: Callable[[], bool]) -> int:
            if kind == "registry":
                return exporter.export_registry(self.store, path, progress=progress)
            fn = {"ledger": exporter.export_ledger, "risks": exporter.export_risks,
                  "samplings": exporter.export_samplings}[kind]
            return fn(self.store, path, start, end, progress=progress)

        n = run_in_background(self, "正在导出……", work)
        self.status.setText(f"已导出 {n} 行：{path}")
        return int(n)

    def _export(self, kind: str, label: str) -> None:
        path = _ask_save(self, "导出" + label, f"{label}.xlsx")
        if path is None:
            return
        try:
            self.export(kind, path)
        except TaskCancelled:
            return
        except OSError as exc:
            QMessageBox.warning(self, "导出失败", f"无法写入文件：{exc}")


class ReportsPage(QWidget):
    """统计报表 page (see the module docstring)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.tabs = QTabWidget(self)
        self.monthly = MonthlyTab(store, self)
        self.annual = AnnualTab(store, self)
        self.records = WorkRecordsTab(store, lambda: (self.monthly.year.value(), self.monthly.month.value()),
                                      self, on_change=self.monthly.compute)
        self.excel = ExcelTab(store, self)
        self.tabs.addTab(self.monthly, "月度统计表")
        self.tabs.addTab(self.records, "工作记录")
        self.tabs.addTab(self.annual, "年度名单")
        self.tabs.addTab(self.excel, "Excel 导入导出")
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.tabs)
        self.refresh()

    def refresh(self) -> None:
        w = self.tabs.currentWidget()
        if w is self.monthly:
            self.monthly.compute()
        elif w is self.annual:
            self.annual.refresh()
        elif w is self.records:
            self.records.refresh()
