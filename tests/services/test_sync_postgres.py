"""The county on PostgreSQL (``--database-url``): the same sync code, no SQLite-only SQL.

Runs on the throwaway server the tests start (``pg_url`` in tests/conftest.py): a fresh, migrated
database per test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qsdesk.services.node import init_node
from qsdesk.services.sync import conflicts as cf
from qsdesk.services.sync import county as county_views
from qsdesk.services.sync.bundle import BundleError
from qsdesk.services.sync.exchange import export_bundle, import_bundle, write_receipt
from qsdesk.store.db import Store, open_store
from qsdesk.store.models import Enterprise
from tests.pg_server import key_passphrase
from tests.services.sync_helpers import (
    COUNTY,
    STATION,
    add_enterprise,
    add_inspection,
    enrol_both,
    make_node,
    snapshot,
    synced_state,
)


def test_station_to_postgres_county(tmp_path: Path, pg_url: str) -> None:
    st = make_node(tmp_path / "s", "station", STATION, "王舍人市场监管所", COUNTY)
    co: Store = open_store(tmp_path / "c", url=pg_url)
    try:
        assert co.engine.dialect.name == "postgresql"
        init_node(co, kind="county", code=COUNTY, name="历城区市场监管局", key_passphrase=key_passphrase(co))
        enrol_both(st, co, tmp_path / "usb")
        eid = add_enterprise(st)
        add_inspection(st, eid, sealed=True, attachment=b"photo bytes " * 40)
        b = export_bundle(st, COUNTY, tmp_path / "usb")
        cut = tmp_path / "cut.qsb"
        cut.write_bytes(b.path.read_bytes()[:-100])
        before = snapshot(co)
        with pytest.raises(BundleError):
            import_bundle(co, cut)
        assert snapshot(co) == before
        assert import_bundle(co, b.path).total("new") == b.total
        assert import_bundle(co, b.path).status == "already"
        import_bundle(st, write_receipt(co, STATION, tmp_path / "usb").path)
        with co.transaction() as s:
            e = s.get(Enterprise, eid)
            assert e is not None
            e.address = "县局核实的地址"
        with st.transaction() as s:
            e = s.get(Enterprise, eid)
            assert e is not None
            e.staff = 9
        rep = import_bundle(co, export_bundle(st, COUNTY, tmp_path / "usb").path)
        assert rep.total("conflicts") == 1
        [c] = cf.open_conflicts(co)
        cf.resolve(co, c.id, "other", actor="王科长")
        import_bundle(st, export_bundle(co, STATION, tmp_path / "usb").path)
        assert synced_state(st)["enterprise"] == synced_state(co)["enterprise"]
        assert synced_state(st)["inspection"] == synced_state(co)["inspection"]
        assert county_views.counts_by_station(co)[STATION] == {"enterprise": 1, "inspection": 1}
    finally:
        st.close()
        co.close()


def test_many_updates_in_one_bundle_pass_the_write_time_rev_check(tmp_path: Path, pg_url: str) -> None:
    """The rev re-check counts the rows an executemany UPDATE changed: on PostgreSQL too."""
    st = make_node(tmp_path / "s", "station", STATION, "王舍人市场监管所", COUNTY)
    co: Store = open_store(tmp_path / "c", url=pg_url)
    try:
        init_node(co, kind="county", code=COUNTY, name="历城区市场监管局", key_passphrase=key_passphrase(co))
        enrol_both(st, co, tmp_path / "usb")
        ids = [add_enterprise(st, f"企业{i}") for i in range(5)]
        import_bundle(co, export_bundle(st, COUNTY, tmp_path / "usb").path)
        with st.transaction() as s:
            for i in ids:
                e = s.get(Enterprise, i)
                assert e is not None
                e.staff = 33
        rep = import_bundle(co, export_bundle(st, COUNTY, tmp_path / "usb").path)
        assert rep.tables["enterprise"].updated == 5
        with co.session() as s:
            assert {s.get(Enterprise, i).staff for i in ids} == {33}  # type: ignore[union-attr]
    finally:
        st.close()
        co.close()
