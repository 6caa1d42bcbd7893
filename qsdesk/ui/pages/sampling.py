"""监督抽查 page: sampling results, their follow-up, the tracking list, 双随机 plans, help ledger."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
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
from qsdesk.services import records
from qsdesk.services import sampling as svc
from qsdesk.store.db import Store
from qsdesk.ui.lists import Column, list_view
from qsdesk.ui.pages.sampling_dialogs import ConclusionDialog, SamplingDialog
from qsdesk.ui.pages.sampling_draw import PlanView
from qsdesk.ui.pages.sampling_followup import FollowUpPanel
from qsdesk.ui.pages.sampling_widgets import find_loaded_row
from qsdesk.ui.query_model import QueryTableModel


class SamplingListTab(QWidget):
    COLUMNS = (
        Column("sampled_on", "抽样日期", sort="sampled_on", width=100),
        Column("enterprise", "生产者/被抽样单位", sort="enterprise", width=220),
        Column("seller", "销售者"),
        Column("product_name", "产品", sort="product_name"),
        Column("trademark", "商标"),
        Column("model", "规格型号"),
        Column("level", "层级", sort="level", format=lambda v: svc.LEVEL_LABELS.get(v, v or ""),
               shared=True),
        Column("result", "结论", sort="result", shared=True),
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
            smp = records.sampling(s, sampling_id)
            ent = records.enterprise(s, smp.enterprise_id) if smp else None
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
        Column("due_on", "期限", sort="due_on"),
        Column("enterprise", "企业", sort="enterprise"),
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
            rows = hl.ledger(s, self.year.value())
        self.table.setRowCount(len(rows))
        for r, (rec, name, product, items) in enumerate(rows):
            vals = (rec.given_on.isoformat(), name, hl.HELP_KINDS.get(rec.kind, rec.kind), rec.provider or "",
                    rec.content or "", product or "", items or "", rec.outcome or "")
            for c, v in enumerate(vals):
                self.table.setItem(r, c, QTableWidgetItem(v))


class SamplingPage(QWidget):
    """监督抽查: records + follow-up, tracking list, overdue steps, 双随机 plans, help ledger."""

    #: tables whose committed changes refresh this page (see qsdesk.ui.page)
    SHOWS = frozenset({"sampling", "followup_step", "enterprise", "help_record", "inspection_plan", "plan_item"})


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

    def show_tracking(self, year: int) -> None:
        """Bring the 跟踪抽查名单 tab forward, for ``year``."""
        self.tabs.setCurrentWidget(self.tracking)
        if self.tracking.year.value() != year:
            self.tracking.year.setValue(year)  # refreshes the list
        else:
            self.tracking.refresh()

    def open_record(self, record_id: str) -> None:
        """Show a sampling (or the sampling of a follow-up step) with its follow-up checklist."""
        with self._store.session() as s:
            step = records.followup_step(s, record_id)
            sampling_id = step.sampling_id if step is not None else record_id
            step_id = step.id if step is not None else None
        self.tabs.setCurrentWidget(self.records)
        self.records.open_record(sampling_id)
        if step_id and step_id in self.records.followup._step_ids:
            self.records.followup.select_step(self.records.followup._step_ids.index(step_id))
