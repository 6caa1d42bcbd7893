"""双随机 draw dialog and the inspection-plan view (part of the 监督抽查 page)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsdesk.services import draw_publication as pub
from qsdesk.services import random_draw as rd
from qsdesk.services import records
from qsdesk.services.classes import class_label
from qsdesk.store.db import Store
from qsdesk.ui.dialog_guard import GuardedDialog, form_buttons
from qsdesk.ui.pages.sampling_widgets import date_edit, from_qdate

UNIT_TYPES = {"producer": "生产者", "wholesaler": "批发商", "retailer": "零售商"}
CLASSES = {k: class_label(k) for k in ("routine", "key", "special")}


class DrawDialog(GuardedDialog):
    """Filter the pool, set N and the seed, choose inspectors; draw and store the plan."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("双随机抽取")
        self._store = store
        self.plan_id: str | None = None
        form = QFormLayout()
        self.title = QLineEdit(f"{date.today().year}年“双随机、一公开”抽查", self)
        form.addRow("计划名称", self.title)
        self.town = self._combo(rd.towns(store))
        form.addRow("乡镇（街道）", self.town)
        self.domain = self._combo(["生产", "流通", "电商", "其他"])
        form.addRow("领域", self.domain)
        self.unit_type = QComboBox(self)
        self.unit_type.addItem("不限", None)
        for k, v in UNIT_TYPES.items():
            self.unit_type.addItem(v, k)
        form.addRow("主体类型", self.unit_type)
        self.grade = self._combo(["A", "B", "C", "D"])
        form.addRow("分级", self.grade)
        self.klass = QComboBox(self)
        self.klass.addItem("不限", None)
        for k, v in CLASSES.items():
            self.klass.addItem(v, k)
        form.addRow("监管类别", self.klass)
        self.prefer = QCheckBox("信用风险高、较高的企业优先抽取", self)
        self.prefer.setChecked(True)
        self.prefer.setToolTip(rd.PRIORITY_NOTE + "；先从这些企业中抽取，余下名额再从其他企业中抽取，"
                               "同一随机种子结果不变")
        self.prefer.toggled.connect(lambda _on: self._update_pool())
        form.addRow("跟踪问题企业", self.prefer)
        self.tracking = QCheckBox(f"仅{date.today().year}年跟踪抽查名单内企业", self)
        self.tracking.setToolTip("上年度监督抽查不合格的生产者及抽样场所销售者、拒检企业（沪市监产质〔2022〕251号 二（三））")
        form.addRow("跟踪抽查", self.tracking)
        self.tracking.toggled.connect(lambda _b: self._update_pool())
        self.pool_label = QLabel(self)
        form.addRow("对象库企业数", self.pool_label)
        self.count = QSpinBox(self)
        self.count.setRange(1, 100000)
        self.count.setValue(10)
        form.addRow("抽取企业数", self.count)
        self.team = QSpinBox(self)
        self.team.setRange(1, 2)
        self.team.setValue(2)
        form.addRow("每户检查人员数", self.team)
        self.seed = QLineEdit(rd.new_seed(), self)
        form.addRow("随机种子", self.seed)
        self.due = date_edit(None, self)
        form.addRow("完成期限", self.due)
        self.inspectors = QListWidget(self)
        with store.session() as s:
            rows = records.active_inspectors(s)
        for iid, name in rows:
            it = QListWidgetItem(name, self.inspectors)
            it.setData(Qt.ItemDataRole.UserRole, iid)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Checked)
        form.addRow("检查人员库", self.inspectors)
        form_buttons(self, form, on_accept=self.run_draw, ok_text="抽取")
        for combo in (self.town, self.domain, self.unit_type, self.grade, self.klass):
            combo.currentIndexChanged.connect(lambda _i: self._update_pool())
        self._update_pool()

    def _combo(self, values: list[str]) -> QComboBox:
        c = QComboBox(self)
        c.addItem("不限", None)
        for v in values:
            c.addItem(v, v)
        return c

    def pool_filter(self) -> rd.PoolFilter:
        return rd.PoolFilter(
            town=self.town.currentData(), domain=self.domain.currentData(),
            unit_type=self.unit_type.currentData(), grade=self.grade.currentData(),
            supervision_class=self.klass.currentData(),
            tracking_year=date.today().year if self.tracking.isChecked() else None,
        )

    def _update_pool(self) -> None:
        with self._store.session() as s:
            n = len(rd.select_pool(s, self.pool_filter()))
            first = len(rd.priority_pool(s, self.pool_filter())) if self.prefer.isChecked() else 0
        self.pool_label.setText(f"{n} 户" + (f"，其中优先抽取（信用风险高、较高）{first} 户" if first else ""))

    def chosen_inspectors(self) -> list[str]:
        out = []
        for i in range(self.inspectors.count()):
            it = self.inspectors.item(i)
            if it.checkState() == Qt.CheckState.Checked:
                out.append(str(it.data(Qt.ItemDataRole.UserRole)))
        return out

    def run_draw(self) -> None:
        try:
            self.plan_id = rd.create_plan(
                self._store, title=self.title.text(), count=self.count.value(), flt=self.pool_filter(),
                seed=self.seed.text().strip() or None, inspector_ids=self.chosen_inspectors(),
                team_size=self.team.value(), due_on=from_qdate(self.due.date()),
                prefer_credit_risk=self.prefer.isChecked(),
            )
        except rd.DrawError as exc:
            QMessageBox.warning(self, "无法抽取", str(exc))
            return
        self.accept()


