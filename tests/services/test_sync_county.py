"""County mode: two stations' rows in one county database, viewed per station."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from qsdesk.services.sync import county
from qsdesk.services.sync.bundle import BundleError
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.store.models import Enterprise, Inspection
from tests.services.sync_helpers import (
    COUNTY,
    STATION,
    STATION2,
    add_enterprise,
    add_inspection,
    enrol_both,
    files,
    make_node,
    snapshot,
)

PHOTO = b"\x89PNG\r\n photo bytes " * 30


def test_county_holds_each_station_by_origin(tmp_path: Path) -> None:
    co = make_node(tmp_path / "c", "county", COUNTY, "历城区市场监管局")
    s1 = make_node(tmp_path / "s1", "station", STATION, "王舍人市场监管所", COUNTY)
    s2 = make_node(tmp_path / "s2", "station", STATION2, "遥墙市场监管所", COUNTY)
    try:
        enrol_both(s1, co, tmp_path / "usb")
        enrol_both(s2, co, tmp_path / "usb")
        e1 = add_enterprise(s1, "王舍人一厂")
        add_enterprise(s1, "王舍人二厂")
        add_inspection(s1, e1, sealed=True, attachment=PHOTO)
        add_enterprise(s2, "遥墙五金店")
        for st_ in (s1, s2):
            import_bundle(co, export_bundle(st_, COUNTY, tmp_path / "usb").path)
        assert county.is_county(co) and not county.is_county(s1)
        assert [x.code for x in county.stations(co)] == [STATION, STATION2]
        counts = county.counts_by_station(co)
        assert counts[STATION]["enterprise"] == 2 and counts[STATION2]["enterprise"] == 1
        assert counts[STATION]["inspection"] == 1 and "inspection" not in counts[STATION2]
        with co.session() as s:
            stmt = county.for_station(select(Enterprise.name), Enterprise, STATION2)
            assert list(s.scalars(stmt)) == ["遥墙五金店"]
            all_ = county.for_station(select(func.count()).select_from(Enterprise), Enterprise, None)
            assert s.scalar(all_) == 3
            insp = s.scalars(county.for_station(select(Inspection), Inspection, STATION)).one()
            assert insp.status == "sealed"
        assert files(co) == files(s1)  # the attachment arrived, stored once by SHA-256
        # the county edits a station's enterprise: it goes down to that station only
        with co.transaction() as s:
            ent = s.get(Enterprise, e1)
            assert ent is not None
            ent.supervision_class = "key"
        down1 = export_bundle(co, STATION, tmp_path / "usb")
        down2 = export_bundle(co, STATION2, tmp_path / "usb")
        assert down1.counts == {"enterprise": 1} and down2.counts == {}
        import_bundle(s1, down1.path)
        with s1.session() as s:
            ent = s.get(Enterprise, e1)
            assert ent is not None and ent.supervision_class == "key" and ent.rev == 2
    finally:
        for st_ in (co, s1, s2):
            st_.close()


def test_a_station_cannot_overwrite_another_stations_rows(tmp_path: Path) -> None:
    co = make_node(tmp_path / "c", "county", COUNTY, "历城区市场监管局")
    s1 = make_node(tmp_path / "s1", "station", STATION, "王舍人市场监管所", COUNTY)
    s2 = make_node(tmp_path / "s2", "station", STATION2, "遥墙市场监管所", COUNTY)
    try:
        enrol_both(s1, co, tmp_path / "usb")
        enrol_both(s2, co, tmp_path / "usb")
        e1 = add_enterprise(s1, "王舍人一厂")
        import_bundle(co, export_bundle(s1, COUNTY, tmp_path / "usb").path)
        with s2.transaction() as s:  # station 2 forges station 1's record and a new one in its name
            s.add(Enterprise(id=e1, name="被篡改的名称", origin=STATION, rev=50, unit_types="producer"))
            s.add(Enterprise(name="冒名新企业", origin=STATION, unit_types="retailer"))
            s.add(Enterprise(name="遥墙自己的企业", unit_types="retailer"))
        before = snapshot(co)
        forged = export_bundle(s2, COUNTY, tmp_path / "usb").path
        with pytest.raises(BundleError) as err:  # refused whole, naming sender, table and row
            import_bundle(co, forged)
        assert err.value.reason == "authority"
        with s2.session() as s:
            forged_ids = set(s.scalars(select(Enterprise.id).where(Enterprise.origin == STATION)))
        assert e1 in forged_ids and len(forged_ids) == 2
        msg = str(err.value)
        assert "遥墙市场监管所（370112002）发来的企业记录" in msg and any(i in msg for i in forged_ids), msg
        assert snapshot(co) == before
        with s2.transaction() as s:  # station 2 drops its forgeries; its own enterprise now goes up
            s.execute(delete(Enterprise).where(Enterprise.name.in_(["被篡改的名称", "冒名新企业"])))
        rep = import_bundle(co, export_bundle(s2, COUNTY, tmp_path / "usb").path)
        assert rep.tables["enterprise"].new == 1
        with co.session() as s:
            assert s.get(Enterprise, e1).name == "王舍人一厂"  # type: ignore[union-attr]
            names = sorted(s.scalars(select(Enterprise.name)))
        assert names == ["王舍人一厂", "遥墙自己的企业"]
        # an enterprise the county hands over to station 2 may come back edited by station 2
        e2 = add_enterprise(s1, "王舍人三厂")
        import_bundle(co, export_bundle(s1, COUNTY, tmp_path / "usb").path)
        with co.transaction() as s:
            ent = s.get(Enterprise, e2)
            assert ent is not None
            ent.jurisdiction = STATION2
        import_bundle(s2, export_bundle(co, STATION2, tmp_path / "usb").path)
        with s2.transaction() as s:
            ent = s.get(Enterprise, e2)
            assert ent is not None and ent.origin == STATION
            ent.staff = 77
        rep = import_bundle(co, export_bundle(s2, COUNTY, tmp_path / "usb").path)
        assert rep.total("refused") == 0 and rep.tables["enterprise"].updated == 1
        with co.session() as s:
            assert s.get(Enterprise, e2).staff == 77  # type: ignore[union-attr]
    finally:
        for st_ in (co, s1, s2):
            st_.close()
