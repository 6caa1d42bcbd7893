"""The domain's words used by the program: stored unit types and the checklist answers."""

from __future__ import annotations

import json

from qsdesk.domain import formspec
from qsdesk.domain.answers import FOUND, NOT_FOUND, CheckAnswer
from qsdesk.domain.grading import parse_unit_types, store_unit_types, stored_unit_types


def test_stored_unit_types_round_trip() -> None:
    assert stored_unit_types(None) == [] and stored_unit_types("") == []
    assert stored_unit_types("producer,,retailer") == ["producer", "retailer"]
    assert store_unit_types(["producer", "retailer"]) == "producer,retailer"
    assert stored_unit_types(store_unit_types(parse_unit_types("生产、零售"))) == ["producer", "retailer"]
    # a value another node stored is read as written, not refused (parse_unit_types would refuse it)
    assert stored_unit_types("producer,farmer") == ["producer", "farmer"]


def test_check_answers_are_the_forms_words() -> None:
    assert (FOUND, NOT_FOUND) == ("发现问题", "未发现问题")
    assert json.dumps({"a": CheckAnswer.FOUND}, ensure_ascii=False) == '{"a": "发现问题"}'
    for form_id in ("annex4_producer", "annex5_seller"):
        answers = {a for it in formspec.load_form(form_id).items() for a in it.answers}
        assert {FOUND, NOT_FOUND} <= answers, form_id
