"""The forms' consistency rules through the services: sealing refuses, the CLI reports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import update

from qsdesk.cli import main
from qsdesk.services import inspections
from qsdesk.services.record_checks import inconsistent_inspections
from qsdesk.store.db import Store
from qsdesk.store.models import Inspection
from tests.services.inspection_helpers import complete_values, make_enterprise

TODAY = date(2026, 5, 20)


def _draft(store: Store, result: str) -> str:
    eid = make_enterprise(store)
    values, answers = complete_values(store, eid, today=TODAY)  # item 1.1 发现问题
    values["result"] = result
    return inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                  enterprise_id=eid)


def test_seal_refuses_a_self_contradictory_record(store: Store) -> None:
    iid = _draft(store, "未发现问题")
    with pytest.raises(inspections.InvalidRecordError) as exc:
        inspections.seal(store, iid)
    assert [p.key for p in exc.value.problems] == ["result"]
    assert "不能选“未发现问题”" in str(exc.value)
    with store.session() as s:
        assert s.get(Inspection, iid).status == "draft"


def test_seal_accepts_the_consistent_record(store: Store) -> None:
    iid = _draft(store, "发现问题已现场整改")
    assert len(inspections.seal(store, iid)) == 64


def test_check_records_finds_contradictions_from_elsewhere(store: Store, data_dir: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    good = _draft(store, "发现问题已现场整改")
    inspections.seal(store, good)
    bad = _draft(store, "发现问题已现场整改")
    inspections.seal(store, bad)
    # A record that reached the database without passing the seal check (e.g. from an older
    # version or another station): written below the service layer on purpose.
    with store.transaction() as s:
        s.connection().execute(update(Inspection.__table__).where(Inspection.__table__.c.id == bad)
                               .values(answers={"1.1": {"answer": "发现问题", "note": "x"}},
                                       values={**s.get(Inspection, bad).values, "result": "未发现问题"}))
    found = list(inconsistent_inspections(store))
    assert [i.inspection_id for i in found] == [bad]
    store.close()
    assert main(["check-records", "--data-dir", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert "自相矛盾" in out and "不能选“未发现问题”" in out
    assert "annex" not in out and "result" not in out


def test_check_records_clean(store: Store, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inspections.seal(store, _draft(store, "发现问题待后续处理"))
    store.close()
    assert main(["check-records", "--data-dir", str(data_dir), "--drafts"]) == 0
    assert "未发现自相矛盾" in capsys.readouterr().out


@pytest.mark.parametrize("result, seals", [("通过登记的住所（经营场所）无法联系", True), ("未发现问题", False)])
def test_seal_without_any_item_answered(store: Store, result: str, seals: bool) -> None:
    """无法联系: no item was inspected, the record seals with the result and a note; a real
    inspection (未发现问题) still needs every item."""
    eid = make_enterprise(store)
    values, _answers = complete_values(store, eid, today=TODAY)
    values["result"] = result
    values["other_notes"] = "登记住所无人，电话无人接听"
    iid = inspections.save_draft(store, form_id="annex4_producer", values=values, answers={},
                                 enterprise_id=eid)
    if seals:
        assert len(inspections.seal(store, iid)) == 64
        assert list(inconsistent_inspections(store)) == []
    else:
        with pytest.raises(inspections.InvalidRecordError) as exc:
            inspections.seal(store, iid)
        assert {p.message for p in exc.value.problems} == {"检查结果未选择"}
        with store.session() as s:
            assert s.get(Inspection, iid).status == "draft"
