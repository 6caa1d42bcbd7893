"""This station's (or county bureau's) own details after set-up: name and code, changed by 所长.

The name may change at any time (a station renamed or a typo): records keep their content, the
next 登记文件 exported carries the new name. The **code** is part of every record this node has
made (``origin``) and of the identity a county enrolled; once anything has been exchanged, a new
code would make the county refuse this station's records as someone else's. So the code may be
corrected only while nothing has left or reached this PC (no bundle exchanged, no unit enrolled);
then the node row and the ``origin`` of every local record move to the new code in one
transaction. Record numbers already given (they contain the old code) stay as they are: a number
once printed is never rewritten. Every change is audited.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from qsdesk.services import audit
from qsdesk.services.accounts import User
from qsdesk.services.node import SetupError, validate_setup
from qsdesk.store.db import Store
from qsdesk.store.models import Base, BundleLog, Node, SyncMixin

#: The audit entry names what changed in words a person reads.
FIELD_TEXT = {"name": "单位名称", "code": "单位代码", "parent_code": "上级单位代码"}


class StationError(ValueError):
    """A refused change; the message is Chinese."""


def _synced_tables() -> list[type[SyncMixin]]:
    return [m.class_ for m in Base.registry.mappers if issubclass(m.class_, SyncMixin)]


def code_change_blocker(store: Store) -> str | None:
    """Why the code can no longer change (Chinese), or None while it still can."""
    with store.session() as s:
        if s.scalar(select(func.count()).select_from(BundleLog)):
            return "本机已与其他单位交换过数据包，单位代码不能再修改（对方按原代码识别本单位的数据）"
        if s.scalar(select(func.count()).select_from(Node).where(Node.is_self.is_(False))):
            return "本机已登记了其他单位（交换过登记文件），单位代码不能再修改"
    return None


def update_station(store: Store, by: User | None, *, name: str | None = None, code: str | None = None,
                   parent_code: str | None = None) -> bool:
    """Change this node's name / code / parent code; True when something changed.

    Only 所长 may do it (``by`` must be a chief; the CLI acts without a login as the PC's
    administrator and passes ``None``).
    """
    if by is not None and not by.is_chief:
        raise StationError("只有所长可以修改本单位信息")
    me = store.self_node()
    if me is None:
        raise StationError("本机尚未初始化")
    new_name = (name if name is not None else me.name).strip()
    new_code = (code if code is not None else me.code).strip()
    new_parent = (parent_code if parent_code is not None else me.parent_code or "").strip() or None
    try:
        validate_setup(me.kind, new_code, new_name, new_parent)
    except SetupError as exc:
        raise StationError(str(exc)) from None
    changes: dict[str, tuple[str | None, str | None]] = {}
    if new_name != me.name:
        changes["name"] = (me.name, new_name)
    if new_parent != (me.parent_code or None):
        changes["parent_code"] = (me.parent_code, new_parent)
    if new_code != me.code:
        blocker = code_change_blocker(store)
        if blocker:
            raise StationError(blocker)
        changes["code"] = (me.code, new_code)
    if not changes:
        return False
    old_code = me.code
    with store.transaction() as s:
        if "code" in changes:
            if s.get(Node, new_code) is not None:
                raise StationError(f"单位代码 {new_code} 已被使用")
            s.execute(update(Node).where(Node.code == old_code).values(code=new_code))
            for model in _synced_tables():
                table = model.__table__  # type: ignore[attr-defined]
                # Core UPDATE: only the bookkeeping column moves; content (and seals) untouched
                s.execute(update(table).where(table.c.origin == old_code).values(origin=new_code))
        s.execute(update(Node).where(Node.code == new_code).values(name=new_name, parent_code=new_parent))
        audit.record(s, "update", "node", new_code, actor=by.username if by else None,
                     **{FIELD_TEXT[k]: f"{a or '—'} → {b or '—'}" for k, (a, b) in changes.items()})
    if "code" in changes:
        store.set_origin(new_code)
    return True

