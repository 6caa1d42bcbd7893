"""The audit guard itself: it catches a service write without an audit entry, and only that."""

from __future__ import annotations

import types

from qsdesk.store.db import Store
from tests import audit_guard

PROBE = '''
from qsdesk.services import audit
from qsdesk.store.models import Enterprise

def write(store, with_audit):
    with store.transaction() as s:
        e = Enterprise(name="探针企业", unit_types="retailer")
        s.add(e)
        s.flush()
        if with_audit:
            audit.record(s, "create", "enterprise", e.id)
'''


def _probe_module() -> types.ModuleType:
    mod = types.ModuleType("qsdesk.services.probe")
    exec(compile(PROBE, "qsdesk/services/probe.py", "exec"), mod.__dict__)
    return mod


def test_guard_catches_unaudited_service_write(store: Store) -> None:
    probe = _probe_module()
    probe.write(store, with_audit=True)
    assert audit_guard.violations == []
    probe.write(store, with_audit=False)
    assert len(audit_guard.violations) == 1
    assert "qsdesk.services.probe:write" in audit_guard.violations[0] and "enterprise" in audit_guard.violations[0]
    audit_guard.violations.clear()  # this test's own violation is expected


def test_guard_ignores_test_factories(store: Store) -> None:
    from qsdesk.store.models import Enterprise

    with store.transaction() as s:
        s.add(Enterprise(name="工厂数据", unit_types="producer"))
    assert audit_guard.violations == []


def test_modal_watchdog_closes_a_forgotten_message_box(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    import tests.conftest as guards

    monkeypatch.setattr(guards, "MODAL_LIMIT_S", 1.5)
    answer = QMessageBox.question(None, "尚未保存", "是否保存？")  # nobody clicks: the watchdog must
    assert answer != QMessageBox.StandardButton.Yes
    assert guards.stuck_dialogs == ["尚未保存: 是否保存？"]
    guards.stuck_dialogs.clear()
