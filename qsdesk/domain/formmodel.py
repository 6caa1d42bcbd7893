"""The form spec model: the frozen dataclasses every layer reads (see :mod:`qsdesk.domain.formspec`).

Parsing lives in :mod:`qsdesk.domain.formparse`, validation of filled values in
:mod:`qsdesk.domain.formvalidate`; :mod:`qsdesk.domain.formspec` re-exports the public names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from qsdesk.domain.binding import Binding, parse_binding
from qsdesk.domain.fieldtypes import REGISTRY, FieldType

#: The type names a spec may use (:data:`qsdesk.domain.fieldtypes.REGISTRY`).
FIELD_TYPES: frozenset[str] = frozenset(REGISTRY)
FORM_KINDS: frozenset[str] = frozenset({"census", "inspection", "risk", "checklist"})

class FormSpecError(ValueError):
    """A form file is malformed. The message names the file, the key and the reason."""

    def __init__(self, file: str | os.PathLike[str], key: str, reason: str) -> None:
        self.file = str(file)
        self.key = key
        self.reason = reason
        super().__init__(f"{self.file}: {key}: {reason}")


@dataclass(frozen=True)
class Field:
    """One input of a form. ``columns`` is only used by ``table`` and ``history`` fields."""

    key: str
    label: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()
    multiple: bool = False
    columns: tuple[Field, ...] = ()
    placeholder: str | None = None
    help: str | None = None
    min_rows: int = 0
    # Choice whose selection asks for free text (the annex's "□其他（ ）").
    other_choice: str | None = None
    # False when the annex prints no label for this input (e.g. the text beside 有异议);
    # the spec-vs-seed test then checks the choices instead of the label.
    label_printed: bool = True
    # Required only while another field holds one of the given values:
    # (("opinion", ("有异议",)),) means "required when opinion is 有异议".
    required_when: tuple[tuple[str, tuple[str, ...]], ...] = ()
    max_rows: int | None = None
    # The enterprise column this field shows (``column = "legal_rep"``; see
    # :mod:`qsdesk.domain.binding`); for a column of a ``products`` table, the product column.
    column: str | None = None

    @property
    def binding(self) -> Binding | None:
        """The parsed :attr:`column` (checked when the file was loaded)."""
        return parse_binding(self.column) if self.column is not None else None

    @property
    def other_key(self) -> str:
        """Key under which the free text of ``other_choice`` is stored."""
        return f"{self.key}_other"

    @property
    def kind(self) -> FieldType:
        """The field's type (parse, validate, to-text) from :mod:`qsdesk.domain.fieldtypes`."""
        return REGISTRY[self.type]

    @property
    def is_tabular(self) -> bool:
        return REGISTRY[self.type].tabular


@dataclass(frozen=True)
class ChecklistItem:
    """One row of a checklist, with the answers the annex offers for it."""

    key: str
    group: str
    group_title: str
    number: str
    content: str
    answers: tuple[str, ...]
    note_label: str | None = None
    note_required_on: tuple[str, ...] = ()
    group_number: str = ""
    required: bool = True
    # True where the annex lets a remark stand in for the answer (task checklists:
    # "填写是（√）或否（×），或在备注栏标注须提醒信息").
    note_suffices: bool = False


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple[Field, ...] = ()
    items: tuple[ChecklistItem, ...] = ()
    note: str | None = None
    title_printed: bool = True
    # Printed row number of a section that the annex numbers like a checklist group
    # (e.g. "6" for the free rows of key risk points in the task checklists).
    number: str | None = None

    def groups(self) -> list[tuple[str, str, str, tuple[ChecklistItem, ...]]]:
        """The items grouped as printed: ``(group key, number, title, items)`` in order."""
        out: list[tuple[str, str, str, tuple[ChecklistItem, ...]]] = []
        for item in self.items:
            if out and out[-1][0] == item.group:
                g = out[-1]
                out[-1] = (g[0], g[1], g[2], (*g[3], item))
            else:
                out.append((item.group, item.group_number, item.group_title, (item,)))
        return out


@dataclass(frozen=True)
class FormSpec:
    id: str
    version: int
    title: str
    kind: str
    notes: tuple[str, ...]
    sections: tuple[Section, ...]
    source: str
    path: str = ""
    notes_title: str | None = None
    subtitle: str | None = None
    # Consistency rules between answers (``[[rules]]``, see :mod:`qsdesk.domain.formrules`).
    rules: tuple[Any, ...] = ()

    def fields(self) -> Iterator[Field]:
        """Every top-level field in order (table columns are reached via ``field.columns``)."""
        for section in self.sections:
            yield from section.fields

    def items(self) -> Iterator[ChecklistItem]:
        """Every checklist item in order."""
        for section in self.sections:
            yield from section.items

    def field(self, key: str) -> Field:
        for f in self.fields():
            if f.key == key:
                return f
        raise KeyError(f"{self.id} v{self.version}: no field {key!r}")

    def item(self, key: str) -> ChecklistItem:
        for it in self.items():
            if it.key == key:
                return it
        raise KeyError(f"{self.id} v{self.version}: no checklist item {key!r}")

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(f"{self.id} v{self.version}: no section {key!r}")


@dataclass(frozen=True)
class Problem:
    """One reason a filled form cannot be sealed; ``message`` is Chinese, for the user."""

    key: str
    label: str
    message: str
