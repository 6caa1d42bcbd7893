"""导入企业名单 wizard: choose a file, confirm or correct the column mapping, see the errors and
the new / changed / unchanged rows, then import (all, or only the valid rows).

All reading and checking is done by :mod:`qsdesk.services.excel.importer`; this module only shows
it. Reading and writing run off the GUI thread with a progress dialog and can be cancelled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
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
    QWizard,
    QWizardPage,
)

from qsdesk.services.excel import importer
from qsdesk.services.excel.exporter import export_errors
from qsdesk.services.excel.fields import ENTERPRISE_FIELDS, FIELDS_BY_KEY
from qsdesk.services.excel.reader import ExcelFileError, SheetLayout
from qsdesk.store.db import Store
from qsdesk.ui.forms.entry_reason import EntryReasonBox
from qsdesk.ui.worker import TaskCancelled, run_in_background

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
NOT_IMPORTED = "（不导入）"


class RowsModel(QAbstractTableModel):
    """A read-only table over a Python list (Qt asks only for the visible cells)."""

    def __init__(self, headers: Sequence[str], rows: Sequence[Any], cell: Callable[[Any, int], Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._rows = rows
        self._cell = cell

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        v = self._cell(self._rows[index.row()], index.column())
        return "" if v is None else str(v)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return super().headerData(section, orientation, role)


def _table(model: QAbstractTableModel, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setVisible(False)
    view.resizeColumnsToContents()  # Qt measures the first rows only (resize precision), not all
    return view


def _show_value(v: Any) -> str:
    if v is None:
        return ""
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


class FilePage(QWizardPage):
    def __init__(self, wizard: ExcelImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("选择文件")
        self.setSubTitle("选择县局下发或本所整理的企业名单（Excel .xlsx）。程序会自动找到表头行。"
                         "产品请放在同一工作簿中名为“产品”的工作表，每个产品一行，以统一社会信用代码对应企业。")
        self.path_edit = QLineEdit(self)
        self.path_edit.setPlaceholderText("Excel 文件路径（.xlsx）")
        browse = QPushButton("浏览…", self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#b00")
        # 国市监质监发〔2023〕38号 四（一）: a first entry names its reason; one for the whole file
        # when the sheet has no 录入原因 column (rows without one are otherwise error rows)
        self.entry_reason = EntryReasonBox(self, None, first_entry=False, label="新录入单位的录入原因（表中未填时使用）：")
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.entry_reason)
        lay.addWidget(self.message)
        lay.addStretch(1)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择企业名单", "", "Excel 工作簿 (*.xlsx *.xlsm);;所有文件 (*)")
        if path:
            self.path_edit.setText(path)

    def validatePage(self) -> bool:  # noqa: N802
        text = self.path_edit.text().strip()
        if not text:
            self.message.setText("请选择文件。")
            return False
        try:
            layout, samples = importer.preview(Path(text))
        except ExcelFileError as exc:
            self.message.setText(str(exc))
            return False
        self.message.clear()
        self.wiz.path = Path(text)
        self.wiz.default_entry_reason = self.entry_reason.reason()
        self.wiz.sheet_layout = layout
        self.wiz.samples = samples
        return True


class MappingPage(QWizardPage):
    def __init__(self, wizard: ExcelImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("核对列对应")
        self.setSubTitle("左边是文件中的列，右边是对应的档案字段。如有不对，请在下拉框中更正；不需要的列选“（不导入）”。")
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(["文件中的列", "示例内容", "对应字段"])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.message = QLabel(self)
        self.message.setStyleSheet("color:#b00")
        self.message.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.info)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.message)
        self.combos: dict[int, QComboBox] = {}

    def initializePage(self) -> None:  # noqa: N802
        layout = self.wiz.sheet_layout
        assert layout is not None
        notes = [f"工作表“{layout.sheet}”，表头在第 {layout.header_row} 行。", *layout.notices]
        self.info.setText("\n".join(notes))
        self.table.setRowCount(len(layout.columns))
        self.combos.clear()
        for r, col in enumerate(layout.columns):
            self.table.setItem(r, 0, QTableWidgetItem(f"{col.letter} 列：{col.header}"))
            sample = "；".join(_show_value(s[col.index]) for s in self.wiz.samples
                              if col.index < len(s) and s[col.index] is not None)
            self.table.setItem(r, 1, QTableWidgetItem(sample))
            combo = QComboBox(self.table)
            combo.addItem(NOT_IMPORTED, None)
            for f in ENTERPRISE_FIELDS:
                if f.importable:
                    combo.addItem(f.header + ("（必填）" if f.required else ""), f.key)
            if col.field is not None and col.field.importable:
                combo.setCurrentIndex(combo.findData(col.field.key))
            self.table.setCellWidget(r, 2, combo)
            self.combos[col.index] = combo
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(2, 200)

    def mapping(self) -> dict[int, str | None]:
        return {idx: combo.currentData() for idx, combo in self.combos.items()}

    def set_field(self, column_index: int, key: str | None) -> None:
        combo = self.combos[column_index]
        combo.setCurrentIndex(combo.findData(key) if key else 0)

    def validatePage(self) -> bool:  # noqa: N802
        keys = [k for k in self.mapping().values() if k]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            self.message.setText("同一字段选给了多列：" + "、".join(FIELDS_BY_KEY[k].header for k in dup))
            return False
        missing = [FIELDS_BY_KEY[k].header for k in ("uscc", "name") if k not in keys]
        if missing:
            self.message.setText("请指定必需的列：" + "、".join(missing))
            return False
        self.message.clear()
        self.wiz.mapping = self.mapping()
        return self.wiz.run_analysis()


class CheckPage(QWizardPage):
    def __init__(self, wizard: ExcelImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("检查结果")
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.only_valid = QCheckBox("仅导入无误的行（有错误的行不导入）", self)
        self.only_valid.toggled.connect(self.completeChanged)
        self.export_btn = QPushButton("导出错误报告…", self)
        self.export_btn.clicked.connect(self._export_errors)
        bottom = QHBoxLayout()
        bottom.addWidget(self.only_valid, 1)
        bottom.addWidget(self.export_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.tabs, 1)
        lay.addLayout(bottom)

    def initializePage(self) -> None:  # noqa: N802
        plan = self.wiz.plan
        assert plan is not None
        text = plan.summary()
        if plan.notices:
            text += "\n" + "\n".join(plan.notices)
        if plan.all_errors:
            text += ("\n有错误时不会写入任何数据。请修改文件后重新导入，或勾选“仅导入无误的行”。")
        else:
            text += "\n没有发现错误，点“导入”写入档案。"
        self.summary.setText(text)
        self.tabs.clear()
        self.tabs.addTab(_table(RowsModel(["行号", "列", "单元格内容", "错误原因"], plan.all_errors,
                                          lambda e, c: (e.row, e.column, e.value, e.reason)[c], self), self),
                         f"错误（{len(plan.all_errors)}）")
        self.tabs.addTab(_table(RowsModel(["行号", "统一社会信用代码", "企业名称"], plan.new,
                                          lambda p, c: (p.row, p.values.get("uscc"), p.values.get("name"))[c],
                                          self), self), f"新增（{len(plan.new)}）")

        def changed_cell(ch: importer.Change, c: int) -> Any:
            if c == 0:
                return ch.parsed.row
            if c == 1:
                return ch.parsed.values.get("uscc")
            if c == 2:
                return ch.parsed.values.get("name")
            return "；".join(f"{FIELDS_BY_KEY[k].header if k in FIELDS_BY_KEY else _attr_label(k)}："
                            f"{_show_value(o)} → {_show_value(n)}" for k, (o, n) in ch.diffs.items())

        self.tabs.addTab(_table(RowsModel(["行号", "统一社会信用代码", "企业名称", "变更内容"], plan.changed,
                                          changed_cell, self), self), f"变更（{len(plan.changed)}）")
        self.tabs.addTab(_table(RowsModel(["行号", "统一社会信用代码", "企业名称"], plan.unchanged,
                                          lambda u, c: (u[0].row, u[0].values.get("uscc"),
                                                        u[0].values.get("name"))[c], self), self),
                         f"未变（{len(plan.unchanged)}）")
        if plan.skipped:
            self.tabs.addTab(_table(RowsModel(["行号", "原因"], plan.skipped, lambda s, c: s[c], self), self),
                             f"跳过（{len(plan.skipped)}）")
        self.only_valid.setChecked(False)
        self.only_valid.setVisible(bool(plan.all_errors))
        self.export_btn.setVisible(bool(plan.all_errors))
        if plan.all_errors:
            self.tabs.setCurrentIndex(0)
        else:
            self.tabs.setCurrentIndex(1 if plan.new else 2)
        self.setButtonText(QWizard.WizardButton.CommitButton, "导入")
        self.setCommitPage(True)

    def isComplete(self) -> bool:  # noqa: N802
        plan = self.wiz.plan
        if plan is None:
            return False
        if plan.all_errors and not self.only_valid.isChecked():
            return False
        return bool(plan.new or plan.changed or plan.unchanged)

    def _export_errors(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "保存错误报告", "导入错误报告.xlsx", "Excel 工作簿 (*.xlsx)")
        if path:
            self.wiz.export_errors(Path(path))

    def validatePage(self) -> bool:  # noqa: N802
        return self.wiz.run_import(only_valid=self.only_valid.isChecked())


def _attr_label(attr: str) -> str:
    return {"responsible_inspector_id": "责任监管人员"}.get(attr, attr)


class DonePage(QWizardPage):
    def __init__(self, wizard: ExcelImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("导入完成")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        QVBoxLayout(self).addWidget(self.label)

    def initializePage(self) -> None:  # noqa: N802
        r = self.wiz.import_result
        if r is None:
            return
        text = f"已导入：新增 {r.inserted} 家，更新 {r.updated} 家，未变 {r.unchanged} 家。"
        if r.rejected_rows:
            text += f"\n有错误的 {r.rejected_rows} 行未导入。"
        if r.products_inserted or r.products_updated:
            text += f"\n产品：新增 {r.products_inserted} 条，更新 {r.products_updated} 条。"
        self.label.setText(text)


class ExcelImportWizard(QWizard):
    """The import wizard; :attr:`result` holds the counts after a successful import."""

    def __init__(self, store: Store, parent: QWidget | None = None, *, path: Path | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("导入企业名单")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.resize(1000, 680)
        self.path: Path | None = None
        self.sheet_layout: SheetLayout | None = None
        self.samples: list[tuple[Any, ...]] = []
        self.mapping: dict[int, str | None] = {}
        self.plan: importer.ImportPlan | None = None
        self.default_entry_reason: str | None = None
        self.import_result: importer.ImportResult | None = None
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.check_page = CheckPage(self)
        self.done_page = DonePage(self)
        for p in (self.file_page, self.mapping_page, self.check_page, self.done_page):
            self.addPage(p)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步 >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< 上一步")
        self.setButtonText(QWizard.WizardButton.FinishButton, "完成")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        if path is not None:
            self.file_page.path_edit.setText(str(path))

    def _error(self, title: str, exc: BaseException) -> None:
        if isinstance(exc, (TaskCancelled, InterruptedError)):
            return
        if not isinstance(exc, ValueError):
            log.exception("excel import failed", exc_info=exc)
        QMessageBox.warning(self, title, str(exc) or type(exc).__name__)

    def run_analysis(self) -> bool:
        assert self.path is not None
        path = self.path
        try:
            self.plan = run_in_background(
                self, "正在检查……",
                lambda progress, cancelled: importer.analyse(self.store, path, mapping=self.mapping,
                                                             default_entry_reason=self.default_entry_reason,
                                                             sheet=self.sheet_layout.sheet if self.sheet_layout else None,
                                                             progress=progress, cancelled=cancelled))
        except Exception as exc:  # shown to the user; unexpected ones are logged
            self._error("无法检查文件", exc)
            return False
        return True

    def run_import(self, *, only_valid: bool) -> bool:
        assert self.plan is not None
        plan = self.plan
        try:
            self.import_result = run_in_background(self, "正在导入……",
                                                   lambda progress, cancelled: importer.apply(self.store, plan,
                                                                                              only_valid=only_valid))
        except Exception as exc:
            self._error("导入失败", exc)
            return False
        return True

    def export_errors(self, path: Path) -> None:
        assert self.plan is not None
        try:
            export_errors(self.plan, path)
        except OSError as exc:
            QMessageBox.warning(self, "无法保存", f"无法保存错误报告：{exc}")
