"""The forms' consistency rules (annex 4/5 of 鲁市监质监字〔2022〕233号): parsing and checking."""

from __future__ import annotations

from pathlib import Path

import pytest

from qsdesk.domain import formrules, formspec

RESULTS = ["未发现问题", "通过登记的住所（经营场所）无法联系", "发现问题已现场整改", "发现问题待后续处理",
           "不配合检查情节严重", "未发现开展本次检查涉及的经营活动", "其他"]


def _rule_messages(spec: formspec.FormSpec, values: dict, answers: dict) -> list[str]:
    keys = {r.message for r in spec.rules}
    return [p.message for p in formspec.validate_values(spec, values, answers) if p.message in keys]


@pytest.mark.parametrize("form_id", ["annex4_producer", "annex5_seller"])
def test_found_problem_contradicts_clean_results(form_id: str) -> None:
    spec = formspec.load_form(form_id)
    first = next(iter(spec.items())).key
    found = {first: {"answer": "发现问题", "note": "标识不符"}}
    clean = {first: {"answer": "未发现问题", "note": ""}}
    for result in RESULTS:
        msgs = _rule_messages(spec, {"result": result}, found)
        contradict = result in ("未发现问题", "通过登记的住所（经营场所）无法联系", "未发现开展本次检查涉及的经营活动")
        assert bool([m for m in msgs if "不能选" in m]) == contradict, result
    # The same result with no item marked 发现问题 is fine.
    assert _rule_messages(spec, {"result": "未发现问题"}, clean) == []


@pytest.mark.parametrize("form_id", ["annex4_producer", "annex5_seller"])
def test_problem_result_needs_a_problem_somewhere(form_id: str) -> None:
    spec = formspec.load_form(form_id)
    first = next(iter(spec.items())).key
    clean = {first: {"answer": "未发现问题", "note": ""}}
    msgs = _rule_messages(spec, {"result": "发现问题待后续处理"}, clean)
    assert len(msgs) == 1 and "没有检查项标为" in msgs[0]
    # A problem written under 其它需要说明的情况 satisfies the rule, as does a marked item.
    assert _rule_messages(spec, {"result": "发现问题待后续处理", "other_notes": "消防通道堵塞"}, clean) == []
    assert _rule_messages(spec, {"result": "发现问题已现场整改"},
                          {first: {"answer": "发现问题", "note": "x"}}) == []


@pytest.mark.parametrize("form_id", ["annex4_producer", "annex5_seller"])
def test_objection_text_and_opinion(form_id: str) -> None:
    spec = formspec.load_form(form_id)
    problems = formspec.validate_values(spec, {"opinion": "有异议"}, {})
    assert [p for p in problems if p.key == "opinion_text" and p.message == "必填项未填写"]
    problems = formspec.validate_values(spec, {"opinion": "同意", "opinion_text": "不认可第2项"}, {})
    assert [p for p in problems if p.key == "opinion" and "有异议" in p.message]
    problems = formspec.validate_values(spec, {"opinion": "有异议", "opinion_text": "不认可第2项"}, {})
    assert not [p for p in problems if p.key in ("opinion", "opinion_text")]


def test_rule_problem_points_at_its_target_with_the_field_label() -> None:
    spec = formspec.load_form("annex4_producer")
    p = [p for p in formspec.validate_values(spec, {"result": "未发现问题"}, {"2.1": "发现问题"})
         if p.key == "result"]
    assert p and p[0].label == "检查结果"


def _write(tmp_path: Path, rules: str) -> Path:
    src = Path(formspec.load_form("annex4_producer").path).read_text("utf-8")
    body = src.split("# Consistency rules")[0]
    p = tmp_path / "annex4_producer.toml"
    p.write_text(body + rules, "utf-8")
    return p


@pytest.mark.parametrize("rules, reason", [
    ('[[rules]]\nkey="a"\ntarget="result"\nmessage="m"\nwhen={any_answer=["有问题"]}\n'
     'require={field="result",not_in=["未发现问题"]}\n', "not an answer"),
    ('[[rules]]\nkey="a"\ntarget="result"\nmessage="m"\nwhen={any_answer=["发现问题"]}\n'
     'require={field="result",not_in=["没问题"]}\n', "not a choice"),
    ('[[rules]]\nkey="a"\ntarget="nope"\nmessage="m"\nwhen={any_answer=["发现问题"]}\n'
     'require={field="result",not_in=["未发现问题"]}\n', "no field or item"),
    ('[[rules]]\nkey="a"\ntarget="result"\nmessage="m"\nwhen={any_answer=["发现问题"]}\n'
     'require={in=["未发现问题"]}\n', "need field"),
    ('[[rules]]\nkey="a"\ntarget="result"\nmessage="m"\nwhen={any_answer=["发现问题"]}\n'
     'require={field="result",not_in=["未发现问题"], typo=1}\n', "unknown setting"),
])
def test_malformed_rules_are_refused(tmp_path: Path, rules: str, reason: str) -> None:
    with pytest.raises(formspec.FormSpecError, match=reason):
        formspec.load_form(_write(tmp_path, rules))


def test_empty_field_never_triggers_a_rule() -> None:
    cond = formrules.Condition(field="result", in_=("未发现问题",))
    assert not formrules.holds(cond, {}, set())
    cond = formrules.Condition(field="result", not_in=("未发现问题",))
    assert formrules.holds(cond, {}, set())


NOT_INSPECTED = ("通过登记的住所（经营场所）无法联系", "不配合检查情节严重", "未发现开展本次检查涉及的经营活动")


@pytest.mark.parametrize("form_id", ["annex4_producer", "annex5_seller"])
def test_results_without_an_inspection_waive_the_checklist(form_id: str) -> None:
    """鲁市监质监字〔2022〕233号 附件4/5 检查结果: 无法联系 / 不配合 / 未发现开展 mean no item was
    inspected, so no item is required; every other result still needs every item."""
    spec = formspec.load_form(form_id)
    for result in RESULTS:
        unanswered = [p for p in formspec.validate_values(spec, {"result": result}, {})
                      if p.message == "检查结果未选择"]
        if result in NOT_INSPECTED:
            assert unanswered == [], result
        else:
            assert len(unanswered) == len(list(spec.items())), result
    # An answer that was given is still checked.
    first = next(iter(spec.items())).key
    probs = formspec.validate_values(spec, {"result": NOT_INSPECTED[0]}, {first: {"answer": "乱填", "note": ""}})
    assert [p.key for p in probs if "不是本条可选" in p.message] == [first]


def test_waive_rule_is_validated(tmp_path: Path) -> None:
    head = '[[rules]]\nkey="a"\ntarget="result"\nmessage="m"\nwhen={field="result",in=["其他"]}\n'
    with pytest.raises(formspec.FormSpecError, match="must be one of"):
        formspec.load_form(_write(tmp_path, head + 'waive="fields"\n'))
    with pytest.raises(formspec.FormSpecError, match="not both"):
        formspec.load_form(_write(tmp_path, head + 'waive="items"\nrequire={field="result",filled=true}\n'))
    spec = formspec.load_form(_write(tmp_path, head + 'waive="items"\n'))
    assert formrules.items_waived(spec.rules, {"result": "其他"}, {})
    assert not formrules.items_waived(spec.rules, {"result": "未发现问题"}, {})
