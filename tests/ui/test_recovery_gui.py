"""Recovery from the window, end to end: a station's own backup restored on a new PC from the
first-start dialog (and from 设置 → 备份与恢复), the county's 所长 sending the station all of its
records from the 数据同步 page, the station importing them there. Refusals change nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from sqlalchemy import select

from qsdesk.services.accounts import create_account, login
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.services.sync.identity import export_identity
from qsdesk.store.backup import backup_data_dir
from qsdesk.store.db import Store, open_store
from qsdesk.store.models import Enterprise, Node
from qsdesk.ui.admin_panels import BackupPanel
from qsdesk.ui.pages.sync import SendAllDialog, SyncPage
from qsdesk.ui.setup_dialog import SetupDialog
from tests.services.sync_helpers import COUNTY, STATION, STATION2, add_enterprise, enrol_both, make_node

CHIEF_PW = "abc12345"


@pytest.fixture(autouse=True)
def _quiet_boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Message boxes are recorded instead of waiting for a click."""
    said: list[str] = []

    def box(*args: Any, **_kw: Any) -> QMessageBox.StandardButton:
        said.append(str(args[2]) if len(args) > 2 else "")
        return QMessageBox.StandardButton.Ok

    for name in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, name, box)
    return said


def _names(store: Store) -> list[str]:
    with store.session() as s:
        return sorted(s.scalars(select(Enterprise.name).where(Enterprise.deleted.is_(False))))


