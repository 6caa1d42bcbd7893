"""Settings panels: backup now and restore, accounts by role, the searchable audit trail."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from qsdesk.services import audit
from qsdesk.services.accounts import create_account, login
from qsdesk.store.db import Store, open_store
from qsdesk.store.models import Enterprise
from qsdesk.ui.admin_panels import AccountsPanel, AuditPanel, BackupPanel


def test_backup_and_restore_through_panel(qtbot: QtBot, store: Store) -> None:
    with store.transaction() as s:
        s.add(Enterprise(name="甲商店", unit_types="retailer"))
    reopened: list[Store] = []

    def reopen(work) -> None:  # type: ignore[no-untyped-def]
        store.close()
        work()
        reopened.append(open_store(store.data_dir.root))

    panel = BackupPanel(store, reopen=reopen)
    qtbot.addWidget(panel)
    panel.backup_btn.click()
    assert panel.table.rowCount() == 1 and panel.table.item(0, 1).text() == "手动备份"
    with store.transaction() as s:
        s.add(Enterprise(name="乙商店", unit_types="retailer"))
    assert panel.restore_file(panel.backups[0].path, confirm=False)
    new = reopened[0]
    try:
        with new.session() as s:
            assert s.scalars(select(Enterprise.name)).all() == ["甲商店"]
    finally:
        new.close()


def test_accounts_panel_chief_only(qtbot: QtBot, store: Store) -> None:
    create_account(store, "zhangwei", "abc12345", "chief")
    chief = login(store, "zhangwei", "abc12345")
    panel = AccountsPanel(store)
    qtbot.addWidget(panel)
    qtbot.keyClicks(panel.findChild(QLineEdit, "new_username"), "lina")
    qtbot.keyClicks(panel.findChild(QLineEdit, "new_password"), "short")
    panel.add_btn.click()
    assert "至少" in panel.message.text() and panel.table.rowCount() == 1
    panel.findChild(QLineEdit, "new_password").clear()
    qtbot.keyClicks(panel.findChild(QLineEdit, "new_password"), "def12345")
    panel.add_btn.click()
    assert panel.table.rowCount() == 2
    login(store, "lina", "def12345")  # an inspector now at the keyboard
    panel.refresh()
    assert not panel.add_btn.isEnabled() and "只有所长" in panel.message.text()
    assert chief.is_chief


def test_audit_panel_search(qtbot: QtBot, store: Store) -> None:
    with store.transaction() as s:
        audit.record(s, "print", "inspection", "rec-1", actor="zhangwei", copies=2)
        audit.record(s, "export", None, None, actor="lina", file="台账2026.xlsx")
    panel = AuditPanel(store)
    qtbot.addWidget(panel)
    assert panel.model.rowCount() == 3  # with the node set-up entry from the fixture
    qtbot.keyClicks(panel.search, "2026.xlsx")  # QTest cannot type CJK keystrokes offscreen
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=2000)
    assert panel.model.row_values(0)["actor"] == "lina"
    panel.search.clear()
    panel.action.setCurrentIndex(panel.action.findData("print"))
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=2000)
    assert panel.model.row_values(0)["record_id"] == "rec-1"
    assert panel.model.index(0, 2).data() == "打印"


def test_record_dialog_shows_the_records_trail(qtbot: QtBot, store: Store) -> None:
    from qsdesk.services import inspections
    from qsdesk.ui.forms.dialogs import InspectionDialog
    from tests.services.inspection_helpers import make_enterprise

    eid = make_enterprise(store)
    store.set_actor("zhangwei", "chief")
    form_id, values = inspections.new_values(store, eid)
    iid = inspections.save_draft(store, form_id=form_id, values=values, answers={}, enterprise_id=eid)
    inspections.save_draft(store, form_id=form_id, values={**values, "other_notes": "补充说明"}, answers={},
                           enterprise_id=eid, inspection_id=iid)
    dlg = InspectionDialog(store, inspection_id=iid)
    qtbot.addWidget(dlg)
    dlg.history_btn.click()
    table = dlg.history_dialog.table
    rows = [(table.item(r, 1).text(), table.item(r, 2).text()) for r in range(table.rowCount())]
    assert rows[:2] == [("zhangwei", "新建"), ("zhangwei", "修改")]
    dlg.history_dialog.accept()