class ResultDialog(GuardedDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("登记检查结果")
        form = QFormLayout()
        self.result_box = QComboBox(self)
        self.result_box.setEditable(True)
        self.result_box.addItems(["未发现问题", "发现问题已责令整改", "发现问题已立案查处", "未找到经营主体"])
        form.addRow("检查结果", self.result_box)
        self.done_on = date_edit(None, self)
        form.addRow("检查日期", self.done_on)
        form_buttons(self, form)


class PlanView(QWidget):
    """Plans on the left; the drawn enterprises and their inspectors on the right."""

    ITEM_HEADERS = ("序号", "企业名称", "统一社会信用代码", "检查人员", "检查日期", "检查结果")

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.plans = QListWidget(self)
        self.items = QTableWidget(0, len(self.ITEM_HEADERS), self)
        self.items.setHorizontalHeaderLabels(list(self.ITEM_HEADERS))
        self.items.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.items.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.items.horizontalHeader().setStretchLastSection(True)
        for col, width in ((0, 50), (1, 280), (2, 170), (3, 140), (4, 100)):
            self.items.setColumnWidth(col, width)
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.draw_button = QPushButton("双随机抽取…", self)
        self.verify_button = QPushButton("验证抽取", self)
        self.result_button = QPushButton("登记结果", self)
        self.export_button = QPushButton("导出公示（一公开）", self)
        self.print_button = QPushButton("打印计划…", self)
        self.preview: QDialog | None = None
        buttons = QHBoxLayout()
        for b in (self.draw_button, self.verify_button, self.result_button, self.print_button, self.export_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.info)
        rl.addWidget(self.items, 1)
        split = QSplitter(self)
        split.addWidget(self.plans)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        lay = QVBoxLayout(self)
        lay.addLayout(buttons)
        lay.addWidget(split, 1)
        self.plans.currentRowChanged.connect(lambda _r: self.show_plan())
        self.draw_button.clicked.connect(self.new_draw)
        self.verify_button.clicked.connect(self.verify)
        self.result_button.clicked.connect(self.enter_result)
        self.export_button.clicked.connect(lambda: self.export())
        self.print_button.clicked.connect(self.print_plan)
        self._item_ids: list[str] = []
        self.refresh()

    def refresh(self) -> None:
        keep = self.current_plan_id()
        self.plans.blockSignals(True)
        self.plans.clear()
        with self._store.session() as s:
            for plan in rd.plans(s):
                it = QListWidgetItem(f"{plan.drawn_on.isoformat()} {plan.title}"
                                     f"（{rd.PLAN_STATUS_LABELS.get(plan.status, plan.status)}）", self.plans)
                it.setData(Qt.ItemDataRole.UserRole, plan.id)
                if plan.id == keep:
                    self.plans.setCurrentItem(it)
        self.plans.blockSignals(False)
        if self.plans.currentRow() < 0 and self.plans.count():
            self.plans.setCurrentRow(0)
        self.show_plan()

    def current_plan_id(self) -> str | None:
        it = self.plans.currentItem()
        return str(it.data(Qt.ItemDataRole.UserRole)) if it else None

    def select_plan(self, plan_id: str) -> None:
        for i in range(self.plans.count()):
            if self.plans.item(i).data(Qt.ItemDataRole.UserRole) == plan_id:
                self.plans.setCurrentRow(i)

    def show_plan(self) -> None:
        pid = self.current_plan_id()
        self.items.setRowCount(0)
        self._item_ids = []
        has = pid is not None
        for b in (self.verify_button, self.result_button, self.export_button, self.print_button):
            b.setEnabled(has)
        if not pid:
            self.info.setText("尚无抽查计划")
            return
        with self._store.session() as s:
            plan = records.inspection_plan(s, pid)
            assert plan is not None
            self.info.setText(
                f"抽取日期 {plan.drawn_on.isoformat()}；对象库 {plan.pool_size} 户，抽取 {plan.draw_count} 户；"
                f"随机种子 {plan.seed}；对象库哈希 {plan.pool_hash[:16]}…；"
                f"完成期限 {plan.due_on.isoformat() if plan.due_on else '—'}"
            )
            rows = list(pub.publication_rows(s, pid))
            self._item_ids = [x.id for x in rd.plan_items(s, pid)]
        self.items.setRowCount(len(rows))
        for r, (pos, name, uscc, _addr, team, done, result) in enumerate(rows):
            for c, v in enumerate((pos, name, uscc, team, done, result)):
                self.items.setItem(r, c, QTableWidgetItem(str(v)))

    def new_draw(self) -> None:
        dlg = DrawDialog(self._store, self)
        if dlg.exec() == QDialog.DialogCode.Accepted and dlg.plan_id:
            self.refresh()
            self.select_plan(dlg.plan_id)

    def verify(self) -> None:
        pid = self.current_plan_id()
        if not pid:
            return
        with self._store.session() as s:
            v = rd.verify_plan(s, pid)
        if v.ok:
            QMessageBox.information(self, "验证抽取", "按记录的随机种子和对象库重新抽取，结果与本计划完全一致。")
        else:
            QMessageBox.warning(self, "验证抽取", "与重新抽取的结果不一致：\n" + "\n".join(v.problems))

    def enter_result(self) -> None:
        row = self.items.currentRow()
        if row < 0 or row >= len(self._item_ids):
            QMessageBox.information(self, "登记结果", "请先选择一户企业")
            return
        dlg = ResultDialog(self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            rd.record_result(self._store, self._item_ids[row], dlg.result_box.currentText(), from_qdate(dlg.done_on.date()))
        except rd.DrawError as exc:
            QMessageBox.warning(self, "登记结果", str(exc))
            return
        self.refresh()

    def export(self, path: str | None = None) -> Path | None:
        pid = self.current_plan_id()
        if not pid:
            return None
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "导出公示名单", "双随机抽查结果公示.xlsx", "Excel (*.xlsx)")
        if not path:
            return None
        out = pub.export_publication(self._store, pid, path)
        self.refresh()
        return out

    def print_plan(self) -> QDialog | None:
        """Preview the plan PDF with print / save-as (the print is recorded when it happens)."""
        import shutil
        import tempfile

        from qsdesk.ui.print_preview import PrintPreviewDialog

        pid = self.current_plan_id()
        if not pid:
            return None
        tmp = Path(tempfile.mkdtemp(prefix="qsdesk-plan-"))
        path = tmp / "抽查计划.pdf"
        try:
            pub.print_plan(self._store, pid, path, record_print=False)
        except Exception as exc:  # a font or disk problem: say so, keep the page alive
            shutil.rmtree(tmp, ignore_errors=True)
            QMessageBox.warning(self, "打印计划", f"生成打印文件失败：{exc}")
            return None
        self.preview = PrintPreviewDialog(path, "抽查计划打印预览", self,
                                          on_printed=lambda: pub.record_plan_print(self._store, pid),
                                          suggested_name=f"抽查计划_{pid[:8]}.pdf", temp_dir=tmp)
        self.preview.show()
        return self.preview
