"""监督检查: the list of inspection records (lazy), opening the annex 4/5 form."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qsdesk.services import inspection_list
from qsdesk.store.db import Store
from qsdesk.ui.dialog_guard import form_buttons
from qsdesk.ui.lists import Column, list_view
from qsdesk.ui.query_model import QueryTableModel

log = logging.getLogger(__name__)

FORM_KINDS = inspection_list.FORM_KINDS
STATUS_LABELS = inspection_list.STATUS_LABELS

COLUMNS = [
    Column("inspected_on", "检查日期", sort="inspected_on", width=96),
    Column("record_no", "记录编号", sort="record_no", width=120),
    Column("enterprise", "被检查单位", sort="enterprise", width=280),
    Column("form_id", "类别", sort="form_id", shared=True, format=lambda v: FORM_KINDS.get(v, v or ""),
           width=70),
    Column("status", "状态", sort="status", shared=True, format=lambda v: STATUS_LABELS.get(v, v or ""),
           width=60),
    Column("result", "检查结果", sort="result", shared=True, width=200),
    Column("problems_found", "发现问题", sort="problems_found",
           align=Qt.AlignmentFlag.AlignRight, width=64),
    Column("inspector", "检查人员", sort="inspector", shared=True, width=70),
]


class PickEnterpriseDialog(QDialog):
    """新建检查: choose the unit; one not yet registered can be added first (新增企业)."""

    #: done() code: the person wants to add the unit first.
    ADD_NEW = 2

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from qsdesk.ui.pages.sampling_widgets import EnterprisePicker

        self.setWindowTitle("新建检查：选择被检查单位")
        self.picker = EnterprisePicker(store, self, allow_empty=True)  # no unrelated first entry chosen
        fm = self.picker.search.fontMetrics()  # room for the hint, in the font's own units
        self.picker.search.setMinimumWidth(fm.horizontalAdvance(self.picker.search.placeholderText()) + fm.height())
        info = QLabel("输入名称或统一社会信用代码查找。尚未登记的单位请先“新增企业”（填写附件3 企业信息摸底排查表）。",
                      self)
        info.setWordWrap(True)
        buttons = form_buttons(self, info, self.picker, on_accept=self._accept)
        self.add_button = buttons.addButton("新增企业(&N)…", QDialogButtonBox.ButtonRole.ActionRole)
        self.add_button.clicked.connect(lambda: self.done(self.ADD_NEW))

    def _accept(self) -> None:
        if self.enterprise_id():
            self.accept()
            return
        text = self.picker.search.text().strip()
        ans = QMessageBox.question(
            self, "新建检查",
            (f"没有找到“{text}”。" if text else "尚未选择被检查单位。")
            + "\n该单位如尚未登记，是否先新增企业（填写附件3 企业信息摸底排查表）再开始检查？")
        if ans == QMessageBox.StandardButton.Yes:
            self.done(self.ADD_NEW)

    def enterprise_id(self) -> str | None:
        value = self.picker.combo.currentData()
        return str(value) if value else None

    def typed_name(self) -> str | None:
        """What was typed in the search box, when it looks like a name (to prefill 新增企业)."""
        text = self.picker.search.text().strip()
        return text if text and not text.isascii() else None


class InspectionsPage(QWidget):
    #: tables whose committed changes refresh this page (see qsdesk.ui.page)
    SHOWS = frozenset({"inspection", "enterprise", "inspector"})

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索被检查单位（名称、信用代码、地址……）或记录编号（可只输入一部分，如 2026-00012 或 12）")
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox()
        self.status.addItem("全部状态", None)
        for k, v in STATUS_LABELS.items():
            self.status.addItem(v, k)
        self.kind = QComboBox()
        self.kind.addItem("全部类别", None)
        for k, v in FORM_KINDS.items():
            self.kind.addItem(v, k)
        self.station = QComboBox()  # county mode only: records by station
        self.station.addItem("全部监管所", None)
        from qsdesk.services.registry import filter_options

        for code, name in filter_options(store).stations:
            self.station.addItem(f"{name}（{code}）", code)
        self.station.setVisible(self.station.count() > 1)
        self.count_label = QLabel()
        self.new_button = QPushButton("新建检查…")
        self.open_button = QPushButton("打开")
        self.drafts_button = QPushButton("自动保存的草稿…")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.status)
        top.addWidget(self.kind)
        top.addWidget(self.station)
        top.addWidget(self.count_label)
        top.addWidget(self.new_button)
        top.addWidget(self.open_button)
        top.addWidget(self.drafts_button)

        self.model = QueryTableModel(store, COLUMNS, page_size=100, parent=self)
        self.view = list_view(self.model)
        from qsdesk.ui.record_print import page_print_button

        top.addWidget(page_print_button(self, "inspection", "监督检查记录"))
        self.view.doubleClicked.connect(lambda idx: self.open_row(idx.row()))

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

        self.search.textChanged.connect(lambda _t: self.apply())
        self.status.currentIndexChanged.connect(lambda _i: self.apply())
        self.kind.currentIndexChanged.connect(lambda _i: self.apply())
        self.station.currentIndexChanged.connect(lambda _i: self.apply())
        self.model.reloaded.connect(self._after_reload)
        self.model.totalChanged.connect(lambda n: self.count_label.setText(f"共 {n} 份"))
        self.new_button.clicked.connect(self.new_inspection)
        self.open_button.clicked.connect(self.open_selected)
        self.drafts_button.clicked.connect(self.restore_drafts)
        self.apply()

    def apply(self) -> None:
        self.model.set_statement(inspection_list.list_statement(self.store, self.search.text(), self.status.currentData(),
                                                self.kind.currentData(), self.station.currentData()))

    def _after_reload(self) -> None:
        if self.model.canFetchMore():
            self.count_label.setText(f"{self.model.rowCount()} 份以上…")
            QTimer.singleShot(250, self.model.request_total)
        else:
            self.count_label.setText(f"共 {self.model.rowCount()} 份")

    def refresh(self) -> None:
        self.model.refresh()

    def selected_id(self) -> str | None:
        idx = self.view.currentIndex()
        return self.model.row_id(idx.row()) if idx.isValid() else None

    def open_selected(self) -> None:
        iid = self.selected_id()
        if iid:
            self.open_record(iid)

    def open_row(self, row: int) -> None:
        iid = self.model.row_id(row)
        if iid:
            self.open_record(iid)

    def open_record(self, record_id: str) -> None:
        """Open an inspection record in its form (sealed records read-only)."""
        try:
            from qsdesk.ui.forms.dialogs import open_inspection
        except ImportError:
            QMessageBox.information(self, "监督检查", "检查记录表功能尚未包含在此版本中。")
            return
        dlg = open_inspection(self.store, self, inspection_id=record_id)
        if dlg is not None:
            dlg.finished.connect(lambda _r: self.model.refresh())

    def new_inspection(self, enterprise_id: str | None = None) -> None:
        try:
            from qsdesk.ui.forms.dialogs import open_inspection
        except ImportError:
            QMessageBox.information(self, "监督检查", "检查记录表功能尚未包含在此版本中。")
            return
        if not enterprise_id:
            pick = PickEnterpriseDialog(self.store, self)
            code = pick.exec()
            if code == PickEnterpriseDialog.ADD_NEW:
                self.add_enterprise_then_inspect(pick.typed_name())
                return
            if not code:
                return
            enterprise_id = pick.enterprise_id()
            if not enterprise_id:
                return
        dlg = open_inspection(self.store, self, enterprise_id=enterprise_id)
        if dlg is not None:
            dlg.finished.connect(lambda _r: self.model.refresh())

    def add_enterprise_then_inspect(self, name: str | None = None) -> None:
        """An unknown unit: annex 3 first, then the inspection of the unit saved (or of the
        registered one the person chose instead of a duplicate)."""
        from qsdesk.ui.forms.dialogs import open_new_enterprise

        self.new_enterprise_dialog = open_new_enterprise(
            self.store, self, name=name, then=lambda eid: self.new_inspection(eid))

    def restore_drafts(self) -> None:
        try:
            from qsdesk.ui.forms.dialogs import offer_draft_restore
        except ImportError:
            return
        if offer_draft_restore(self.store, self) is None:
            QMessageBox.information(self, "自动保存的草稿", "没有尚未保存的草稿。")

    def shutdown(self) -> None:
        self.model.close()
