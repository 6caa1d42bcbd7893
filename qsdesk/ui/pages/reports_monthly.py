"""统计报表 monthly table (SAMR 2025 annex 5) with drill-down to its records, rectification and settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsdesk.services import activities as acts
from qsdesk.services import monthly, monthly_export, monthly_records
from qsdesk.store.db import Store
from qsdesk.ui.dialog_guard import GuardedDialog, form_buttons
from qsdesk.ui.pages.reports_common import _ask_save, _chinese_buttons, _fmt, _ro_item, _wrap
from qsdesk.ui.pages.reports_work import ActivityDialog
from qsdesk.ui.worker import TaskCancelled, run_in_background

COUNTY_FIRST_FIGURE = 1


class RecordsDialog(QDialog):
    """The records behind one figure of the monthly table, with the work record that may add to it
    (宣贯, 出动人次 outside inspections …) and, for inspection problems, the later rectification."""

    def __init__(self, title: str, rows: list[tuple[str, str, str]], parent: QWidget | None = None, *,
                 store: Store | None = None, manual_kinds: tuple[str, ...] = (), on: date | None = None,
                 rectify: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(760, 420)
        self.store = store
        self._on = on
        self.changed = False
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["类别", "记录"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for r, (table, rid, desc) in enumerate(rows):
            self.table.setItem(r, 0, _ro_item(monthly_records.SOURCE_LABELS.get(table, "其他记录"), (table, rid)))
            self.table.setItem(r, 1, _ro_item(desc))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        _chinese_buttons(buttons)
        buttons.rejected.connect(self.reject)
        actions = QHBoxLayout()
        self.add_buttons: list[QPushButton] = []
        for kind in manual_kinds:
            b = QPushButton(f"添加工作记录：{acts.ACTIVITY_KINDS[kind]}…", self)
            b.clicked.connect(lambda _=False, k=kind: self.add_record(k))
            actions.addWidget(b)
            self.add_buttons.append(b)
        self.rectify_button: QPushButton | None = None
        if rectify:
            self.rectify_button = QPushButton("登记所选检查的后续整改…", self)
            self.rectify_button.setToolTip("检查当天未整改的问题，整改后按整改日期计入当期“整改问题隐患”")
            self.rectify_button.clicked.connect(lambda: self.rectify_selected())
            actions.addWidget(self.rectify_button)
        actions.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"共 {len(rows)} 条记录", self))
        lay.addWidget(self.table, 1)
        lay.addLayout(actions)
        lay.addWidget(buttons)

    def add_record(self, kind: str) -> ActivityDialog | None:
        if self.store is None:
            return None
        dlg = ActivityDialog(self.store, self, on=self._on, kind=kind)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.changed = True
        return dlg

    def rectify_selected(self, fixed_on: date | None = None, count: int | None = None) -> bool:
        """Record a later rectification of the selected inspection (arguments skip the dialog)."""
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if self.store is None or not data or data[0] != "inspection":
            QMessageBox.information(self, "登记整改", "请先选择一条监督检查记录")
            return False
        note = None
        if fixed_on is None or count is None:
            dlg = RectifyDialog(self)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return False
            qd = dlg.on.date()
            fixed_on, count, note = date(qd.year(), qd.month(), qd.day()), dlg.count.value(), dlg.note.text()
        try:
            monthly_records.record_rectification(self.store, data[1], fixed_on, count, note)
        except monthly_records.MonthlyError as exc:
            QMessageBox.warning(self, "无法登记整改", str(exc))
            return False
        self.changed = True
        return True


class RectifyDialog(GuardedDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("登记后续整改")
        self.on = QDateEdit(self)
        self.on.setCalendarPopup(True)
        self.on.setDisplayFormat("yyyy-MM-dd")
        t = date.today()
        self.on.setDate(QDate(t.year, t.month, t.day))
        self.count = QSpinBox(self)
        self.count.setRange(1, 999)
        self.note = QLineEdit(self)
        form = self.form = QFormLayout()
        form.addRow("整改日期", self.on)
        form.addRow("整改问题（条）", self.count)
        form.addRow("整改情况", self.note)
        form_buttons(self, form, save=True, ok_text="保存", cancel_text="取消")


class SettingsDialog(QDialog):
    """County settings (day counts the documents leave open, the reporting period): county only."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        from qsdesk.services import county_settings as cs

        super().__init__(parent)
        self.store = store
        self.setWindowTitle("县局设置（随同步包下发各所）")
        self.spins: dict[str, QSpinBox] = {}
        form = QFormLayout()
        with store.session() as s:
            values = cs.all_values(s)
        for v in values:
            sp = QSpinBox(self)
            sp.setRange(v.definition.minimum, v.definition.maximum)
            sp.setValue(v.value)
            sp.setSuffix(" 日")
            sp.setToolTip(f"{v.definition.why}；默认 {v.definition.default}")
            self.spins[v.definition.key] = sp
            label = QLabel(f"{v.definition.label}（{v.definition.unit}，默认 {v.definition.default}）", self)
            label.setToolTip(v.definition.why)
            form.addRow(label, sp)
        self.message = QLabel(self)
        self.message.setStyleSheet("color:#b00")
        form_buttons(self, form, self.message, on_accept=self.save, save=True, ok_text="保存", cancel_text="取消")

    def save(self) -> None:
        from qsdesk.services import county_settings as cs

        try:
            with self.store.session() as s:
                current = {v.definition.key: v for v in cs.all_values(s)}
            for key, sp in self.spins.items():
                if sp.value() != current[key].value or not current[key].is_default:
                    cs.set_value(self.store, key, sp.value())
        except cs.SettingError as exc:
            self.message.setText(str(exc))
            return
        self.accept()


