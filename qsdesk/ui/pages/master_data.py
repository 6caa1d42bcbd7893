"""上级下发: the notices, key product catalogue, form versions and holiday schedules a county
sends down.

A county maintains them here (new notice, add or import catalogue entries, publish a form
version from its TOML file, enter a year's holiday schedule from the State Council's notice);
they travel to the stations in the next bundle. A station reads them here: the notices with their
text, the catalogue, which form versions are installed and the holiday schedules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from qsdesk.domain import formspec, workdays
from qsdesk.services import form_versions, master_data
from qsdesk.store.db import Store
from qsdesk.ui.dialog_guard import GuardedDialog, form_buttons
from qsdesk.ui.lists import Column, default_format, list_view, local_time
from qsdesk.ui.query_model import QueryTableModel


class NoticeDialog(GuardedDialog):
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
        form_buttons(self, form, stretch=form)
        self.resize(560, 420)


class KeyProductDialog(GuardedDialog):
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
        form_buttons(self, form)
        self.setMinimumWidth(420)


class HolidayScheduleDialog(GuardedDialog):
    """A year's holidays and 调休 working days: paste the State Council's notice as published."""

    def __init__(self, parent: QWidget | None = None, year: int | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("录入节假日安排")
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(year or QDate.currentDate().year() + 1)
        self.source = QLineEdit(self)
        self.source.setPlaceholderText("如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕×号）")
        self.text = QPlainTextEdit(self)
        self.text.setPlaceholderText(
            "粘贴通知正文，例如：\n一、元旦：1月1日（周五）至3日（周日）放假调休，共3天。\n"
            "二、春节：……放假调休，共9天。2月×日（周六）上班。\n\n也可每行写“2027-01-01 至 2027-01-03 放假”"
            "“2027-02-06 上班”。")
        form = QFormLayout()
        form.addRow("年份：", self.year)
        form.addRow("通知名称：", self.source)
        form.addRow("通知正文：", self.text)
        form_buttons(self, form, stretch=form)
        self.resize(620, 460)


def _form_title(form_id: Any) -> str:
    """A form's printed title for the list (never its id)."""
    try:
        spec = formspec.load_form(str(form_id))
    except formspec.FormSpecError:
        return "（未知表单）"
    return spec.title + (spec.subtitle or "")


def _days(v: Any) -> str:
    return "、".join(str(d)[5:] for d in (v or []))


