"""企业档案: the enterprise registry with search as you type, filters and a detail pane."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from qsdesk.domain.grading import UNIT_TYPE_WORDS
from qsdesk.services import class_decisions, classes, records
from qsdesk.services import registry as reg
from qsdesk.store.db import Store
from qsdesk.ui.lists import Column, list_view
from qsdesk.ui.page import host_of
from qsdesk.ui.pages.registry_detail import DetailPane
from qsdesk.ui.pages.registry_dialogs import AssignDialog, CreditRiskDialog, DecisionDialog, ListingsDialog
from qsdesk.ui.query_model import QueryTableModel

log = logging.getLogger(__name__)

ANY = "全部"

COLUMNS = [
    Column("name", "企业名称", sort="name", width=260),
    Column("uscc", "统一社会信用代码", sort="uscc", width=170),
    Column("legal_rep", "法定代表人", sort="legal_rep", width=80),
    Column("town", "镇（街道）", sort="town", shared=True, width=100),
    Column("domain", "领域", sort="domain", shared=True, width=50),
    Column("grade", "分级", sort="grade", shared=True, width=44,
           align=Qt.AlignmentFlag.AlignCenter),
    Column("supervision_class", "监管类别", sort=classes.class_rank(), shared=True,
           format=lambda v: reg.class_label(v), width=80),
    Column("status", "状态", sort="status", shared=True, width=90),
    Column("responsible", "责任监管人员", sort="responsible", shared=True, width=90),
    Column("address", "住所（经营场所）", sort="address", width=320),
]


def _combo(items: list[tuple[str, Any]]) -> QComboBox:
    box = QComboBox()
    box.addItem(ANY, None)
    for text, value in items:
        box.addItem(text, value)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return box


class RegistryPage(QWidget):
    """Search as you type, filters, a lazily fetched list and the selected enterprise's detail."""

    #: tables whose committed changes refresh this page (see qsdesk.ui.page)
    SHOWS = frozenset({"enterprise", "enterprise_class", "supervisor_assignment", "inspector", "enterprise_listing",
                        "class_decision", "product"})


    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store

        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索：企业名称、统一社会信用代码、法定代表人、地址、产品（输入即查）")
        # no clear button: its appearing with the first character re-lays out the whole page
        # before the results can show; 清除条件 and Esc clear the search
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search, self.search.clear)
        self.count_label = QLabel()
        self.count_label.setMinimumWidth(110)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        self.add_button = QPushButton("新增企业(&N)…")
        self.add_button.setToolTip("填写附件3 企业信息摸底排查表，新增一家企业（含产品、许可证书和录入原因）")
        self.add_button.clicked.connect(self.add_enterprise)
        top.addWidget(self.add_button)

        self.filters: dict[str, QComboBox] = {}
        self.filter_row = QHBoxLayout()
        self._build_filters()

        self.model = QueryTableModel(store, COLUMNS, page_size=100, parent=self)
        # the query's own order (by name; search hits in index order) until a header is clicked
        self.view = list_view(self.model)
        self.view.setWordWrap(False)
        from qsdesk.ui.record_print import page_print_button

        top.addWidget(page_print_button(self, "enterprise", "企业名单"))
        self.view.doubleClicked.connect(lambda _i: self.edit_enterprise())  # and Enter (list_view)

        self.detail = DetailPane()
        self.detail.openRecord.connect(self._open_other)
        self.detail.assign_button.clicked.connect(self.assign_dialog)
        self.detail.edit_button.clicked.connect(self.edit_enterprise)
        self.detail.inspect_button.clicked.connect(self.new_inspection)
        self.detail.decide_button.clicked.connect(self.decision_dialog)
        self.detail.credit_button.clicked.connect(self.credit_dialog)

        self.splitter = QSplitter()
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([640, 420])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(self.filter_row)
        layout.addWidget(self.splitter, 1)

        self._pending = False
        self._detail_wanted: str | None = None
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(250)
        self._count_timer.timeout.connect(self.model.request_total)
        self.search.textChanged.connect(self._schedule)
        self.model.reloaded.connect(self._after_reload)
        self.model.totalChanged.connect(self._show_total)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        self.apply()

    # ----------------------------------------------------------------- filters

    def _build_filters(self) -> None:
        opts = reg.filter_options(self.store)
        specs: list[tuple[str, str, list[tuple[str, Any]]]] = [
            ("grade", "分级", [(g, g) for g in ("A", "B", "C", "D")] + [("未分级", reg.UNGRADED)]),
            ("supervision_class", "类别", [(reg.class_label(c), c) for c in opts.classes]),
            ("status", "状态", [(s, s) for s in opts.statuses]),
            ("domain", "领域", [(d, d) for d in opts.domains]),
            ("unit_type", "单位", [(v, k) for k, v in UNIT_TYPE_WORDS.items()]),
            ("inspector_id", "责任人", [(n, i) for i, n in opts.inspectors] + [("未指定", reg.NO_SUPERVISOR)]),
            ("town", "镇街", [(t, t) for t in opts.towns]),
        ]
        if opts.stations:  # county mode: every station's enterprises, filterable by station
            specs.insert(0, ("station", "监管所", [(f"{name}（{code}）", code) for code, name in opts.stations]))
        while self.filter_row.count():
            item = self.filter_row.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.hide()  # deleted when the event loop next runs: not left on screen until then
                w.deleteLater()
        old = {k: b.currentData() for k, b in self.filters.items()}
        self.filters = {}
        for key, label, items in specs:
            self.filter_row.addWidget(QLabel(label))
            box = _combo(items)
            if old.get(key) is not None:
                i = box.findData(old[key])
                if i >= 0:
                    box.setCurrentIndex(i)
            box.currentIndexChanged.connect(self._schedule)
            self.filters[key] = box
            self.filter_row.addWidget(box)
        clear = QPushButton("清除条件")
        clear.clicked.connect(self.clear_filters)
        self.filter_row.addWidget(clear)
        self.filter_row.addStretch(1)
        listed = QPushButton("列异列严名单…")
        listed.clicked.connect(self.listings_dialog)
        self.filter_row.addWidget(listed)

    def current_filter(self) -> reg.RegistryFilter:
        values = {k: b.currentData() for k, b in self.filters.items()}
        return reg.RegistryFilter(text=self.search.text(), **values)

    def set_filter(self, key: str, value: Any) -> None:
        box = self.filters[key]
        i = box.findData(value)
        if i < 0:
            raise ValueError(f"no filter value {value!r} for {key}")
        box.setCurrentIndex(i)
        self.apply()

    def clear_filters(self) -> None:
        for b in self.filters.values():
            b.blockSignals(True)
            b.setCurrentIndex(0)
            b.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.apply()

    # ----------------------------------------------------------------- list

    def _schedule(self, *_: Any) -> None:
        # Several keystrokes already queued become one query: the query runs when the event
        # loop is next idle, not after a fixed delay, so a single keystroke answers at once.
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self.apply)

    def apply(self) -> None:
        """Run the list query for the current search text and filters."""
        self._pending = False
        with self.store.reading() as conn:  # the PostgreSQL sample probe, without a transaction
            stmt, params = reg.list_query(conn, self.current_filter())
        self.model.set_statement(stmt, params)

    def _after_reload(self) -> None:
        n = self.model.rowCount()
        if self.model.canFetchMore():
            self.count_label.setText(f"{n} 家以上…")
            self._count_timer.start()  # counted once typing pauses, off the GUI thread
        else:
            self._show_total(n)
        # keep the enterprise on show if it is still in the list, else show the first hit
        row = self.model.find_row(self.detail.enterprise_id) if self.detail.enterprise_id else -1
        if row < 0 and n:
            row = 0
        if row >= 0:
            self.view.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        elif self.detail.enterprise_id is not None:
            self.detail.show_detail(None, [])

    def _show_total(self, n: int) -> None:
        self.count_label.setText(f"共 {n} 家")

    def _row_changed(self, current: Any, _previous: Any) -> None:
        eid = self.model.row_id(current.row()) if current.isValid() else None
        if eid is not None and eid != self.detail.enterprise_id:
            # the detail (several queries) follows once the list has been painted, so typing
            # shows results first
            self._detail_wanted = eid
            QTimer.singleShot(0, self._show_wanted)

    def _show_wanted(self) -> None:
        eid, self._detail_wanted = self._detail_wanted, None
        if eid is not None and eid != self.detail.enterprise_id:
            self.show_enterprise(eid)

    def show_enterprise(self, enterprise_id: str) -> None:
        d = reg.detail(self.store, enterprise_id)
        self.detail.show_detail(d, reg.timeline(self.store, enterprise_id) if d else [])

    def refresh(self) -> None:
        classes.ensure_current(self.store, quick_only=True)  # a window may have run out since the last look
        self._build_filters()
        current = self.detail.enterprise_id
        self.apply()
        if current:
            self.show_enterprise(current)

    def open_record(self, record_id: str) -> None:
        self.show_enterprise(record_id)
        row = self.model.find_row(record_id)
        if row >= 0:
            self.view.selectRow(row)
            self.view.scrollTo(self.model.index(row, 0))

    def _open_other(self, table: str, record_id: str) -> None:
        host = host_of(self)
        if host is not None:
            host.open_record(table, record_id)

    # ----------------------------------------------------------------- actions

    def assign(self, inspector_id: str, assigned_on: date | None = None, reason: str | None = None,
               today: date | None = None) -> reg.AssignmentResult:
        """Record the selected enterprise's responsible supervisor and refresh."""
        eid = self.detail.enterprise_id
        if eid is None:
            raise reg.AssignmentError("请先选择企业")
        result = reg.assign_supervisor(self.store, eid, inspector_id, assigned_on=assigned_on,
                                       reason=reason, today=today)
        self.model.refresh()
        self.show_enterprise(eid)
        return result

    def assign_dialog(self) -> None:
        eid = self.detail.enterprise_id
        if eid is None:
            return
        d = reg.detail(self.store, eid)
        if d is None:
            return
        dlg = AssignDialog(self.store, d.name, d.responsible, self)
        if not dlg.exec():
            return
        qd = dlg.assigned_on.date()
        try:
            result = self.assign(dlg.inspector.currentData(), date(qd.year(), qd.month(), qd.day()),
                                 dlg.reason.text().strip() or None)
        except reg.AssignmentError as exc:
            QMessageBox.warning(self, "指定责任人", str(exc))
            return
        if result.late or result.note:
            QMessageBox.warning(self, "指定责任人", result.message)

    def decision_dialog(self) -> None:
        eid = self.detail.enterprise_id
        if eid is None:
            return
        with self.store.session() as s:
            cur = classes.current(s, eid)
            name = records.enterprise_name(s, eid)
        dlg = DecisionDialog(name, cur, self.store.actor or "", self)
        if not dlg.exec():
            return
        try:
            if cur.decision is not None:
                class_decisions.revoke(self.store, cur.decision.id, dlg.decided_by.text(), dlg.reason.text())
            else:
                class_decisions.decide(self.store, eid, "key", dlg.reason.text(), dlg.decided_by.text())
        except classes.ClassError as exc:
            QMessageBox.warning(self, "监管类别决定", str(exc))
            return
        self.model.refresh()
        self.show_enterprise(eid)

    def credit_dialog(self) -> None:
        eid = self.detail.enterprise_id
        if eid is None:
            return
        with self.store.session() as s:
            ent = records.enterprise(s, eid)
            if ent is None:
                return
            name, entered = ent.name, ent.credit_risk
        try:
            from qsdesk.domain.supervision import CreditRisk

            parsed = CreditRisk.parse(entered)
            entered = parsed.value if parsed else None
        except ValueError:
            entered = None
        dlg = CreditRiskDialog(name, entered, self)
        if not dlg.exec():
            return
        try:
            class_decisions.set_credit_risk(self.store, eid, dlg.level.currentData(), dlg.basis.text())
        except classes.ClassError as exc:
            QMessageBox.warning(self, "信用风险等级", str(exc))
            return
        self.model.refresh()
        self.show_enterprise(eid)

    def listings_dialog(self) -> ListingsDialog:
        self.listings = ListingsDialog(self.store, self)
        self.listings.show()
        return self.listings

    def edit_enterprise(self) -> None:
        """Edit the selected enterprise through the annex 3 census form."""
        eid = self.detail.enterprise_id
        if eid is None:
            return
        try:
            from qsdesk.ui.forms.dialogs import open_census
        except ImportError:
            QMessageBox.information(self, "编辑档案", "附件3 普查表编辑功能尚未包含在此版本中。")
            return
        dlg = open_census(self.store, self, enterprise_id=eid)
        dlg.saved.connect(lambda _id: self.refresh())

    def add_enterprise(self) -> None:
        """新增企业: the empty annex 3; the new enterprise is shown once saved."""
        from qsdesk.ui.forms.dialogs import open_new_enterprise

        dlg = open_new_enterprise(self.store, self)

        def show_new(eid: str) -> None:
            self.refresh()
            self.show_enterprise(eid)

        dlg.enterprise_chosen.connect(show_new)
        self.new_enterprise_dialog = dlg

    def new_inspection(self) -> None:
        eid = self.detail.enterprise_id
        if eid is None:
            return
        try:
            from qsdesk.ui.forms.dialogs import open_inspection
        except ImportError:
            QMessageBox.information(self, "新建检查", "检查记录表功能尚未包含在此版本中。")
            return
        dlg = open_inspection(self.store, self, enterprise_id=eid)
        if dlg is not None:
            dlg.saved.connect(lambda _id: self.show_enterprise(eid))

    def shutdown(self) -> None:
        self.model.close()
