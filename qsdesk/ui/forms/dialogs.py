"""The form dialogs: inspection (annex 4/5), census (annex 3, in :mod:`.census_dialog`), risk
report (annex 6), on the common :class:`~qsdesk.ui.forms.record_dialog.RecordDialog`; the entry
points that open them and the drafts offered at start.

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

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
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

from qsdesk.domain import formspec
from qsdesk.services import census, drafts, enterprise_binding, inspections, risk_reports
from qsdesk.store.db import ConcurrentEditError, SealedRecordError, Store
from qsdesk.ui.forms.census_dialog import CensusDialog as CensusDialog
from qsdesk.ui.forms.record_dialog import RecordDialog as RecordDialog

log = logging.getLogger(__name__)

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


