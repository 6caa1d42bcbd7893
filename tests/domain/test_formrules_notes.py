"""Rules added for issue 16: the note a result without an inspection needs (annex 4/5 检查结果), the
annex 6 风险信息采集表's 其他 source and credit codes (鲁市监质监字〔2022〕233号 附件4–6)."""

from __future__ import annotations

import pytest

from qsdesk.domain import formspec

NOT_INSPECTED = ("通过登记的住所（经营场所）无法联系", "不配合检查情节严重", "未发现开展本次检查涉及的经营活动")
INSPECTED = ("未发现问题", "发现问题已现场整改", "发现问题待后续处理")


def _notes_problems(spec: formspec.FormSpec, values: dict) -> list[formspec.Problem]:
    return [p for p in formspec.validate_values(spec, values, {}) if p.key == "other_notes"]


@pytest.mark.parametrize("form_id", ["annex4_producer", "annex5_seller"])
@pytest.mark.parametrize("result", [*NOT_INSPECTED, "其他"])
def test_result_without_inspection_or_other_needs_the_note(form_id: str, result: str) -> None:
    spec = formspec.load_form(form_id)
    [p] = _notes_problems(spec, {"result": result})
    assert p.label == "其它需要说明的情况" and "其它需要说明的情况" in p.message
    assert ("未实施检查" in p.message) == (result != "其他")
    assert _notes_problems(spec, {"result": result, "other_notes": "  "})  # blanks are not a note
    assert _notes_problems(spec, {"result": result, "other_notes": "登记住所已改作仓库，电话停机"}) == []
    # The checklist stays waived for the three results that mean no inspection.
    unanswered = [p for p in formspec.validate_values(spec, {"result": result, "other_notes": "x"}, {})
                  if p.message == "检查结果未选择"]
    assert (unanswered == []) == (result in NOT_INSPECTED)


@pytest.mark.parametrize("form_id", ["annex4_producer", "annex5_seller"])
@pytest.mark.parametrize("result", INSPECTED)
def test_an_inspection_needs_no_note(form_id: str, result: str) -> None:
    spec = formspec.load_form(form_id)
    first = next(iter(spec.items())).key
    answers = {first: {"answer": "发现问题", "note": "标识不全"}} if result.startswith("发现") else {}
    assert [p for p in formspec.validate_values(spec, {"result": result}, answers)
            if p.key == "other_notes"] == []


def test_risk_source_other_needs_its_text() -> None:
    """附件6 风险信息来源 □其他: which other source it was must be written."""
    spec = formspec.load_form("annex6_risk")
    base = {"product_name": "电动自行车充电器", "description": "网络平台销售的充电器无3C标志"}
    probs = formspec.validate_values(spec, {**base, "sources": ["日常监管", "其他"]}, {})
    assert [(p.key, p.label) for p in probs] == [("sources_other", "风险信息来源")]
    assert "其他" in probs[0].message
    assert formspec.validate_values(spec, {**base, "sources": ["日常监管", "其他"],
                                           "sources_other": "消费者来电咨询"}, {}) == []
    assert formspec.validate_values(spec, {**base, "sources": ["国外通报"]}, {}) == []


@pytest.mark.parametrize("code, name, label", [("producer_uscc", "producer", "（标称）生产者"),
                                               ("seller_uscc", "seller", "销售者")])
def test_risk_credit_code_needs_its_unit(code: str, name: str, label: str) -> None:
    """附件6 prints each 统一社会信用代码 beside the unit it identifies."""
    spec = formspec.load_form("annex6_risk")
    base = {"sources": ["投诉、举报"], "product_name": "电热水壶", "description": "壶底漏电"}
    probs = formspec.validate_values(spec, {**base, code: "91370112MA3C5YF365"}, {})
    assert [(p.key, p.label) for p in probs] == [(name, label)]
    assert "统一社会信用代码" in probs[0].message
    assert formspec.validate_values(spec, {**base, code: "91370112MA3C5YF365", name: "济南宏达电器有限公司"},
                                    {}) == []
    # A name without a code is fine: the annex asks for the code only when known.
    assert formspec.validate_values(spec, {**base, name: "济南宏达电器有限公司"}, {}) == []
