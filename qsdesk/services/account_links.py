"""Which inspector an account belongs to (account ↔ inspector), set by 所长.

An account is a login; an inspector is a person named on records (执法证号, phone). Linking them
lets the program put the person at the keyboard on a new inspection as its first inspector, with
their phone, and lets the audit trail be read by name. One inspector has at most one active
account. Changing one's own password is :func:`qsdesk.services.accounts.change_password` (the old
password is asked, no chief needed).
"""

from __future__ import annotations

from sqlalchemy import select

from qsdesk.services import audit
from qsdesk.services.accounts import AccountError, User
from qsdesk.store.db import Store
from qsdesk.store.models import Account, Inspector


def link_inspector(store: Store, by: User | None, username: str, inspector_id: str | None) -> None:
    """Link ``username`` to ``inspector_id`` (None: unlink). Only 所长; audited."""
    if by is None or not by.is_chief:
        raise AccountError("只有所长可以关联账号与检查人员")
    with store.transaction() as s:
        acc = s.get(Account, username)
        if acc is None:
            raise AccountError(f"没有账号 {username}")
        name = None
        if inspector_id is not None:
            person = s.get(Inspector, inspector_id)
            if person is None or person.deleted:
                raise AccountError("没有这名检查人员")
            other = s.scalars(select(Account.username).where(
                Account.inspector_id == inspector_id, Account.username != username,
                Account.active.is_(True))).first()
            if other:
                raise AccountError(f"检查人员{person.name}已关联账号 {other}，一名检查人员只能关联一个账号")
            name = person.name
        if acc.inspector_id == inspector_id:
            return
        acc.inspector_id = inspector_id
        audit.record(s, "update", "account", username, actor=by.username, 关联检查人员=name or "（取消关联）")


def inspector_of(store: Store, username: str) -> tuple[str, str, str | None] | None:
    """(inspector id, name, phone) of the account's linked inspector, if any and still active."""
    with store.session() as s:
        row = s.execute(select(Inspector.id, Inspector.name, Inspector.phone)
                        .join(Account, Account.inspector_id == Inspector.id)
                        .where(Account.username == username, Inspector.deleted.is_(False),
                               Inspector.active.is_(True))).first()
        return (row[0], row[1], row[2]) if row is not None else None


def inspector_names(store: Store) -> dict[str, str]:
    """Account username → linked inspector's name (for the accounts list)."""
    with store.session() as s:
        return dict(s.execute(select(Account.username, Inspector.name)
                              .join(Inspector, Inspector.id == Account.inspector_id)).all())
