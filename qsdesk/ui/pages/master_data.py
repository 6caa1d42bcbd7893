"""上级下发: the notices, key product catalogue and form versions a county sends down.

A county maintains them here (new notice, add or import catalogue entries, publish a form
version from its TOML file); they travel to the stations in the next bundle. A station reads
them here: the notices with their text, the catalogue, and which form versions are installed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Select, select

from qsdesk.services import field_labels, form_versions, master_data
from qsdesk.store.db import Store
from qsdesk.store.models import FormVersion, KeyProduct, Notice
from qsdesk.ui.query_model import Column, QueryTableModel, default_format, list_view, local_time


class NoticeDialog(QDialog):
    """A new notice: title, date issued, text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("新建通知")
        self.title = QLineEdit(self)
        self.issued_on = QDateEdit(QDate.currentDate(), self)
        self.issued_on.setCalendarPopup(True)
        self.issued_on.setDisplayFormat("yyyy-MM-dd")
        self.body = QPlainTextEdit(self)
        form = QFormLayout()
        form.addRow("标题：", self.title)
        form.addRow("发文日期：", self.issued_on)
        form.addRow("正文：", self.body)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form, 1)
        lay.addWidget(buttons)
        self.resize(560, 420)


class KeyProductDialog(QDialog):
    """A catalogue entry: name, category, licence type, note."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("添加重点产品")
        self.name = QLineEdit(self)
        self.category = QLineEdit(self)
        self.licence_type = QLineEdit(self)
        self.licence_type.setPlaceholderText("如：生产许可证、CCC 认证")
        self.note = QLineEdit(self)
        form = QFormLayout()
        form.addRow("产品名称：", self.name)
        form.addRow("类别：", self.category)
        form.addRow("许可类型：", self.licence_type)
        form.addRow("备注：", self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)
        self.setMinimumWidth(420)


class MasterDataPanel(QWidget):
    """Notices, key product catalogue and form versions; editable at a county."""

    NOTICE_COLUMNS = (
        Column("issued_on", "发文日期", sort=Notice.issued_on, width=100),
        Column("title", "标题", sort=Notice.title),
    )
    PRODUCT_COLUMNS = (
        Column("category", "类别", sort=KeyProduct.category, shared=True, width=120),
        Column("name", "产品名称", sort=KeyProduct.name, width=220),
        Column("licence_type", "许可类型", sort=KeyProduct.licence_type, shared=True, width=170),
        Column("note", "备注"),
    )
    FORM_COLUMNS = (
        Column("form_id", "表单", sort=FormVersion.form_id, format=field_labels.form_name, width=160),
        Column("version", "版本", sort=FormVersion.version, width=60),
        Column("issued_by", "发布单位", sort=FormVersion.issued_by, width=100),
        Column("updated_at", "发布时间", sort=FormVersion.updated_at, format=local_time, width=140),
        Column("sha256", "SHA-256", format=lambda v: str(v)[:16]),
    )

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        #: How messages reach the user (tests replace it to read them).
        self.notify: Callable[[str, str], None] = self._message_box
        #: Asks for a file to read (tests replace it).
        self.choose_file: Callable[[str, str], Path | None] = self._file_dialog
        #: Runs a dialog; True when accepted (tests replace it to fill the dialog).
        self.run_dialog: Callable[[QDialog], bool] = lambda dlg: bool(dlg.exec())

        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555;")

        self.notice_model = QueryTableModel(store, self.NOTICE_COLUMNS, parent=self)
        self.notice_view = list_view(self.notice_model, self)
        self.notice_text = QTextBrowser(self)
        self.new_notice_button = QPushButton("新建通知…", self)
        notices = QWidget(self)
        split = QSplitter(Qt.Orientation.Horizontal, notices)
        split.addWidget(self.notice_view)
        split.addWidget(self.notice_text)
        split.setSizes([380, 520])
        nl = QVBoxLayout(notices)
        nl.addWidget(split, 1)
        nl.addLayout(self._buttons(self.new_notice_button))

        self.product_model = QueryTableModel(store, self.PRODUCT_COLUMNS, parent=self)
        self.product_view = list_view(self.product_model, self)
        self.add_product_button = QPushButton("添加…", self)
        self.import_products_button = QPushButton("从 Excel 导入…", self)
        products = QWidget(self)
        pl = QVBoxLayout(products)
        pl.addWidget(self.product_view, 1)
        pl.addLayout(self._buttons(self.add_product_button, self.import_products_button))

        self.form_model = QueryTableModel(store, self.FORM_COLUMNS, parent=self)
        self.form_view = list_view(self.form_model, self)
        self.publish_button = QPushButton("发布表单新版本…", self)
        forms = QWidget(self)
        fl = QVBoxLayout(forms)
        fl.addWidget(self.form_view, 1)
        fl.addLayout(self._buttons(self.publish_button))

        self.tabs = QTabWidget(self)
        self.tabs.addTab(notices, "通知")
        self.tabs.addTab(products, "重点产品目录")
        self.tabs.addTab(forms, "表单版本")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.addWidget(self.hint)
        lay.addWidget(self.tabs, 1)

        self.notice_view.selectionModel().selectionChanged.connect(lambda *_: self._show_notice())
        self.new_notice_button.clicked.connect(self.new_notice)
        self.add_product_button.clicked.connect(self.add_product)
        self.import_products_button.clicked.connect(self.import_products)
        self.publish_button.clicked.connect(self.publish_form)
        self.refresh()

    # ------------------------------------------------------------------------------ building

    @staticmethod
    def _buttons(*buttons: QPushButton) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addStretch(1)
        for b in buttons:
            row.addWidget(b)
        return row

    def _message_box(self, level: str, text: str) -> None:
        if level == "error":
            QMessageBox.warning(self, "上级下发", text)
        else:
            QMessageBox.information(self, "上级下发", text)

    def _file_dialog(self, title: str, pattern: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self, title, str(Path.home()), pattern)
        return Path(name) if name else None

    # ------------------------------------------------------------------------------- refresh

    @property
    def is_county(self) -> bool:
        node = self._store.self_node()
        return node is not None and node.kind == "county"

    def refresh(self) -> None:
        county = self.is_county
        for b in (self.new_notice_button, self.add_product_button, self.import_products_button,
                  self.publish_button):
            b.setVisible(county)
        self.hint.setText("本局维护的通知、重点产品目录和表单版本随下一个数据包下发到各所。" if county else
                          "以下内容由县级局维护，随县级局的数据包更新；表单新版本收到后自动安装。")
        self.notice_model.set_statement(self._live(Notice, Notice.issued_on.desc(), Notice.title))
        self.product_model.set_statement(self._live(KeyProduct, KeyProduct.category, KeyProduct.name))
        self.form_model.set_statement(self._live(FormVersion, FormVersion.form_id, FormVersion.version.desc()))
        self._show_notice()

    @staticmethod
    def _live(model: Any, *order: Any) -> Select[Any]:
        cols = [c.label(c.key) for c in model.__table__.columns if c.key != "toml"]  # the form text stays put
        return select(*cols).where(model.deleted.is_(False)).order_by(*order)

    def _show_notice(self) -> None:
        rows = self.notice_view.selectionModel().selectedRows()
        if not rows:
            self.notice_text.setPlainText("选择一条通知查看全文。" if self.notice_model.rowCount() else "暂无通知。")
            return
        v = self.notice_model.row_values(rows[0].row())
        self.notice_text.setPlainText(f"{v['title']}\n{default_format(v['issued_on'])}\n\n{v['body'] or ''}")

    def show_notice(self, notice_id: str) -> None:
        """Select a notice and show its text (the dashboard's 上级通知 open here)."""
        self.tabs.setCurrentIndex(0)
        model = self.notice_model
        while model.find_row(notice_id) < 0 and model.canFetchMore():
            model.fetchMore()
        row = model.find_row(notice_id)
        if row >= 0:
            self.notice_view.selectRow(row)
            self.notice_view.scrollTo(model.index(row, 0))

    # ------------------------------------------------------------------------------- actions

    def new_notice(self) -> str | None:
        dlg = NoticeDialog(self)
        if not self.run_dialog(dlg):
            return None
        try:
            nid = master_data.add_notice(self._store, dlg.title.text(), dlg.body.toPlainText(),
                                         dlg.issued_on.date().toPython())
        except master_data.MasterDataError as exc:
            self.notify("error", str(exc))
            return None
        self.refresh()
        return nid

    def add_product(self) -> str | None:
        dlg = KeyProductDialog(self)
        if not self.run_dialog(dlg):
            return None
        try:
            pid = master_data.add_key_product(self._store, dlg.name.text(), dlg.category.text().strip(),
                                              dlg.licence_type.text().strip(), dlg.note.text().strip())
        except master_data.MasterDataError as exc:
            self.notify("error", str(exc))
            return None
        self.refresh()
        return pid

    def import_products(self) -> tuple[int, int] | None:
        path = self.choose_file("导入重点产品目录", "Excel 工作簿 (*.xlsx)")
        if path is None:
            return None
        try:
            added, skipped = master_data.import_key_products(self._store, path)
        except master_data.MasterDataError as exc:
            self.notify("error", str(exc))
            return None
        self.refresh()
        self.notify("info", f"已从 {path.name} 导入 {added} 种重点产品" + (f"，{skipped} 种已在目录中，未重复添加。" if skipped else "。"))
        return added, skipped

    def publish_form(self) -> form_versions.PublishedForm | None:
        path = self.choose_file("发布表单新版本", "表单文件 (*.toml)")
        if path is None:
            return None
        try:
            published = form_versions.publish_form(self._store, path)
        except form_versions.FormPublishError as exc:
            self.notify("error", str(exc))
            return None
        self.refresh()
        added = f"，新增检查项 {len(published.new_items)} 项" if published.new_items else ""
        self.notify("info", f"已发布《{published.title}》第 {published.version} 版{added}；"
                            "随下一个数据包下发到各所。")
        return published
