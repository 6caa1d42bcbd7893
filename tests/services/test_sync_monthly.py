"""County settings go down to a station (and change its deadlines and reporting period); a station's
filed monthly table goes up and counts as 已报送 on both sides."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from qsdesk.services import county_settings as cs
from qsdesk.services import monthly, monthly_records
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from tests.services.sync_helpers import COUNTY, STATION, make_pair


def test_settings_down_report_up(tmp_path: Path) -> None:
    pair = make_pair(tmp_path)
    try:
        with pytest.raises(cs.SettingError, match="县级局"):
            cs.set_value(pair.station, "monthly.due_day", 20)
        cs.set_value(pair.county, "monthly.due_day", 20)
        cs.set_value(pair.county, "followup.risk_control_days", 5)
        down = export_bundle(pair.county, STATION, pair.usb)
        assert down.counts.get("county_setting") == 2
        report = import_bundle(pair.station, down.path)
        assert report.total("refused") == 0
        with pair.station.session() as s:
            due = cs.get(s, "monthly.due_day")
            assert (due.value, due.is_default) == (20, False) and "县局设置" in due.shown
            assert cs.followup_defaults(s).risk_control_days == 5
            assert cs.get(s, "followup.deliver_days").is_default
            assert monthly.period_of(s, 2026, 10).due == date(2026, 11, 20)

        monthly_records.file_report(pair.station, 2026, 10)
        with pair.station.session() as s:
            assert not monthly_records.send_status(s, 2026, 10).sent
        up = export_bundle(pair.station, COUNTY, pair.usb)
        assert up.counts.get("monthly_report") == 1
        with pair.station.session() as s:
            st = monthly_records.send_status(s, 2026, 10)
            assert st.sent and up.path.name in st.text  # sent in that bundle
        import_bundle(pair.county, up.path)
        with pair.county.session() as s:
            assert monthly_records.send_status(s, 2026, 10, STATION).sent
            assert not monthly_records.send_status(s, 2026, 10, "370112009").sent
    finally:
        pair.close()
