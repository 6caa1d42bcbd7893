from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from qsdesk.services import audit, inspections
from qsdesk.store.db import SealedRecordError, Store
from qsdesk.store.models import AuditEntry, Inspection, Signature
from tests.services.inspection_helpers import (
    add_sampling,
    complete_values,
    make_enterprise,
    signature,
)

TODAY = date(2026, 11, 20)


def _actions(store: Store, record_id: str) -> list[str]:
    with store.session() as s:
        return [e.action for e in audit.entries_for(s, record_id)]


def test_new_values_snapshot_and_three_year_history(store: Store) -> None:
    eid = make_enterprise(store)
    add_sampling(store, eid, date(2023, 12, 31), "不合格", "标志")  # four years back: left out
    add_sampling(store, eid, date(2024, 1, 1), "合格")  # first day of the window
    add_sampling(store, eid, date(2025, 6, 3), "不合格", "泄漏电流",
                 steps=[("deliver", date(2025, 6, 10), "已签收"), ("reinspect", None, None)])
    add_sampling(store, eid, date(2026, 3, 2), "合格")
    form_id, values = inspections.new_values(store, eid, today=TODAY)
    assert form_id == "annex4_producer"
    assert values["name"] == "济南华鲁电器有限公司"
    assert values["legal_representative"] == "王建国"
    assert values["contact"] == "刘敏 13906410001"
    assert values["address"]["town"] == "王舍人街道"
    assert values["business_status"] == "正常经营"
    assert values["licence_types"] == ["CCC"]
    assert values["licence_numbers"] == "2021010719000001"
    assert values["inspection_date"] == "2026-11-20"
    rows = values["sampling_history"]
    assert [r["year"] for r in rows] == [2024, 2025, 2026]
    assert rows[0]["result"] == "合格1批次"
    assert rows[1]["result"] == "不合格1批次（泄漏电流）"
    assert "送达检验报告（已签收）" in rows[1]["follow_up"] and "处理中" in rows[1]["follow_up"]
    assert values["inspection_history"] == []


def test_seller_gets_annex5(store: Store) -> None:
    eid = make_enterprise(store, producer=False, name="历城区顺发五金店")
    form_id, values = inspections.new_values(store, eid, today=TODAY)
    assert form_id == "annex5_seller"
    assert values["name"] == "历城区顺发五金店"


def test_save_seal_hash_and_read_only(store: Store) -> None:
    store.set_actor("zhangwei")
    eid = make_enterprise(store)
    values, answers = complete_values(store, eid, today=TODAY)
    iid = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                 enterprise_id=eid)
    with store.session() as s:
        insp = s.get(Inspection, iid)
        assert insp.status == "draft"
        assert insp.form_version == 1
        assert insp.result == "发现问题已现场整改"
        assert insp.problems_found == 1 and insp.problems_fixed == 1
        assert insp.inspector1_id and insp.inspector2_id
        assert "enterprise_signature" not in insp.values  # stored as Signature rows
        roles = sorted(sg.role for sg in insp.signatures)
        assert roles == ["enterprise", "inspector1", "inspector2"]
    digest = inspections.seal(store, iid)
    assert len(digest) == 64
    with store.session() as s:
        insp = s.get(Inspection, iid)
        assert insp.status == "sealed" and insp.sealed_by == "zhangwei" and insp.sealed_at is not None
        assert insp.content_hash == digest == inspections.content_hash(insp)
        assert insp.record_no and insp.record_no.endswith("-2026-00001")
    assert inspections.verify(store, iid)
    # A sealed record refuses every change: through the service, and straight through the store.
    with pytest.raises(SealedRecordError):
        inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                               inspection_id=iid)
    with pytest.raises(SealedRecordError), store.transaction() as s:
        s.get(Inspection, iid).opinion_text = "改"
    with pytest.raises(SealedRecordError), store.transaction() as s:
        sig = s.scalars(select(Signature).where(Signature.inspection_id == iid)).first()
        sig.signer_name = "冒名"
    assert _actions(store, iid) == ["create", "seal"]


def test_hash_covers_signatures(store: Store) -> None:
    eid = make_enterprise(store)
    values, answers = complete_values(store, eid, today=TODAY)
    iid = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                 enterprise_id=eid)
    with store.session() as s:
        before = inspections.content_hash(s.get(Inspection, iid))
    values["enterprise_signature"] = signature("王建国的授权人")
    inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers, inspection_id=iid)
    with store.session() as s:
        after = inspections.content_hash(s.get(Inspection, iid))
    assert before != after


def test_refuses_to_seal_while_invalid(store: Store) -> None:
    eid = make_enterprise(store)
    values, answers = complete_values(store, eid, today=TODAY)
    first = next(iter(answers))
    answers[first] = {"answer": "发现问题", "note": ""}  # note required on 发现问题
    values["uscc"] = "91370112MA3C7X1K4B"  # wrong check digit
    del values["enterprise_signature"]
    iid = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                 enterprise_id=eid)
    with pytest.raises(inspections.InvalidRecordError) as exc:
        inspections.seal(store, iid)
    keys = {p.key for p in exc.value.problems}
    assert {first, "uscc", "enterprise_signature"} <= keys
    with store.session() as s:
        assert s.get(Inspection, iid).status == "draft"
        assert not s.scalars(select(AuditEntry).where(AuditEntry.action == "seal")).first()


