"""The record dialog every form opens in (:class:`RecordDialog`): the form widget, validation
panel, autosaved draft, 保存/封存/打印/关闭, the rev it was opened at, the size that fits the screen.

Esc is 关闭: both ask about unsaved changes (:meth:`RecordDialog.reject`). The dialog's size
comes from the screen's available geometry and is remembered per form
(:mod:`qsdesk.ui.window_fit`); nothing is fixed. The record kinds are in
:mod:`qsdesk.ui.forms.dialogs` and :mod:`qsdesk.ui.forms.census_dialog`.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qsdesk.domain import formspec
from qsdesk.services import drafts, revisions
from qsdesk.store.db import Store
from qsdesk.ui import window_fit
from qsdesk.ui.forms.widget import FormWidget

log = logging.getLogger(__name__)

#: How often the dialog checks whether an autosave is due (ms).
AUTOSAVE_POLL_MS = 300
#: A record dialog never grows beyond this on a large screen (reading width of the form).
LARGEST_DIALOG = QSize(1500, 1100)


def _printing_available() -> bool:
    try:
        from qsdesk.services.printing import records  # noqa: F401
    except ImportError:
        return False
    return True


class RecordDialog(QDialog):
    """Shared frame: the form, autosave, buttons. Subclasses implement load/save."""

    saved = Signal(str)  # record id
    record_table = ""
    kind = ""

    def __init__(self, store: Store, spec: formspec.FormSpec, parent: QWidget | None = None, *,
                 record_id: str | None = None, enterprise_id: str | None = None,
                 read_only: bool = False) -> None:
        super().__init__(parent)
        self.store = store
        self.spec = spec
        self.record_id = record_id
        self.enterprise_id = enterprise_id
        #: The revision of the record when the form loaded it: the save passes it
        #: (``expected_rev``), so a change saved elsewhere meanwhile is never overwritten.
        #: Read before the values (a change in between refuses the save, never loses one).
        self.loaded_rev = revisions.current(store, self.record_table, record_id) if self.record_table else None
        self.setWindowTitle(spec.title)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.form = FormWidget(spec, self, store=store, read_only=read_only)
        self.status = QLabel(self)
        self.status.setStyleSheet("color:#555")
        self.buttons = QHBoxLayout()
        self.save_btn = QPushButton("保存草稿(&S)", self)
        self.save_btn.setToolTip("保存（Ctrl+S）")
        self.seal_btn = QPushButton("封存(&F)…", self)
        self.print_btn = QPushButton("打印(&P)…", self)
        self.amend_btn = QPushButton("更正(&G)…", self)
        self.history_btn = QPushButton("操作记录(&H)…", self)
        self.history_btn.setToolTip("谁在何时新建、修改、封存、打印、导出过这份记录")
        self.close_btn = QPushButton("关闭", self)
        self.buttons.addWidget(self.status, 1)
        for b in (self.save_btn, self.seal_btn, self.print_btn, self.amend_btn, self.history_btn, self.close_btn):
            self.buttons.addWidget(b)
        self.history_btn.clicked.connect(self.show_history)
        self.save_btn.clicked.connect(self.save)
        self.seal_btn.clicked.connect(self.seal)
        self.print_btn.clicked.connect(self.print_record)
        self.amend_btn.clicked.connect(self.amend)
        self.close_btn.clicked.connect(self.close)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.form, 1)
        lay.addLayout(self.buttons)
        window_fit.fit_window(self, f"record_{spec.id}", fraction=(0.97, 0.97), largest=LARGEST_DIALOG)
        self._close_confirmed = False
        # Enter in a field must not press a button (save, seal, delete a row...).
        for b in self.findChildren(QPushButton):
            b.setAutoDefault(False)
            b.setDefault(False)

        self.autosaver = drafts.Autosaver(
            store, form_id=spec.id, form_version=spec.version, content=self.draft_content,
            record_table=self.record_table, record_id=record_id, enterprise_id=enterprise_id)
        self._timer = QTimer(self)
        self._timer.setInterval(AUTOSAVE_POLL_MS)
        self._timer.timeout.connect(self._autosave_tick)
        self._timer.start()
        self.form.changed.connect(self._on_change)
        self._dirty = False
        self.print_btn.setVisible(_printing_available())
        self.seal_btn.setVisible(self.kind == "inspection")
        self.amend_btn.setVisible(False)

    # ------------------------------------------------------------------ drafts
    def draft_content(self) -> dict[str, Any]:
        return {"kind": self.kind, "values": self.form.values(), "answers": self.form.answers(),
                "record_id": self.record_id, "enterprise_id": self.enterprise_id}

    def _on_change(self) -> None:
        if self.form.is_read_only():
            return
        self._dirty = True
        self.autosaver.touch()
        self.status.setText("有未保存的修改（已自动保存草稿）" if self.autosaver.draft_id else "有未保存的修改")

    def _autosave_tick(self) -> None:
        if self.autosaver.due():
            try:
                self.autosaver.flush()
                self.status.setText("已自动保存草稿")
            except Exception:  # autosave must never take the form down with it
                log.exception("autosave failed")
                self.status.setText("自动保存失败，请手动保存")

    def restore_draft(self, draft: drafts.DraftInfo) -> None:
        """Fill the form from a draft that survived a crash; it stays a draft until saved."""
        c = draft.content
        self.form.set_values(c.get("values") or {}, c.get("answers") or {})
        self.autosaver.draft_id = draft.id
        self._dirty = True
        self.status.setText(f"已恢复 {draft.updated_at:%Y-%m-%d %H:%M:%S} 自动保存的草稿，请核对后保存")

    # ------------------------------------------------------------------ actions
    def save(self) -> bool:
        raise NotImplementedError

    def seal(self) -> bool:
        return False

    def amend(self) -> None:
        return None

    def print_record(self) -> None:
        """打印: the preview with the system print dialog (qsdesk.ui.record_print)."""
        from qsdesk.ui.record_print import preview_for_dialog

        preview_for_dialog(self)

    def _after_save(self, record_id: str) -> None:
        self.record_id = record_id
        self.loaded_rev = revisions.current(self.store, self.record_table, record_id)
        self.autosaver.discard()
        self.autosaver.record_id = record_id
        self._dirty = False
        self.status.setText("已保存")
        self.saved.emit(record_id)

    def show_history(self) -> None:
        """The audit trail of this record (and, for an amendment, of the record it corrects)."""
        from qsdesk.ui.admin_panels import RecordHistoryDialog

        if self.record_id is None:
            self.status.setText("尚未保存，没有操作记录")
            return
        ids = [self.record_id]
        row = getattr(self, "_row", None)
        if row is not None and getattr(row, "amends_id", None):
            ids.append(row.amends_id)
        self.history_dialog = RecordHistoryDialog(self.store, ids, self)
        self.history_dialog.open()

    def _error(self, title: str, exc: Exception) -> None:
        QMessageBox.warning(self, title, str(exc))

    # ------------------------------------------------------------------ changed elsewhere
    def _load_latest(self) -> None:
        """Fill the form with the record as stored now (subclasses)."""
        raise NotImplementedError

    def _changed_elsewhere(self) -> None:
        """The save was refused: the record changed after the form loaded it. Say who changed it
        and when, keep what was typed (the form and its autosaved draft), and offer to load the
        newer version; what was typed then stays listed above the form to re-enter."""
        assert self.record_id is not None
        self.autosaver.touch()
        try:
            self.autosaver.flush()  # what was typed survives as this record's draft
        except Exception:  # noqa: BLE001 - the form still holds it
            log.exception("draft not saved")
        text = revisions.stale_message(self.store, self.record_table, self.record_id)
        box = QMessageBox(QMessageBox.Icon.Warning, "记录已被修改", text + "。", parent=self)
        box.setInformativeText("您填写的内容仍在表中，并已保存为草稿。载入最新内容后，您填写而未保存的"
                               "内容会列在表单上方，便于对照后重新填写。")
        load = box.addButton("载入最新内容", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("留在本表", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(load)
        box.exec()
        if box.clickedButton() is not load:
            self.status.setText("未保存：该记录已被他人修改")
            return
        typed_values, typed_answers = self.form.values(), self.form.answers()
        self.loaded_rev = revisions.current(self.store, self.record_table, self.record_id)
        self._load_latest()
        latest_values, latest_answers = self.form.values(), self.form.answers()
        lines = []
        for f in self.spec.fields():
            if typed_values.get(f.key) != latest_values.get(f.key):
                lines.append(f"{f.label}：{_shown(typed_values.get(f.key))}")
        changed_items = [k for k in typed_answers if typed_answers.get(k) != latest_answers.get(k)]
        if changed_items:
            lines.append(f"检查项目 {len(changed_items)} 项的答案")
        head = "已载入最新内容。您填写而未保存的内容（已保存为草稿）："
        self.form.set_banner(head + ("；".join(lines[:12]) + ("……" if len(lines) > 12 else "") if lines else "无"))
        self._dirty = False
        self.autosaver.settle()  # the draft keeps what was typed, not the version just loaded
        self.status.setText("已载入最新内容")

    def _confirm_close(self) -> bool:
        """Ask about unsaved changes; False when the user keeps the dialog open."""
        if self._close_confirmed:
            return True
        if self._dirty and not self.form.is_read_only():
            ans = QMessageBox.question(
                self, "尚未保存", "表单有未保存的修改。是否保存？\n（选“放弃”将丢弃这些修改）",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
            if ans not in (QMessageBox.StandardButton.Save, QMessageBox.StandardButton.Discard):
                return False  # Cancel, or the box closed with Esc
            if ans == QMessageBox.StandardButton.Save and not self.save():
                return False
            if ans == QMessageBox.StandardButton.Discard:
                self.autosaver.discard()
                self._dirty = False
        self._close_confirmed = True
        self._timer.stop()
        window_fit.remember_size(self)
        return True

    def showEvent(self, e: Any) -> None:  # noqa: N802
        self._close_confirmed = False
        if not self._timer.isActive():
            self._timer.start()
        super().showEvent(e)

    def reject(self) -> None:
        """Esc (and the window manager's close) go through the same question as 关闭."""
        if self._confirm_close():
            super().reject()

    def closeEvent(self, e: QCloseEvent) -> None:  # noqa: N802
        if not self._confirm_close():
            e.ignore()
            return
        super().closeEvent(e)


def _shown(value: Any) -> str:
    """A typed value as one short line (for the list of what was not saved)."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, dict):
        value = " ".join(str(v) for v in value.values() if v not in (None, ""))
    elif isinstance(value, list):
        value = f"{len(value)} 项"
    text = str(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:40] + "…"
