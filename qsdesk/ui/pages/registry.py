"""企业档案: the enterprise registry with search as you type, filters and a detail pane."""

from __future__ import annotations

import logging
from datetime import date
from html import escape
from typing import Any

from PySide6.QtCore import QDate, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsdesk.domain.citations import SAMR_001, SHANDONG_000, cite
from qsdesk.domain.grading import Grade
from qsdesk.services import classes, listings, records
from qsdesk.services import registry as reg
from qsdesk.store.db import Store
from qsdesk.ui.dialog_guard import GuardedDialog, form_buttons
from qsdesk.ui.page import host_of
from qsdesk.ui.query_model import Column, QueryTableModel, list_view

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


class AssignDialog(GuardedDialog):
    """Choose the responsible supervisor and the day the responsibility changed."""

    def __init__(self, store: Store, enterprise_name: str, current: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("指定责任监管人员")
        self.inspector = QComboBox()
        with store.session() as s:
            for iid, name in records.active_inspectors(s):
                self.inspector.addItem(name, iid)
        self.assigned_on = QDateEdit(QDate.currentDate())
        self.assigned_on.setCalendarPopup(True)
        self.assigned_on.setDisplayFormat("yyyy-MM-dd")
        self.assigned_on.setMaximumDate(QDate.currentDate())
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("如：人员调整、辖区划分变化（可不填）")
        hint = QLabel(f"{cite(SAMR_001, '二（一）')}：监管责任人如有变动，应在 5 个工作日内更新。")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        form = QFormLayout()
        form.addRow("企业", QLabel(enterprise_name))
        form.addRow("现责任人", QLabel(current or "（未指定）"))
        form.addRow("新责任人", self.inspector)
        form.addRow("变动日期", self.assigned_on)
        form.addRow("原因", self.reason)
        form_buttons(self, form, hint)
        self.setMinimumWidth(420)


class DetailPane(QWidget):
    """Products, grade and why, class and why, and the timeline of one enterprise."""

    openRecord = Signal(str, str)  # table, id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("请在左侧选择企业")
        f = self.title.font()
        f.setPointSizeF(f.pointSizeF() * 1.3)
        f.setBold(True)
        self.title.setFont(f)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        for key, label in (("uscc", "信用代码"), ("legal_rep", "法定代表人"), ("address", "住所"),
                           ("phone", "联系人/电话"), ("unit", "单位类型"), ("status", "领域/状态"),
                           ("grade", "分级"), ("klass", "监管类别"), ("listed", "列异/列严"),
                           ("responsible", "责任监管人员"),
                           ("entry", "录入原因")):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            form.addRow(label, value)

        self.assign_button = QPushButton("指定责任人…")
        self.edit_button = QPushButton("编辑档案（附件3）…")
        self.inspect_button = QPushButton("新建检查…")
        self.credit_button = QPushButton("信用风险…")
        self.credit_button.setToolTip("登记企业信用风险分类结果（低、一般、较高、高），监管类别随之更新")
        self.decide_button = QPushButton("类别决定…")
        self.decide_button.setToolTip(f"记录列为重点监管的决定及理由（{cite(SHANDONG_000, '二（五）')}）")
        buttons = QHBoxLayout()
        buttons.addWidget(self.assign_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.inspect_button)
        buttons.addWidget(self.credit_button)
        buttons.addWidget(self.decide_button)
        buttons.addStretch(1)

        self.products = QTableWidget(0, 4)
        self.products.setHorizontalHeaderLabels(["产品名称", "类别", "许可/认证", "证书编号"])
        self.products.verticalHeader().setVisible(False)
        self.products.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.products.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.products.horizontalHeader().setStretchLastSection(True)
        self.products.setMaximumHeight(150)

        self.timeline = QListWidget()
        self.timeline.setWordWrap(True)
        self.timeline.itemActivated.connect(self._activated)
        self.timeline.setMinimumHeight(140)

        # no scroll area: wrapped labels inside one get the wrong height (the second line of a
        # long reason was cut off); the product table and the timeline scroll by themselves
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addLayout(form)
        lay.addLayout(buttons)
        lay.addWidget(self._heading("产品"))
        lay.addWidget(self.products)
        lay.addWidget(self._heading("记录（双击打开）"))
        lay.addWidget(self.timeline, 1)
        self.enterprise_id: str | None = None
        self.show_detail(None, [])

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(text)
        f = label.font()
        f.setBold(True)
        label.setFont(f)
        return label

    def _activated(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole)
        if data:
            self.openRecord.emit(data[0], data[1])

    def show_detail(self, d: reg.EnterpriseDetail | None, events: list[reg.TimelineEvent]) -> None:
        self.enterprise_id = d.id if d else None
        for b in (self.assign_button, self.edit_button, self.inspect_button, self.credit_button,
                  self.decide_button):
            b.setEnabled(d is not None)
        self.products.setRowCount(0)
        self.timeline.clear()
        if d is None:
            self.title.setText("请在左侧选择企业")
            for v in self.fields.values():
                v.clear()
            return
        self.title.setText(d.name)
        f = self.fields
        f["uscc"].setText(d.uscc or "—")
        f["legal_rep"].setText(d.legal_rep or "—")
        f["address"].setText(d.address or "—")
        f["phone"].setText(" ".join(x for x in (d.contact, d.phone) if x) or "—")
        staff = f"从业人员 {d.staff} 人" if d.staff is not None else "从业人员未填"
        revenue = f"营业收入 {d.revenue_wan} 万元" if d.revenue_wan is not None else "营业收入未填"
        f["unit"].setText(f"{d.unit_types or '未填'}；{staff}；{revenue}")
        f["status"].setText(" / ".join(x for x in (d.domain, d.status, d.abnormal_status) if x) or "—")
        label = ""
        if d.grade:
            try:
                label = f"（{Grade(d.grade).size_label}）"
            except ValueError:
                label = ""
        # reasons contain "<" (10 ≤ X < 50): escape them in the rich text
        f["grade"].setText(f"<b>{escape(d.grade or '未分级')}{escape(label)}</b><br>{escape(d.grade_reason)}")
        f["klass"].setText(class_html(d))
        f["listed"].setText("；".join(d.listings) if d.listings else "未列入")
        since = f"，自 {d.responsible_since.isoformat()} 起" if d.responsible_since else ""
        if d.responsible and d.responsible_since_assumed:
            since = f"，自 {d.responsible_since.isoformat()} 起（按导入日期计）" if d.responsible_since else ""
        who = f"{d.responsible}{since}" if d.responsible else "未指定"
        f["responsible"].setText(f"{who}\n{d.visit}" if d.visit else who)
        f["entry"].setText(d.entry_reason or "—")
        self.products.setRowCount(len(d.products))
        for r, p in enumerate(d.products):
            for c, v in enumerate((p.name, p.category, p.licence_type, p.certificate_no)):
                self.products.setItem(r, c, QTableWidgetItem(v or ""))
        for e in events:
            when = e.on.isoformat() if e.on else "日期不详"
            item = QListWidgetItem(f"{when}  【{e.kind}】 {e.text}")
            item.setData(Qt.ItemDataRole.UserRole, (e.table, e.record_id))
            self.timeline.addItem(item)
        if not events:
            self.timeline.addItem(QListWidgetItem("暂无检查、抽查、风险信息或后处理记录"))


def class_html(d: reg.EnterpriseDetail) -> str:
    """The class, every reason, the recorded decision and the 约谈 flag, as rich text."""
    lines = [f"<b>{escape(d.supervision_class)}</b>"]
    for r in d.class_reason.splitlines():
        if not r.strip():
            continue
        if d.class_decision and r.startswith(d.class_decision):  # the recorded decision: set apart
            lines.append(f"· <span style='color:#1f5fa8'>人工决定：{escape(r)}</span>")
        else:
            lines.append(f"· {escape(r)}")
    if d.credit_risk:
        lines.append(f"信用风险：{escape(d.credit_risk)}")
    if d.interview:
        lines.append(f"<span style='color:#b00020'>约谈：{escape(d.interview)}</span>")
    return "<br>".join(lines)


class DecisionDialog(GuardedDialog):
    """Record (or revoke) a decision to supervise the enterprise under 重点监管, with reason and who."""

    def __init__(self, enterprise_name: str, current: classes.CurrentClass, actor: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("监管类别决定")
        self.current = current
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("如：质量问题突出、投诉举报多、生产销售高风险产品")
        self.decided_by = QLineEdit(actor)
        hint = QLabel(
            f"按记录认定的类别不能人工降低；{cite(SHANDONG_000, '二（五）')}允许结合产品类别、企业信用记录和"
            "社会关注度等，将质量问题突出、投诉举报多、生产销售高风险产品的企业列为重点监管企业。"
            "决定连同理由和决定人一并记录，可撤销。")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        form = QFormLayout()
        form.addRow("企业", QLabel(enterprise_name))
        form.addRow("当前类别", QLabel(current.label))
        dec = current.decision
        if dec is not None:
            form.addRow("现有决定", QLabel(f"{dec.decided_on.isoformat()} {dec.decided_by}：{dec.reason}"))
            form.addRow("撤销理由", self.reason)
            form.addRow("撤销人", self.decided_by)
            self.reason.setPlaceholderText("撤销理由")
        else:
            form.addRow("列为", QLabel("重点监管"))
            form.addRow("理由", self.reason)
            form.addRow("决定人", self.decided_by)
        form_buttons(self, form, hint, ok_text="撤销决定" if dec is not None else "记录决定")
        self.setMinimumWidth(460)


class CreditRiskDialog(GuardedDialog):
    """Enter the credit risk class an enterprise was given, with where it comes from."""

    LEVELS = ("低", "一般", "较高", "高")

    def __init__(self, enterprise_name: str, current: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("信用风险等级")
        self.level = QComboBox()
        self.level.addItem("未评定", None)
        for v in self.LEVELS:
            self.level.addItem(v, v)
        i = self.level.findData(current)
        self.level.setCurrentIndex(max(i, 0))
        self.basis = QLineEdit()
        self.basis.setPlaceholderText("来源，如：2026年企业信用风险分类结果")
        form = QFormLayout()
        form.addRow("企业", QLabel(enterprise_name))
        form.addRow("信用风险", self.level)
        form.addRow("来源", self.basis)
        form_buttons(self, form)
        self.setMinimumWidth(420)


class ListingsDialog(QDialog):
    """列入经营异常名录、严重违法失信名单企业: the list, Excel export and print."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(listings.TITLE)
        cols = [
            Column("name", "企业名称", width=240), Column("uscc", "统一社会信用代码", width=160),
            Column("kind", "名单", format=lambda v: listings.KIND_LABELS.get(v, "—"), width=120),
            Column("listed_on", "列入日期", width=90), Column("removed_on", "移出日期", width=90),
            Column("basis", "依据", width=360),
        ]
        self.model = QueryTableModel(store, cols, page_size=100, parent=self)
        self.view = list_view(self.model)
        self.model.set_statement(listings.list_query())
        export = QPushButton("导出 Excel…")
        export.clicked.connect(self.export)
        print_button = QPushButton("打印…")
        print_button.clicked.connect(self.print_list)
        self.status = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(export)
        row.addWidget(print_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        self.resize(1100, 520)

    def export(self, path: str | None = None) -> None:
        from PySide6.QtWidgets import QFileDialog

        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "导出名单", "列异列严名单.xlsx", "Excel (*.xlsx)")
        if path:
            n = listings.export_xlsx(self.store, path)
            self.status.setText(f"已导出 {n} 条到 {path}")

    def print_list(self) -> None:
        import shutil
        import tempfile
        from pathlib import Path

        from qsdesk.ui.print_preview import PrintPreviewDialog

        tmp = Path(tempfile.mkdtemp(prefix="qsdesk-listings-"))
        path = tmp / "列异列严名单.pdf"
        try:
            listings.print_pdf(self.store, path, record_print=False)
        except Exception as exc:  # a font or disk problem: say so, keep the dialog alive
            shutil.rmtree(tmp, ignore_errors=True)
            QMessageBox.warning(self, "打印名单", f"生成打印文件失败：{exc}")
            return
        self.preview = PrintPreviewDialog(path, "列异列严名单打印预览", self, suggested_name="列异列严名单.pdf",
                                          on_printed=lambda: listings.record_print(self.store), temp_dir=tmp)
        self.preview.show()

    def done(self, result: int) -> None:  # noqa: D401 (Qt API)
        self.model.close()
        super().done(result)


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
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search, activated=self.search.clear)
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
            ("unit_type", "单位", [(v, k) for k, v in reg.UNIT_TYPE_LABELS.items()]),
            ("inspector_id", "责任人", [(n, i) for i, n in opts.inspectors] + [("未指定", reg.NO_SUPERVISOR)]),
            ("town", "镇街", [(t, t) for t in opts.towns]),
        ]
        if opts.stations:  # county mode: every station's enterprises, filterable by station
            specs.insert(0, ("station", "监管所", [(f"{name}（{code}）", code) for code, name in opts.stations]))
        while self.filter_row.count():
            item = self.filter_row.takeAt(0)
            w = item.widget()
            if w is not None:
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
        self.model.set_statement(*reg.list_query(self.store.engine, self.current_filter()))

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
                classes.revoke(self.store, cur.decision.id, dlg.decided_by.text(), dlg.reason.text())
            else:
                classes.decide(self.store, eid, "key", dlg.reason.text(), dlg.decided_by.text())
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
            classes.set_credit_risk(self.store, eid, dlg.level.currentData(), dlg.basis.text())
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
        dlg.enterprise_chosen.connect(lambda eid: (self.refresh(), self.show_enterprise(eid)))
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
