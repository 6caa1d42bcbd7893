"""The store tells listeners which tables each committed transaction wrote (and nothing else)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text, update

from qsdesk.store.changes import Changes, written_table
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, Inspector


@pytest.fixture
def seen(store: Store) -> list[Changes]:
    out: list[Changes] = []
    store.on_change(out.append)
    return out


def test_an_orm_write_reports_its_tables_after_commit(store: Store, seen: list[Changes]) -> None:
    with store.transaction() as s:
        s.add(Enterprise(name="济南某食品有限公司", unit_types="producer"))
        s.flush()
        assert seen == []  # not before the commit
    assert len(seen) == 1
    assert "enterprise" in seen[0].tables
    assert seen[0].touches(["enterprise", "inspection"])
    assert not seen[0].touches(["inspection"])


def test_a_rolled_back_write_reports_nothing(store: Store, seen: list[Changes]) -> None:
    with pytest.raises(RuntimeError), store.transaction() as s:
        s.add(Enterprise(name="济南某食品有限公司", unit_types="producer"))
        s.flush()
        raise RuntimeError("abandon")
    assert seen == []
    with store.transaction() as s:  # the next commit does not carry the abandoned table
        s.add(Inspector(name="张伟"))
    assert len(seen) == 1
    assert "inspector" in seen[0].tables and "enterprise" not in seen[0].tables


def test_bulk_and_raw_statements_are_seen(store: Store, seen: list[Changes]) -> None:
    with store.transaction() as s:
        s.add(Enterprise(name="某商店", unit_types="retailer"))
    seen.clear()
    with store.transaction() as s:
        s.execute(update(Enterprise).values(town="王舍人街道"))
    assert seen and "enterprise" in seen[-1].tables
    seen.clear()
    with store.transaction() as s:
        s.connection().execute(text("UPDATE enterprise SET address = '历城区'"))
    assert seen and seen[-1].tables == frozenset({"enterprise"})


def test_reads_report_nothing(store: Store, seen: list[Changes]) -> None:
    with store.session() as s:
        s.execute(text("SELECT count(*) FROM enterprise")).scalar()
        s.commit()
    with store.transaction() as s:
        s.execute(text("SELECT 1"))
    assert seen == []


def test_listener_runs_on_the_committing_thread_and_can_be_removed(store: Store) -> None:
    threads: list[str] = []
    remove = store.on_change(lambda _c: threads.append(threading.current_thread().name))

    def write() -> None:
        with store.transaction() as s:
            s.add(Inspector(name="李娜"))

    t = threading.Thread(target=write, name="writer")
    t.start()
    t.join()
    assert threads == ["writer"]
    remove()
    write()
    assert threads == ["writer"]


def test_a_failing_listener_does_not_undo_the_write(store: Store, seen: list[Changes]) -> None:
    def boom(_c: Changes) -> None:
        raise ValueError("listener bug")

    store.on_change(boom)
    with store.transaction() as s:
        s.add(Inspector(name="王强"))
    with store.session() as s:
        assert s.query(Inspector).filter_by(name="王强").count() == 1


@pytest.mark.parametrize("sql, table", [
    ("INSERT INTO enterprise (id) VALUES (?)", "enterprise"),
    ('  insert or replace into "setting" (key) values (?)', "setting"),
    ("UPDATE inspection SET status=?", "inspection"),
    ("DELETE FROM sync_conflict WHERE id=?", "sync_conflict"),
    ('UPDATE public."enterprise_class" SET x=1', "enterprise_class"),
    ("SELECT * FROM enterprise", None),
    ("WITH x AS (SELECT 1) SELECT * FROM x", None),
    ("PRAGMA cache_size=-20000", None),
])
def test_written_table(sql: str, table: str | None) -> None:
    assert written_table(sql) == table