def test_refusal_to_sign_is_recorded_and_sealable(store: Store) -> None:
    eid = make_enterprise(store)
    values, answers = complete_values(store, eid, today=TODAY)
    values["opinion"] = "有异议"
    values["opinion_text"] = "对第1项结论有异议"
    values["enterprise_signature"] = signature("王建国", refused=True)
    iid = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                 enterprise_id=eid)
    inspections.seal(store, iid)
    with store.session() as s:
        insp = s.get(Inspection, iid)
        ent_sig = next(sg for sg in insp.signatures if sg.role == "enterprise")
        assert ent_sig.refused and not ent_sig.strokes
        assert insp.opinion == "有异议" and insp.opinion_text == "对第1项结论有异议"
        signs = s.scalars(select(AuditEntry).where(AuditEntry.action == "sign")).all()
        assert any(e.detail.get("refused") for e in signs)
    # No opinion chosen but refused: the opinion column says 拒签.
    values["opinion"] = None
    values["opinion_text"] = None
    iid2 = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                  enterprise_id=eid)
    with store.session() as s:
        assert s.get(Inspection, iid2).opinion == "拒签"


def test_wet_ink_sealing_without_captured_signatures(store: Store) -> None:
    eid = make_enterprise(store)
    values, answers = complete_values(store, eid, today=TODAY)
    values.pop("enterprise_signature")
    values.pop("inspector_signatures")
    iid = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                 enterprise_id=eid)
    with pytest.raises(inspections.InvalidRecordError):
        inspections.seal(store, iid)
    inspections.seal(store, iid, require_signatures=False)
    with store.session() as s:
        e = s.scalars(select(AuditEntry).where(AuditEntry.action == "seal")).one()
        assert e.detail["wet_ink"] is True


def test_amend_links_and_copies(store: Store) -> None:
    eid = make_enterprise(store)
    values, answers = complete_values(store, eid, today=TODAY)
    iid = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                 enterprise_id=eid)
    with pytest.raises(inspections.InspectionError):
        inspections.amend(store, iid)  # a draft is edited, not amended
    inspections.seal(store, iid)
    new_id = inspections.amend(store, iid, reason="检查日期填错")
    with store.session() as s:
        new = s.get(Inspection, new_id)
        orig = s.get(Inspection, iid)
        assert new.amends_id == iid and new.status == "draft"
        assert new.values == orig.values and new.answers == orig.answers
        assert new.signatures == []  # the correction is signed again
        assert orig.status == "sealed"
    assert inspections.verify(store, iid)  # the original is untouched
    with pytest.raises(inspections.InspectionError):
        inspections.amend(store, iid)  # only the newest record of a chain is corrected
    assert inspections.latest_version_id(store, iid) == new_id
    assert _actions(store, new_id) == ["amend"]
    # History of the next inspection shows the correction, not the superseded original.
    values2, answers2 = complete_values(store, eid, today=TODAY)
    values2["inspection_date"] = "2026-11-02"
    inspections.save_draft(store, form_id="annex4_producer", values=values2, answers=answers2,
                           inspection_id=new_id)
    inspections.seal(store, new_id)
    _fid, fresh = inspections.new_values(store, eid, today=TODAY)
    hist = fresh["inspection_history"]
    assert len(hist) == 1 and hist[0]["year"] == 2026
    assert hist[0]["result"] == "11月2日 发现问题已现场整改"
    assert "证书地址与实际不符" in hist[0]["disposal"]


def test_old_version_records_keep_their_form(store: Store, tmp_path, monkeypatch) -> None:
    """A county adds an item in version 2; a version-1 record still opens and validates."""
    from tests.services.form_versions import make_v2_forms_dir

    eid = make_enterprise(store)
    values, answers = complete_values(store, eid, today=TODAY)
    iid = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                 enterprise_id=eid)
    forms_dir, extra_key = make_v2_forms_dir(tmp_path)
    monkeypatch.setenv("QSDESK_FORMS_DIR", str(forms_dir))
    # The old record validates against version 1 (no answer for the new item needed) and seals.
    inspections.seal(store, iid)
    with store.session() as s:
        assert s.get(Inspection, iid).form_version == 1
    # A new record gets version 2 and must answer the extra item.
    iid2 = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                  enterprise_id=eid)
    with store.session() as s:
        assert s.get(Inspection, iid2).form_version == 2
    with pytest.raises(inspections.InvalidRecordError) as exc:
        inspections.seal(store, iid2)
    assert [p.key for p in exc.value.problems] == [extra_key]
    answers[extra_key] = {"answer": "未发现问题", "note": ""}
    inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers, inspection_id=iid2)
    inspections.seal(store, iid2)
