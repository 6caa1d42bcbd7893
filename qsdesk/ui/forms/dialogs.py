"""The form dialogs: inspection (annex 4/5), census (annex 3), risk report (annex 6).

Every dialog autosaves a draft (:mod:`qsdesk.services.drafts`) within two seconds of a change,
so a crash or a power cut loses at most the last seconds of typing; :func:`offer_draft_restore`
offers those drafts at the next start. Buttons: 保存草稿 (Ctrl+S), 封存 (inspections), 打印
(when printing is available), 更正 (a sealed inspection: start an amendment), 关闭.

Esc is 关闭: both ask about unsaved changes (:meth:`RecordDialog.reject`). The dialog's size
comes from the screen's available geometry and is remembered per form
(:mod:`qsdesk.ui.window_fit`); nothing is fixed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qsdesk.domain import formspec, supervision
from qsdesk.services import census, drafts, enterprise_binding, inspections, revisions, risk_reports
from qsdesk.store.db import ConcurrentEditError, SealedRecordError, Store
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


def _prefill_own_inspector(store: Store, values: dict[str, Any]) -> None:
    """A new inspection names the person at the keyboard (their account's linked inspector) as
    the first inspector, with their phone, when the form has not named anyone yet."""
    from qsdesk.services.account_links import inspector_of

    if not store.actor or values.get("inspectors"):
        return
    me = inspector_of(store, store.actor)
    if me is None:
        return
    values["inspectors"] = [me[1]]
    if me[2] and not values.get("inspector_phone"):
        values["inspector_phone"] = me[2]


class InspectionDialog(RecordDialog):
    record_table = "inspection"
    kind = "inspection"

    def __init__(self, store: Store, parent: QWidget | None = None, *, enterprise_id: str | None = None,
                 inspection_id: str | None = None, form_id: str | None = None,
                 form_version: int | None = None) -> None:
        values: dict[str, Any] = {}
        answers: dict[str, Any] = {}
        status = "draft"
        if inspection_id:
            row, values = inspections.load(store, inspection_id)
            spec = store.forms.spec(row.form_id, row.form_version)
            answers = dict(row.answers or {})
            enterprise_id = row.enterprise_id
            status = row.status
            self._row: inspections.Inspection | None = row  # the detached row load() returns
        else:
            if not enterprise_id:
                raise inspections.InspectionError("请先选择被检查企业")
            form_id, values = inspections.new_values(store, enterprise_id, form_id)
            _prefill_own_inspector(store, values)
            # A restored draft keeps the form version it was typed in.
            spec = store.forms.spec(form_id, form_version)
            self._row = None
        super().__init__(store, spec, parent, record_id=inspection_id, enterprise_id=enterprise_id,
                         read_only=status == "sealed")
        if self._row is not None:
            self.loaded_rev = self._row.rev  # read with the values, in one session
        self.form.set_values(values, answers)
        self._apply_status()

    def _apply_status(self) -> None:
        row = self._row
        sealed = row is not None and row.status == "sealed"
        self.form.set_read_only(sealed)
        self.save_btn.setVisible(not sealed)
        self.seal_btn.setVisible(not sealed)
        self.amend_btn.setVisible(sealed)
        self.print_btn.setEnabled(row is not None)
        title = self.spec.title + (f"（第 {self.spec.version} 版）" if self.spec.version > 1 else "")
        if row is not None and row.amends_id:
            title += " — 更正记录"
        self.setWindowTitle(title)
        if sealed and row is not None:
            newer = inspections.latest_version_id(self.store, row.id)
            text = (f"已封存：编号 {row.record_no}，{row.sealed_at:%Y-%m-%d %H:%M} 由 {row.sealed_by} 封存，"
                    f"内容摘要 {(row.content_hash or '')[:16]}…。封存记录不可修改，如需更正请点“更正”。")
            if newer != row.id:
                text += " 该记录已有更正记录。"
                self.amend_btn.setEnabled(False)
            self.form.set_banner(text)
        elif row is not None and row.amends_id:
            self.form.set_banner("这是对一份已封存记录的更正，原记录保持不变。更正后须重新签字并封存。")
        else:
            self.form.set_banner(None)

    def _load_latest(self) -> None:
        assert self.record_id is not None
        row, values = inspections.load(self.store, self.record_id)
        self._row = row
        self.form.set_values(values, dict(row.answers or {}))
        self._apply_status()

    def _reload(self, inspection_id: str) -> None:
        row, values = inspections.load(self.store, inspection_id)
        self._row = row
        self.record_id = inspection_id
        self.loaded_rev = row.rev
        self.autosaver.record_id = inspection_id
        self.form.set_read_only(False)
        self.form.set_values(values, dict(row.answers or {}))
        self._apply_status()

    def save(self) -> bool:
        if self.form.is_read_only():
            return True
        try:
            iid = inspections.save_draft(
                self.store, form_id=self.spec.id, form_version=self.spec.version,
                values=self.form.values(), answers=self.form.answers(),
                enterprise_id=self.enterprise_id, inspection_id=self.record_id, expected_rev=self.loaded_rev)
        except ConcurrentEditError:
            self._changed_elsewhere()
            return False
        except (inspections.InspectionError, SealedRecordError, ValueError) as exc:
            self._error("无法保存", exc)
            return False
        self._after_save(iid)
        self._row, _ = inspections.load(self.store, iid)
        self._apply_status()
        return True

    def seal(self) -> bool:
        if not self.save() or self.record_id is None:
            return False
        values = self.form.values()
        _plain, sigs = inspections.split_signatures(self.spec, values)
        names = [n for _i, n, _p in self.form.inspectors] or None
        form_problems = inspections.seal_problems(self.spec, values, self.form.answers(), sigs,
                                                  inspectors=names, require_signatures=False)
        if form_problems:
            self.form.refresh_problems()
            self.form.jump_to(form_problems[0].key)
            QMessageBox.warning(self, "不能封存",
                                f"还有 {len(form_problems)} 处未填写或填写有误，已列在右侧。\n"
                                f"第一处：{form_problems[0].label}：{form_problems[0].message}")
            return False
        sig_problems = inspections.seal_problems(self.spec, values, self.form.answers(), sigs,
                                                 inspectors=names, require_signatures=True)
        wet_ink = False
        if sig_problems:
            text = "\n".join(f"· {p.label}：{p.message}" for p in sig_problems)
            ans = QMessageBox.question(
                self, "签字未采集",
                f"以下签字尚未在屏幕上采集：\n{text}\n\n是否按纸质手签封存（打印后在签字栏手写签名）？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if ans != QMessageBox.StandardButton.Yes:
                self.form.set_extra_problems(sig_problems)
                self.form.jump_to(sig_problems[0].key)
                return False
            wet_ink = True
        ans = QMessageBox.question(self, "确认封存", "封存后记录不可修改，只能另建更正记录。确认封存？",
                                   QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                   QMessageBox.StandardButton.No)
        if ans != QMessageBox.StandardButton.Yes:
            return False
        try:
            inspections.seal(self.store, self.record_id, require_signatures=not wet_ink)
        except inspections.InvalidRecordError as exc:
            self.form.set_extra_problems(exc.problems)
            self._error("不能封存", exc)
            return False
        self.form.set_extra_problems([])
        self._reload(self.record_id)
        self.status.setText("已封存")
        self.saved.emit(self.record_id)
        return True

    def amend(self) -> None:
        if self.record_id is None:
            return
        reason, ok = QInputDialog.getText(self, "更正记录", "更正原因（将记入操作日志）：")
        if not ok:
            return
        try:
            new_id = inspections.amend(self.store, self.record_id, reason=reason.strip() or None)
        except inspections.InspectionError as exc:
            self._error("无法更正", exc)
            return
        self._reload(new_id)
        self.status.setText("已创建更正记录（草稿），修改后请重新签字并封存")
        self.saved.emit(new_id)


class CensusDialog(RecordDialog):
    """Annex 3: saving writes the enterprise record and its products.

    Opened without an enterprise it adds one (新增企业): the empty annex 3 with its product rows
    (licence type and certificate number per product) plus the entry reason that a first entry
    needs (国市监质监发〔2023〕38号 四（一）). A credit code already registered is refused and the
    existing record offered instead; a near-duplicate name is warned about before saving.
    """

    record_table = "enterprise"
    kind = "census"
    #: The new enterprise was saved, or the person chose the already registered one: its id.
    enterprise_chosen = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None, *, enterprise_id: str | None = None,
                 name: str | None = None) -> None:
        spec = store.forms.spec(census.FORM_ID)
        super().__init__(store, spec, parent, record_id=enterprise_id, enterprise_id=enterprise_id)
        self.save_btn.setText("保存(&S)")
        self.entry_reason: QComboBox | None = None
        #: Set by a caller that goes on with the chosen enterprise (新建检查 on an unknown unit):
        #: choosing the registered one then emits enterprise_chosen instead of opening it here.
        self.continues_with_choice = False
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color:#a15c00")
        self.hint.setVisible(False)
        if enterprise_id:
            self.form.set_values(census.census_values(store, enterprise_id))
            return
        self.setWindowTitle(f"新增企业 — {spec.title}")
        row = QHBoxLayout()
        label = QLabel("录入原因(&Y)：", self)
        self.entry_reason = QComboBox(self)
        self.entry_reason.setEditable(True)
        self.entry_reason.addItem("")
        self.entry_reason.addItems(list(supervision.ENTRY_REASONS))
        self.entry_reason.setCurrentIndex(0)
        self.entry_reason.setToolTip("首次录入的企业须注明录入原因（国市监质监发〔2023〕38号 四（一））；"
                                     "可从列表中选择，也可直接输入")
        line = self.entry_reason.lineEdit()  # the combo is editable: it has one
        if line is not None:
            line.setPlaceholderText("必填：为什么录入本企业（可选择或输入）")
        self.entry_reason.setMinimumContentsLength(24)
        label.setBuddy(self.entry_reason)
        row.addWidget(label)
        row.addWidget(self.entry_reason, 1)
        lay = self.layout()
        assert isinstance(lay, QVBoxLayout)
        lay.insertWidget(1, self.hint)
        lay.insertLayout(2, row)
        self.entry_reason.currentTextChanged.connect(lambda _t: self._on_change())
        if name:
            self.form.set_values({"name": name.strip()})
        self._hint_timer = QTimer(self)
        self._hint_timer.setSingleShot(True)
        self._hint_timer.setInterval(400)
        self._hint_timer.timeout.connect(self.update_hint)
        self.form.changed.connect(self._hint_timer.start)

    @property
    def is_new(self) -> bool:
        return self.record_id is None

    def _load_latest(self) -> None:
        assert self.record_id is not None
        self.form.set_values(census.census_values(self.store, self.record_id))

    def draft_content(self) -> dict[str, Any]:
        c = super().draft_content()
        if self.entry_reason is not None:
            c["entry_reason"] = self.entry_reason.currentText()
        return c

    def restore_draft(self, draft: drafts.DraftInfo) -> None:
        super().restore_draft(draft)
        if self.entry_reason is not None and draft.content.get("entry_reason"):
            self.entry_reason.setEditText(str(draft.content["entry_reason"]))

    def update_hint(self) -> None:
        """While typing a new enterprise: say at once when it looks already registered."""
        if not self.is_new:
            self.hint.setVisible(False)
            return
        values = self.form.values()
        lines = []
        code = str(values.get("uscc") or "").strip()
        if len(code) == 18:
            existing = census.find_by_credit_code(self.store, code)
            if existing is not None:
                lines.append(f"统一社会信用代码已登记为“{existing.name}”。保存时可打开该企业。")
        name = str(values.get("name") or "").strip()
        if name:
            similar = census.similar_names(self.store, name, limit=3)
            if similar:
                lines.append("已有名称相近的企业：" + "；".join(
                    f"{e.name}（{e.uscc or '无信用代码'}）" for e in similar))
        self.hint.setText("\n".join(lines))
        self.hint.setVisible(bool(lines))

    def _use_existing(self, existing: census.ExistingEnterprise) -> bool:
        """Offer the registered enterprise instead of a duplicate; True when taken."""
        ans = QMessageBox.question(
            self, "企业已登记",
            f"统一社会信用代码 {existing.uscc} 已登记为“{existing.name}”"
            f"{'（' + existing.address + '）' if existing.address else ''}，不能重复新增。\n\n"
            "是否改为打开该企业？（本表填写的内容将不保存）",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
        if ans != QMessageBox.StandardButton.Yes:
            self.form.jump_to("uscc")
            return False
        self.autosaver.discard()
        self._dirty = False
        self._close_confirmed = True
        self.close()
        if self.continues_with_choice:
            self.enterprise_chosen.emit(existing.id)
        else:
            self.existing_dialog = open_census(self.store, self.parentWidget(), enterprise_id=existing.id)
        return True

    def _save_new(self) -> bool:
        assert self.entry_reason is not None
        values = self.form.values()
        reason = self.entry_reason.currentText().strip()
        if not reason:
            QMessageBox.warning(self, "不能保存", supervision.check_entry(True, "")[0])
            self.entry_reason.setFocus()
            return False
        existing = census.find_by_credit_code(self.store, str(values.get("uscc") or ""))
        if existing is not None:
            self._use_existing(existing)
            return False
        similar = census.similar_names(self.store, str(values.get("name") or ""))
        if similar:
            names = "\n".join(f"· {e.name}（{e.uscc or '无信用代码'}）{e.address or ''}" for e in similar)
            ans = QMessageBox.question(
                self, "名称相近",
                f"已登记以下名称相近的企业：\n{names}\n\n确认“{values.get('name')}”是另一家企业、仍要新增吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if ans != QMessageBox.StandardButton.Yes:
                return False
        try:
            eid = census.add_enterprise(self.store, values, entry_reason=reason)
        except census.DuplicateCreditCode as exc:  # registered meanwhile (e.g. by a sync import)
            self._use_existing(exc.existing)
            return False
        except census.CensusError as exc:
            self._error("无法保存", exc)
            return False
        self.entry_reason.setEnabled(False)
        self.setWindowTitle(self.spec.title)
        self.hint.setVisible(False)
        self.enterprise_id = eid
        self.autosaver.enterprise_id = eid
        self._after_save(eid)
        self.enterprise_chosen.emit(eid)
        return True

    def save(self) -> bool:
        probs = self.form.problems()
        if probs:
            self.form.refresh_problems()
            self.form.jump_to(probs[0].key)
            QMessageBox.warning(self, "不能保存", f"还有 {len(probs)} 处未填写或填写有误，已列在右侧。")
            return False
        if self.is_new:
            return self._save_new()
        try:
            # (the entry reason box exists only for a new enterprise: an update keeps the recorded one)
            eid = census.save_census(self.store, self.form.values(), self.record_id,
                                     expected_rev=self.loaded_rev)
        except ConcurrentEditError:
            self._changed_elsewhere()
            return False
        except census.CensusError as exc:
            self._error("无法保存", exc)
            return False
        self.enterprise_id = eid
        self.autosaver.enterprise_id = eid
        self._after_save(eid)
        return True


class RiskReportDialog(RecordDialog):
    record_table = "risk_report"
    kind = "risk"

    def __init__(self, store: Store, parent: QWidget | None = None, *, report_id: str | None = None,
                 enterprise_id: str | None = None) -> None:
        values: dict[str, Any] = {}
        rev: int | None = None
        if report_id:
            row, values = risk_reports.risk_report_values(store, report_id)
            rev = row.rev
            spec = store.forms.spec(row.form_id, row.form_version)
            enterprise_id = enterprise_id or row.enterprise_id
        else:
            spec = store.forms.spec(risk_reports.FORM_ID)
        super().__init__(store, spec, parent, record_id=report_id, enterprise_id=enterprise_id)
        if rev is not None:
            self.loaded_rev = rev  # read with the values, in one session
        self.save_btn.setText("保存(&S)")
        if values:
            self.form.set_values(values)
        elif enterprise_id:
            self._prefill_enterprise(enterprise_id)

    def _load_latest(self) -> None:
        assert self.record_id is not None
        _row, values = risk_reports.risk_report_values(self.store, self.record_id)
        self.form.set_values(values)

    def _prefill_enterprise(self, enterprise_id: str) -> None:
        self.form.set_values(enterprise_binding.risk_party_prefill(self.store, enterprise_id, self.spec))

    def save(self) -> bool:
        probs = self.form.problems()
        if probs:
            self.form.refresh_problems()
            self.form.jump_to(probs[0].key)
            QMessageBox.warning(self, "不能保存", f"还有 {len(probs)} 处未填写或填写有误，已列在右侧。")
            return False
        try:
            rid = risk_reports.save_risk_report(self.store, self.form.values(), self.record_id,
                                                enterprise_id=self.enterprise_id, expected_rev=self.loaded_rev)
        except ConcurrentEditError:
            self._changed_elsewhere()
            return False
        except (risk_reports.RiskReportError, ValueError) as exc:
            self._error("无法保存", exc)
            return False
        self._after_save(rid)
        return True


# ---------------------------------------------------------------------------- entry points


def _show(dlg: QDialog) -> QDialog:
    dlg.show()
    dlg.raise_()
    dlg.activateWindow()
    return dlg


def open_inspection(store: Store, parent: QWidget | None = None, enterprise_id: str | None = None,
                    inspection_id: str | None = None) -> InspectionDialog | None:
    """Open an inspection: a new one for ``enterprise_id`` or an existing one (sealed: read-only).

    If an autosaved draft of that record survives, it is offered first.
    """
    try:
        dlg = InspectionDialog(store, parent, enterprise_id=enterprise_id, inspection_id=inspection_id)
    except (inspections.InspectionError, formspec.FormSpecError) as exc:
        QMessageBox.warning(parent, "无法打开检查记录", str(exc))
        return None
    if inspection_id and not dlg.form.is_read_only():
        d = drafts.find_draft(store, dlg.spec.id, inspection_id)
        if d is not None:
            ans = QMessageBox.question(parent, "恢复草稿",
                                       f"该记录有 {d.updated_at:%Y-%m-%d %H:%M} 自动保存、尚未保存的修改，是否恢复？")
            if ans == QMessageBox.StandardButton.Yes:
                dlg.restore_draft(d)
            else:
                drafts.discard_draft(store, d.id)
    _show(dlg)
    return dlg


def open_census(store: Store, parent: QWidget | None = None, enterprise_id: str | None = None) -> CensusDialog:
    return _show(CensusDialog(store, parent, enterprise_id=enterprise_id))  # type: ignore[return-value]


def open_new_enterprise(store: Store, parent: QWidget | None = None, *, name: str | None = None,
                        then: Callable[[str], None] | None = None) -> CensusDialog:
    """新增企业: the empty annex 3. ``then(enterprise_id)`` runs once with the new enterprise's id
    after it is saved (the census dialog then closes), or with the already registered enterprise
    the person chose instead of a duplicate."""
    dlg = CensusDialog(store, parent, enterprise_id=None, name=name)
    if then is not None:
        dlg.continues_with_choice = True
        done: list[str] = []

        def chosen(eid: str) -> None:
            if done:
                return
            done.append(eid)
            if dlg.isVisible():
                dlg._close_confirmed = True
                dlg.close()
            then(eid)

        dlg.enterprise_chosen.connect(chosen)
    return _show(dlg)  # type: ignore[return-value]


def open_risk_report(store: Store, parent: QWidget | None = None, report_id: str | None = None,
                     enterprise_id: str | None = None) -> RiskReportDialog:
    return _show(RiskReportDialog(store, parent, report_id=report_id,  # type: ignore[return-value]
                                  enterprise_id=enterprise_id))


DraftOpener = Callable[[Store, drafts.DraftInfo, QWidget | None], "RecordDialog | None"]
#: Openers for draft kinds defined outside this module (``RecordDialog.kind`` → opener). An
#: opener builds its dialog; :func:`open_draft` then fills it from the draft and shows it.
DRAFT_OPENERS: dict[str, DraftOpener] = {}


def register_draft_opener(kind: str, opener: DraftOpener) -> None:
    """Let :func:`offer_draft_restore` reopen drafts of another RecordDialog subclass."""
    DRAFT_OPENERS[kind] = opener


def open_draft(store: Store, draft: drafts.DraftInfo, parent: QWidget | None = None) -> RecordDialog | None:
    """Reopen the dialog a draft belongs to and fill it from the draft."""
    c = draft.content
    kind = c.get("kind")
    if kind in DRAFT_OPENERS:
        made = DRAFT_OPENERS[kind](store, draft, parent)
        if made is None:
            return None
        made.restore_draft(draft)
        return _show(made)  # type: ignore[return-value]
    record_id = c.get("record_id") or draft.record_id
    enterprise_id = c.get("enterprise_id") or draft.enterprise_id
    dlg: RecordDialog
    try:
        if kind == "inspection":
            if record_id:
                dlg = InspectionDialog(store, parent, inspection_id=record_id)
                if dlg.form.is_read_only():  # sealed meanwhile: the draft cannot apply
                    drafts.discard_draft(store, draft.id)
                    return _show(dlg)  # type: ignore[return-value]
            else:
                dlg = InspectionDialog(store, parent, enterprise_id=enterprise_id, form_id=draft.form_id,
                                       form_version=draft.form_version)
        elif kind == "census":
            dlg = CensusDialog(store, parent, enterprise_id=record_id)
        elif kind == "risk":
            dlg = RiskReportDialog(store, parent, report_id=record_id, enterprise_id=enterprise_id)
        else:
            return None
    except (inspections.InspectionError, census.CensusError, risk_reports.RiskReportError,
            formspec.FormSpecError) as exc:
        QMessageBox.warning(parent, "无法恢复草稿", str(exc))
        return None
    dlg.restore_draft(draft)
    return _show(dlg)  # type: ignore[return-value]


class DraftRestoreDialog(QDialog):
    """Lists the drafts a crash left behind: restore the chosen ones, or discard them."""

    def __init__(self, store: Store, items: list[drafts.DraftInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.opened: list[RecordDialog] = []
        self.setWindowTitle("恢复未保存的表单")
        self.resize(620, 360)
        info = QLabel("上次退出时以下表单尚未保存（程序异常退出或断电）。请选择要恢复的草稿：", self)
        info.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        titles = {}
        for d in items:
            if d.form_id not in titles:
                try:
                    titles[d.form_id] = store.forms.spec(d.form_id, d.form_version).title
                except formspec.FormSpecError:
                    titles[d.form_id] = d.form_id
            text = f"{d.updated_at.astimezone():%Y-%m-%d %H:%M:%S}  {titles[d.form_id]}"
            if d.enterprise_name:
                text += f" — {d.enterprise_name}"
            it = QListWidgetItem(text)
            it.setData(Qt.ItemDataRole.UserRole, d.id)
            self.list.addItem(it)
        self.list.selectAll()
        self.restore_btn = QPushButton("恢复所选(&R)", self)
        self.discard_btn = QPushButton("丢弃所选(&D)", self)
        self.later_btn = QPushButton("以后再说", self)
        self.restore_btn.setDefault(True)
        self.restore_btn.clicked.connect(self.restore_selected)
        self.discard_btn.clicked.connect(self.discard_selected)
        self.later_btn.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.restore_btn)
        row.addWidget(self.discard_btn)
        row.addWidget(self.later_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(info)
        lay.addWidget(self.list, 1)
        lay.addLayout(row)

    def _selected_ids(self) -> list[str]:
        return [str(i.data(Qt.ItemDataRole.UserRole)) for i in self.list.selectedItems()]

    def restore_selected(self) -> None:
        for did in self._selected_ids():
            d = drafts.load_draft(self.store, did)
            if d is None:
                continue
            dlg = open_draft(self.store, d, self.parentWidget())
            if dlg is not None:
                self.opened.append(dlg)
        self.accept()

    def discard_selected(self) -> None:
        ids = self._selected_ids()
        if not ids:
            return
        ans = QMessageBox.question(self, "丢弃草稿", f"确定丢弃所选 {len(ids)} 份草稿？丢弃后无法找回。")
        if ans != QMessageBox.StandardButton.Yes:
            return
        for did in ids:
            drafts.discard_draft(self.store, did)
        for i in self.list.selectedItems():
            self.list.takeItem(self.list.row(i))
        if self.list.count() == 0:
            self.accept()


def offer_draft_restore(store: Store, parent: QWidget | None = None) -> DraftRestoreDialog | None:
    """At program start: if drafts survived, show (non-blocking) the dialog offering them."""
    items = drafts.list_drafts(store)
    if not items:
        return None
    dlg = DraftRestoreDialog(store, items, parent)
    dlg.open()
    return dlg


