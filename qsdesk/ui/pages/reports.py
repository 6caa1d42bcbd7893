"""统计报表: the monthly table (002 annex 5) with drill-down to its records, the annual lists,
the small work records the table needs (publicity, surveys, assessments, cases) and Excel
import/export.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import or_, select

from qsdesk.services import activities as acts
from qsdesk.services import annual_lists, monthly
from qsdesk.services.excel import exporter
from qsdesk.store.db import Store
from qsdesk.store.models import EnforcementCase, Enterprise
from qsdesk.ui.dialog_guard import GuardedDialog
from qsdesk.ui.record_print import print_table_widget
from qsdesk.ui.worker import TaskCancelled, run_in_background

log = logging.getLogger(__name__)

#: the county roll-up's first figure column (after 报送; the units are the row headers)
COUNTY_FIRST_FIGURE = 1


def _wrap(text: str, width: int) -> str:
    """``text`` broken into lines of ``width`` characters (narrow header columns)."""
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


TABLE_LABELS = {"activity": "工作记录", "inspection": "监督检查", "enforcement_case": "立案查处"}


def _ro_item(text: Any, data: Any = None) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


def _fmt(v: int | Decimal) -> str:
    if isinstance(v, Decimal):
        return format(v.quantize(Decimal("0.01")), ",f")
    return str(v)


def _ask_save(parent: QWidget, title: str, name: str) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, name, "Excel 工作簿 (*.xlsx)")
    if not path:
        return None
    p = Path(path)
    return p if p.suffix.lower() == ".xlsx" else p.with_suffix(".xlsx")


_BUTTON_TEXT = {
    QDialogButtonBox.StandardButton.Save: "保存",
    QDialogButtonBox.StandardButton.Cancel: "取消",
    QDialogButtonBox.StandardButton.Close: "关闭",
}


def _chinese_buttons(box: QDialogButtonBox) -> None:
    """Standard buttons in Chinese even where no Qt translation is installed."""
    for std, text in _BUTTON_TEXT.items():
        b = box.button(std)
        if b is not None:
            b.setText(text)


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
            self.table.setItem(r, 0, _ro_item(monthly.SOURCE_LABELS.get(table, "其他记录"), (table, rid)))
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
            monthly.record_rectification(self.store, data[1], fixed_on, count, note)
        except monthly.MonthlyError as exc:
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
        form = QFormLayout()
        form.addRow("整改日期", self.on)
        form.addRow("整改问题（条）", self.count)
        form.addRow("整改情况", self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        _chinese_buttons(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)


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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        _chinese_buttons(buttons)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(buttons)

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
        note = QLabel("双击数字可查看其来源记录，并可补充工作记录或登记后续整改。" + monthly.CUMULATIVE_NOTE, self)
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
                    sent = [monthly.send_status(s, y, m, t.origin) if t.origin else None for t in tables]
                else:
                    tables = [monthly.compute_monthly(s, y, m, unit=node.name if node else "本单位")]
                    sent = [monthly.send_status(s, y, m)]
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

    def _show_county(self, statuses: list[monthly.SendStatus | None]) -> None:
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
            rows = monthly.records_behind(s, tab.figures[key])
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
            monthly.file_report(self.store, self.year.value(), self.month.value())
        except monthly.MonthlyError as exc:
            QMessageBox.warning(self, "无法生成报送", str(exc))
            return
        self.compute()

    def _mark_sent(self, on: date | None = None) -> None:
        if on is None:
            dlg = RectifyDialog(self)
            dlg.setWindowTitle("标记已报送")
            dlg.count.hide()
            form = dlg.layout().itemAt(0).layout()
            form.labelForField(dlg.on).setText("报送日期")
            form.labelForField(dlg.count).hide()
            form.labelForField(dlg.note).setText("报送方式")
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            qd = dlg.on.date()
            on, note = date(qd.year(), qd.month(), qd.day()), dlg.note.text()
        else:
            note = None
        try:
            monthly.mark_sent(self.store, self.year.value(), self.month.value(), on, note)
        except monthly.MonthlyError as exc:
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
            monthly.export_monthly(self.store, y, m, path, county=county)

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
        self.table = QTableWidget(0, 5, self)
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


def find_enterprise(store: Store, text: str) -> tuple[str | None, str]:
    """An enterprise by exact credit code or by a name that only one enterprise contains."""
    t = text.strip()
    if not t:
        return None, "请填写企业名称或统一社会信用代码"
    with store.session() as s:
        rows = s.execute(select(Enterprise.id, Enterprise.name).where(
            Enterprise.deleted.is_(False),
            or_(Enterprise.uscc == t.upper(), Enterprise.name == t, Enterprise.name.like(f"%{t}%"))).limit(5)).all()
    exact = [r for r in rows if r.name == t]
    if len(exact) == 1 or len(rows) == 1:
        r = (exact or rows)[0]
        return r.id, r.name
    if not rows:
        return None, f"没有找到“{t}”"
    return None, f"“{t}”对应多家企业，请填写完整名称或信用代码"


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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        _chinese_buttons(buttons)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(buttons)
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
            eid, why = find_enterprise(self.store, self.enterprise.text())
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        _chinese_buttons(buttons)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(buttons)
        self.saved_id: str | None = None

    def save(self) -> None:
        from qsdesk.services.excel.normalize import parse_decimal

        eid, why = find_enterprise(self.store, self.enterprise.text())
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
            cases = list(s.scalars(select(EnforcementCase).where(
                EnforcementCase.deleted.is_(False), EnforcementCase.filed_on >= start,
                EnforcementCase.filed_on <= end).order_by(EnforcementCase.filed_on)))
            ids = {r.enterprise_id for r in [*acts_rows, *cases] if r.enterprise_id}
            names = dict(s.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))).all())
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
