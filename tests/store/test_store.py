"""The store: stamping of synced rows, transactions, the sealed-record guard, integrity."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from qsdesk.store.db import SealedRecordError, Store, integrity_check
from qsdesk.store.models import Enterprise, Inspection, Signature


def _enterprise(s, name: str = "济南市历城区华兴机械厂") -> Enterprise:  # type: ignore[no-untyped-def]
    e = Enterprise(name=name, uscc="91370112MA3C4L5X0T", unit_types="producer")
    s.add(e)
    s.flush()
    return e


def test_synced_rows_are_stamped(store: Store) -> None:
    with store.transaction() as s:
        e = _enterprise(s)
    assert len(e.id) == 36 and e.rev == 1 and e.origin == store.origin and e.change_seq > 0
    first_seq = e.change_seq
    with store.transaction() as s:
        e2 = s.get(Enterprise, e.id)
        e2.legal_rep = "王强"
    assert e2.rev == 2 and e2.change_seq > first_seq
    assert e2.updated_at.tzinfo is not None


def test_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as s:
        _enterprise(s)
        raise RuntimeError("boom")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_sealed_inspection_is_never_modified(store: Store) -> None:
    with store.transaction() as s:
        e = _enterprise(s)
        insp = Inspection(enterprise_id=e.id, form_id="annex4_producer", form_version=1,
                          inspected_on=date(2026, 11, 20), values={"x": 1})
        s.add(insp)
    with store.transaction() as s:  # sealing itself is allowed
        i = s.get(Inspection, insp.id)
        i.status = "sealed"
        i.content_hash = "0" * 64
    with pytest.raises(SealedRecordError), store.transaction() as s:
        i = s.get(Inspection, insp.id)
        i.opinion = "同意"
    with pytest.raises(SealedRecordError), store.transaction() as s:
        s.add(Signature(inspection_id=insp.id, role="enterprise", signer_name="王强"))
    with store.session() as s:
        i = s.get(Inspection, insp.id)
        assert i.opinion is None and i.signatures == []


def test_integrity_check_on_fresh_database(store: Store) -> None:
    assert integrity_check(store.engine) == []


def test_pragmas(store: Store) -> None:
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
