"""County mode: the registry lists every station's enterprises and filters them by station."""

from __future__ import annotations

from pathlib import Path

from qsdesk.services import registry as reg
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.ui.pages.registry import RegistryPage
from tests.services.sync_helpers import COUNTY, STATION, add_enterprise, make_pair


def test_county_registry_by_station(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pair = make_pair(tmp_path)
    try:
        add_enterprise(pair.station, "济南市历城区华兴机械厂")
        add_enterprise(pair.county, "县局直管的济南鲁泰化工有限公司")
        import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
        assert reg.filter_options(pair.station).stations == []  # a station has no such filter
        page = RegistryPage(pair.county)
        qtbot.addWidget(page)
        qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=3000)
        assert "station" in page.filters
        page.set_filter("station", STATION)
        qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=3000)
        assert page.model.row_values(0)["name"] == "济南市历城区华兴机械厂"
    finally:
        pair.close()


def test_county_inspection_list_by_station(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.ui.pages.inspections import InspectionsPage
    from tests.services.sync_helpers import add_inspection

    pair = make_pair(tmp_path)
    try:
        eid = add_enterprise(pair.station)
        add_inspection(pair.station, eid, sealed=True)
        import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
        add_inspection(pair.county, add_enterprise(pair.county, "县局直管的济南鲁泰化工有限公司"))
        page = InspectionsPage(pair.county)
        qtbot.addWidget(page)
        assert not page.station.isHidden() and page.station.findData(STATION) > 0
        qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=3000)
        page.station.setCurrentIndex(page.station.findData(STATION))
        qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=3000)
        station_page = InspectionsPage(pair.station)
        qtbot.addWidget(station_page)
        assert station_page.station.isHidden()
    finally:
        pair.close()
