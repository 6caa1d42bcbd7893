"""Small record factories for the sampling / risk / random-draw tests."""

from __future__ import annotations

from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, Inspector


def add_enterprise(store: Store, name: str, **kw: object) -> str:
    with store.transaction() as s:
        ent = Enterprise(name=name, **kw)
        s.add(ent)
        s.flush()
        return ent.id


def add_enterprises(store: Store, n: int, prefix: str = "济南测试", **kw: object) -> list[str]:
    ids = []
    with store.transaction() as s:
        for i in range(n):
            ent = Enterprise(name=f"{prefix}{i:03d}有限公司", **kw)
            s.add(ent)
            s.flush()
            ids.append(ent.id)
    return ids


def inspector_ids(store: Store) -> list[str]:
    with store.session() as s:
        return sorted(i.id for i in s.query(Inspector).all())
