"""督查清单 tab of the 任务清单 page (国市监质监发〔2023〕38号 附件3).

A county fills one for a station it checks (choose the station, fill the form, save); the checks
reach each station in its bundle. A station reads its own here. Both can print and export.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsdesk.services import duty_checks as dcs
from qsdesk.services import records
from qsdesk.store.db import Store
from qsdesk.ui.forms.dialogs import RecordDialog


class DutyCheckDialog(RecordDialog):
    """The 督查清单 form for one station (editable at the county, read-only at a station)."""

    record_table = "duty_check"
    kind = "duty_check"

    def __init__(self, store: Store, station_code: str, parent: QWidget | None = None, *,
                 duty_check_id: str | None = None, read_only: bool = False) -> None:
        values: dict[str, Any] = {}
        answers: dict[str, Any] = {}
        with store.session() as s:
            row = records.duty_check(s, duty_check_id)
            if row is not None:
                spec = store.forms.spec(row.form_id, row.form_version)
                values, answers = dict(row.values or {}), dict(row.answers or {})
        if row is None:
            spec = store.forms.spec(dcs.FORM_ID)
            values = dcs.prefill(store, station_code)
        super().__init__(store, spec, parent, record_id=duty_check_id, read_only=read_only)
        self.station_code = station_code
        self.save_btn.setText("保存(&S)")
        self.save_btn.setVisible(not read_only)
        self.setWindowTitle(f"督查清单 — {values.get('inspected_body') or station_code}")
        self.form.set_values(values, answers)
        self._dirty = False

    def draft_content(self) -> dict[str, Any]:
        return {**super().draft_content(), "station_code": self.station_code}

    def save(self) -> bool:
        try:
            did = dcs.save_duty_check(self.store, self.station_code, self.form.values(), self.form.answers(),
                                      duty_check_id=self.record_id)
        except dcs.DutyCheckError as exc:
            self.status.setText(str(exc))
            self.form.refresh_problems()
            return False
        self._after_save(did)
        return True


class DutyChecksPanel(QWidget):
    """The list of 督查清单 with new/open/print/export."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        #: How messages reach the user (tests replace it).
        self.notify: Callable[[str, str], None] = self._message_box
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.station = QComboBox(self)
        self.new_btn = QPushButton("填写督查清单…", self)
        self.new_btn.clicked.connect(lambda: self.new_check())
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(["督查对象", "督查日期", "已落实任务"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # 打印所选
        self.table.verticalHeader().setVisible(False)
        self.table.setColumnWidth(0, 220)
        self.table.doubleClicked.connect(lambda idx: self.open_check(idx.row()))
        open_btn = QPushButton("打开…", self)
        open_btn.clicked.connect(lambda: self.open_check(self.table.currentRow()))
        export_btn = QPushButton("导出 Excel…", self)
        export_btn.clicked.connect(self._export_selected)
        print_btn = QPushButton("打印…", self)
        print_btn.setToolTip("选中一份：打印预览；按住 Ctrl 或 Shift 选中多份：一次打印")
        print_btn.clicked.connect(self._print_selected)
        top = QHBoxLayout()
        top.addWidget(QLabel("督查对象：", self))
        top.addWidget(self.station)
        top.addWidget(self.new_btn)
        top.addStretch(1)
        for b in (open_btn, export_btn, print_btn):
            top.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.hint)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        self._infos: list[dcs.DutyCheckInfo] = []
        self.dialog: DutyCheckDialog | None = None
        self.refresh()

    def _message_box(self, level: str, text: str) -> None:
        (QMessageBox.warning if level == "error" else QMessageBox.information)(self, "督查清单", text)

    @property
    def is_county(self) -> bool:
        node = self.store.self_node()
        return node is not None and node.kind == "county"

    def refresh(self) -> None:
        county = self.is_county
        self.station.clear()
        for code, name in dcs.stations(self.store):
            self.station.addItem(f"{name}（{code}）", code)
        for w in (self.station, self.new_btn):
            w.setVisible(county)
        self.hint.setText(
            "县级局对所辖市场监管所开展督查时逐所填写督查清单（国市监质监发〔2023〕38号 附件3），"
            "随下一个数据包下发到该所。" if county else
            "县级局对本所的督查清单（国市监质监发〔2023〕38号 附件3），随县级局数据包更新。")
        self._infos = dcs.list_duty_checks(self.store)
        self.table.setRowCount(len(self._infos))
        for r, i in enumerate(self._infos):
            for c, v in enumerate((i.station_name, i.checked_on.isoformat(), f"{i.done} / {i.total}")):
                self.table.setItem(r, c, QTableWidgetItem(v))

    def new_check(self, station_code: str | None = None) -> DutyCheckDialog | None:
        code = station_code or self.station.currentData()
        if not code:
            self.notify("error", "没有已登记的市场监管所；请先在“数据同步”中登记")
            return None
        return self._open(DutyCheckDialog(self.store, str(code), self))

    def open_check(self, row: int) -> DutyCheckDialog | None:
        if not 0 <= row < len(self._infos):
            return None
        info = self._infos[row]
        return self._open(DutyCheckDialog(self.store, info.station_code, self, duty_check_id=info.id,
                                          read_only=not self.is_county))

    def _open(self, dlg: DutyCheckDialog) -> DutyCheckDialog:
        dlg.saved.connect(lambda _id: self.refresh())
        dlg.setModal(False)
        dlg.show()
        self.dialog = dlg
        return dlg

    def _selected(self) -> dcs.DutyCheckInfo | None:
        row = self.table.currentRow()
        if not 0 <= row < len(self._infos):
            self.notify("info", "请先选择一份督查清单。")
            return None
        return self._infos[row]

    def _print_selected(self) -> None:
        """打印: one 督查清单 opens its print preview; several selected print as one job."""
        from qsdesk.ui.record_print import print_ids

        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()}) or [self.table.currentRow()]
        ids = [self._infos[r].id for r in rows if 0 <= r < len(self._infos)]
        if not ids:
            self.notify("info", "请先选择一份督查清单。")
            return
        print_ids(self, self.store, "duty_check", ids)

    def _export_selected(self) -> None:
        info = self._selected()
        if info is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "导出督查清单", f"督查清单-{info.station_name}-{info.checked_on}.xlsx",
                                              "Excel 工作簿 (*.xlsx)")
        if path:
            try:
                dcs.export_duty_check(self.store, info.id, Path(path))
            except (OSError, ValueError) as exc:
                self.notify("error", f"导出失败：{exc}")