class MasterDataPanel(QWidget):
    """Notices, key product catalogue and form versions; editable at a county."""

    NOTICE_COLUMNS = (
        Column("issued_on", "发文日期", sort="issued_on", width=100),
        Column("title", "标题", sort="title"),
    )
    PRODUCT_COLUMNS = (
        Column("category", "类别", sort="category", shared=True, width=120),
        Column("name", "产品名称", sort="name", width=220),
        Column("licence_type", "许可类型", sort="licence_type", shared=True, width=170),
        Column("note", "备注"),
    )
    FORM_COLUMNS = (
        Column("form_id", "表单", sort="form_id", format=lambda v: _form_title(v), width=200),
        Column("version", "版本", sort="version", width=60),
        Column("issued_by", "发布单位", sort="issued_by", width=100),
        Column("updated_at", "发布时间", sort="updated_at", format=local_time, width=140),
        Column("sha256", "SHA-256", format=lambda v: str(v)[:16]),
    )
    HOLIDAY_COLUMNS = (
        Column("year", "年份", sort="year", width=60),
        Column("holidays", "放假日期", format=_days, width=360),
        Column("workdays", "调休上班日期", format=_days, width=160),
        Column("source", "依据"),
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
        self.variant_button = QPushButton("发布宝山区版任务清单", self)
        self.variant_button.setToolTip("宝山区实施方案 附件3 的监管任务清单（生产、销售单位类），作为新版本下发各所")
        forms = QWidget(self)
        fl = QVBoxLayout(forms)
        fl.addWidget(self.form_view, 1)
        fl.addLayout(self._buttons(self.variant_button, self.publish_button))

        self.holiday_model = QueryTableModel(store, self.HOLIDAY_COLUMNS, parent=self)
        self.holiday_view = list_view(self.holiday_model, self)
        self.holiday_hint = QLabel(self)
        self.holiday_hint.setWordWrap(True)
        self.add_holidays_button = QPushButton("录入节假日安排…", self)
        self.import_holidays_button = QPushButton("从文件导入…", self)
        holidays = QWidget(self)
        hl = QVBoxLayout(holidays)
        hl.addWidget(self.holiday_hint)
        hl.addWidget(self.holiday_view, 1)
        hl.addLayout(self._buttons(self.add_holidays_button, self.import_holidays_button))

        self.tabs = QTabWidget(self)
        self.tabs.addTab(notices, "通知")
        self.tabs.addTab(products, "重点产品目录")
        self.tabs.addTab(forms, "表单版本")
        self.tabs.addTab(holidays, "节假日安排")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.addWidget(self.hint)
        lay.addWidget(self.tabs, 1)

        self.notice_view.selectionModel().selectionChanged.connect(lambda *_: self._show_notice())
        self.new_notice_button.clicked.connect(self.new_notice)
        self.add_product_button.clicked.connect(self.add_product)
        self.import_products_button.clicked.connect(self.import_products)
        self.publish_button.clicked.connect(self.publish_form)
        self.variant_button.clicked.connect(lambda: self.publish_variant())
        self.add_holidays_button.clicked.connect(lambda: self.enter_holidays())
        self.import_holidays_button.clicked.connect(lambda: self.import_holidays())
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
                  self.publish_button, self.variant_button, self.add_holidays_button,
                  self.import_holidays_button):
            b.setVisible(county)
        self.hint.setText("本局维护的通知、重点产品目录、表单版本和节假日安排随下一个数据包下发到各所。" if county else
                          "以下内容由县级局维护，随县级局的数据包更新；表单新版本收到后自动安装。")
        self.notice_model.set_statement(master_data.notices_statement())
        self.product_model.set_statement(master_data.products_statement())
        self.form_model.set_statement(master_data.form_versions_statement())
        self.holiday_model.set_statement(master_data.holidays_statement())
        self.holiday_hint.setText(self.holiday_text())
        self._show_notice()

    def holiday_text(self) -> str:
        """What the calendar knows, and which year still needs its schedule."""
        entered = set(master_data.load_schedules(self._store))
        this = date.today().year
        missing = [y for y in (this, this + 1) if not workdays.bundled_covers(y) and y not in entered]
        text = ("工作日期限（如责任人变动 5 个工作日内更新、异议期满）按国务院办公厅每年公布的节假日安排计算。"
                f"程序已带 2026 年及以前的安排（2026 年：{workdays.BUNDLED_2026_SOURCE}）。")
        if missing:
            ys = "、".join(f"{y}年" for y in missing)
            text += (f"{ys}的安排尚未录入，这些年份的期限暂按周一至周五计算" +
                     ("，请在国务院办公厅通知公布后录入。" if self.is_county else "，请等待县级局下发。"))
        return text

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
                                         # QDate.toPython gives a datetime.date (its stub says object)
                                         cast(date, dlg.issued_on.date().toPython()))
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

    def enter_holidays(self, year: int | None = None, text: str = "", source: str = "") -> str | None:
        """Enter a year's schedule (county): the dialog, prefilled when read from a file."""
        dlg = HolidayScheduleDialog(self, year)
        dlg.text.setPlainText(text)
        dlg.source.setText(source)
        if not self.run_dialog(dlg):
            return None
        try:
            sid = master_data.set_holiday_schedule(self._store, dlg.year.value(), dlg.text.toPlainText(),
                                                   dlg.source.text())
        except master_data.MasterDataError as exc:
            self.notify("error", str(exc))
            return None
        self.refresh()
        self.notify("info", f"已录入 {dlg.year.value()} 年节假日安排，随下一个数据包下发到各所。")
        return sid

    def import_holidays(self) -> str | None:
        """Read the notice from a text file into the dialog, to check the year and confirm."""
        path = self.choose_file("导入节假日安排（通知正文的文本文件）", "文本文件 (*.txt)")
        if path is None:
            return None
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            self.notify("error", f"无法读取文件 {path.name}（应为 UTF-8 文本）")
            return None
        year, source = master_data.notice_year_and_title(text)
        return self.enter_holidays(year, text, source)

    def publish_variant(self) -> list[str] | None:
        """Publish the shipped Baoshan task-checklist versions (宝山区实施方案 附件3)."""
        from qsdesk.services import task_checklists

        try:
            done = task_checklists.publish_variant(self._store)
        except (form_versions.FormPublishError, ValueError) as exc:
            self.notify("error", str(exc))
            return None
        self.refresh()
        if not done:
            self.notify("info", "宝山区版监管任务清单已发布过，无需重复发布。")
        else:
            self.notify("info", f"已发布{task_checklists.VARIANT_TITLE}（{len(done)} 种），随下一个数据包下发到各所。")
        return done

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
