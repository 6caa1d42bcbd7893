"""Inspections list (lazy, search, filters) and the settings page's inspectors."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry, Inspection, Inspector
from qsdesk.ui.pages.inspections import InspectionsPage
from qsdesk.ui.pages.settings import SettingsPage
from tests.registry_data import fill_registry


def test_inspections_list(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    ids = fill_registry(store)
    with store.transaction() as s:
        for n in range(130):
            eid = ids["济南泰和电线电缆有限公司"] if n % 2 else ids["济南华兴塑料制品厂"]
            s.add(Inspection(enterprise_id=eid, form_id="annex4_producer", form_version=1, record_no=f"R{n:04d}",
                             inspected_on=date(2026, 1, 1 + n % 28), status="sealed" if n % 3 else "draft"))
    page = InspectionsPage(store)
    qtbot.addWidget(page)
    page.show()
    assert page.model.rowCount() == 100 and page.model.canFetchMore()  # one page
    qtbot.waitUntil(lambda: page.count_label.text() == "共 130 份", timeout=5000)
    m = page.model
    dates = [m.data(m.index(r, 0)) for r in range(m.rowCount())]
    assert dates == sorted(dates, reverse=True)  # newest first
    page.search.setText("泰和电线")
    assert page.model.rowCount() == 65
    assert {m.data(m.index(r, 2)) for r in range(m.rowCount())} == {"济南泰和电线电缆有限公司"}
    page.status.setCurrentIndex(page.status.findData("draft"))
    assert all(m.data(m.index(r, 4)) == "草稿" for r in range(m.rowCount()))
    assert m.rowCount() == len([n for n in range(130) if n % 2 and n % 3 == 0])
    page.search.setText("R0007")  # a record number
    page.status.setCurrentIndex(0)
    assert m.rowCount() == 1 and m.data(m.index(0, 1)) == "R0007"


def test_settings_inspectors(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = SettingsPage(store)
    qtbot.addWidget(page)
    panel = page.inspectors
    assert panel.table.rowCount() == 2
    panel.name.setText("王强")
    panel.phone.setText("13805310003")
    panel.add()
    assert panel.table.rowCount() == 3
    names = [panel.table.item(r, 0).text() for r in range(3)]
    assert "王强" in names
    row = names.index("王强")
    panel.table.selectRow(row)
    assert panel.toggle_button.text() == "设为离岗"
    panel.toggle()
    with store.session() as s:
        wang = s.scalars(select(Inspector).where(Inspector.name == "王强")).one()
        assert not wang.active
        assert {a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.record_id == wang.id))} == {
            "create", "update"}
    # the inactive one is listed last, greyed, and can come back
    assert panel.table.item(2, 3).text() == "离岗"
    assert page.node.labels["code"].text() == "370112001"


def test_inspector_service_refusals(store: Store) -> None:
    import pytest

    from qsdesk.services import inspectors as insp

    with pytest.raises(insp.InspectorError, match="姓名不能为空"):
        insp.add_inspector(store, "  ")
    with pytest.raises(insp.InspectorError, match="已有在岗人员 张伟"):
        insp.add_inspector(store, "张伟")
    # the same name with a badge number is a different person
    insp.add_inspector(store, "张伟", badge_no="37011200199")
    assert [i.name for i in insp.list_inspectors(store)].count("张伟") == 2
