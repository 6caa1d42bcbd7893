"""Chief-only actions (001 二(一) assignment; sync conflicts) refuse a logged-in inspector."""

from __future__ import annotations

import pytest

from qsdesk.services import registry as reg
from qsdesk.services.accounts import create_account, login
from qsdesk.services.sync import conflicts as cf
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, Inspector


def _setup(store: Store) -> tuple[str, str]:
    chief = create_account(store, "zhangwei", "abc12345", "chief")
    create_account(store, "lina", "def12345", "inspector", by=chief)
    with store.transaction() as s:
        e = Enterprise(name="济南市华兴机械有限公司", unit_types="producer")
        s.add(e)
        s.flush()
        inspector_id = s.query(Inspector.id).first()[0]
        return e.id, inspector_id


def test_only_chief_assigns_supervisors(store: Store) -> None:
    eid, iid = _setup(store)
    login(store, "lina", "def12345")
    with pytest.raises(reg.AssignmentError, match="只有所长"):
        reg.assign_supervisor(store, eid, iid)
    login(store, "zhangwei", "abc12345")
    assert not reg.assign_supervisor(store, eid, iid).late


def test_only_chief_resolves_conflicts(store: Store) -> None:
    _setup(store)
    login(store, "lina", "def12345")
    with pytest.raises(cf.ConflictError, match="只有所长"):
        cf.resolve(store, "no-such-conflict", "kept")
    login(store, "zhangwei", "abc12345")
    with pytest.raises(cf.ConflictError, match="找不到"):
        cf.resolve(store, "no-such-conflict", "kept")
