"""SyncPage: export to a folder, import with a confirmation summary, history, conflicts queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from qsdesk.services.sync.exchange import ImportReport, export_bundle, import_bundle, write_receipt
from qsdesk.store.models import AuditEntry, Enterprise, SyncConflict
from qsdesk.ui.pages.sync import ImportPreviewDialog, SyncPage
from tests.services.sync_helpers import (
    COUNTY,
    STATION,
    Pair,
    add_enterprise,
    add_inspection,
    make_pair,
    snapshot,
)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    p = make_pair(tmp_path)
    yield p
    p.close()


def _page(store, qtbot) -> tuple[SyncPage, list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    page = SyncPage(store)
    qtbot.addWidget(page)
    said: list[tuple[str, str]] = []
    page.notify = lambda level, text: said.append((level, text))
    return page, said


def test_export_and_import_through_the_page(pair: Pair, qtbot) -> None:  # type: ignore[no-untyped-def]
    eid = add_enterprise(pair.station)
    add_inspection(pair.station, eid, sealed=True)
    st_page, st_said = _page(pair.station, qtbot)
    assert "指纹" in st_page.identity_label.text()
    assert st_page.peer_combo.currentData() == COUNTY
    assert "待发给" in st_page.pending_label.text()
    st_page.set_target(pair.usb)
    res = st_page.export_to(COUNTY, pair.usb)
    assert res is not None and res.path.exists() and st_said[-1][0] == "info" and "已导出" in st_said[-1][1]
    assert st_page.history_model.rowCount() == 1

    co_page, co_said = _page(pair.county, qtbot)
    seen: list[ImportReport] = []

    def decline(report: ImportReport) -> bool:
        seen.append(report)
        return False

    before = snapshot(pair.county)
    co_page.confirm_import = decline
    assert co_page.import_file(res.path) is None
    assert seen[0].tables["enterprise"].new == 1 and "已取消" in co_said[-1][1]
    assert snapshot(pair.county) == before

    dlg = ImportPreviewDialog(seen[0], co_page)
    qtbot.addWidget(dlg)
    labels = [dlg.table.item(r, 0).text() for r in range(dlg.table.rowCount())]
    assert "企业" in labels and "检查记录" in labels

    co_page.confirm_import = lambda report: True
    rep = co_page.import_file(res.path)
    assert rep is not None and rep.status == "applied" and "已导入" in co_said[-1][1]
    assert co_page.history_model.rowCount() == 1
    m = co_page.history_model
    shown = [m.data(m.index(0, c)) for c in range(m.columnCount())]
    assert shown[0].startswith("20") and shown[1] == "收到" and shown[3] == "1"
    assert "新增" in shown[5]
    again = co_page.import_file(res.path)
    assert again is not None and again.status == "already" and "已导入过" in co_said[-1][1]

    receipt = co_page.export_to(STATION, pair.usb, receipt=True)
    assert receipt is not None
    st_page.confirm_import = lambda report: True
    st_page.import_file(receipt.path)
    assert "确认" in st_said[-1][1]
    m = st_page.history_model
    contents = [m.data(m.index(r, 5)) for r in range(m.rowCount())]
    assert any(c.startswith("回执") for c in contents)


def test_bad_bundle_is_refused_with_reason(pair: Pair, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_enterprise(pair.station)
    res = export_bundle(pair.station, COUNTY, pair.usb)
    data = res.path.read_bytes()
    cut = tmp_path / res.path.name
    cut.write_bytes(data[: len(data) // 2])
    page, said = _page(pair.county, qtbot)
    page.confirm_import = lambda report: pytest.fail("must not ask to apply a broken bundle")
    before = snapshot(pair.county)
    assert page.import_file(cut) is None
    assert said[-1][0] == "error" and "未导入" in said[-1][1] and "不完整" in said[-1][1]
    assert snapshot(pair.county) == before


def test_conflict_queue_resolved_by_a_person(pair: Pair, qtbot) -> None:  # type: ignore[no-untyped-def]
    eid = add_enterprise(pair.station)
    import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
    import_bundle(pair.station, write_receipt(pair.county, STATION, pair.usb).path)
    with pair.county.transaction() as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        e.address = "县局核实的地址"
    for staff in (3, 4):
        with pair.station.transaction() as s:
            e = s.get(Enterprise, eid)
            assert e is not None
            e.staff = staff
    import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)

    pair.county.set_actor("王科长", "chief")
    page, said = _page(pair.county, qtbot)
    assert page.conflict_model.rowCount() == 1 and "（1）" in page.tabs.tabText(1)
    assert not page.other_button.isEnabled()
    page.select_conflict(0)
    fields = [page.conflict_detail.item(r, 0).text() for r in range(page.conflict_detail.rowCount())]
    assert "住所（经营场所）" in fields and "从业人员" in fields
    assert page.resolve_selected("other")
    assert "王科长" in said[-1][1]
    assert page.conflict_model.rowCount() == 0
    with pair.county.session() as s:
        assert s.get(Enterprise, eid).address == "县局核实的地址"  # type: ignore[union-attr]
        c = s.scalars(select(SyncConflict)).one()
        assert c.resolved_by == "王科长" and c.resolution == "other"
        a = s.scalars(select(AuditEntry).where(AuditEntry.action == "resolve_conflict")).one()
        assert a.actor == "王科长"
