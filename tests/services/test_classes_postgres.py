"""The stored supervision classes on PostgreSQL (one upsert over arrays, id arrays for the
inputs) are SQLite's, row for row, when they are first written and when time moves them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from qsdesk.services import class_decisions, classes
from qsdesk.services.demo import generate
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry, Enterprise, EnterpriseClass
from tests.services.sampling_factories import add_enterprise
from tests.services.sync_helpers import COUNTY, STATION, enrol_both, make_node

TODAY = date.today()  # what an import classifies as of


def stored_classes(store: Store) -> dict[tuple[str, str | None], tuple[Any, ...]]:
    """Every stored class by the enterprise's name and credit code (the ids differ per database)."""
    with store.session() as s:
        rows = s.execute(select(Enterprise.name, Enterprise.uscc, EnterpriseClass)
                         .join(EnterpriseClass, EnterpriseClass.enterprise_id == Enterprise.id))
        return {(name, uscc): (c.cls, c.reasons, c.credit_risk, c.interview, c.overridden, c.as_of, c.valid_until)
                for name, uscc, c in rows}


def class_changes_audited(store: Store) -> int:
    with store.session() as s:
        return sum("监管类别由" in (d or {}) for d in s.scalars(select(AuditEntry.detail)))


def test_postgres_county_classes_equal_the_stations_when_imported_and_when_they_run_out(
        tmp_path: Path, pg_store: Store) -> None:
    station = make_node(tmp_path / "s", "station", STATION, "王舍人市场监管所", COUNTY)
    try:
        enrol_both(station, pg_store, tmp_path / "usb")
        generate(station, enterprises=300, inspections=300, samplings=150, seed=3, today=TODAY)
        import_bundle(pg_store, export_bundle(station, COUNTY, tmp_path / "usb").path)
        classes.ensure_current(pg_store, TODAY)
        first = stored_classes(station)
        assert len(first) == 300
        assert {c[0] for c in first.values()} >= {"routine", "key"}
        assert any(c[6] is not None for c in first.values()) and any(c[3] is None for c in first.values())
        assert stored_classes(pg_store) == first
        # the first class of an enterprise that arrived is no change: no line in the trail
        assert class_changes_audited(pg_store) == 0
        later = TODAY + timedelta(days=800)  # windows run out: rows are updated, not inserted
        changed = classes.ensure_current(pg_store, later)
        assert classes.ensure_current(station, later) == changed > 0
        moved = stored_classes(station)
        assert moved != first
        assert stored_classes(pg_store) == moved
        assert class_changes_audited(pg_store) == changed  # a real change of class is
    finally:
        station.close()


def test_postgres_class_follows_an_edit_and_a_deletion(pg_store: Store) -> None:
    eid = add_enterprise(pg_store, "济南泰和电线电缆有限公司", unit_types="producer")
    class_decisions.set_credit_risk(pg_store, eid, "高", "2026年信用风险分类结果")
    with pg_store.session() as s:
        assert classes.current(s, eid).key == "special"
    class_decisions.set_credit_risk(pg_store, eid, "低", "复评")
    with pg_store.session() as s:
        assert classes.current(s, eid).key == "routine"
    with pg_store.transaction() as s:
        s.get(Enterprise, eid).deleted = True  # type: ignore[union-attr]
        classes.refresh(s, [eid])
    with pg_store.session() as s:
        assert s.get(EnterpriseClass, eid) is None
