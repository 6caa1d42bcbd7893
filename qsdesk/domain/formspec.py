"""Form specifications: the annexes as data.

Every paper form qsdesk reproduces (annexes 3–6 of 鲁市监质监字〔2022〕233号 and the supervision
task checklists of 国市监质监发〔2023〕38号) is a TOML file in ``forms/``. This module loads and
checks those files and validates the values a user entered against them. The Qt widgets, the PDF
renderer, the Excel columns and the sync schema all read the same :class:`FormSpec`, so a label or
a checklist item is typed exactly once, in the TOML file.

This module is the public face: it finds form files and re-exports the names of
:mod:`qsdesk.domain.formmodel` (the dataclasses), :mod:`qsdesk.domain.formparse` (reading a file)
and :mod:`qsdesk.domain.formvalidate` (checking filled values), so ``from
qsdesk.domain.formspec import …`` keeps working.

File layout (see ``forms/*.toml`` for complete examples)::

    id = "annex4_producer"          # stable id, also the file stem
    version = 1                     # bumped when a department adds items
    title = "…"
    kind = "inspection"             # census | inspection | risk | checklist
    source = "鲁市监质监字〔2022〕233号 附件4"
    notes = ["…"]                   # the annex's 【注】/说明 lines, verbatim

    [[sections]]
    key = "basic"
    title = "基本情况"
      [[sections.fields]]
      key = "name"
      label = "名称"
      type = "text"                 # one of FIELD_TYPES
      column = "name"               # the enterprise column it shows (qsdesk.domain.binding)
      required = true

    [[sections]]
    key = "checks"
    title = "检查记录"
    answers = ["发现问题", "未发现问题"]       # default for the groups below
    note_label = "检查发现问题及处置意见"
    note_required_on = ["发现问题"]
      [[sections.groups]]
      key = "1"
      title = "生产许可情况"
      answers = ["发现问题", "未发现问题", "本条不适用"]   # overrides the section default
        [[sections.groups.items]]
        key = "1.1"
        content = "…"

Versions: the newest version of a form lives in ``forms/<id>.toml``; when a newer version
replaces it, the old file is kept as ``forms/<id>.v<N>.toml`` so records made under version N
still open, validate and print exactly as they were (:func:`load_form_version`). A store's
catalogue, ``store.forms.spec(form_id, version)``, also sees the versions a county published.

Values (what :func:`validate_values` checks) are plain Python data keyed by field key:

* text, multiline, phone, uscc, inspector: ``str``; date: ``datetime.date`` or ``"YYYY-MM-DD"``;
  number: ``int | float | Decimal`` or a numeric string; integer: ``int`` or a digit string.
* choice: one of ``field.choices``; when ``field.other_choice`` is set and chosen, the free text
  goes in ``values[field.other_key]`` (``"<key>_other"``).
* multichoice, and inspector with ``multiple``: a list of strings.
* address: a string, or a mapping with ``province/city/county/town/detail``.
* table, history: a list of row mappings keyed by column key; empty rows are ignored.
* signature, attachment: anything truthy when present (stroke data, attachment hashes…).

Checklist answers are keyed by item key; each is either the answer string or a mapping
``{"answer": str | None, "note": str}``.
"""

from __future__ import annotations

import os
from pathlib import Path

from qsdesk.domain.fieldtypes import ADDRESS_PARTS
from qsdesk.domain.formcatalog import BUNDLED, FormCatalog, all_versions_in, forms_dir, newest_of, version_in
from qsdesk.domain.formmodel import (
    FIELD_TYPES,
    FORM_KINDS,
    ChecklistItem,
    Field,
    FormSpec,
    FormSpecError,
    Problem,
    Section,
)
from qsdesk.domain.formparse import load_file as _load_file
from qsdesk.domain.formvalidate import answer_of, note_of, validate_values

__all__ = [
    "ADDRESS_PARTS",
    "FIELD_TYPES",
    "FORM_KINDS",
    "ChecklistItem",
    "Field",
    "BUNDLED",
    "FormCatalog",
    "FormSpec",
    "FormSpecError",
    "Problem",
    "Section",
    "answer_of",
    "form_dirs",
    "forms_dir",
    "load_all_versions",
    "load_form",
    "load_form_version",
    "load_forms",
    "note_of",
    "validate_values",
]

# ---------------------------------------------------------------------------------------------
# Loading by id: the bundled forms (a store's own catalogue, with the county versions installed in
# its data directory, is ``store.forms``: :class:`qsdesk.domain.formcatalog.FormCatalog`)


def form_dirs() -> list[Path]:
    """Where :func:`load_form` looks for forms by id: the bundled forms (:func:`forms_dir`)."""
    return BUNDLED.dirs()


def _looks_like_path(value: str | os.PathLike[str]) -> bool:
    if isinstance(value, os.PathLike):
        return True
    return value.endswith(".toml") or "/" in value or os.sep in value


def load_form(form_id_or_path: str | os.PathLike[str]) -> FormSpec:
    """Load one form: by id, its newest bundled version; or from a path."""
    if _looks_like_path(form_id_or_path):
        return _load_file(Path(form_id_or_path))
    return BUNDLED.spec(str(form_id_or_path))


def load_all_versions(directory: str | os.PathLike[str] | None = None) -> dict[tuple[str, int], FormSpec]:
    """Every form file in the directory (default: the bundled forms), keyed by ``(id, version)``.

    Within one directory a version defined twice is an error."""
    return all_versions_in([Path(directory)]) if directory is not None else BUNDLED.all_versions()


def load_forms(directory: str | os.PathLike[str] | None = None) -> dict[str, FormSpec]:
    """The newest version of every form in the directory (default: the bundled forms), by id."""
    return newest_of(load_all_versions(directory))


def load_form_version(
    form_id: str, version: int, directory: str | os.PathLike[str] | None = None
) -> FormSpec:
    """The given version of a form: ``<id>.toml`` if it is that version, else ``<id>.v<N>.toml``
    (in ``directory``, default the bundled forms)."""
    if directory is not None:
        return version_in([Path(directory)], form_id, version)
    return BUNDLED.spec(form_id, version)
