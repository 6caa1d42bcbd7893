"""Consistency rules between the answers of one form, declared in the form file.

A field's own checks (required, choice, phone format…) live in :mod:`qsdesk.domain.formspec`.
What no single field can say — "a checklist item answered 发现问题 contradicts the overall result
未发现问题" — is a *rule*, declared in the ``[[rules]]`` tables of ``forms/<id>.toml``::

    [[rules]]
    key = "problem_vs_result"
    target = "result"                       # the field (or item) the problem points to
    message = "有检查项为“发现问题”，检查结果不能选“未发现问题”"
    when = { any_answer = ["发现问题"] }
    require = { field = "result", not_in = ["未发现问题"] }

A rule is broken when every condition of ``when`` holds and ``require`` does not. ``require`` is
one condition table, or an array of them meaning "at least one of these". A condition table
holds one or more of (all must hold):

* ``any_answer = [...]`` — some checklist item is answered with one of these;
* ``no_answer = [...]`` — no checklist item is answered with any of these;
* ``field = "k"`` with ``in = [...]`` / ``not_in = [...]`` — the field's value (or, for a list
  value, any element) is / is not one of these; with ``filled = true|false`` — the field is / is
  not filled in.

A rule may instead *waive* the checklist: ``waive = "items"`` in place of ``require`` means
"when ``when`` holds, no checklist item is required" — e.g. the result 无法联系 or 不配合检查情节严重
means no item was inspected, so the inspector seals with the result and a note::

    [[rules]]
    key = "no_inspection_no_items"
    target = "result"
    message = "未实施检查，检查项可不填"
    when = { field = "result", in = ["通过登记的住所（经营场所）无法联系"] }
    waive = "items"

Answers that were given are still checked (a valid answer, its note) and still feed the other rules.

An empty field never satisfies ``in`` and always satisfies ``not_in``: a rule never reports a
field nobody has filled yet (the required check does that). The same rules run wherever a form is
validated — the form's validation panel, sealing, the CLI and imports — because
:func:`formspec.validate_values` calls :func:`check`.

This module parses and evaluates; it does no I/O and knows nothing of Qt or the database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Condition", "Rule", "Violation", "check", "items_waived", "parse_rules"]

_RULE_KEYS = {"key", "target", "message", "when", "require", "waive"}
_WAIVABLE = {"items"}
_COND_KEYS = {"any_answer", "no_answer", "field", "in", "not_in", "filled"}


@dataclass(frozen=True)
class Condition:
    """One condition table; every part that is set must hold."""

    any_answer: tuple[str, ...] = ()
    no_answer: tuple[str, ...] = ()
    field: str | None = None
    in_: tuple[str, ...] = ()
    not_in: tuple[str, ...] = ()
    filled: bool | None = None


@dataclass(frozen=True)
class Rule:
    key: str
    target: str
    message: str
    when: Condition
    require: tuple[Condition, ...]  # at least one must hold
    waive: str | None = None  # "items": when ``when`` holds, checklist items are not required


@dataclass(frozen=True)
class Violation:
    rule: str
    target: str
    message: str


Fail = Callable[[str, str], Exception]


def _strs(fail: Fail, where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise fail(where, "must be a non-empty list of strings")
    return tuple(value)


def _condition(fail: Fail, where: str, raw: Any) -> Condition:
    if not isinstance(raw, Mapping) or not raw:
        raise fail(where, "must be a non-empty table")
    for k in raw:
        if k not in _COND_KEYS:
            raise fail(f"{where}.{k}", "unknown setting")
    field = raw.get("field")
    if field is not None and (not isinstance(field, str) or not field):
        raise fail(f"{where}.field", "must be a field key")
    has_field_test = any(k in raw for k in ("in", "not_in", "filled"))
    if has_field_test and field is None:
        raise fail(where, "in / not_in / filled need field")
    if field is not None and not has_field_test:
        raise fail(where, "field needs in, not_in or filled")
    filled = raw.get("filled")
    if filled is not None and not isinstance(filled, bool):
        raise fail(f"{where}.filled", "must be true or false")
    return Condition(
        any_answer=_strs(fail, f"{where}.any_answer", raw["any_answer"]) if "any_answer" in raw else (),
        no_answer=_strs(fail, f"{where}.no_answer", raw["no_answer"]) if "no_answer" in raw else (),
        field=field,
        in_=_strs(fail, f"{where}.in", raw["in"]) if "in" in raw else (),
        not_in=_strs(fail, f"{where}.not_in", raw["not_in"]) if "not_in" in raw else (),
        filled=filled,
    )


def parse_rules(
    raw: Any,
    fail: Fail,
    *,
    fields: Mapping[str, tuple[str, ...]],
    answers: frozenset[str],
    items: frozenset[str] = frozenset(),
) -> tuple[Rule, ...]:
    """Parse the ``rules`` array of a form file.

    ``fields`` maps each field key to its choices (empty for free fields); ``answers`` is every
    answer any checklist item offers; ``items`` the checklist item keys (valid targets). ``fail``
    builds the exception to raise (``formspec`` passes its ``FormSpecError`` factory), so a typo
    in a rule is reported with the file and key like any other spec error.
    """
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(r, Mapping) for r in raw):
        raise fail("rules", "must be an array of tables")
    out: list[Rule] = []
    seen: set[str] = set()
    for i, r in enumerate(raw):
        where = f"rules[{i}]"
        for k in r:
            if k not in _RULE_KEYS:
                raise fail(f"{where}.{k}", "unknown setting")
        key, target, message = r.get("key"), r.get("target"), r.get("message")
        for name, v in (("key", key), ("target", target), ("message", message)):
            if not isinstance(v, str) or not v.strip():
                raise fail(f"{where}.{name}", "missing")
        assert isinstance(key, str) and isinstance(target, str) and isinstance(message, str)
        if key in seen:
            raise fail(f"{where}.key", f"duplicate rule {key!r}")
        seen.add(key)
        if target not in fields and target not in items:
            raise fail(f"{where}.target", f"no field or item {target!r}")
        when = _condition(fail, f"{where}.when", r.get("when"))
        waive = r.get("waive")
        if waive is not None:
            if waive not in _WAIVABLE:
                raise fail(f"{where}.waive", f"must be one of {sorted(_WAIVABLE)}")
            if "require" in r:
                raise fail(where, "a rule has either require or waive, not both")
            require: tuple[Condition, ...] = ()
        else:
            req_raw = r.get("require")
            reqs = req_raw if isinstance(req_raw, list) else [req_raw]
            require = tuple(_condition(fail, f"{where}.require", c) for c in reqs)
        for cond in (when, *require):
            for a in (*cond.any_answer, *cond.no_answer):
                if a not in answers:
                    raise fail(f"{where}", f"{a!r} is not an answer of any checklist item")
            if cond.field is not None:
                if cond.field not in fields:
                    raise fail(f"{where}", f"no field {cond.field!r}")
                choices = fields[cond.field]
                for v in (*cond.in_, *cond.not_in):
                    if choices and v not in choices:
                        raise fail(f"{where}", f"{v!r} is not a choice of {cond.field!r}")
        out.append(Rule(key=key, target=target, message=message.strip(), when=when, require=require,
                        waive=waive))
    return tuple(out)


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, Mapping):
        return any(_filled(v) for v in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_filled(v) for v in value)
    return True


def _answer(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry or None
    if isinstance(entry, Mapping):
        a = entry.get("answer")
        return a if isinstance(a, str) and a else None
    return None


def holds(cond: Condition, values: Mapping[str, Any], given: set[str]) -> bool:
    """Whether ``cond`` holds for the field ``values`` and the set of ``given`` answers."""
    if cond.any_answer and not given.intersection(cond.any_answer):
        return False
    if cond.no_answer and given.intersection(cond.no_answer):
        return False
    if cond.field is not None:
        value = values.get(cond.field)
        filled = _filled(value)
        if cond.filled is not None and filled != cond.filled:
            return False
        chosen = [v for v in value if isinstance(v, str)] if isinstance(value, list | tuple) else [value]
        if cond.in_ and not (filled and any(v in cond.in_ for v in chosen)):
            return False
        if cond.not_in and filled and any(v in cond.not_in for v in chosen):
            return False
    return True


def _given(answers: Mapping[str, Any]) -> set[str]:
    return {a for a in (_answer(e) for e in answers.values()) if a}


def items_waived(rules: Sequence[Rule], values: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """Whether a ``waive = "items"`` rule applies: the checklist items need not be answered."""
    given = _given(answers)
    return any(r.waive == "items" and holds(r.when, values, given) for r in rules)


def check(rules: Sequence[Rule], values: Mapping[str, Any], answers: Mapping[str, Any]) -> list[Violation]:
    """Every rule the filled form breaks, in declaration order (waiving rules never break)."""
    given = _given(answers)
    out: list[Violation] = []
    for rule in rules:
        if rule.waive is not None:
            continue
        if holds(rule.when, values, given) and not any(holds(c, values, given) for c in rule.require):
            out.append(Violation(rule.key, rule.target, rule.message))
    return out
