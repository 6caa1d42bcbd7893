"""督查清单 tab: the county fills one for a station through the form; the station reads its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from qsdesk.domain import formspec
from qsdesk.services import duty_checks as dcs
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.ui.pages.checklists import ChecklistsPage
from tests.services.sync_helpers import STATION, Pair, make_pair


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    p = make_pair(tmp_path)
    yield p
    p.station.close()
    p.county.close()


def test_county_fills_station_reads(qtbot: QtBot, pair: Pair) -> None:
    page = ChecklistsPage(pair.county)
    qtbot.addWidget(page)
    panel = page.duty_checks
    assert page.tabs.tabText(2) == "督查清单" and not panel.new_btn.isHidden()
    assert "国市监质监发〔2023〕38号 附件3" in panel.hint.text()
    assert panel.station.currentData() == STATION
    dlg = panel.new_check()
    assert dlg is not None
    qtbot.addWidget(dlg)
    assert dlg.form.values()["inspected_body"] == "王舍人市场监管所"
    assert not dlg.save() and "未填写完整" in dlg.status.text()
    spec = formspec.load_form(dcs.FORM_ID)
    dlg.form.set_values(dlg.form.values(), {it.key: {"answer": "是", "note": ""} for it in spec.items()})
    assert dlg.save()
    assert panel.table.rowCount() == 1 and panel.table.item(0, 2).text() == "17 / 17"
    dlg.close()

    import_bundle(pair.station, export_bundle(pair.county, STATION, pair.usb).path)
    spage = ChecklistsPage(pair.station)
    qtbot.addWidget(spage)
    sp = spage.duty_checks
    assert sp.new_btn.isHidden() and sp.table.rowCount() == 1
    opened = sp.open_check(0)
    assert opened is not None and opened.save_btn.isHidden()
    qtbot.addWidget(opened)
    opened.close()
