"""A county ships annex 4 version 2 with an extra item: old records keep version 1."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QInputDialog, QMessageBox

from qsdesk.services import inspections
from qsdesk.store.models import Inspection
from qsdesk.ui.forms import dialogs
from tests.services.form_versions import make_v2_forms_dir
from tests.services.inspection_helpers import complete_values, make_enterprise
from tests.ui.form_helpers import answer, click, draw, type_text


@pytest.fixture(autouse=True)
def no_modal(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: None))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("补充", True)))


def test_old_records_keep_their_version(qtbot, store, tmp_path, monkeypatch) -> None:
    eid = make_enterprise(store)
    values, answers = complete_values(store, eid, today=date(2026, 11, 20))
    sealed_id = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                       enterprise_id=eid)
    inspections.seal(store, sealed_id)
    draft_id = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                      enterprise_id=eid)
    forms_dir, extra = make_v2_forms_dir(tmp_path)
    monkeypatch.setenv("QSDESK_FORMS_DIR", str(forms_dir))

    # The sealed version-1 record opens as it was made: no extra item.
    old = dialogs.InspectionDialog(store, inspection_id=sealed_id)
    qtbot.addWidget(old)
    assert old.form.spec.version == 1 and extra not in old.form.rows and old.form.is_read_only()
    # Its amendment stays on version 1 too.
    old.show()
    click(qtbot, old.amend_btn)
    assert old.record_id != sealed_id and old.form.spec.version == 1
    # A version-1 draft still validates complete under version 1.
    dlg = dialogs.InspectionDialog(store, inspection_id=draft_id)
    qtbot.addWidget(dlg)
    assert dlg.form.spec.version == 1 and dlg.form.refresh_problems() == []

    # A new inspection uses version 2 and must answer the county's extra item.
    new = dialogs.InspectionDialog(store, enterprise_id=eid)
    qtbot.addWidget(new)
    new.show()
    assert new.form.spec.version == 2 and extra in new.form.rows
    assert "县局补充" in new.form.rows[extra].content.text()
    new.form.set_values(values, {k: v for k, v in answers.items()})  # the v1 content, as a start
    assert [p.key for p in new.form.refresh_problems()] == [extra]
    answer(qtbot, new.form, extra, "未发现问题")
    for key in ("enterprise_signature", "inspector_signatures"):
        for s in new.form.editors[key].sigs:
            draw(qtbot, s.pad)
    type_text(qtbot, new.form.editors["enterprise_signature"].sigs[0].name_edit, "王建国")
    assert new.form.refresh_problems() == []
    click(qtbot, new.seal_btn)
    with store.session() as s:
        row = s.get(Inspection, new.record_id)
        assert row.status == "sealed" and row.form_version == 2 and row.answers[extra]["answer"] == "未发现问题"
        assert s.get(Inspection, sealed_id).form_version == 1
