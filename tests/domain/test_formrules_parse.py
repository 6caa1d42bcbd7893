"""Every mistake a form file's ``[[rules]]`` can carry is refused with its place and reason."""

from __future__ import annotations

from typing import Any

import pytest

from qsdesk.domain import formrules

FIELDS = {"result": ("未发现问题", "发现问题"), "notes": ()}
ANSWERS = frozenset({"√", "×", "发现问题"})
ITEMS = frozenset({"1.1"})


class Refused(Exception):
    pass


def _fail(where: str, why: str) -> Exception:
    return Refused(f"{where}: {why}")


def _parse(raw: Any) -> tuple[formrules.Rule, ...]:
    return formrules.parse_rules(raw, _fail, fields=FIELDS, answers=ANSWERS, items=ITEMS)


def _rule(**over: Any) -> dict[str, Any]:
    r: dict[str, Any] = {"key": "r", "target": "result", "message": "m",
                         "when": {"any_answer": ["发现问题"]}, "require": {"field": "result", "in": ["发现问题"]}}
    r.update(over)
    return {k: v for k, v in r.items() if v is not None}


@pytest.mark.parametrize(("raw", "expected"), [
    ({"key": "r"}, "rules: must be an array of tables"),
    ([_rule(extra=1)], "rules[0].extra: unknown setting"),
    ([_rule(message=" ")], "rules[0].message: missing"),
    ([_rule(), _rule()], "rules[1].key: duplicate rule 'r'"),
    ([_rule(target="nowhere")], "rules[0].target: no field or item 'nowhere'"),
    ([_rule(when=[])], "rules[0].when: must be a non-empty table"),
    ([_rule(when={"colour": "red"})], "rules[0].when.colour: unknown setting"),
    ([_rule(when={"field": "", "in": ["x"]})], "rules[0].when.field: must be a field key"),
    ([_rule(when={"in": ["x"]})], "rules[0].when: in / not_in / filled need field"),
    ([_rule(when={"field": "result"})], "rules[0].when: field needs in, not_in or filled"),
    ([_rule(when={"field": "notes", "filled": "yes"})], "rules[0].when.filled: must be true or false"),
    ([_rule(when={"any_answer": []})], "rules[0].when.any_answer: must be a non-empty list of strings"),
    ([_rule(when={"no_answer": ["?"]})], "rules[0]: '?' is not an answer of any checklist item"),
    ([_rule(require={"field": "missing", "filled": True})], "rules[0]: no field 'missing'"),
    ([_rule(require={"field": "result", "not_in": ["也许"]})], "rules[0]: '也许' is not a choice of 'result'"),
    ([_rule(require=None, waive="signatures")], "rules[0].waive: must be one of ['items']"),
    ([_rule(waive="items")], "rules[0]: a rule has either require or waive, not both"),
])
def test_malformed_rules_are_refused(raw: Any, expected: str) -> None:
    with pytest.raises(Refused) as exc:
        _parse(raw)
    assert str(exc.value) == expected


def test_well_formed_rules_parse() -> None:
    assert _parse(None) == ()
    (free, listed, waiving) = _parse([
        _rule(key="a", target="notes", require={"field": "notes", "filled": True}),
        _rule(key="b", target="1.1", message=" 说明 ", require=[{"field": "result", "not_in": ["发现问题"]},
                                                            {"no_answer": ["×"]}]),
        _rule(key="c", require=None, waive="items", when={"field": "result", "in": ["未发现问题"]}),
    ])
    assert free.require[0].filled is True and free.waive is None
    assert listed.message == "说明" and [c.not_in for c in listed.require] == [("发现问题",), ()]
    assert waiving.waive == "items" and waiving.require == ()


@pytest.mark.parametrize(("value", "filled"), [
    (None, False), ("  ", False), ("x", True), ({"a": ""}, False), ({"a": "x"}, True),
    ([], False), (["", None], False), (("x",), True), (0, True), (False, True),
])
def test_filled_in_condition(value: Any, filled: bool) -> None:
    (rule,) = _parse([_rule(when={"field": "notes", "filled": True})])
    assert formrules.holds(rule.when, {"notes": value}, set()) is filled


def test_answers_given_as_text_or_table() -> None:
    rules = _parse([_rule(when={"any_answer": ["发现问题"]}, require={"field": "result", "in": ["发现问题"]})])
    broken = formrules.check(rules, {"result": "未发现问题"}, {"1.1": "发现问题"})
    assert [v.rule for v in broken] == ["r"]
    assert formrules.check(rules, {"result": "未发现问题"}, {"1.1": {"answer": "发现问题"}})
    for not_an_answer in ("", {"answer": ""}, {"answer": 3}, 7):
        assert formrules.check(rules, {"result": "未发现问题"}, {"1.1": not_an_answer}) == []
