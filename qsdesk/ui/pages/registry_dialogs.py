"""企业档案 dialogs: the responsible supervisor, the 重点监管 decision, the credit risk, the 列异/列严 lists."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qsdesk.domain.citations import SAMR_001, SHANDONG_000, cite
from qsdesk.services import classes, listings, records
from qsdesk.store.db import Store
from qsdesk.ui.dialog_guard import GuardedDialog, form_buttons
from qsdesk.ui.lists import Column, list_view
from qsdesk.ui.query_model import QueryTableModel


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
