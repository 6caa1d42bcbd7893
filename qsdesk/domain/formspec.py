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
still open, validate and print exactly as they were (:func:`load_form_version`).

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
import sys
from collections.abc import Sequence
from pathlib import Path

from qsdesk.domain.fieldtypes import ADDRESS_PARTS
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
    "set_extra_forms_dirs",
    "validate_values",
]

# ---------------------------------------------------------------------------------------------
# Locating form files


def forms_dir() -> Path:
    """The directory holding the form files.

    In order: ``$QSDESK_FORMS_DIR``; ``sys._MEIPASS/forms`` in a PyInstaller build; the
    ``forms/`` directory at the top of a source checkout; ``forms/`` installed beside the
    package (package data).
    """
    env = os.environ.get("QSDESK_FORMS_DIR")
    if env:
        return Path(env)
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        candidate = Path(meipass) / "forms"
        if candidate.is_dir():
            return candidate
    here = Path(__file__).resolve()
    repo_forms = here.parents[2] / "forms"  # <root>/qsdesk/domain/formspec.py -> <root>/forms
    if repo_forms.is_dir():
        return repo_forms
    packaged = here.parents[1] / "forms"  # qsdesk/forms when shipped as package data
    if packaged.is_dir():
        return packaged
    return repo_forms


#: Directories searched after :func:`forms_dir`: form versions a county published, installed
#: into a data directory (``<data dir>/forms``, set when a store is opened).
_extra_dirs: list[Path] = []


def set_extra_forms_dirs(dirs: Sequence[str | os.PathLike[str]]) -> None:
    """Replace the directories searched in addition to the bundled forms."""
    _extra_dirs[:] = [Path(d) for d in dirs]


def form_dirs() -> list[Path]:
    """Where forms are looked for by id: :func:`forms_dir`, then the extra directories."""
    out = [forms_dir()]
    out += [d for d in _extra_dirs if d.is_dir() and d not in out]
    return out


def _looks_like_path(value: str | os.PathLike[str]) -> bool:
    if isinstance(value, os.PathLike):
        return True
    return value.endswith(".toml") or "/" in value or os.sep in value


def load_form(form_id_or_path: str | os.PathLike[str]) -> FormSpec:
    """Load one form: by id, its newest version in :func:`form_dirs`; or from a path."""
    if _looks_like_path(form_id_or_path):
        return _load_file(Path(form_id_or_path))
    form_id = str(form_id_or_path)
    best: FormSpec | None = None
    for d in form_dirs():
        path = d / f"{form_id}.toml"
        if path.is_file():
            spec = _load_file(path)
            if best is None or spec.version > best.version:
                best = spec
    if best is None:
        raise FormSpecError(forms_dir() / f"{form_id}.toml", "id", f"no form file for id {form_id!r}")
    return best


def _form_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.toml") if p.is_file())


def load_all_versions(directory: str | os.PathLike[str] | None = None) -> dict[tuple[str, int], FormSpec]:
    """Every form file in the directory (default: :func:`form_dirs`), keyed by ``(id, version)``.

    Within one directory a version defined twice is an error; across directories the first
    directory's file is used."""
    dirs = [Path(directory)] if directory is not None else form_dirs()
    out: dict[tuple[str, int], FormSpec] = {}
    for d in dirs:
        here: dict[tuple[str, int], FormSpec] = {}
        for path in _form_files(d):
            spec = _load_file(path)
            k = (spec.id, spec.version)
            if k in here:
                raise FormSpecError(
                    path, "version", f"{spec.id} version {spec.version} also defined in {here[k].path}"
                )
            here[k] = spec
        for k, spec in here.items():
            out.setdefault(k, spec)
    return out


def load_forms(directory: str | os.PathLike[str] | None = None) -> dict[str, FormSpec]:
    """The newest version of every form in the directory, keyed by form id."""
    latest: dict[str, FormSpec] = {}
    for (form_id, version), spec in sorted(load_all_versions(directory).items()):
        if form_id not in latest or version > latest[form_id].version:
            latest[form_id] = spec
    return latest


def load_form_version(
    form_id: str, version: int, directory: str | os.PathLike[str] | None = None
) -> FormSpec:
    """The given version of a form: ``<id>.toml`` if it is that version, else ``<id>.v<N>.toml``
    (in ``directory``, default every directory of :func:`form_dirs` in turn)."""
    dirs = [Path(directory)] if directory is not None else form_dirs()
    for d in dirs:
        for path in (d / f"{form_id}.toml", d / f"{form_id}.v{version}.toml"):
            if path.is_file():
                spec = _load_file(path)
                if spec.version == version:
                    return spec
    raise FormSpecError(dirs[0] / f"{form_id}.v{version}.toml", "version", f"{form_id} version {version} not found")
