"""Validation of filled-in values against a form (what blocks sealing a record)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from qsdesk.domain.fieldtypes import REGISTRY, is_empty
from qsdesk.domain.formmodel import Field, FormSpec, Problem


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


_is_empty = is_empty


def _check_scalar(f: Field, value: Any, inspectors: Sequence[str] | None) -> str | None:
    """Why a non-empty value is invalid for its field, or None (the field type decides)."""
    return REGISTRY[f.type].validate(f, value, inspectors)


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
