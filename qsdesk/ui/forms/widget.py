"""FormWidget: a complete on-screen form built from a :class:`~qsdesk.domain.formspec.FormSpec`.

The widget shows the sections in the order of the paper annex, one editor per field (see
:mod:`qsdesk.ui.forms.editors`) and, for checklist sections, one row per item (:mod:`checklist_rows`) with the answers
the annex allows as radio buttons and the problem/disposition note that becomes required when
发现问题 is chosen. A validation panel on the right lists everything missing or invalid; choosing
an entry (click, Enter) jumps to the field. The Tab order follows the paper from top to bottom.

``values()`` / ``answers()`` / ``set_values()`` speak the JSON the services store; nothing here
touches the database except the attachments strip (which stores picked files by SHA-256).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from qsdesk.domain import formspec
from qsdesk.domain.answers import NOT_FOUND
from qsdesk.domain.formspec import Field, FormSpec, Problem
from qsdesk.store.db import Store
from qsdesk.ui.forms import editors as ed
from qsdesk.ui.forms.attachments_strip import AttachmentEditor
from qsdesk.ui.forms.checklist_rows import AnswerKeys, ChecklistRow

_CELL_KEY = re.compile(r"^(?P<key>[a-z][a-z0-9_]*)\[(?P<row>\d+)\]\.(?P<col>[a-z][a-z0-9_]*)$")


EditorFactory = Callable[[Field, QWidget, Store | None, Sequence[tuple[str, str, str | None]]], ed.Editor]

#: The editor of each field type (every type of :data:`qsdesk.domain.fieldtypes.REGISTRY`).
EDITORS: dict[str, EditorFactory] = {
    "text": lambda f, p, store, people: ed.TextEditor(f, p),
    "multiline": lambda f, p, store, people: ed.MultilineEditor(f, p),
    "date": lambda f, p, store, people: ed.DateEditor(f, p),
    "phone": lambda f, p, store, people: ed.PhoneEditor(f, p),
    "uscc": lambda f, p, store, people: ed.UsccEditor(f, p),
    "number": lambda f, p, store, people: ed.NumberEditor(f, p, integer=False),
    "integer": lambda f, p, store, people: ed.NumberEditor(f, p, integer=True),
    "choice": lambda f, p, store, people: ed.ChoiceEditor(f, p),
    "multichoice": lambda f, p, store, people: ed.MultiChoiceEditor(f, p),
    "address": lambda f, p, store, people: ed.AddressEditor(f, p),
    "table": lambda f, p, store, people: ed.TableEditor(f, p),
    "history": lambda f, p, store, people: ed.TableEditor(f, p),
    "signature": lambda f, p, store, people: ed.SignatureEditor(f, p),
    "attachment": lambda f, p, store, people: AttachmentEditor(f, p, store=store),
    "inspector": lambda f, p, store, people: ed.InspectorEditor(f, p, inspectors=people),
}


def make_editor(field: Field, parent: QWidget, *, store: Store | None,
                inspectors: Sequence[tuple[str, str, str | None]]) -> ed.Editor:
    factory = EDITORS.get(field.type)
    if factory is None:
        raise ValueError(f"unknown field type {field.type!r}")
    return factory(field, parent, store, inspectors)


class FormWidget(QWidget):
    """The whole form: scrollable sections on the left, the validation panel on the right."""

    changed = Signal()

    def __init__(
        self,
        spec: FormSpec,
        parent: QWidget | None = None,
        *,
        store: Store | None = None,
        read_only: bool = False,
        inspectors: Sequence[tuple[str, str, str | None]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self.store = store
        if inspectors is None and store is not None:
            from qsdesk.services.inspections import inspector_choices

            inspectors = inspector_choices(store)
        self.inspectors = list(inspectors or [])
        self.editors: dict[str, ed.Editor] = {}
        self.rows: dict[str, ChecklistRow] = {}
        self.labels: dict[str, QLabel] = {}
        self._read_only = False
        self._loading = False
        self._extra_problems: list[Problem] = []

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QWidget()
        self.body.setObjectName("formBody")
        body_lay = QVBoxLayout(self.body)
        body_lay.setContentsMargins(12, 8, 12, 12)
        body_lay.setSpacing(10)
        title = QLabel(spec.title, self.body)
        f = QFont(title.font())
        f.setPointSizeF(f.pointSizeF() * 1.35)
        f.setBold(True)
        title.setFont(f)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setWordWrap(True)
        body_lay.addWidget(title)
        self.banner = QLabel(self.body)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background:#fff3cd;color:#5c4400;padding:6px;border:1px solid #e0c36c")
        self.banner.hide()
        body_lay.addWidget(self.banner)
        for section in spec.sections:
            body_lay.addWidget(self._build_section(section))
        if spec.notes:
            notes = QLabel(((spec.notes_title or "注") + "\n" if spec.notes_title else "")
                           + "\n".join(spec.notes), self.body)
            notes.setWordWrap(True)
            notes.setStyleSheet("color:#555")
            notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            body_lay.addWidget(notes)
        body_lay.addStretch(1)
        self.scroll_area.setWidget(self.body)

        # Validation panel
        self.panel = QGroupBox("待完善事项", self)
        pl = QVBoxLayout(self.panel)
        self.summary = QLabel(self.panel)
        self.summary.setWordWrap(True)
        self.problem_list = QListWidget(self.panel)
        self.problem_list.setWordWrap(True)
        self.problem_list.setAccessibleName("待完善事项列表")
        self.problem_list.itemActivated.connect(self._jump_item)
        self.problem_list.itemClicked.connect(self._jump_item)
        self.check_btn = QPushButton("检查填写(&K)", self.panel)
        self.check_btn.clicked.connect(self.refresh_problems)
        pl.addWidget(self.summary)
        pl.addWidget(self.problem_list, 1)
        pl.addWidget(self.check_btn)
        self.panel.setMinimumWidth(220)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.scroll_area)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([1000, 260])
        self.splitter.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.splitter)

        self._wire_inspectors()
        self._problem_timer = QTimer(self)
        self._problem_timer.setSingleShot(True)
        self._problem_timer.setInterval(400)
        self._problem_timer.timeout.connect(self.refresh_problems)
        self.changed.connect(self._problem_timer.start)
        QShortcut(QKeySequence("F8"), self, self.jump_to_first_problem)
        self.answer_keys = AnswerKeys(self)
        self.answer_keys.attach(list(self.rows.values()))
        self._set_tab_order()
        self.refresh_problems()
        if read_only:
            self.set_read_only(True)

    # ------------------------------------------------------------------ building
    def _label(self, field: Field, parent: QWidget) -> QLabel:
        text = field.label + ("：" if not field.label.endswith("：") else "")
        lab = QLabel(("<span style='color:#c62828'>*</span> " if field.required else "") + text, parent)
        lab.setTextFormat(Qt.TextFormat.RichText)
        if len(field.label) > 10:  # short labels stay on one line; long ones wrap
            lab.setWordWrap(True)
            lab.setMaximumWidth(180)
        self.labels[field.key] = lab
        return lab

    def _build_section(self, section: formspec.Section) -> QWidget:
        box = QGroupBox(section.title, self.body)
        box.setObjectName(f"section_{section.key}")
        v = QVBoxLayout(box)
        if section.note:
            n = QLabel(section.note, box)
            n.setWordWrap(True)
            n.setStyleSheet("color:#555")
            v.addWidget(n)
        if section.fields:
            form = QFormLayout()
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            for field in section.fields:
                editor = make_editor(field, box, store=self.store, inspectors=self.inspectors)
                editor.changed.connect(self._changed)
                self.editors[field.key] = editor
                w: QWidget = editor.widget
                if field.help:
                    holder = QWidget(box)
                    hl = QVBoxLayout(holder)
                    hl.setContentsMargins(0, 0, 0, 0)
                    hl.setSpacing(2)
                    hl.addWidget(editor.widget)
                    h = QLabel(field.help, holder)
                    h.setStyleSheet("color:#666")
                    h.setWordWrap(True)
                    hl.addWidget(h)
                    w = holder
                lab = self._label(field, box)
                lab.setBuddy(editor.focus_widget())
                form.addRow(lab, w)
            v.addLayout(form)
        if section.items:
            v.addWidget(self._build_checklist(section, box))
        return box

    def _build_checklist(self, section: formspec.Section, parent: QWidget) -> QWidget:
        w = QWidget(parent)
        grid = QGridLayout(w)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        first = section.items[0]
        heads = ["序号", "检查项目", "检查内容", "检查结果", first.note_label or "说明"]
        for j, h in enumerate(heads):
            lab = QLabel(h, w)
            lab.setStyleSheet("font-weight:bold")
            grid.addWidget(lab, 0, j)
        r = 1
        for _gkey, gnum, gtitle, items in section.groups():
            line = QFrame(w)
            line.setFrameShape(QFrame.Shape.HLine)
            line.setStyleSheet("color:#ddd")
            grid.addWidget(line, r, 0, 1, 5)
            r += 1
            num = QLabel(gnum, w)
            num.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            title = QLabel(gtitle, w)
            title.setWordWrap(True)
            title.setMinimumWidth(96)
            title.setMaximumWidth(130)
            title.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(num, r, 0, len(items), 1)
            grid.addWidget(title, r, 1, len(items), 1)
            for item in items:
                row = ChecklistRow(item, w, self._changed)
                self.rows[item.key] = row
                grid.addWidget(row.content, r, 2)
                grid.addWidget(row.answers_box, r, 3)
                grid.addWidget(row.note, r, 4)
                r += 1
        grid.setColumnStretch(2, 3)
        grid.setColumnStretch(4, 2)
        self.fill_btn = QPushButton(f"其余未选项均为“{NOT_FOUND}”", w)
        self.fill_btn.setToolTip("把尚未选择结果的各项一次性选为“未发现问题”")
        self.fill_btn.clicked.connect(self.fill_unanswered)
        hl = QHBoxLayout()
        hl.addStretch(1)
        hl.addWidget(self.fill_btn)
        grid.addLayout(hl, r, 0, 1, 5)
        return w

    def _wire_inspectors(self) -> None:
        insp = [e for e in self.editors.values() if isinstance(e, ed.InspectorEditor)]
        phones = [e for k, e in self.editors.items() if isinstance(e, ed.PhoneEditor) and "inspector" in k]
        sigs = [e for e in self.editors.values() if isinstance(e, ed.SignatureEditor) and e.multiple]
        for ie in insp:
            for pe in phones:
                ie.picked.connect(lambda phone, pe=pe: self._fill_phone(pe, phone))
            for se in sigs:
                ie.changed.connect(lambda ie=ie, se=se: se.set_signer_names(ie.names()))

    def _fill_phone(self, pe: ed.PhoneEditor, phone: str) -> None:
        if not pe.edit.text().strip() and not self._read_only:
            pe.edit.setText(phone)
            self._changed()

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = []
        for section in self.spec.sections:
            for field in section.fields:
                chain += self.editors[field.key].focus_chain()
            for item in section.items:
                chain += self.rows[item.key].focus_chain()
            if section.items:
                chain.append(self.fill_btn)
        chain += [self.problem_list, self.check_btn]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)

    # ------------------------------------------------------------------ values
    def _changed(self) -> None:
        if not self._loading:
            self.changed.emit()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, e in self.editors.items():
            out[key] = e.value()
            out.update(e.extra_values())
        return out

    def answers(self) -> dict[str, Any]:
        out = {}
        for key, row in self.rows.items():
            v = row.value()
            if v is not None:
                out[key] = v
        return out

    def set_values(self, values: dict[str, Any] | None, answers: dict[str, Any] | None = None) -> None:
        self._loading = True
        try:
            values = values or {}
            for key, e in self.editors.items():
                e.set_value(values.get(key))
                e.set_extra_values(values)
            for key, row in self.rows.items():
                row.set_value((answers or {}).get(key))
            for e in self.editors.values():
                if isinstance(e, ed.InspectorEditor):
                    for se in self.editors.values():
                        if isinstance(se, ed.SignatureEditor) and se.multiple:
                            se.set_captions(e.names())
            if self._read_only:
                self.set_read_only(True)
        finally:
            self._loading = False
        self.refresh_problems()

    def fill_unanswered(self) -> None:
        n = 0
        for row in self.rows.values():
            if row.answer() is None and NOT_FOUND in row.item.answers:
                row.choose(NOT_FOUND)
                n += 1
        if n:
            self._changed()

    # ------------------------------------------------------------------ validation
    def set_extra_problems(self, problems: list[Problem]) -> None:
        """Problems the caller knows about (e.g. sealing rules); shown with the form's own."""
        self._extra_problems = list(problems)
        self.refresh_problems()

    def problems(self) -> list[Problem]:
        names = [n for _i, n, _p in self.inspectors] if self.inspectors else None
        found = formspec.validate_values(self.spec, self.values(), self.answers(), inspectors=names)
        keys = {p.key for p in found}
        for key, e in self.editors.items():
            if key not in keys:
                for msg in e.problems():
                    found.append(Problem(key, e.field.label, msg))
        for p in self._extra_problems:
            if p.key not in {q.key for q in found}:
                found.append(p)
        return found

    def refresh_problems(self) -> list[Problem]:
        self._problem_timer.stop() if hasattr(self, "_problem_timer") else None
        probs = [] if self._read_only else self.problems()
        self.problem_list.clear()
        for p in probs:
            label = p.label if len(p.label) <= 24 else p.label[:23] + "…"
            it = QListWidgetItem(f"{label}：{p.message}")
            it.setToolTip(f"{p.label}：{p.message}")
            it.setData(Qt.ItemDataRole.UserRole, p.key)
            self.problem_list.addItem(it)
        if self._read_only:
            self.summary.setText("只读记录，不可修改。")
        elif probs:
            self.summary.setText(f"还有 {len(probs)} 处需要填写或更正。点击条目（或选中后按回车）跳转；F8 跳到第一处。")
        else:
            self.summary.setText("填写完整，可以封存。")
        for key, lab in self.labels.items():
            bad = any(p.key == key or p.key.startswith(key + "[") or p.key == key + "_other" for p in probs)
            lab.setStyleSheet("color:#c62828" if bad else "")
        return probs

    def _jump_item(self, item: QListWidgetItem) -> None:
        self.jump_to(str(item.data(Qt.ItemDataRole.UserRole)))

    def jump_to_first_problem(self) -> None:
        probs = self.refresh_problems()
        if probs:
            self.jump_to(probs[0].key)

    def widget_for(self, key: str) -> QWidget | None:
        if key in self.editors:
            return self.editors[key].focus_widget()
        if key in self.rows:
            return self.rows[key].focus_widget()
        if key.endswith("_other") and key[:-6] in self.editors:
            e = self.editors[key[:-6]]
            other = getattr(e, "other_edit", None)
            return other or e.focus_widget()
        m = _CELL_KEY.match(key)
        if m and m["key"] in self.editors:
            e = self.editors[m["key"]]
            if isinstance(e, ed.TableEditor):
                r = int(m["row"])
                cols = [c.key for c in e.columns]
                filled = [row for row in e.rows if any(
                    g() not in (None, "") for _w, g, _s in row["cells"])]
                if r < len(filled) and m["col"] in cols:
                    return filled[r]["cells"][cols.index(m["col"])][0]
            return e.focus_widget()
        return None

    def jump_to(self, key: str) -> bool:
        w = self.widget_for(key)
        if w is None:
            return False
        self.scroll_area.ensureWidgetVisible(w, 50, 80)
        w.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    # ------------------------------------------------------------------ modes
    def set_read_only(self, ro: bool) -> None:
        self._read_only = ro
        for e in self.editors.values():
            e.set_read_only(ro)
        for row in self.rows.values():
            row.set_read_only(ro)
        if hasattr(self, "fill_btn"):
            self.fill_btn.setVisible(not ro)
        self.check_btn.setVisible(not ro)
        self.panel.setTitle("记录状态" if ro else "待完善事项")
        self.refresh_problems()

    def is_read_only(self) -> bool:
        return self._read_only

    def set_banner(self, text: str | None) -> None:
        self.banner.setText(text or "")
        self.banner.setVisible(bool(text))
