"""Issue 16 item 7 (the rest) through the widgets: the sync words explained, record numbers found
from a part, risk reports numbered like inspections, account ↔ inspector link, one's own
password, and the station's details edited by 所长 with an audit entry."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QInputDialog, QLineEdit
from sqlalchemy import select

from qsdesk.services import audit, inspections, risk, risk_reports
from qsdesk.services.accounts import AccountError, create_account, login
from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry, Enterprise, Inspection, Node
from qsdesk.ui.admin_panels import AccountsPanel
from qsdesk.ui.forms import dialogs
from qsdesk.ui.pages.inspections import InspectionsPage
from qsdesk.ui.pages.risk import RiskPage
from qsdesk.ui.pages.settings import NodeInfo
from qsdesk.ui.pages.sync import SYNC_WORDS, SyncPage
from tests.conftest import STATION_CODE
from tests.services.inspection_helpers import complete_values, make_enterprise


def test_sync_words_explained(qtbot, store: Store) -> None:
    page = SyncPage(store)
    qtbot.addWidget(page)
    for word in ("登记文件", "指纹", "回执"):
        assert word in page.help_label.text()
        assert SYNC_WORDS[word] in page.help_label.toolTip()
    assert "登记文件：" in page.export_id_button.toolTip() and "指纹：" in page.identity_label.toolTip()
    assert page.receipt_button.toolTip().startswith("回执：")


def _sealed(store: Store, eid: str) -> str:
    values, answers = complete_values(store, eid)
    iid = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                 enterprise_id=eid)
    inspections.seal(store, iid)
    return iid


def test_partial_record_number_search(qtbot, store: Store) -> None:
    eid = make_enterprise(store)
    ids = [_sealed(store, eid) for _ in range(12)]
    with store.session() as s:
        numbers = {s.get(Inspection, i).record_no: i for i in ids}
    year = date.today().year
    assert f"{STATION_CODE}-{year}-00012" in numbers
    page = InspectionsPage(store)
    qtbot.addWidget(page)

    def found(text: str) -> set[str]:
        with qtbot.waitSignal(page.model.reloaded, timeout=5000):
            page.search.setText(text)
        return {page.model.row_id(r) for r in range(page.model.rowCount())}

    # the serial without its zeros ("5": the enterprise's own code and address hold no 5)
    assert found("5") == {numbers[f"{STATION_CODE}-{year}-00005"]}
    assert found("00012") == {numbers[f"{STATION_CODE}-{year}-00012"]}
    assert found(f"{year}-0001") == {numbers[f"{STATION_CODE}-{year}-{n:05d}"] for n in range(10, 13)}
    wide = "".join(chr(0xFF10 + int(c)) for c in f"{year}") + "－" + "０００１"  # typed full-width
    assert found(wide) == {numbers[f"{STATION_CODE}-{year}-{n:05d}"] for n in range(10, 13)}
    assert found(str(year)) == set(ids)  # the year
    assert found(f"{STATION_CODE}-{year}-00007") == {numbers[f"{STATION_CODE}-{year}-00007"]}  # whole
    assert found(f"1-{year}-0000") == {numbers[f"{STATION_CODE}-{year}-{n:05d}"] for n in range(1, 10)}
    assert found("99") == set()


def test_risk_reports_numbered_like_inspections(qtbot, store: Store) -> None:
    eid = make_enterprise(store)
    on = date(2026, 3, 2)
    a = risk.create_report(store, reported_on=on, sources=["投诉、举报"], product_name="电热水壶",
                           description="外壳带电", links=[risk.LinkSpec(eid, "producer")])
    b = risk_reports.save_risk_report(store, {"sources": ["媒体网络信息"], "product_name": "电暖器",
                                              "description": "过热", "producer": "济南华鲁电器有限公司"},
                                      reported_on=date(2026, 5, 1))
    c = risk.create_report(store, reported_on=date(2027, 1, 3), sources=["投诉、举报"], product_name="x",
                           description="y")
    with store.session() as s:
        from qsdesk.store.models import RiskReport

        nos = {i: s.get(RiskReport, i).report_no for i in (a, b, c)}
    assert nos == {a: f"{STATION_CODE}-2026-00001", b: f"{STATION_CODE}-2026-00002",
                   c: f"{STATION_CODE}-2027-00001"}
    page = RiskPage(store)
    qtbot.addWidget(page)
    assert page.model.headerData(0, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.Orientation.Horizontal) == "编号"
    with qtbot.waitSignal(page.model.reloaded, timeout=5000):
        page.search.setText("2026-00002")
    assert page.model.rowCount() == 1 and page.model.row_id(0) == b


def test_account_inspector_link_and_prefill(qtbot, store: Store, monkeypatch) -> None:
    chief = create_account(store, "wangsuo", "abc12345", "chief")
    create_account(store, "zhangwei", "abc12345", "inspector", by=chief)
    store.set_actor("wangsuo", "chief")
    panel = AccountsPanel(store)
    qtbot.addWidget(panel)
    row = [a.username for a in panel.accounts].index("zhangwei")
    panel.table.selectRow(row)
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("张伟", True)))
    panel.link_btn.click()
    assert panel.table.item(row, 3).text() == "张伟"
    with store.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.record_id == "zhangwei")
                          .order_by(AuditEntry.at.desc())).first()
        assert entry.detail == {"关联检查人员": "张伟"}
    # One inspector, one account.
    other = [a.username for a in panel.accounts].index("wangsuo")
    panel.table.selectRow(other)
    panel.link_btn.click()
    assert "已关联账号 zhangwei" in panel.message.text()
    # A new inspection by zhangwei names him first, with his phone.
    user = login(store, "zhangwei", "abc12345")
    store.set_actor(user.username, user.role)
    dlg = dialogs.InspectionDialog(store, enterprise_id=make_enterprise(store))
    qtbot.addWidget(dlg)
    assert dlg.form.values()["inspectors"][0] == "张伟"
    assert dlg.form.values()["inspector_phone"] == "13805310001"


def test_change_own_password(qtbot, store: Store) -> None:
    chief = create_account(store, "wangsuo", "abc12345", "chief")
    create_account(store, "zhangwei", "abc12345", "inspector", by=chief)
    store.set_actor("zhangwei", "inspector")
    panel = AccountsPanel(store)
    qtbot.addWidget(panel)
    assert not panel.add_btn.isEnabled() and panel.own_password_btn.isEnabled()
    panel.own_password_btn.click()
    dlg = panel.password_dialog
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.findChild(QLineEdit, "old_password"), "wrong-one")
    qtbot.keyClicks(dlg.findChild(QLineEdit, "new_password"), "new-pass-1")
    qtbot.keyClicks(dlg.findChild(QLineEdit, "repeat_password"), "new-pass-1")
    dlg._ok()
    assert "原密码不正确" in dlg.error.text() and dlg.isVisible()
    qtbot.keyClicks(dlg.findChild(QLineEdit, "old_password"), "abc12345")
    dlg._ok()
    assert not dlg.isVisible() and "密码已修改" in panel.message.text()
    assert login(store, "zhangwei", "new-pass-1").username == "zhangwei"
    with pytest.raises(AccountError):
        login(store, "zhangwei", "abc12345")


def test_station_details_edited_by_chief_and_audited(qtbot, store: Store) -> None:
    chief = create_account(store, "wangsuo", "abc12345", "chief")
    create_account(store, "zhangwei", "abc12345", "inspector", by=chief)
    eid = make_enterprise(store)
    store.set_actor("zhangwei", "inspector")
    info = NodeInfo(store)
    qtbot.addWidget(info)
    assert not info.edit_button.isEnabled()  # an inspector may not
    store.set_actor("wangsuo", "chief")
    info.refresh()
    assert info.edit_button.isEnabled()
    info.edit_button.click()
    dlg = info.edit_dialog
    qtbot.addWidget(dlg)
    dlg.name.setText("历城区市场监管局王舍人中心市场监管所")
    dlg.code.setText("370112009")
    assert dlg.save()
    assert info.labels["name"].text() == "历城区市场监管局王舍人中心市场监管所"
    assert info.labels["code"].text() == "370112009"
    with store.session() as s:
        assert s.get(Enterprise, eid).origin == "370112009"  # local records follow the code
        assert s.get(Node, STATION_CODE) is None
        entry = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "node",
                                                   AuditEntry.action == "update")).one()
        assert entry.actor == "wangsuo" and entry.detail["单位代码"] == f"{STATION_CODE} → 370112009"
    assert store.origin == "370112009"
    assert audit.ACTION_TEXT[entry.action] == "修改"


def test_risk_link_dialog_preselects_nothing_unrelated(qtbot, store: Store) -> None:
    from qsdesk.ui.pages.risk import LinkDialog

    with store.transaction() as s:
        s.add(Enterprise(name="阿拉丁灯具有限公司"))  # first in the register's order
    named = make_enterprise(store)  # 济南华鲁电器有限公司
    plain = risk.create_report(store, reported_on=date(2026, 3, 2), sources=["投诉、举报"],
                               product_name="插座", description="标识不全")
    dlg = LinkDialog(store, plain)
    qtbot.addWidget(dlg)
    assert dlg.picker.enterprise_id() is None  # not 阿拉丁…, the first of the list
    rid = risk_reports.save_risk_report(store, {"sources": ["投诉、举报"], "product_name": "电热水壶",
                                                "description": "外壳带电", "producer": "济南华鲁电器有限公司"})
    dlg2 = LinkDialog(store, rid)
    qtbot.addWidget(dlg2)
    assert dlg2.picker.enterprise_id() == named and dlg2.role.currentData() == "producer"