def _dump(db: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _history(tmp_path: Path) -> tuple[Store, Path]:
    """A county holding a station's records; the station's backup taken before its last record.
    The station's laptop is then lost (closed). Returns the county (its 所长 logged in) and the backup."""
    usb = tmp_path / "usb"
    county = make_node(tmp_path / "county", "county", COUNTY, "历城区市场监管局")
    old = make_node(tmp_path / "old", "station", STATION, "王舍人市场监管所", COUNTY)
    enrol_both(old, county, usb)
    add_enterprise(old, "王舍人一厂")
    import_bundle(county, export_bundle(old, COUNTY, usb).path)
    saved = backup_data_dir(old.data_dir, "manual")  # type: ignore[arg-type]
    add_enterprise(old, "备份后新增厂")
    import_bundle(county, export_bundle(old, COUNTY, usb).path)
    old.close()
    chief = create_account(county, "wanglei", CHIEF_PW, "chief")
    create_account(county, "lina", "def12345", "inspector", by=chief)
    login(county, "wanglei", CHIEF_PW)
    return county, saved


def test_new_pc_from_the_setup_dialog_then_all_records_from_the_county(qtbot: Any, tmp_path: Path,
                                                                        _quiet_boxes: list[str]) -> None:
    county, saved = _history(tmp_path)
    new = open_store(tmp_path / "new")  # a new PC: nothing set up yet
    try:
        dlg = SetupDialog(new)
        qtbot.addWidget(dlg)
        dlg.code.setText(STATION)
        dlg.name.setText("王舍人市场监管所")
        dlg.parent_code.setText(COUNTY)
        assert dlg.restore_backup(saved), dlg.last_message
        assert dlg.result() == dlg.DialogCode.Accepted
        assert "已从" in dlg.last_message and "县级局" in dlg.last_message
        assert new.self_node().code == STATION  # type: ignore[union-attr]
        assert _names(new) == ["王舍人一厂"]  # what the backup held

        # the county's 所长: the new identity replaces the old, then all records go back
        page = SyncPage(county)
        qtbot.addWidget(page)
        page.notify = lambda level, text: None
        assert not page.send_all_button.isHidden() and page.send_all_button.isEnabled()
        assert page.import_identity_from(export_identity(new, tmp_path / "usb2"), replace=True)
        out = tmp_path / "to-station"
        out.mkdir()
        page.set_target(out)
        asked: list[str | None] = []

        def choose(current: str | None) -> str:
            asked.append(current)
            return STATION

        page.choose_send_all = choose
        qtbot.mouseClick(page.send_all_button, Qt.MouseButton.LeftButton)
        assert asked, "the button asks which station"
        bundles = list(out.glob("*.qsb"))
        assert len(bundles) == 1, page.last_message
        assert "已写出该所的全部记录" in page.last_message

        # the station imports it on its 数据同步 page
        station_page = SyncPage(new)
        qtbot.addWidget(station_page)
        station_page.notify = lambda level, text: None
        assert station_page.send_all_button.isHidden()  # a county's action
        station_page.confirm_import = lambda report: True
        report = station_page.import_file(bundles[0])
        assert report is not None and report.status == "applied", station_page.last_message
        assert _names(new) == ["备份后新增厂", "王舍人一厂"]  # nothing lost

        # and the new PC syncs on: its next bundle is accepted by the county
        add_enterprise(new, "新电脑新增厂")
        rep = import_bundle(county, export_bundle(new, COUNTY, tmp_path / "usb3").path)
        assert rep.status == "applied" and "新电脑新增厂" in _names(county)
    finally:
        new.close()
        county.close()


def test_send_all_dialog_explains_and_names_the_station(qtbot: Any) -> None:
    dlg = SendAllDialog([(STATION, "王舍人市场监管所"), (STATION2, "遥墙市场监管所")], STATION2)
    qtbot.addWidget(dlg)
    assert dlg.station_code() == STATION2
    texts = " ".join(lbl.text() for lbl in dlg.findChildren(QLabel))
    assert "替换原登记" in texts and "仅所长" in texts and "换了电脑" in texts
    assert not dlg.has_changes()


def test_refusals_change_nothing(qtbot: Any, tmp_path: Path, _quiet_boxes: list[str]) -> None:
    county, saved = _history(tmp_path)
    other = make_node(tmp_path / "other", "station", STATION2, "遥墙市场监管所", COUNTY)
    foreign = backup_data_dir(other.data_dir, "manual")  # type: ignore[arg-type]
    other.close()
    try:
        # an inspector at the county cannot send a station's records back
        login(county, "lina", "def12345")
        page = SyncPage(county)
        qtbot.addWidget(page)
        said: list[tuple[str, str]] = []
        page.notify = lambda level, text: said.append((level, text))
        out = tmp_path / "to-station"
        out.mkdir()
        before = _dump(county.data_dir.db_path)  # type: ignore[union-attr]
        assert page.send_all_to(STATION, out) is None
        assert said[-1][0] == "error" and "只有所长" in said[-1][1]
        assert list(out.iterdir()) == []
        assert _dump(county.data_dir.db_path) == before  # type: ignore[union-attr]

        # another unit's backup on a new PC: refused before anything is set up
        new = open_store(tmp_path / "new")
        try:
            dlg = SetupDialog(new)
            qtbot.addWidget(dlg)
            dlg.code.setText(STATION)
            dlg.name.setText("王舍人市场监管所")
            empty = _dump(new.data_dir.db_path)  # type: ignore[union-attr]
            assert not dlg.restore_backup(foreign)
            assert "不是本所" in dlg.last_message and "未作任何改动" in dlg.last_message
            assert new.self_node() is None
            assert _dump(new.data_dir.db_path) == empty  # type: ignore[union-attr]
            # a file that is no database at all
            junk = tmp_path / "junk.db"
            junk.write_bytes(b"not a database" * 100)
            assert not dlg.restore_backup(junk) and new.self_node() is None
            assert _dump(new.data_dir.db_path) == empty  # type: ignore[union-attr]
        finally:
            new.close()
    finally:
        county.close()


def test_new_pc_from_the_backup_panel(qtbot: Any, tmp_path: Path) -> None:
    county, saved = _history(tmp_path)
    county.close()
    other = make_node(tmp_path / "other", "station", STATION2, "遥墙市场监管所", COUNTY)
    foreign = backup_data_dir(other.data_dir, "manual")  # type: ignore[arg-type]
    other.close()
    new = make_node(tmp_path / "new", "station", STATION, "王舍人市场监管所", COUNTY)  # set up first
    try:
        chief = create_account(new, "zhaoyan", CHIEF_PW, "chief")
        create_account(new, "wq", "ghi12345", "inspector", by=chief)
        login(new, "wq", "ghi12345")
        panel = BackupPanel(new)
        qtbot.addWidget(panel)
        assert panel.new_pc_btn.isEnabled()
        db = new.data_dir.db_path  # type: ignore[union-attr]
        before = _dump(db)
        assert not panel.restore_new_pc(saved)  # an inspector may not restore
        assert "只有所长" in panel.status.text()
        login(new, "zhaoyan", CHIEF_PW)
        before = _dump(db)
        assert not panel.restore_new_pc(foreign)
        assert "未恢复" in panel.status.text() and STATION2 in panel.status.text()
        assert _dump(db) == before
        keys_before = _self_keys(new)
        assert panel.restore_new_pc(saved), panel.status.text()
        assert _names(new) == ["王舍人一厂"]
        assert _self_keys(new) == keys_before  # this PC's keys are the unit's keys now
    finally:
        new.close()


def _self_keys(store: Store) -> tuple[str, str]:
    with store.session() as s:
        n = s.scalars(select(Node).where(Node.is_self.is_(True))).one()
        return n.public_key, n.enc_public_key
