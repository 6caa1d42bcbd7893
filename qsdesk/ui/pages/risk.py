"""风险信息 page: the risk report list with a status filter, details, status changes and links."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from qsdesk.services import records, risk
from qsdesk.store.db import Store
from qsdesk.ui.dialog_guard import GuardedDialog, form_buttons
from qsdesk.ui.lists import Column, list_view
from qsdesk.ui.pages.sampling_widgets import EnterprisePicker, date_edit, find_loaded_row, from_qdate
from qsdesk.ui.query_model import QueryTableModel

log = logging.getLogger(__name__)

#: Where the forms code may provide the annex 6 dialog (``open_risk_report(store, parent, report_id=None)``).
_FORM_DIALOG_MODULES = ("qsdesk.ui.forms.risk", "qsdesk.ui.forms.dialogs", "qsdesk.ui.forms")


def find_annex6_dialog() -> Callable[..., Any] | None:
    for name in _FORM_DIALOG_MODULES:
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        fn = getattr(mod, "open_risk_report", None)
        if callable(fn):
            return fn
    return None


def _sources(value: Any) -> str:
    return "、".join(value or [])


class NewRiskDialog(GuardedDialog):
    """The short annex 6 entry (sources, product, enterprises, description) when no form dialog exists."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("新增风险信息")
        self._store = store
        self.created_id: str | None = None
        form = QFormLayout()
        self.reported_on = date_edit(date.today(), self)
        form.addRow("采集日期", self.reported_on)
        box = QWidget(self)
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.source_boxes: dict[str, QCheckBox] = {}
        for i, src in enumerate(risk.SOURCES):
            cb = QCheckBox(src, box)
            self.source_boxes[src] = cb
            grid.addWidget(cb, i // 3, i % 3)
        form.addRow("风险信息来源", box)
        self.product = QLineEdit(self)
        form.addRow("产品名称", self.product)
        self.producer = EnterprisePicker(store, self, allow_empty=True)
        form.addRow("（标称）生产者", self.producer)
        self.seller = EnterprisePicker(store, self, allow_empty=True)
        form.addRow("销售者", self.seller)
        self.description = QPlainTextEdit(self)
        form.addRow("风险信息简要描述", self.description)
        form_buttons(self, form, on_accept=self._save, save=True)

    def _save(self) -> None:
        links = []
        if self.producer.enterprise_id():
            links.append(risk.LinkSpec(self.producer.enterprise_id() or "", "producer"))
        if self.seller.enterprise_id():
            links.append(risk.LinkSpec(self.seller.enterprise_id() or "", "seller"))
        try:
            self.created_id = risk.create_report(
                self._store,
                reported_on=from_qdate(self.reported_on.date()),
                sources=[k for k, cb in self.source_boxes.items() if cb.isChecked()],
                product_name=self.product.text(),
                description=self.description.toPlainText(),
                links=links,
            )
        except risk.RiskError as exc:
            QMessageBox.warning(self, "无法保存", str(exc))
            return
        self.accept()


class StatusDialog(GuardedDialog):
    """Change a report's status, entering the investigation and the date."""

    def __init__(self, store: Store, report_id: str, target: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._report_id = report_id
        self._target = target
        self.setWindowTitle(f"标记为“{risk.STATUS_LABELS[target]}”")
        with store.session() as s:
            rep = records.risk_report(s, report_id)
            current = rep.investigation if rep else ""
        form = QFormLayout()
        self.on = date_edit(date.today(), self)
        form.addRow("日期", self.on)
        self.investigation = QPlainTextEdit(self)
        self.investigation.setPlainText(current or "")
        form.addRow("调查核实情况", self.investigation)
        self.note = QLineEdit(self)
        form.addRow("备注", self.note)
        # closing as 不属实 (unfounded): then it is no risk found for the supervision class
        self.unfounded = QCheckBox("经核实不属实（不计入监管类别）", self)
        self.unfounded.setVisible(target == "closed")
        if target == "closed":
            form.addRow("核实结论", self.unfounded)
        form_buttons(self, form, on_accept=self._apply)

    def _apply(self) -> None:
        try:
            risk.set_status(self._store, self._report_id, self._target,
                            investigation=self.investigation.toPlainText(), on=from_qdate(self.on.date()),
                            note=self.note.text(),
                            founded=(not self.unfounded.isChecked()) if self._target == "closed" else None)
        except risk.RiskError as exc:
            QMessageBox.warning(self, "无法更改状态", str(exc))
            return
        self.accept()


class LinkDialog(GuardedDialog):
    def __init__(self, store: Store, report_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._report_id = report_id
        self.setWindowTitle("关联企业")
        form = QFormLayout()
        # nothing chosen until the person chooses: never an unrelated first entry of the register
        self.picker = EnterprisePicker(store, self, allow_empty=True)
        form.addRow("企业", self.picker)
        self.role = QComboBox(self)
        for key, label in risk.LINK_ROLES.items():
            self.role.addItem(label, key)
        form.addRow("身份", self.role)
        self._suggest()
        form_buttons(self, form, on_accept=self._apply)

    def _suggest(self) -> None:
        """Search for the producer (else seller) the report itself names; choose it only when the
        name matches exactly one registered enterprise."""
        with self._store.session() as s:
            rep = records.risk_report(s, self._report_id)
            values = dict(rep.values or {}) if rep is not None else {}
        for key, role in (("producer", "producer"), ("seller", "seller")):
            name = str(values.get(key) or "").strip()
            if not name:
                continue
            self.picker.search.setText(name)
            self.picker.reload()
            hits = [i for i in range(self.picker.combo.count()) if self.picker.combo.itemData(i)]
            if len(hits) == 1 and self.picker.combo.itemText(hits[0]).startswith(name):
                self.picker.combo.setCurrentIndex(hits[0])
                idx = self.role.findData(role)
                if idx >= 0:
                    self.role.setCurrentIndex(idx)
            return

    def _apply(self) -> None:
        eid = self.picker.enterprise_id()
        if not eid:
            QMessageBox.warning(self, "关联企业", "请选择企业")
            return
        try:
            risk.link_enterprise(self._store, self._report_id, eid, str(self.role.currentData()))
        except risk.RiskError as exc:
            QMessageBox.warning(self, "无法关联", str(exc))
            return
        self.accept()


class RiskPage(QWidget):
    """风险信息: list (status filter + search), detail, new report, status changes, links."""

    #: tables whose committed changes refresh this page (see qsdesk.ui.page)
    SHOWS = frozenset({"risk_report", "risk_report_link", "enterprise"})


    COLUMNS = (
        Column("report_no", "编号", sort="report_no", width=150),
        Column("reported_on", "采集日期", sort="reported_on", width=100),
        Column("status", "状态", sort="status", format=lambda v: risk.STATUS_LABELS.get(v, v or ""),
               shared=True, width=70),
        Column("product_name", "涉及产品", sort="product_name"),
        Column("enterprise", "企业", sort="enterprise", width=240),
        Column("sources", "来源", format=_sources, width=160),
        Column("description", "简要描述"),
    )

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.form_dialog: Any = None
        self.status_filter = QComboBox(self)
        self.status_filter.addItem("全部状态", None)
        for key, label in risk.STATUS_LABELS.items():
            self.status_filter.addItem(label, key)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("搜索编号（可只输入一部分）、产品、企业或描述")
        self.new_button = QPushButton("新增风险信息", self)
        self.verify_button = QPushButton("核实", self)
        self.close_button = QPushButton("办结", self)
        self.reopen_button = QPushButton("重新打开", self)
        self.link_button = QPushButton("关联企业", self)
        self.counts_label = QLabel(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("状态", self))
        top.addWidget(self.status_filter)
        top.addWidget(self.search, 1)
        for b in (self.new_button, self.verify_button, self.close_button, self.reopen_button, self.link_button):
            top.addWidget(b)

        self.model = QueryTableModel(store, self.COLUMNS, parent=self)
        self.table = list_view(self.model, self)
        from qsdesk.ui.record_print import page_print_button

        top.addWidget(page_print_button(self, "risk_report", "风险信息列表"))
        self.detail = QPlainTextEdit(self)
        self.detail.setReadOnly(True)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        lay.addWidget(self.counts_label)

        self.status_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.search.textChanged.connect(lambda _t: self.reload())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_detail())
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.new_button.clicked.connect(self.new_report)
        self.verify_button.clicked.connect(lambda: self.change_status("verified"))
        self.close_button.clicked.connect(lambda: self.change_status("closed"))
        self.reopen_button.clicked.connect(lambda: self.change_status("verified"))
        self.link_button.clicked.connect(self.link_selected)
        self.reload()

    # ----------------------------------------------------------------- data

    def refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.model.set_statement(risk.list_query(self.status_filter.currentData(), text=self.search.text()))
        with self._store.session() as s:
            c = risk.status_counts(s)
        self.counts_label.setText("；".join(f"{risk.STATUS_LABELS[k]} {v} 条" for k, v in c.items()))
        self._show_detail()

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        rid = self.model.row_id(rows[0].row())
        return str(rid) if rid else None

    def select_report(self, report_id: str) -> bool:
        row = find_loaded_row(self.model, report_id)
        if row >= 0:
            self.table.selectRow(row)
        return row >= 0

    def open_record(self, report_id: str) -> None:
        """Show one report (called by the main window, e.g. from an enterprise's timeline)."""
        if self.select_report(report_id):
            return
        with self._store.session() as s:
            rep = records.risk_report(s, report_id)
            product = rep.product_name if rep else None
        self.status_filter.setCurrentIndex(0)
        if product:
            self.search.setText(product)
        self.reload()
        self.select_report(report_id)

    def _show_detail(self) -> None:
        rid = self.selected_id()
        status = None
        if not rid:
            self.detail.setPlainText("")
        else:
            with self._store.session() as s:
                rep = records.risk_report(s, rid)
                if rep is None:
                    self.detail.setPlainText("")
                else:
                    status = rep.status
                    lines = [
                        f"采集日期：{rep.reported_on.isoformat()}    状态：{risk.STATUS_LABELS.get(rep.status)}",
                        f"来源：{_sources(rep.sources)}",
                        f"涉及产品：{rep.product_name or ''}",
                    ]
                    for ln in risk.linked_enterprises(s, rid):
                        ent = records.enterprise(s, ln.enterprise_id)
                        lines.append(f"{risk.LINK_ROLES.get(ln.role, ln.role)}：{ent.name if ent else ''}")
                    lines += [f"简要描述：{rep.description or ''}", f"调查核实情况：{rep.investigation or ''}"]
                    for h in risk.status_history(s, rid):
                        lines.append(f"  {h['on']} {risk.STATUS_LABELS.get(h['to'], h['to'])}"
                                     f"（{h.get('by') or ''}）{h.get('note') or ''}")
                    self.detail.setPlainText("\n".join(lines))
        self.verify_button.setEnabled(status == "collected")
        self.close_button.setEnabled(status in ("collected", "verified"))
        self.reopen_button.setEnabled(status == "closed")
        self.link_button.setEnabled(status is not None)

    # ----------------------------------------------------------------- actions

    def _open_form(self, dialog_fn: Callable[..., Any], report_id: str | None = None) -> Any:
        try:
            dlg = dialog_fn(self._store, self, report_id=report_id) if report_id else dialog_fn(self._store, self)
        except Exception:
            log.exception("annex 6 dialog failed")
            QMessageBox.warning(self, "风险信息", "打开风险信息采集表失败，详情见日志")
            return None
        saved = getattr(dlg, "saved", None)
        if saved is not None:
            saved.connect(self._form_saved)
        self.form_dialog = dlg
        return dlg

    def _form_saved(self, report_id: str) -> None:
        self.reload()
        self.select_report(report_id)

    def new_report(self) -> None:
        """The annex 6 form dialog when the forms code provides it, else the short dialog."""
        dialog_fn = find_annex6_dialog()
        if dialog_fn is not None:
            self._open_form(dialog_fn)
            return
        dlg = NewRiskDialog(self._store, self)
        if dlg.exec() == QDialog.DialogCode.Accepted and dlg.created_id:
            self._form_saved(dlg.created_id)

    def open_selected(self) -> None:
        rid = self.selected_id()
        dialog_fn = find_annex6_dialog()
        if rid and dialog_fn is not None:
            self._open_form(dialog_fn, rid)

    def change_status(self, target: str) -> None:
        rid = self.selected_id()
        if not rid:
            return
        dlg = StatusDialog(self._store, rid, target, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.reload()
            self.select_report(rid)

    def link_selected(self) -> None:
        rid = self.selected_id()
        if not rid:
            return
        if LinkDialog(self._store, rid, self).exec() == QDialog.DialogCode.Accepted:
            self.reload()
            self.select_report(rid)
