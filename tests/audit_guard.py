"""Every write path leaves an audit entry: a guard over the whole test suite.

Listeners on every SQLAlchemy Session note, per transaction, whether synced records were
written and whether an audit entry was added. A transaction opened by code in
``qsdesk.services`` (found by walking the call stack when the transaction begins) that commits
record changes without an audit entry is a violation; the autouse fixture in ``conftest.py``
fails the test that caused it. Tests that write rows directly (factories) open their own
transactions and are not checked; the services they call are.
"""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from qsdesk.store.models import AuditEntry, SyncMixin

#: Service functions that legitimately write without an audit entry, and why.
EXEMPT = {
    "qsdesk.services.drafts": "autosaved drafts are local scratch copies, not records",
}

violations: list[str] = []


def _service_frame() -> str | None:
    f = sys._getframe(2)
    found = None
    while f is not None:
        mod = f.f_globals.get("__name__", "")
        if mod.startswith("qsdesk.services."):
            found = f"{mod}:{f.f_code.co_name}"  # keep walking: the outermost service is the entry point
        elif mod.startswith("tests.") or mod == "__main__":
            break
        f = f.f_back
    return found


def _after_transaction_create(session: Session, tx: Any) -> None:
    if tx.parent is None:  # the outermost transaction: where the unit of work starts
        session.info["_audit_guard"] = {"svc": _service_frame(), "data": set(), "audit": False}


def _before_flush(session: Session, _ctx: Any, _inst: Any) -> None:
    state = session.info.get("_audit_guard")
    if state is None:
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry):
            if obj in session.new:
                state["audit"] = True
        elif isinstance(obj, SyncMixin) and (obj in session.new or obj in session.deleted
                                             or session.is_modified(obj, include_collections=False)):
            state["data"].add(type(obj).__tablename__)


def _after_commit(session: Session) -> None:
    state = session.info.pop("_audit_guard", None)
    if not state or not state["svc"] or not state["data"] or state["audit"]:
        return
    if state["svc"].split(":")[0] in EXEMPT:
        return
    violations.append(f"{state['svc']} wrote {sorted(state['data'])} without an audit entry")


def _reset(session: Session, *_: Any) -> None:
    session.info.pop("_audit_guard", None)


def install() -> None:
    if not event.contains(Session, "after_transaction_create", _after_transaction_create):
        event.listen(Session, "after_transaction_create", _after_transaction_create)
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _reset)
