"""The census dialog (annex 3, 企业信息摸底排查表): a new enterprise with its products, licences and
entry reason, or an existing one; a duplicate credit code offers the existing record, a near-duplicate
name warns.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from qsdesk.domain import supervision
from qsdesk.services import census, drafts
from qsdesk.store.db import ConcurrentEditError, Store
from qsdesk.ui.forms.record_dialog import RecordDialog

log = logging.getLogger(__name__)


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
            from qsdesk.ui.forms.dialogs import open_census  # the entry points import this module

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
