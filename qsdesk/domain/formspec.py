"""Form specifications: the annexes as data.

Every paper form qsdesk reproduces (annexes 3–6 of 鲁市监质监字〔2022〕233号 and the supervision
task checklists of 国市监质监发〔2023〕38号) is a TOML file in ``forms/``. This module loads and
checks those files and validates the values a user entered against them. The Qt widgets, the PDF
renderer, the Excel columns and the sync schema all read the same :class:`FormSpec`, so a label or
a checklist item is typed exactly once, in the TOML file.

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

import datetime as _dt
import os
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

__all__ = [
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
    "load_form",
    "load_form_version",
    "load_forms",
    "note_of",
    "set_extra_forms_dirs",
    "validate_values",
]

FIELD_TYPES: frozenset[str] = frozenset(
    {
        "text",
        "multiline",
        "date",
        "phone",
        "uscc",
        "number",
        "integer",
        "choice",
        "multichoice",
        "address",
        "table",
        "history",
        "signature",
        "attachment",
        "inspector",
    }
)
FORM_KINDS: frozenset[str] = frozenset({"census", "inspection", "risk", "checklist"})
ADDRESS_PARTS: tuple[str, ...] = ("province", "city", "county", "town", "detail")

_FIELD_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_ITEM_KEY_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.\-]*$")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_VERSIONED_NAME_RE = re.compile(r"^(?P<id>[a-z][a-z0-9_]*)\.v(?P<version>[0-9]+)$")


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

    @property
    def other_key(self) -> str:
        """Key under which the free text of ``other_choice`` is stored."""
        return f"{self.key}_other"

    @property
    def is_tabular(self) -> bool:
        return self.type in ("table", "history")


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


# ---------------------------------------------------------------------------------------------
# Parsing and checking


class _Ctx:
    """Parsing context: the file being read and the keys seen so far."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.keys: dict[str, str] = {}

    def fail(self, key: str, reason: str) -> FormSpecError:
        return FormSpecError(self.path, key, reason)

    def claim(self, key: str, where: str) -> None:
        if key in self.keys:
            raise self.fail(where, f"duplicate key {key!r} (first used at {self.keys[key]})")
        self.keys[key] = where


