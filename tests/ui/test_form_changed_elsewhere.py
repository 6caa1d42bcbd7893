"""A census form opened, then the enterprise saved at another workstation, then the form saved:
refused with who changed it, the newer version offered, nothing typed lost (pytest-qt)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from qsdesk.services import census, drafts
from qsdesk.store.db import open_store
from qsdesk.ui.forms import dialogs
from qsdesk.ui.forms import editors as ed
from tests.services.inspection_helpers import VALID_USCC
from tests.ui.form_helpers import type_text

VALUES = {
    "name": "济南华鲁电器有限公司", "uscc": VALID_USCC, "legal_representative": "王建国",
    "premises": {"province": "山东省", "city": "济南市", "county": "历城区", "town": "王舍人街道",
                 "detail": "工业北路88号"},
    "domain": "生产", "status": "在产在营", "products": [{"name": "电热水壶", "licence_type": "CCC"}],
}


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The refusal box: its text is recorded and 载入最新内容 is pressed."""
    shown: list[str] = []

    def exec_(box: QMessageBox) -> int:
        shown.append(box.text())
        shown.append(box.informativeText())
        [load] = [b for b in box.buttons() if b.text() == "载入最新内容"]
        load.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append(str(a[2]))))
    return shown


def test_census_form_saved_after_another_workstation_is_refused_then_reloaded(qtbot, store, answered) -> None:
    eid = census.save_census(store, VALUES, unit_types=["producer"], entry_reason="现场检查")
    dlg = dialogs.CensusDialog(store, enterprise_id=eid)
    qtbot.addWidget(dlg)
    dlg.show()
    addr = dlg.form.editors["premises"]
    assert isinstance(addr, ed.AddressEditor)
    addr.detail.clear()
    type_text(qtbot, addr.detail, "工业北路99号（本表填写）")
    other = open_store(store.data_dir.root)  # type: ignore[union-attr]  # the second workstation
    other.set_actor("王科长")
    census.save_census(other, {**VALUES, "premises": {**VALUES["premises"], "detail": "县局核实的地址"}}, eid)
    other.close()

    assert dlg.save() is False
    text = answered[0]
    assert "王科长" in text and "修改" in text and "未保存" in text and "\n" not in text, answered
    with store.session() as s:  # theirs kept
        from qsdesk.store.models import Enterprise

        assert s.get(Enterprise, eid).address == "县局核实的地址"  # type: ignore[union-attr]
    # the form now shows the newer version; what was typed is listed above it and kept as a draft
    assert addr.detail.text() == "县局核实的地址"
    assert "工业北路99号（本表填写）" in dlg.form.banner.text()
    d = drafts.find_draft(store, "annex3_census", eid)
    assert d is not None and d.content["values"]["premises"]["detail"] == "工业北路99号（本表填写）"
    # saved again from the newer version: accepted
    addr.detail.clear()
    type_text(qtbot, addr.detail, "工业北路99号")
    assert dlg.save() is True
    with store.session() as s:
        assert s.get(Enterprise, eid).address == "工业北路99号"  # type: ignore[union-attr]
    dlg.close()
