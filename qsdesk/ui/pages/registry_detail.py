"""企业档案 detail pane: the selected enterprise's fields, supervision class and timeline."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsdesk.domain.citations import SHANDONG_000, cite
from qsdesk.domain.grading import Grade
from qsdesk.services import registry as reg


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
            for label_w in self.fields.values():
                label_w.clear()
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