def _load_file(path: Path) -> FormSpec:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormSpecError(path, "file", f"cannot read: {exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FormSpecError(path, "file", f"not UTF-8: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise FormSpecError(path, "file", f"invalid TOML: {exc}") from exc
    return _parse_spec(data, _Ctx(path))


_TOP_KEYS = {"id", "version", "title", "kind", "notes", "sections", "source", "notes_title", "subtitle", "rules"}
_SECTION_KEYS = {
    "key",
    "title",
    "fields",
    "groups",
    "note",
    "answers",
    "note_label",
    "note_required_on",
    "title_printed",
    "note_suffices",
    "number",
}
_GROUP_KEYS = {
    "key",
    "number",
    "title",
    "items",
    "answers",
    "note_label",
    "note_required_on",
    "note_suffices",
}
_ITEM_KEYS = {
    "key",
    "number",
    "content",
    "answers",
    "note_label",
    "note_required_on",
    "required",
    "note_suffices",
}
_FIELD_KEYS = {
    "key",
    "label",
    "type",
    "required",
    "choices",
    "multiple",
    "columns",
    "placeholder",
    "help",
    "min_rows",
    "max_rows",
    "other_choice",
    "label_printed",
    "required_when",
}


def _check_unknown(ctx: _Ctx, where: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    for k in table:
        if k not in allowed:
            raise ctx.fail(f"{where}.{k}" if where else k, "unknown setting")


def _str(ctx: _Ctx, where: str, table: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = table.get(name)
    if value is None:
        if required:
            raise ctx.fail(f"{where}.{name}" if where else name, "missing")
        return None
    if not isinstance(value, str):
        raise ctx.fail(f"{where}.{name}" if where else name, "must be a string")
    if required and not value.strip():
        raise ctx.fail(f"{where}.{name}" if where else name, "must not be empty")
    return value


def _bool(ctx: _Ctx, where: str, table: Mapping[str, Any], name: str, default: bool) -> bool:
    value = table.get(name, default)
    if not isinstance(value, bool):
        raise ctx.fail(f"{where}.{name}", "must be true or false")
    return value


def _str_list(ctx: _Ctx, where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ctx.fail(where, "must be a list of non-empty strings")
    if len(set(value)) != len(value):
        dup = next(v for v in value if value.count(v) > 1)
        raise ctx.fail(where, f"duplicate entry {dup!r}")
    return tuple(value)


def _table_list(ctx: _Ctx, where: str, value: Any) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ctx.fail(where, "must be an array of tables")
    return value


def _parse_spec(data: Mapping[str, Any], ctx: _Ctx) -> FormSpec:
    _check_unknown(ctx, "", data, _TOP_KEYS)
    form_id = _str(ctx, "", data, "id")
    assert form_id is not None
    if not _ID_RE.match(form_id):
        raise ctx.fail("id", f"invalid id {form_id!r} (lower case letters, digits, underscore)")
    version = data.get("version")
    if version is None:
        raise ctx.fail("version", "missing")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ctx.fail("version", "must be a positive integer")
    _check_file_name(ctx, form_id, version)
    title = _str(ctx, "", data, "title")
    kind = _str(ctx, "", data, "kind")
    if kind not in FORM_KINDS:
        raise ctx.fail("kind", f"unknown kind {kind!r} (expected one of {', '.join(sorted(FORM_KINDS))})")
    notes = _str_list(ctx, "notes", data.get("notes", [])) if data.get("notes") else ()
    source = _str(ctx, "", data, "source", required=False) or ""
    sections_raw = _table_list(ctx, "sections", data.get("sections"))
    if not sections_raw:
        raise ctx.fail("sections", "a form needs at least one section")
    section_keys: set[str] = set()
    sections: list[Section] = []
    for i, s in enumerate(sections_raw):
        section = _parse_section(ctx, i, s)
        if section.key in section_keys:
            raise ctx.fail(f"sections[{i}].key", f"duplicate key {section.key!r}")
        section_keys.add(section.key)
        sections.append(section)
    spec = FormSpec(
        id=form_id,
        version=version,
        title=title or "",
        kind=kind,
        notes=notes,
        sections=tuple(sections),
        source=source,
        path=str(ctx.path),
        notes_title=_str(ctx, "", data, "notes_title", required=False),
        subtitle=_str(ctx, "", data, "subtitle", required=False),
    )
    _check_references(ctx, spec)
    if data.get("rules") is not None:
        spec = _with_rules(spec, data["rules"], ctx)
    return spec


def _with_rules(spec: FormSpec, raw: Any, ctx: _Ctx) -> FormSpec:
    """Attach the parsed ``[[rules]]`` (kept in :mod:`qsdesk.domain.formrules`)."""
    import dataclasses

    from qsdesk.domain import formrules

    fields = {f.key: f.choices for f in spec.fields()}
    answers = frozenset(a for it in spec.items() for a in it.answers)
    items = frozenset(it.key for it in spec.items())
    rules = formrules.parse_rules(raw, ctx.fail, fields=fields, answers=answers, items=items)
    return dataclasses.replace(spec, rules=rules)


def _check_file_name(ctx: _Ctx, form_id: str, version: int) -> None:
    """``<id>.toml`` or ``<id>.v<version>.toml``: a file's name must agree with its contents."""
    stem = ctx.path.name.removesuffix(".toml")
    if stem == form_id:
        return
    m = _VERSIONED_NAME_RE.match(stem)
    if m and m.group("id") == form_id:
        if int(m.group("version")) != version:
            raise ctx.fail("version", f"file name says version {m.group('version')} but version = {version}")
        return
    raise ctx.fail("id", f"id {form_id!r} does not match file name {ctx.path.name!r}")


def _parse_section(ctx: _Ctx, index: int, s: Mapping[str, Any]) -> Section:
    where = f"sections[{index}]"
    _check_unknown(ctx, where, s, _SECTION_KEYS)
    key = _str(ctx, where, s, "key")
    assert key is not None
    where = f"sections.{key}"
    title = _str(ctx, where, s, "title") or ""
    fields_raw = _table_list(ctx, f"{where}.fields", s.get("fields"))
    groups_raw = _table_list(ctx, f"{where}.groups", s.get("groups"))
    if fields_raw and groups_raw:
        raise ctx.fail(where, "a section holds either fields or checklist groups, not both")
    if not fields_raw and not groups_raw:
        raise ctx.fail(where, "section has neither fields nor checklist groups")
    fields = tuple(_parse_field(ctx, f"{where}.fields[{i}]", f, top=True) for i, f in enumerate(fields_raw))
    defaults = _item_defaults(ctx, where, s, {})
    items: list[ChecklistItem] = []
    group_keys: set[str] = set()
    for gi, g in enumerate(groups_raw):
        gwhere = f"{where}.groups[{gi}]"
        _check_unknown(ctx, gwhere, g, _GROUP_KEYS)
        gkey = _str(ctx, gwhere, g, "key")
        assert gkey is not None
        if gkey in group_keys:
            raise ctx.fail(f"{gwhere}.key", f"duplicate group key {gkey!r}")
        group_keys.add(gkey)
        gwhere = f"{where}.groups.{gkey}"
        gtitle = _str(ctx, gwhere, g, "title") or ""
        gnumber = _str(ctx, gwhere, g, "number", required=False)
        gnumber = gkey if gnumber is None else gnumber
        gdefaults = _item_defaults(ctx, gwhere, g, defaults)
        items_raw = _table_list(ctx, f"{gwhere}.items", g.get("items"))
        if not items_raw:
            raise ctx.fail(gwhere, "group has no items")
        for ii, it in enumerate(items_raw):
            items.append(_parse_item(ctx, f"{gwhere}.items[{ii}]", it, gkey, gnumber, gtitle, gdefaults))
    return Section(
        key=key,
        title=title,
        fields=fields,
        items=tuple(items),
        note=_str(ctx, where, s, "note", required=False),
        title_printed=_bool(ctx, where, s, "title_printed", True),
        number=_str(ctx, where, s, "number", required=False),
    )


def _item_defaults(
    ctx: _Ctx, where: str, table: Mapping[str, Any], inherited: dict[str, Any]
) -> dict[str, Any]:
    out = dict(inherited)
    if "answers" in table:
        out["answers"] = _str_list(ctx, f"{where}.answers", table["answers"])
    if "note_label" in table:
        out["note_label"] = _str(ctx, where, table, "note_label")
    if "note_required_on" in table:
        out["note_required_on"] = _str_list(ctx, f"{where}.note_required_on", table["note_required_on"])
    if "note_suffices" in table:
        out["note_suffices"] = _bool(ctx, where, table, "note_suffices", False)
    return out


def _parse_item(
    ctx: _Ctx,
    where: str,
    it: Mapping[str, Any],
    group: str,
    group_number: str,
    group_title: str,
    defaults: dict[str, Any],
) -> ChecklistItem:
    _check_unknown(ctx, where, it, _ITEM_KEYS)
    key = _str(ctx, where, it, "key")
    assert key is not None
    if not _ITEM_KEY_RE.match(key):
        raise ctx.fail(f"{where}.key", f"invalid item key {key!r}")
    where = f"items.{key}"
    ctx.claim(key, where)
    content = _str(ctx, where, it, "content") or ""
    merged = _item_defaults(ctx, where, it, defaults)
    answers: tuple[str, ...] = merged.get("answers", ())
    if not answers:
        raise ctx.fail(where, "item without answers")
    note_required_on: tuple[str, ...] = merged.get("note_required_on", ())
    for a in note_required_on:
        if a not in answers:
            raise ctx.fail(f"{where}.note_required_on", f"{a!r} is not one of the item's answers")
    note_label = merged.get("note_label")
    if note_required_on and not note_label:
        raise ctx.fail(where, "note_required_on without note_label")
    number = _str(ctx, where, it, "number", required=False)
    return ChecklistItem(
        key=key,
        group=group,
        group_title=group_title,
        number=key if number is None else number,
        content=content,
        answers=answers,
        note_label=note_label,
        note_required_on=note_required_on,
        group_number=group_number,
        required=_bool(ctx, where, it, "required", True),
        note_suffices=merged.get("note_suffices", False),
    )


def _parse_field(ctx: _Ctx, where: str, f: Mapping[str, Any], *, top: bool) -> Field:
    _check_unknown(ctx, where, f, _FIELD_KEYS)
    key = _str(ctx, where, f, "key")
    assert key is not None
    if not _FIELD_KEY_RE.match(key):
        raise ctx.fail(f"{where}.key", f"invalid field key {key!r} (lower case letters, digits, underscore)")
    if top:
        where = f"fields.{key}"
        ctx.claim(key, where)
    label = _str(ctx, where, f, "label") or ""
    ftype = f.get("type")
    if ftype is None:
        raise ctx.fail(f"{where}.type", "missing")
    if ftype not in FIELD_TYPES:
        raise ctx.fail(f"{where}.type", f"unknown field type {ftype!r}")
    choices = _str_list(ctx, f"{where}.choices", f["choices"]) if "choices" in f else ()
    if ftype in ("choice", "multichoice") and not choices:
        raise ctx.fail(where, f"{ftype} field without choices")
    if choices and ftype not in ("choice", "multichoice"):
        raise ctx.fail(f"{where}.choices", f"choices given for a {ftype} field")
    other_choice = _str(ctx, where, f, "other_choice", required=False)
    if other_choice is not None and other_choice not in choices:
        raise ctx.fail(f"{where}.other_choice", f"{other_choice!r} is not one of the choices")
    columns: tuple[Field, ...] = ()
    if ftype in ("table", "history"):
        if not top:
            raise ctx.fail(where, "tables cannot be nested")
        cols_raw = _table_list(ctx, f"{where}.columns", f.get("columns"))
        if not cols_raw:
            raise ctx.fail(where, f"{ftype} field without columns")
        seen: set[str] = set()
        cols: list[Field] = []
        for ci, c in enumerate(cols_raw):
            col = _parse_field(ctx, f"{where}.columns[{ci}]", c, top=False)
            if col.key in seen:
                raise ctx.fail(f"{where}.columns.{col.key}", f"duplicate key {col.key!r}")
            seen.add(col.key)
            cols.append(col)
        columns = tuple(cols)
    elif "columns" in f:
        raise ctx.fail(f"{where}.columns", f"columns given for a {ftype} field")
    min_rows = f.get("min_rows", 0)
    if not isinstance(min_rows, int) or isinstance(min_rows, bool) or min_rows < 0:
        raise ctx.fail(f"{where}.min_rows", "must be a non-negative integer")
    max_rows = f.get("max_rows")
    if max_rows is not None and (
        not isinstance(max_rows, int) or isinstance(max_rows, bool) or max_rows < max(min_rows, 1)
    ):
        raise ctx.fail(f"{where}.max_rows", "must be an integer ≥ min_rows and ≥ 1")
    multiple = _bool(ctx, where, f, "multiple", ftype == "multichoice")
    required_when = _parse_required_when(ctx, where, f.get("required_when"))
    return Field(
        key=key,
        label=label,
        type=ftype,
        required=_bool(ctx, where, f, "required", False),
        choices=choices,
        multiple=multiple,
        columns=columns,
        placeholder=_str(ctx, where, f, "placeholder", required=False),
        help=_str(ctx, where, f, "help", required=False),
        min_rows=min_rows,
        other_choice=other_choice,
        label_printed=_bool(ctx, where, f, "label_printed", True),
        required_when=required_when,
        max_rows=max_rows,
    )


def _parse_required_when(ctx: _Ctx, where: str, value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict) or not value:
        raise ctx.fail(f"{where}.required_when", "must be a table {field_key = [values]}")
    out = []
    for k, v in value.items():
        out.append((k, _str_list(ctx, f"{where}.required_when.{k}", v)))
    return tuple(out)


def _check_references(ctx: _Ctx, spec: FormSpec) -> None:
    fields = {f.key: f for f in spec.fields()}
    for f in fields.values():
        if f.other_choice is not None and f.other_key in fields:
            raise ctx.fail(f"fields.{f.other_key}", f"key clashes with the other-text of field {f.key!r}")
        for ref, vals in f.required_when:
            target = fields.get(ref)
            if target is None:
                raise ctx.fail(f"fields.{f.key}.required_when", f"unknown field {ref!r}")
            if target.choices:
                bad = [v for v in vals if v not in target.choices]
                if bad:
                    raise ctx.fail(
                        f"fields.{f.key}.required_when.{ref}", f"{bad[0]!r} is not a choice of {ref!r}"
                    )


# ---------------------------------------------------------------------------------------------
# Validation of filled-in values


def answer_of(entry: Any) -> str | None:
    """The chosen answer of a checklist entry (a string or ``{"answer": …, "note": …}``)."""
    if entry is None:
        return None
    if isinstance(entry, str):
        return entry or None
    if isinstance(entry, Mapping):
        a = entry.get("answer")
        return a if isinstance(a, str) and a else None
    return None


def note_of(entry: Any) -> str:
    if isinstance(entry, Mapping):
        n = entry.get("note")
        return n.strip() if isinstance(n, str) else ""
    return ""


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping):
        return all(_is_empty(v) for v in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return all(_is_empty(v) for v in value)
    if isinstance(value, bytes | bytearray):
        return len(value) == 0
    return False


def _parse_date(value: Any) -> _dt.date | None:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


_PHONE_RE = re.compile(r"^\+?[0-9\-\s()（）转]{5,30}$")


def _check_phone(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    if not _PHONE_RE.match(value.strip()) or not 7 <= len(digits) <= 20:
        return "电话号码格式不正确（应为手机号或带区号的固定电话）"
    if len(digits) == 11 and digits.startswith("1") and not re.match(r"^1[3-9]", digits):
        return "手机号码格式不正确"
    return None


def _check_uscc(value: str) -> str | None:
    try:
        from qsdesk.domain import uscc  # written alongside; imported lazily
    except ImportError:  # pragma: no cover - only while the module does not exist yet
        code = value.strip().upper()
        if not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", code):
            return "统一社会信用代码应为18位数字或大写字母"
        return None
    try:
        uscc.validate(value)
    except ValueError as exc:
        return str(exc) or "统一社会信用代码无效"
    return None


def _check_scalar(f: Field, value: Any, inspectors: Sequence[str] | None) -> str | None:
    """Why a non-empty value is invalid for its field, or None."""
    t = f.type
    if t in ("text", "multiline", "address", "signature", "attachment", "table", "history"):
        return None
    if t == "date":
        return None if _parse_date(value) is not None else "日期格式不正确，应为 年-月-日（如 2024-05-31）"
    if t == "phone":
        if not isinstance(value, str):
            return "电话号码应为文字"
        return _check_phone(value)
    if t == "uscc":
        if not isinstance(value, str):
            return "统一社会信用代码应为文字"
        return _check_uscc(value)
    if t == "number":
        if isinstance(value, bool):
            return "应填写数字"
        if isinstance(value, int | float | Decimal):
            return None
        try:
            d = Decimal(str(value).strip())
        except InvalidOperation:
            return "应填写数字"
        return None if d.is_finite() else "应填写数字"
    if t == "integer":
        if isinstance(value, bool):
            return "应填写整数"
        if isinstance(value, int):
            return None
        return None if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()) else "应填写整数"
    if t == "choice":
        if value not in f.choices:
            return f"“{value}”不是可选项（可选：{'、'.join(f.choices)}）"
        return None
    if t == "multichoice":
        if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
            return "应为选项列表"
        bad = [v for v in value if v not in f.choices]
        if bad:
            return f"“{bad[0]}”不是可选项（可选：{'、'.join(f.choices)}）"
        return None
    if t == "inspector":
        names = list(value) if f.multiple and isinstance(value, list | tuple) else [value]
        if f.multiple and isinstance(value, str):
            return "应为检查人员列表"
        filled = [n for n in names if not _is_empty(n)]
        if len(set(filled)) != len(filled):
            return "检查人员不能重复"
        if inspectors is not None:
            bad = [n for n in filled if n not in inspectors]
            if bad:
                return f"“{bad[0]}”不是本所登记的检查人员"
        if f.multiple and f.min_rows and len(filled) < f.min_rows:
            return f"至少需要{f.min_rows}名检查人员"
        return None
    return None  # pragma: no cover - every type is handled above


def _rows(value: Any) -> list[Mapping[str, Any]] | None:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(r, Mapping) for r in value):
        return None
    return [r for r in value if not _is_empty(r)]


def validate_values(
    spec: FormSpec,
    values: Mapping[str, Any],
    answers: Mapping[str, Any] | None = None,
    *,
    inspectors: Sequence[str] | None = None,
) -> list[Problem]:
    """Everything missing or invalid in a filled form, in form order (empty list: all good).

    ``inspectors`` (the station's inspector names), when given, restricts ``inspector`` fields.
    """
    answers = answers or {}
    problems: list[Problem] = []

    def required_now(f: Field) -> bool:
        if f.required:
            return True
        for ref, vals in f.required_when:
            current = values.get(ref)
            if isinstance(current, list | tuple):
                if any(v in vals for v in current):
                    return True
            elif current in vals:
                return True
        return False

    for f in spec.fields():
        value = values.get(f.key)
        if f.is_tabular:
            rows = _rows(value)
            if rows is None:
                problems.append(Problem(f.key, f.label, "表格数据格式不正确"))
                continue
            need = max(f.min_rows, 1 if required_now(f) else 0)
            if len(rows) < need:
                problems.append(
                    Problem(f.key, f.label, f"至少需要填写{need}行" if need > 1 else "必填项未填写")
                )
            if f.max_rows is not None and len(rows) > f.max_rows:
                problems.append(Problem(f.key, f.label, f"最多填写{f.max_rows}行"))
            for n, row in enumerate(rows, start=1):
                for col in f.columns:
                    cell = row.get(col.key)
                    ckey = f"{f.key}[{n - 1}].{col.key}"
                    clabel = f"{f.label} 第{n}行 {col.label}"
                    if _is_empty(cell):
                        if col.required:
                            problems.append(Problem(ckey, clabel, "必填项未填写"))
                        continue
                    msg = _check_scalar(col, cell, inspectors)
                    if msg:
                        problems.append(Problem(ckey, clabel, msg))
            continue
        if _is_empty(value):
            if required_now(f):
                problems.append(Problem(f.key, f.label, "必填项未填写"))
            continue
        msg = _check_scalar(f, value, inspectors)
        if msg:
            problems.append(Problem(f.key, f.label, msg))
            continue
        if f.other_choice is not None:
            chosen = value if isinstance(value, list | tuple) else [value]
            if f.other_choice in chosen and _is_empty(values.get(f.other_key)):
                problems.append(Problem(f.other_key, f.label, f"选择“{f.other_choice}”时请填写具体情况"))

    waived = bool(spec.rules) and _items_waived(spec, values, answers)
    for item in spec.items():
        entry = answers.get(item.key)
        answer = answer_of(entry)
        note = note_of(entry)
        label = f"{item.number} {item.content}"
        if answer is None:
            if item.required and not waived and not (item.note_suffices and note):
                problems.append(Problem(item.key, label, "检查结果未选择"))
            continue
        if answer not in item.answers:
            problems.append(
                Problem(item.key, label, f"“{answer}”不是本条可选的结果（可选：{'、'.join(item.answers)}）")
            )
            continue
        if answer in item.note_required_on and not note:
            problems.append(Problem(item.key, label, f"选择“{answer}”时须填写{item.note_label or '说明'}"))
    unknown = [k for k in answers if k not in {i.key for i in spec.items()}]
    for k in unknown:
        problems.append(Problem(k, k, "表单中没有这一检查项（可能是表单版本不一致）"))
    if spec.rules:
        problems.extend(_rule_problems(spec, values, answers))
    return problems


def _items_waived(spec: FormSpec, values: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """Whether a ``waive = "items"`` rule frees the checklist (e.g. the result 无法联系)."""
    from qsdesk.domain import formrules

    return formrules.items_waived(spec.rules, values, answers)


def _rule_problems(spec: FormSpec, values: Mapping[str, Any], answers: Mapping[str, Any]) -> list[Problem]:
    """The form's consistency rules (:mod:`qsdesk.domain.formrules`) as problems."""
    from qsdesk.domain import formrules

    labels = {f.key: f.label for f in spec.fields()}
    labels.update({it.key: f"{it.number} {it.content}" for it in spec.items()})
    return [Problem(v.target, labels.get(v.target, v.target), v.message)
            for v in formrules.check(spec.rules, values, answers)]
