"""A lost laptop, end to end: the county revokes the old key, sends the station all of its records
back, numbering continues, nothing is lost and conflicts are still detected; and a station's own
backup restored on a new PC."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from qsdesk.services.sync.bundle import BundleError
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.services.sync.identity import enrol_peer, export_identity
from qsdesk.store.backup import BackupError, backup_data_dir, restore
from qsdesk.store.db import Store, open_store
from qsdesk.store.models import AttachmentLink, Enterprise, Inspection
from tests.services.sync_helpers import (
    COUNTY,
    STATION,
    add_enterprise,
    add_inspection,
    enrol_both,
    files,
    make_node,
)

PHOTO = b"\xff\xd8 a photo of the workshop " * 50


def _names(store: Store) -> list[str]:
    with store.session() as s:
        return sorted(s.scalars(select(Enterprise.name)))


def _set(store: Store, eid: str, **values: object) -> None:
    with store.transaction() as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        for k, v in values.items():
            setattr(e, k, v)


def _get(store: Store, eid: str) -> Enterprise:
    with store.session() as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        return e


def test_lost_laptop_end_to_end(tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    county = make_node(tmp_path / "county", "county", COUNTY, "历城区市场监管局")
    old = make_node(tmp_path / "old", "station", STATION, "王舍人市场监管所", COUNTY)
    enrol_both(old, county, usb)
    e1 = add_enterprise(old, "王舍人一厂")
    insp = add_inspection(old, e1, attachment=PHOTO)
    import_bundle(county, export_bundle(old, COUNTY, usb).path)
    add_enterprise(old, "王舍人二厂")
    import_bundle(county, export_bundle(old, COUNTY, usb).path)
    add_enterprise(old, "小偷加的厂")  # the laptop is stolen with this bundle on it
    stolen = export_bundle(old, COUNTY, tmp_path / "thief").path
    old.close()

    new = make_node(tmp_path / "new", "station", STATION, "王舍人市场监管所", COUNTY)
    try:
        enrol_peer(new, export_identity(county, tmp_path / "usb2"))
        enrol_peer(county, export_identity(new, tmp_path / "usb2"), replace=True)  # revokes the old key
        with pytest.raises(BundleError) as err:
            import_bundle(county, stolen)
        assert err.value.reason == "signature"

        full = export_bundle(county, STATION, usb, full=True)  # all of the station's records back
        rep = import_bundle(new, full.path)
        assert rep.status == "applied"
        assert _names(new) == ["王舍人一厂", "王舍人二厂"]
        with new.session() as s:
            assert s.get(Inspection, insp) is not None
            assert s.scalars(select(AttachmentLink)).one().filename == "现场照片.jpg"
        assert files(new) == files(county)

        _set(new, e1, staff=99)  # the new laptop works on
        add_enterprise(new, "新电脑新增厂")
        up = export_bundle(new, COUNTY, usb)
        assert up.seq == 3  # continues after the two bundles the county holds
        rep = import_bundle(county, up.path)
        assert rep.status == "applied" and rep.total("new") >= 1 and rep.total("updated") >= 1
        assert _get(county, e1).staff == 99
        assert "新电脑新增厂" in _names(county)

        # conflict detection still works: both edit the same record
        import_bundle(new, export_bundle(county, STATION, usb).path)
        _set(county, e1, address="县局核实的地址")
        _set(new, e1, staff=100)
        rep = import_bundle(county, export_bundle(new, COUNTY, usb).path)
        assert rep.total("conflicts") == 1
    finally:
        new.close()
        county.close()


def test_own_backup_on_a_new_pc(tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    county = make_node(tmp_path / "county", "county", COUNTY, "历城区市场监管局")
    old = make_node(tmp_path / "old", "station", STATION, "王舍人市场监管所", COUNTY)
    enrol_both(old, county, usb)
    e1 = add_enterprise(old, "王舍人一厂")
    import_bundle(county, export_bundle(old, COUNTY, usb).path)
    saved = backup_data_dir(old.data_dir, "manual")  # type: ignore[arg-type]
    add_enterprise(old, "备份后新增厂")  # sent, but not in the backup
    import_bundle(county, export_bundle(old, COUNTY, usb).path)
    old.close()

    new = make_node(tmp_path / "new", "station", STATION, "王舍人市场监管所", COUNTY)
    dd = new.data_dir
    assert dd is not None
    new.close()
    with pytest.raises(BackupError, match="指纹"):  # not without saying it is a new PC
        restore(dd, saved)
    restore(dd, saved, new_pc=True)
    new = open_store(dd.root)
    try:
        enrol_peer(county, export_identity(new, tmp_path / "usb2"), replace=True)
        import_bundle(new, export_bundle(county, STATION, usb, full=True).path)
        assert _names(new) == ["备份后新增厂", "王舍人一厂"]  # what the backup missed came back
        _set(new, e1, staff=7)
        up = export_bundle(new, COUNTY, usb)
        assert up.seq == 3
        rep = import_bundle(county, up.path)
        assert rep.status == "applied" and _get(county, e1).staff == 7
    finally:
        new.close()
        county.close()
