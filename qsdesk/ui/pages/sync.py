"""数据同步 page: enrolment, export to a folder or removable drive, import with a summary before
anything is applied, the history of bundles sent and received, and the conflicts queue.

Its words and dialogs are :mod:`.sync_dialogs`, the conflicts tab :mod:`.sync_conflicts`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qsdesk.services.accounts import AccountError, any_account, require_chief
from qsdesk.services.sync import conflicts as cf
from qsdesk.services.sync import lists as sync_lists
from qsdesk.services.sync.bundle import SUFFIX, BundleError
from qsdesk.services.sync.exchange import (
    TABLE_LABELS,
    ExportResult,
    ImportReport,
    SyncError,
    export_bundle,
    import_bundle,
    pending_change_count,
    preview_bundle,
    write_receipt,
)
from qsdesk.services.sync.identity import (
    IDENTITY_SUFFIX,
    EnrolError,
    enrol_peer,
    export_identity,
    node_fingerprint,
    own_identity,
    peers,
    read_identity,
)
from qsdesk.store.db import Store
from qsdesk.ui.lists import Column, list_view, local_time
from qsdesk.ui.pages.master_data import MasterDataPanel
from qsdesk.ui.pages.sync_conflicts import ConflictsTab
from qsdesk.ui.pages.sync_dialogs import DIRECTION, SEND_ALL_HELP, SYNC_HELP_LINE, _as_dict, _history_counts
from qsdesk.ui.pages.sync_dialogs import SYNC_WORDS as SYNC_WORDS  # re-exported: tests check the wording
from qsdesk.ui.pages.sync_dialogs import ImportPreviewDialog as ImportPreviewDialog
from qsdesk.ui.pages.sync_dialogs import SendAllDialog as SendAllDialog
from qsdesk.ui.pages.sync_dialogs import removable_drives as removable_drives
from qsdesk.ui.query_model import QueryTableModel
from qsdesk.ui.worker import TaskCancelled, run_in_background

log = logging.getLogger(__name__)

class SyncPage(ConflictsTab):
    """数据同步."""

    HISTORY_COLUMNS = (
        Column("at", "时间", sort="at", format=local_time, width=140),
        Column("direction", "方向", sort="direction", format=lambda v: DIRECTION.get(v, v), width=50),
        Column("peer_code", "对方单位", sort="peer_code", width=100),
        Column("seq", "序号", sort="seq", width=50),
        Column("file_name", "文件", sort="file_name"),
        Column("counts", "内容", format=_history_counts),
    )
    CONFLICT_COLUMNS = (
        Column("created_at", "发现时间", sort="created_at", format=local_time, width=140),
        Column("table_name", "数据", sort="table_name", format=lambda v: TABLE_LABELS.get(v, v),
               width=90),
        Column("record_id", "记录编号", width=110, format=lambda v: str(v)[:8]),
        Column("kept", "原因", format=lambda v: cf.REASONS.get(str(_as_dict(v).get("_reason")), "")),
    )

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        #: How messages reach the user (tests replace it to read them).
        self.notify: Callable[[str, str], None] = self._message_box
        #: Asked before applying an import (tests replace it).
        self.confirm_import: Callable[[ImportReport], bool] = self._confirm_dialog
        #: County: asks which station gets all its records back (tests replace it); None = cancelled.
        self.choose_send_all: Callable[[str | None], str | None] = self._send_all_dialog
        self.last_message = ""

        # identity and enrolment
        self.identity_label = QLabel(self)
        self.identity_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.peers_label = QLabel(self)
        self.peers_label.setWordWrap(True)
        self.export_id_button = QPushButton("导出本单位登记文件…", self)
        self.import_id_button = QPushButton("导入对方登记文件…", self)
        id_box = QGroupBox("单位登记", self)
        id_lay = QVBoxLayout(id_box)
        self.help_label = QLabel(SYNC_HELP_LINE, self)
        self.help_label.setWordWrap(True)
        self.help_label.setStyleSheet("color:#555")
        self.help_label.setToolTip("\n\n".join(f"{k}：{v}" for k, v in SYNC_WORDS.items()))
        id_lay.addWidget(self.help_label)
        id_lay.addWidget(self.identity_label)
        id_lay.addWidget(self.peers_label)
        row = QHBoxLayout()
        row.addWidget(self.export_id_button)
        row.addWidget(self.import_id_button)
        row.addStretch(1)
        id_lay.addLayout(row)

        # export / import
        self.peer_combo = QComboBox(self)
        self.target_combo = QComboBox(self)
        self.target_combo.setMinimumWidth(220)
        self.pending_label = QLabel(self)
        self.export_button = QPushButton("导出数据包", self)
        self.receipt_button = QPushButton("写回执", self)
        self.import_button = QPushButton("导入数据包…", self)
        self.send_all_button = QPushButton("发回该所全部记录…", self)
        self.send_all_button.setToolTip(SEND_ALL_HELP)
        ex_box = QGroupBox("导出与导入", self)
        ex_lay = QVBoxLayout(ex_box)
        r1 = QHBoxLayout()
        r1.addWidget(QLabel("发给", self))
        r1.addWidget(self.peer_combo, 1)
        r1.addWidget(QLabel("写到", self))
        r1.addWidget(self.target_combo, 2)
        r1.addWidget(self.export_button)
        r1.addWidget(self.receipt_button)
        ex_lay.addLayout(r1)
        r2 = QHBoxLayout()
        r2.addWidget(self.pending_label, 1)
        r2.addWidget(self.send_all_button)
        r2.addWidget(self.import_button)
        ex_lay.addLayout(r2)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        ex_lay.addWidget(self.status_label)

        # history and conflicts
        self.history_model = QueryTableModel(store, self.HISTORY_COLUMNS, parent=self)
        self.history_view = list_view(self.history_model, self)
        self.conflict_model = QueryTableModel(store, self.CONFLICT_COLUMNS, parent=self)
        self.conflict_view = list_view(self.conflict_model, self)
        self.conflict_detail = QTableWidget(0, 3, self)
        self.conflict_detail.setHorizontalHeaderLabels(["字段", "当前版本", "另一版本"])
        self.conflict_detail.horizontalHeader().setStretchLastSection(True)
        self.conflict_detail.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.keep_button = QPushButton("保留当前版本", self)
        self.other_button = QPushButton("改用另一版本", self)
        conflict_page = QWidget(self)
        cl = QVBoxLayout(conflict_page)
        split = QSplitter(Qt.Orientation.Vertical, conflict_page)
        split.addWidget(self.conflict_view)
        split.addWidget(self.conflict_detail)
        cl.addWidget(split, 1)
        br = QHBoxLayout()
        br.addStretch(1)
        br.addWidget(self.keep_button)
        br.addWidget(self.other_button)
        cl.addLayout(br)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.history_view, "收发记录")
        self.tabs.addTab(conflict_page, "冲突待处理")
        self.master_data = MasterDataPanel(store, self)
        self.tabs.addTab(self.master_data, "上级下发")

        lay = QVBoxLayout(self)
        lay.addWidget(id_box)
        lay.addWidget(ex_box)
        lay.addWidget(self.tabs, 1)

        self.export_id_button.clicked.connect(self.choose_identity_export)
        self.import_id_button.clicked.connect(self.choose_identity_import)
        self.export_button.clicked.connect(self.export_clicked)
        self.receipt_button.clicked.connect(self.receipt_clicked)
        self.import_button.clicked.connect(self.choose_import)
        self.send_all_button.clicked.connect(self.send_all_clicked)
        for w, word in ((self.export_id_button, "登记文件"), (self.import_id_button, "登记文件"),
                        (self.identity_label, "指纹"), (self.peers_label, "指纹"),
                        (self.receipt_button, "回执"), (self.export_button, "数据包"),
                        (self.import_button, "数据包")):
            w.setToolTip(f"{word}：{SYNC_WORDS[word]}")
        self.peer_combo.currentIndexChanged.connect(lambda _i: self._update_pending())
        self.target_combo.activated.connect(self._target_activated)
        self.conflict_view.selectionModel().selectionChanged.connect(lambda *_: self._show_conflict())
        self.keep_button.clicked.connect(lambda: self.resolve_selected("kept"))
        self.other_button.clicked.connect(lambda: self.resolve_selected("other"))
        self.refresh()

    # ------------------------------------------------------------------------------ building

    def open_record(self, record_id: str) -> None:
        """Show a notice from the county (the only record of this page opened from elsewhere;
        the dashboard's bundle reminder opens the page with an empty id)."""
        if record_id:
            self.tabs.setCurrentWidget(self.master_data)
            self.master_data.show_notice(record_id)

    def _message_box(self, level: str, text: str) -> None:
        if level == "error":
            QMessageBox.warning(self, "数据同步", text)
        else:
            QMessageBox.information(self, "数据同步", text)

    def _say(self, level: str, text: str) -> None:
        self.last_message = text
        self.status_label.setText(text)
        self.notify(level, text)

    # ------------------------------------------------------------------------------- refresh

    def refresh(self) -> None:
        self.master_data.refresh()
        try:
            me = own_identity(self._store)
        except EnrolError as exc:
            self.identity_label.setText(str(exc))
            for b in (self.export_button, self.receipt_button, self.import_button, self.export_id_button,
                      self.import_id_button, self.send_all_button):
                b.setEnabled(False)
            return
        kind = "县级局" if me.kind == "county" else "市场监管所"
        self.identity_label.setText(f"本单位：{me.name}（{me.code}，{kind}）　指纹 <b>{me.fingerprint}</b>")
        known = peers(self._store)
        self.peers_label.setText(
            "已登记：" + "；".join(f"{n.name}（{n.code}）指纹 {node_fingerprint(n)}" for n in known)
            if known else "尚未登记任何单位：请先与对方交换登记文件，并电话核对指纹"
        )
        current = self.peer_combo.currentData()
        self.peer_combo.blockSignals(True)
        self.peer_combo.clear()
        for n in known:
            self.peer_combo.addItem(f"{n.name}（{n.code}）", n.code)
        if current is not None and self.peer_combo.findData(current) >= 0:
            self.peer_combo.setCurrentIndex(self.peer_combo.findData(current))
        self.peer_combo.blockSignals(False)
        for b in (self.export_button, self.receipt_button):
            b.setEnabled(bool(known))
        self.send_all_button.setVisible(me.kind == "county")
        self.send_all_button.setEnabled(me.kind == "county" and bool(known))
        self._fill_targets()
        self._update_pending()
        self.history_model.set_statement(sync_lists.history_statement())
        self.conflict_model.set_statement(sync_lists.open_conflicts_statement())
        n_open = cf.open_count(self._store)
        self.tabs.setTabText(1, f"冲突待处理（{n_open}）" if n_open else "冲突待处理")
        self._show_conflict()

    def _fill_targets(self) -> None:
        current = self.target_combo.currentData()
        self.target_combo.clear()
        for drive in removable_drives():
            self.target_combo.addItem(f"U盘 {drive}", str(drive))
        if current and self.target_combo.findData(current) < 0:
            self.target_combo.addItem(current, current)
        self.target_combo.addItem("选择文件夹…", None)
        if current:
            self.target_combo.setCurrentIndex(self.target_combo.findData(current))

    def set_target(self, folder: Path) -> None:
        idx = self.target_combo.findData(str(folder))
        if idx < 0:
            self.target_combo.insertItem(0, str(folder), str(folder))
            idx = 0
        self.target_combo.setCurrentIndex(idx)

    def _target_activated(self, index: int) -> None:
        if self.target_combo.itemData(index) is None:
            folder = QFileDialog.getExistingDirectory(self, "选择导出到的文件夹")
            if folder:
                self.set_target(Path(folder))

    def _update_pending(self) -> None:
        code = self.peer_combo.currentData()
        if not code:
            self.pending_label.setText("")
            return
        n = pending_change_count(self._store, code)
        self.pending_label.setText(f"待发给 {code} 的变更：{n} 条（对方确认收到之后不再重发）")

    # ------------------------------------------------------------------------------ enrolment

    def choose_identity_export(self) -> None:
        start = str(removable_drives()[0]) if removable_drives() else ""
        folder = QFileDialog.getExistingDirectory(self, "把本单位登记文件写到", start)
        if folder:
            self.export_identity_to(Path(folder))

    def export_identity_to(self, folder: Path) -> Path | None:
        try:
            path = export_identity(self._store, folder)
        except (EnrolError, OSError) as exc:
            self._say("error", f"写登记文件失败：{exc}")
            return None
        me = own_identity(self._store)
        self._say("info", f"已写出登记文件 {path}。请对方导入后，电话核对指纹：{me.fingerprint}")
        return path

    def choose_identity_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "导入对方登记文件", "", f"单位登记文件 (*{IDENTITY_SUFFIX})")
        if not path:
            return
        try:
            ident = read_identity(Path(path))
        except EnrolError as exc:
            self._say("error", str(exc))
            return
        answer = QMessageBox.question(
            self, "核对指纹",
            f"{ident.name}（{ident.code}）\n指纹：{ident.fingerprint}\n\n请与对方电话或当面核对，指纹一致才可登记。是否登记？")
        if answer == QMessageBox.StandardButton.Yes:
            self.import_identity_from(Path(path))

    def import_identity_from(self, path: Path, replace: bool = False) -> bool:
        try:
            ident, changed = enrol_peer(self._store, path, replace=replace)
        except EnrolError as exc:
            self._say("error", str(exc))
            return False
        self._say("info", f"{'已登记' if changed else '已登记过'}：{ident.name}（{ident.code}），指纹 {ident.fingerprint}")
        self.refresh()
        return True

    # --------------------------------------------------------------------------------- export

    def _target(self) -> Path | None:
        data = self.target_combo.currentData()
        if data:
            return Path(data)
        folder = QFileDialog.getExistingDirectory(self, "选择导出到的文件夹")
        if not folder:
            return None
        self.set_target(Path(folder))
        return Path(folder)

    def export_clicked(self) -> None:
        code, folder = self.peer_combo.currentData(), self._target()
        if code and folder:
            self.export_to(code, folder)

    def receipt_clicked(self) -> None:
        code, folder = self.peer_combo.currentData(), self._target()
        if code and folder:
            self.export_to(code, folder, receipt=True)

    def export_to(self, code: str, folder: Path, *, receipt: bool = False) -> ExportResult | None:
        def work(progress: Any, cancelled: Any) -> ExportResult:
            progress(0, 0, "正在收集、加密并写出数据包…")
            if cancelled():
                raise TaskCancelled()
            fn = write_receipt if receipt else export_bundle
            return fn(self._store, code, folder)

        try:
            res: ExportResult = run_in_background(self, "导出数据包", work)
        except TaskCancelled:
            self._say("info", "已取消导出，没有写出任何文件")
            return None
        except (BundleError, SyncError, EnrolError) as exc:
            self._say("error", str(exc))
            return None
        except OSError as exc:
            log.exception("export failed")
            self._say("error", f"导出失败：{exc}")
            return None
        self._say("info", (f"已写回执 {res.path.name}" if receipt else res.summary()) + f"\n位置：{res.path}")
        self.refresh()
        return res

    def _send_all_dialog(self, current: str | None) -> str | None:
        stations = [(n.code, n.name) for n in peers(self._store)]
        dlg = SendAllDialog(stations, current, self)
        return dlg.station_code() if dlg.exec() == QDialog.DialogCode.Accepted else None

    def send_all_clicked(self) -> None:
        code = self.choose_send_all(self.peer_combo.currentData())
        folder = self._target() if code else None
        if code and folder:
            self.send_all_to(code, folder)

    def send_all_to(self, code: str, folder: Path) -> ExportResult | None:
        """County: every record of station ``code`` back to it (``qsdesk export-bundle --all``),
        所长 only (the role as the database knows it), written off the GUI thread."""
        if any_account(self._store):
            try:
                require_chief(self._store, "只有所长可以把一个所的全部记录发回该所")
            except AccountError as exc:
                self._say("error", str(exc))
                return None

        def work(progress: Any, cancelled: Any) -> ExportResult:
            progress(0, 0, "正在收集该所的全部记录，加密并写出数据包…")
            if cancelled():
                raise TaskCancelled()
            return export_bundle(self._store, code, folder, full=True)

        try:
            res: ExportResult = run_in_background(self, "发回该所全部记录", work)
        except TaskCancelled:
            self._say("info", "已取消，没有写出任何文件")
            return None
        except (BundleError, SyncError, EnrolError) as exc:
            self._say("error", f"未写出：{exc}")
            return None
        except OSError as exc:
            log.exception("export of all records failed")
            self._say("error", f"写出失败：{exc}")
            return None
        self._say("info", f"已写出该所的全部记录：{res.summary()}\n位置：{res.path}\n"
                          "请把数据包交给该所，在新电脑的“数据同步”页导入。")
        self.refresh()
        return res

    # --------------------------------------------------------------------------------- import

    def choose_import(self) -> None:
        start = str(removable_drives()[0]) if removable_drives() else ""
        path, _ = QFileDialog.getOpenFileName(self, "导入数据包", start, f"同步数据包 (*{SUFFIX})")
        if path:
            self.import_file(Path(path))

    def _confirm_dialog(self, report: ImportReport) -> bool:
        return ImportPreviewDialog(report, self).exec() == QDialog.DialogCode.Accepted

    def import_file(self, path: Path) -> ImportReport | None:
        """Check the bundle, show what it would do, and apply it only if the user agrees."""
        try:
            preview: ImportReport = run_in_background(self, "检查数据包", lambda p, c: preview_bundle(self._store, path))
        except (BundleError, SyncError) as exc:
            self._say("error", f"未导入：{exc}")
            return None
        if preview.status == "already":
            self._say("info", preview.summary())
            return preview
        if not self.confirm_import(preview):
            self._say("info", "已取消导入，数据没有任何改动")
            return None
        try:
            report: ImportReport = run_in_background(self, "导入数据包", lambda p, c: import_bundle(self._store, path))
        except (BundleError, SyncError) as exc:
            self._say("error", f"未导入：{exc}")
            return None
        text = report.summary()
        if report.conflicts:
            text += f"\n有 {len(report.conflicts)} 条冲突，请在“冲突待处理”中逐条选择"
        if report.kind == "data":
            text += "\n请点击“写回执”，把回执带回给对方，对方据此确认哪些数据已送达"
        self._say("info", text)
        self.refresh()
        idx = self.peer_combo.findData(report.from_code)
        if idx >= 0:
            self.peer_combo.setCurrentIndex(idx)
        if report.conflicts:
            self.tabs.setCurrentIndex(1)
        return report
