"""Parsing a form file into a :class:`~qsdesk.domain.formmodel.FormSpec`.

Rejects anything malformed with a :class:`~qsdesk.domain.formmodel.FormSpecError` naming the
file, the key and the reason (file layout: see :mod:`qsdesk.domain.formspec`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qsdesk.domain import binding as _binding
from qsdesk.domain.fieldtypes import REGISTRY
from qsdesk.domain.formmodel import (
    FIELD_TYPES,
    FORM_KINDS,
    ChecklistItem,
    Field,
    FormSpec,
    FormSpecError,
    Section,
)

_FIELD_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_ITEM_KEY_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.\-]*$")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_VERSIONED_NAME_RE = re.compile(r"^(?P<id>[a-z][a-z0-9_]*)\.v(?P<version>[0-9]+)$")

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


def load_file(path: Path) -> FormSpec:
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
    "column",
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
    if kind == "census":
        _check_census_bindings(ctx, spec)
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


def _parse_field(ctx: _Ctx, where: str, f: Mapping[str, Any], *, top: bool, in_products: bool = False) -> Field:
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
    kind = REGISTRY[ftype]
    if kind.has_choices and not choices:
        raise ctx.fail(where, f"{ftype} field without choices")
    if choices and not kind.has_choices:
        raise ctx.fail(f"{where}.choices", f"choices given for a {ftype} field")
    other_choice = _str(ctx, where, f, "other_choice", required=False)
    if other_choice is not None and other_choice not in choices:
        raise ctx.fail(f"{where}.other_choice", f"{other_choice!r} is not one of the choices")
    column = _parse_column(ctx, where, f, ftype, top=top, in_products=in_products)
    columns: tuple[Field, ...] = ()
    if kind.tabular:
        if not top:
            raise ctx.fail(where, "tables cannot be nested")
        cols_raw = _table_list(ctx, f"{where}.columns", f.get("columns"))
        if not cols_raw:
            raise ctx.fail(where, f"{ftype} field without columns")
        seen: set[str] = set()
        cols: list[Field] = []
        for ci, c in enumerate(cols_raw):
            col = _parse_field(ctx, f"{where}.columns[{ci}]", c, top=False,
                               in_products=column == _binding.PRODUCTS)
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
        column=column,
    )


def _parse_column(
    ctx: _Ctx, where: str, f: Mapping[str, Any], ftype: str, *, top: bool, in_products: bool
) -> str | None:
    """The field's enterprise binding (:mod:`qsdesk.domain.binding`), checked against its type."""
    column = _str(ctx, where, f, "column", required=False)
    if column is None:
        return None
    if not top:
        if not in_products:
            raise ctx.fail(f"{where}.column", "only the columns of a table bound to 'products' bind")
        if column not in _binding.PRODUCT_COLUMNS:
            raise ctx.fail(f"{where}.column", f"unknown product column {column!r}")
        return column
    try:
        parsed = _binding.parse_binding(column)
    except ValueError as exc:
        raise ctx.fail(f"{where}.column", str(exc)) from None
    _binding.check_binding(ftype, parsed, lambda reason: ctx.fail(f"{where}.column", reason))
    return column


def _check_census_bindings(ctx: _Ctx, spec: FormSpec) -> None:
    """A census form is the enterprise record: every field must say which column it fills."""
    seen: dict[str, str] = {}
    for f in spec.fields():
        b = f.binding
        if b is None:
            raise ctx.fail(f"fields.{f.key}.column", "missing (every field of a census form binds a column)")
        if b.read_only:
            raise ctx.fail(f"fields.{f.key}.column", f"{f.column!r} is read-only and cannot be saved")
        if b.column in seen:
            raise ctx.fail(f"fields.{f.key}.column", f"{b.column!r} is already bound by {seen[b.column]!r}")
        seen[b.column] = f.key
        for c in f.columns:
            if c.column is None:
                raise ctx.fail(f"fields.{f.key}.columns.{c.key}.column", "missing")
        if f.columns and "name" not in {c.column for c in f.columns}:
            raise ctx.fail(f"fields.{f.key}.columns", "no column binds the product's 'name'")


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
