"""Issue 16: the note a result without an inspection needs, and annex 6's rules, through the
services (sealing, saving) and ``qsdesk check-records``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import update

from qsdesk.cli import main
from qsdesk.services import inspections, risk
from qsdesk.services.record_checks import inconsistent_form_records, inconsistent_inspections
from qsdesk.services.risk_reports import RiskReportError, risk_report_values, save_risk_report
from qsdesk.store.db import Store
from qsdesk.store.models import Inspection, RiskReport
from tests.services.inspection_helpers import complete_values, make_enterprise

TODAY = date(2026, 5, 20)
RISK = {"sources": ["日常监管"], "product_name": "电动自行车充电器", "description": "充电器外壳无3C标志"}


@pytest.mark.parametrize("result", ["不配合检查情节严重", "其他"])
def test_seal_needs_the_note_for_a_result_without_inspection(store: Store, result: str) -> None:
    eid = make_enterprise(store)
    values, answers = complete_values(store, eid, today=TODAY)
    values["result"] = result
    values["other_notes"] = ""
    answers = {} if result == "不配合检查情节严重" else {k: {"answer": "未发现问题", "note": ""} for k in answers}
    iid = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                 enterprise_id=eid)
    with pytest.raises(inspections.InvalidRecordError) as exc:
        inspections.seal(store, iid)
    assert [p.key for p in exc.value.problems] == ["other_notes"]
    assert "其它需要说明的情况" in str(exc.value)
    values["other_notes"] = "企业负责人拒绝出示进货台账并驱离检查人员，已录像"
    inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                           enterprise_id=eid, inspection_id=iid)
    assert len(inspections.seal(store, iid)) == 64


def test_risk_report_refuses_other_without_text_and_code_without_name(store: Store) -> None:
    with pytest.raises(RiskReportError, match="其他"):
        save_risk_report(store, {**RISK, "sources": ["其他"]})
    with pytest.raises(RiskReportError, match="销售者"):
        save_risk_report(store, {**RISK, "seller_uscc": "91370112MA3C5YF365"})
    rid = save_risk_report(store, {**RISK, "sources": ["其他"], "sources_other": "人大代表建议"})
    with store.session() as s:
        assert s.get(RiskReport, rid).values["sources_other"] == "人大代表建议"


def test_verified_report_keeps_its_investigation(store: Store) -> None:
    rid = save_risk_report(store, dict(RISK))
    risk.set_status(store, rid, "verified", investigation="现场核实：该批次充电器无3C证书，已下架")
    _row, values = risk_report_values(store, rid)
    values["investigation"] = ""
    with pytest.raises(RiskReportError, match="已核实，调查核实情况不能为空"):
        save_risk_report(store, values, rid)
    values["investigation"] = "现场核实：无3C证书，已下架并立案"
    save_risk_report(store, values, rid)


def test_check_records_lists_risk_reports_from_elsewhere(store: Store, data_dir: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    good = save_risk_report(store, dict(RISK))
    bad = save_risk_report(store, dict(RISK))
    assert list(inconsistent_form_records(store)) == []
    # As a sync bundle or an older version could deliver it: written below the service layer.
    with store.transaction() as s:
        s.connection().execute(update(RiskReport.__table__).where(RiskReport.__table__.c.id == bad).values(
            status="verified", investigation=None,
            values={**RISK, "sources": ["其他"], "producer_uscc": "91370112MA3C5YF365"}))
    [issue] = list(inconsistent_form_records(store))
    assert issue.record_id == bad and issue.kind == "风险信息采集表" and issue.record_id != good
    assert len(issue.messages) == 3
    store.close()
    assert main(["check-records", "--data-dir", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert "风险信息采集表" in out and "没有填写调查核实情况" in out and "请填写（标称）生产者名称" in out
    assert "风险信息来源选择“其他”" in out
    assert "verified" not in out and "sources" not in out and "annex" not in out


def test_check_records_reports_unreachable_without_note(store: Store) -> None:
    eid = make_enterprise(store)
    values, _answers = complete_values(store, eid, today=TODAY)
    values.update(result="通过登记的住所（经营场所）无法联系", other_notes="电话无人接听")
    iid = inspections.save_draft(store, form_id="annex4_producer", values=values, answers={}, enterprise_id=eid)
    inspections.seal(store, iid)
    assert list(inconsistent_inspections(store)) == []
    with store.transaction() as s:
        s.connection().execute(update(Inspection.__table__).where(Inspection.__table__.c.id == iid)
                               .values(values={**values, "other_notes": None}))
    [issue] = list(inconsistent_inspections(store))
    assert issue.messages == ("检查结果表明未实施检查（无法联系、不配合检查或未发现开展经营活动），"
                              "请在“其它需要说明的情况”中写明经过",)