class MonthlyTab(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        today = date.today()
        self.year = QSpinBox(self)
        self.year.setRange(2020, 2100)
        self.year.setValue(today.year)
        self.year.setSuffix(" 年")
        self.month = QSpinBox(self)
        self.month.setRange(1, 12)
        self.month.setValue(today.month)
        self.month.setSuffix(" 月")
        self.county = QCheckBox("按所汇总", self)
        node = store.self_node()
        self.county.setChecked(node is not None and node.kind == "county")
        self.county.setVisible(node is not None and node.kind == "county")
        calc = QPushButton("统计", self)
        calc.clicked.connect(self.compute)
        self.open_btn = QPushButton("查看记录…", self)
        self.open_btn.clicked.connect(self._open_current)
        self.export_btn = QPushButton("导出 Excel…", self)
        self.export_btn.clicked.connect(self._export)
        self.print_btn = QPushButton("打印…", self)
        self.print_btn.setToolTip("打印预览（A4 横向，附件5格式）：选择打印机、份数和页码，或另存为 PDF")
        self.print_btn.clicked.connect(self._print)
        self.file_btn = QPushButton("生成报送", self)
        self.file_btn.setToolTip("保存本月统计表，随下一个同步包报送县局")
        self.file_btn.clicked.connect(self._file)
        self.sent_btn = QPushButton("标记已报送…", self)
        self.sent_btn.setToolTip("以纸质或其他方式报送后，登记报送日期")
        self.sent_btn.clicked.connect(self._mark_sent)
        self.settings_btn = QPushButton("县局设置…", self)
        self.settings_btn.clicked.connect(self._settings)
        is_station = node is not None and node.kind == "station"
        self.file_btn.setVisible(is_station)
        self.sent_btn.setVisible(is_station)
        self.settings_btn.setVisible(node is not None and node.kind == "county")
        top = QHBoxLayout()
        for w in (QLabel("统计月份：", self), self.year, self.month, self.county, calc):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.open_btn)
        top.addWidget(self.export_btn)
        top.addWidget(self.print_btn)
        top.addWidget(self.file_btn)
        top.addWidget(self.sent_btn)
        top.addWidget(self.settings_btn)
        self.due = QLabel(self)
        self.due.setWordWrap(True)
        self.status = QLabel(self)
        self.table = QTableWidget(0, 0, self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.verticalHeader().setVisible(False)
        self.table.cellDoubleClicked.connect(self.drill_down)
        note = QLabel("双击数字可查看其来源记录，并可补充工作记录或登记后续整改。" + monthly_export.CUMULATIVE_NOTE, self)
        note.setWordWrap(True)
        note.setStyleSheet("color:#555")
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.due)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 1)
        lay.addWidget(note)
        self.tables: list[monthly.MonthlyTable] = []

    def set_month(self, year: int, month: int) -> None:
        self.year.setValue(year)
        self.month.setValue(month)
        self.compute()

    def compute(self) -> None:
        y, m = self.year.value(), self.month.value()
        node = self.store.self_node()
        county = self.county.isChecked()

        def work(_progress: Callable[[int, int, str], None], _cancelled: Callable[[], bool]) -> tuple[Any, ...]:
            with self.store.session() as s:
                if county:
                    stations, total = monthly.compute_county(s, y, m)
                    tables = [*stations, total]
                    sent = [monthly_records.send_status(s, y, m, t.origin) if t.origin else None for t in tables]
                else:
                    tables = [monthly.compute_monthly(s, y, m, unit=node.name if node else "本单位")]
                    sent = [monthly_records.send_status(s, y, m)]
                return tables, monthly.period_of(s, y, m), sent

        try:
            self.tables, period, sent = run_in_background(self, "正在统计……", work, min_duration_ms=800)
        except TaskCancelled:
            return
        self.due.setText(period.describe())
        if county:
            self._show_county(sent)
        else:
            status = sent[0]
            self.status.setText(f"报送情况：{status.text}")
            self.status.setStyleSheet("" if status.sent else "color:#b45309")
            self._show_station()

    def _show_station(self) -> None:
        """A station's table in the layout of 附件5: 类别, 项目, one column of figures."""
        t = self.table
        t.clear()
        t.setColumnCount(2 + len(self.tables))
        t.setRowCount(len(monthly.CELLS))
        t.setHorizontalHeaderLabels(["类别", "项目", *[x.unit for x in self.tables]])
        t.verticalHeader().setVisible(False)
        for r, c in enumerate(monthly.CELLS):
            t.setItem(r, 0, _ro_item(c.group))
            t.setItem(r, 1, _ro_item(c.label + ("（累计）" if c.cumulative else "")))
            for i, tab in enumerate(self.tables):
                t.setItem(r, 2 + i, self._figure_item(i, tab, c.key))
        t.resizeColumnsToContents()
        t.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

    def _figure_item(self, i: int, tab: monthly.MonthlyTable, key: str) -> QTableWidgetItem:
        item = _ro_item(_fmt(tab.value(key)), (i, key))
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def _show_county(self, statuses: list[monthly_records.SendStatus | None]) -> None:
        """The county's roll-up as the PDF and xlsx have it: one row per station and the 合计 row,
        the items of 附件5 as columns (group and item in the header), whether each station's table
        was sent as a column. The unit names are the row headers, so they stay in view while the
        22 figures scroll. Every figure, the 合计 row's too, opens the records behind it."""
        t = self.table
        t.clear()
        t.setColumnCount(COUNTY_FIRST_FIGURE + len(monthly.CELLS))
        t.setRowCount(len(self.tables))
        t.setHorizontalHeaderItem(0, QTableWidgetItem("报送"))
        for j, c in enumerate(monthly.CELLS):
            label = c.label + ("（累计）" if c.cumulative else "")
            head = QTableWidgetItem(f"{c.group}\n{_wrap(label, 8)}")
            head.setToolTip(f"{c.group}：{label}")
            t.setHorizontalHeaderItem(COUNTY_FIRST_FIGURE + j, head)
        bold = t.font()
        bold.setBold(True)
        sent = 0
        stations = [x for x in self.tables if x.origin]
        for r, (tab, st) in enumerate(zip(self.tables, statuses, strict=True)):
            unit = QTableWidgetItem(tab.unit)
            if tab.origin is None:
                unit.setFont(bold)
            t.setVerticalHeaderItem(r, unit)
            if st is not None:
                sent += st.sent
                cell = _ro_item(st.text)
                if not st.sent:
                    cell.setForeground(QBrush(QColor("#b45309")))
                t.setItem(r, 0, cell)
            for j, c in enumerate(monthly.CELLS):
                t.setItem(r, COUNTY_FIRST_FIGURE + j, self._figure_item(r, tab, c.key))
        total_row = len(self.tables) - 1
        t.setItem(total_row, 0, _ro_item(f"已报送 {sent}/{len(stations)} 个所"))
        for col in range(t.columnCount()):
            item = t.item(total_row, col)
            if item is not None:
                item.setFont(bold)
        t.verticalHeader().setVisible(True)
        self.status.setText(f"各所报送情况见“报送”列：{len(stations)} 个所中已报送 {sent} 个。")
        self.status.setStyleSheet("" if sent == len(stations) else "color:#b45309")
        t.resizeColumnsToContents()

    def figure_at(self, row: int, col: int) -> tuple[monthly.MonthlyTable, str] | None:
        item = self.table.item(row, col)
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if not data:
            return None
        i, key = data
        return self.tables[i], key

    def drill_down(self, row: int, col: int) -> RecordsDialog | None:
        found = self.figure_at(row, col)
        if found is None:
            return None
        tab, key = found
        with self.store.session() as s:
            rows = monthly_records.records_behind(s, tab.figures[key])
        cell = monthly.CELL_BY_KEY[key]
        on = tab.period.end if tab.period else None
        dlg = RecordsDialog(f"{tab.unit} {tab.year}年{tab.month}月 {cell.label}：{_fmt(tab.value(key))}", rows, self,
                            store=self.store, manual_kinds=monthly.MANUAL_KINDS.get(key, ()), on=on,
                            rectify=key in ("problems_found", "problems_fixed"))
        dlg.setModal(False)
        dlg.finished.connect(lambda _r: self.compute() if dlg.changed else None)
        dlg.show()
        return dlg

    def _file(self) -> None:
        try:
            monthly_records.file_report(self.store, self.year.value(), self.month.value())
        except monthly_records.MonthlyError as exc:
            QMessageBox.warning(self, "无法生成报送", str(exc))
            return
        self.compute()

    def _mark_sent(self, on: date | None = None) -> None:
        if on is None:
            dlg = RectifyDialog(self)
            dlg.setWindowTitle("标记已报送")
            dlg.count.hide()
            form = dlg.form
            # addRow(text, field) gave each field a QLabel
            cast(QLabel, form.labelForField(dlg.on)).setText("报送日期")
            cast(QLabel, form.labelForField(dlg.count)).hide()
            cast(QLabel, form.labelForField(dlg.note)).setText("报送方式")
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            qd = dlg.on.date()
            on, note = date(qd.year(), qd.month(), qd.day()), dlg.note.text()
        else:
            note = None
        try:
            monthly_records.mark_sent(self.store, self.year.value(), self.month.value(), on, note)
        except monthly_records.MonthlyError as exc:
            QMessageBox.warning(self, "无法标记报送", str(exc))
            return
        self.compute()

    def _settings(self) -> None:
        if SettingsDialog(self.store, self).exec() == QDialog.DialogCode.Accepted:
            self.compute()

    def _open_current(self) -> None:
        idx = self.table.currentIndex()
        if idx.isValid():
            self.drill_down(idx.row(), idx.column())

    def export_to(self, path: Path) -> None:
        """Write the table: ``.xlsx`` in the annex layout (with the 明细 sheet), ``.pdf`` for printing;
        off the GUI thread (a county's 明细 sheet lists every record behind every figure)."""
        county = self.county.isChecked()
        y, m = self.year.value(), self.month.value()

        def work(_progress: Callable[[int, int, str], None], _cancelled: Callable[[], bool]) -> None:
            monthly_export.export_monthly(self.store, y, m, path, county=county)

        run_in_background(self, "正在生成统计表……", work)

    def _print(self) -> None:
        """打印: the table (A4 landscape, annex 5 layout) in the print preview."""
        from qsdesk.ui.record_print import preview_pdf

        def render(p: Path) -> Path:
            self.export_to(p)
            return p

        name = f"落实两个规定情况统计表{self.year.value()}年{self.month.value()}月.pdf"
        self.print_preview = preview_pdf(self, render, "统计表打印预览", name)

    def _export(self) -> None:
        path = _ask_save(self, "导出统计表", f"落实两个规定情况统计表{self.year.value()}年{self.month.value()}月.xlsx")
        if path is None:
            return
        try:
            self.export_to(path)
        except TaskCancelled:
            return
        except OSError as exc:
            QMessageBox.warning(self, "导出失败", f"无法写入文件：{exc}")
            return
        QMessageBox.information(self, "已导出", f"统计表已保存到：\n{path}")
