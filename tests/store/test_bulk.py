"""bulk_session: a large page cache for one big write, the connection's own value put back."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from qsdesk.store.bulk import bulk_session
from qsdesk.store.db import Store


def _cache(s: Session) -> int:
    return int(s.execute(text("PRAGMA cache_size")).scalar_one())


def test_sets_and_restores_cache_size(store: Store) -> None:
    with store.transaction() as s:
        s.execute(text("PRAGMA cache_size=-3000"))  # not SQLite's default: restored, not reset
        with bulk_session(s, cache_kib=64 * 1024) as b:
            assert b is s
            assert _cache(s) == -64 * 1024
        assert _cache(s) == -3000


def test_restores_when_the_work_fails(store: Store) -> None:
    with store.transaction() as s:
        before = _cache(s)
        with pytest.raises(RuntimeError), bulk_session(s):
            assert _cache(s) == -256 * 1024
            raise RuntimeError("import failed")
        assert _cache(s) == before


def test_disabled_changes_nothing(store: Store) -> None:
    with store.transaction() as s:
        before = _cache(s)
        with bulk_session(s, enabled=False):
            assert _cache(s) == before
