"""Holiday schedules as county master data: entered at the county (GUI, file, CLI), carried down
in the bundle, used by the stations' working-day deadlines; warnings where a year has none."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from qsdesk.cli import main
from qsdesk.services import registry as reg
from qsdesk.services.master_data import (
    MasterDataError,
    import_holiday_schedule,
    list_holiday_schedules,
    load_schedules,
    set_holiday_schedule,
)
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry, HolidaySchedule, Inspector
from tests.services.sync_helpers import STATION, add_enterprise, make_pair, snapshot

DATA = Path(__file__).resolve().parents[1] / "data"
TEST_2027 = DATA / "holidays_2027_test.txt"


def _two_inspectors(store: Store) -> tuple[str, str]:
    with store.transaction() as s:
        a, b = Inspector(name="张伟", active=True), Inspector(name="李娜", active=True)
        s.add_all([a, b])
        s.flush()
        return a.id, b.id


def _reassign_over_new_year(store: Store, eid: str) -> reg.AssignmentResult:
    """Named 2026-12-01, changed Monday 2026-12-28, recorded Tuesday 2027-01-05."""
    a, b = _two_inspectors(store)
    reg.assign_supervisor(store, eid, a, assigned_on=date(2026, 12, 1), today=date(2026, 12, 1))
    return reg.assign_supervisor(store, eid, b, assigned_on=date(2026, 12, 28), today=date(2027, 1, 5))


def test_station_without_2027_schedule_warns_and_does_not_judge(store: Store) -> None:
    eid = add_enterprise(store)
    res = _reassign_over_new_year(store, eid)
    assert res.late is None and res.deadline == date(2027, 1, 4)
    assert "周一至周五" in res.message and "已超期" not in res.message and "请县级局" in res.message
    with store.session() as s:
        audits = s.scalars(select(AuditEntry).where(AuditEntry.action == "assign")
                           .order_by(AuditEntry.at)).all()
        last = audits[-1].detail
        assert last.get("late") is None and "2027年的法定节假日和调休安排尚未录入" in last["note"]


def test_county_schedule_reaches_station_and_decides(tmp_path: Path) -> None:
    pair = make_pair(tmp_path)
    try:
        # a station cannot enter one; a bundled year is refused; a bad text writes nothing
        with pytest.raises(MasterDataError, match="县级局"):
            import_holiday_schedule(pair.station, TEST_2027)
        with pytest.raises(MasterDataError, match="已随程序提供"):
            set_holiday_schedule(pair.county, 2026, "1月1日放假")
        before = snapshot(pair.county)
        with pytest.raises(MasterDataError, match="没有读到"):
            set_holiday_schedule(pair.county, 2027, "待定")
        assert snapshot(pair.county) == before

        year, _ = import_holiday_schedule(pair.county, TEST_2027)
        assert year == 2027
        down = export_bundle(pair.county, STATION, pair.usb)
        assert down.counts.get("holiday_schedule") == 1
        report = import_bundle(pair.station, down.path)
        assert report.tables["holiday_schedule"].new == 1 and report.total("refused") == 0
        sched = load_schedules(pair.station)
        assert date(2027, 1, 1) in sched[2027].holidays and date(2027, 2, 20) in sched[2027].workdays
        [row] = list_holiday_schedules(pair.station)
        assert row.source.startswith("测试用2027年节假日安排")

        # the station's deadline now skips 1 January 2027: recorded on the 5th is in time
        eid = add_enterprise(pair.station)
        res = _reassign_over_new_year(pair.station, eid)
        assert res.late is False and res.deadline == date(2027, 1, 5) and res.note is None

        # entering the year again replaces the row (one per year)
        set_holiday_schedule(pair.county, 2027, "2027-01-01 至 2027-01-03 放假")
        with pair.county.session() as s:
            assert len(s.scalars(select(HolidaySchedule).where(HolidaySchedule.deleted.is_(False))).all()) == 1
    finally:
        pair.close()


def test_cli_holidays(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pair = make_pair(tmp_path)
    county_dir = str(pair.county.data_dir.root)  # type: ignore[union-attr]
    station_dir = str(pair.station.data_dir.root)  # type: ignore[union-attr]
    pair.close()
    assert main(["holidays", "list", "--data-dir", county_dir]) == 0
    assert main(["holidays", "set", str(TEST_2027), "--data-dir", station_dir]) == 2
    assert main(["holidays", "set", "--data-dir", county_dir]) == 2
    capsys.readouterr()
    assert main(["holidays", "set", str(TEST_2027), "--data-dir", county_dir]) == 0
    out = capsys.readouterr().out
    assert "已录入 2027 年节假日安排" in out and "2027年：放假" in out and "调休上班 1 天" in out
    assert "国务院办公厅关于2026年部分节假日安排的通知" in out


def test_sampling_deadline_in_2027_says_how_it_was_counted(store: Store) -> None:
    from qsdesk.services import sampling
    from qsdesk.store.models import FollowUpStep

    eid = add_enterprise(store)
    sampling.enter_sampling(store, sampling.SamplingInput(
        product_name="电线电缆", sampled_on=date(2026, 12, 1), result="不合格", producer_id=eid,
        nonconforming_items="导体电阻", report_received_on=date(2026, 12, 2),
        report_delivered_on=date(2026, 12, 2)))
    with store.session() as s:
        # 60 days after delivery (《产品质量监督抽查管理暂行办法》第四十六条) → Sunday 31 Jan 2027,
        # moved to the next working day: Monday 1 Feb counted Monday–Friday
        step = s.scalars(select(FollowUpStep).where(FollowUpStep.step == "rectify")).one()
        assert step.due_on == date(2027, 2, 1)
        assert step.note is not None and "2027年" in step.note and "周一至周五" in step.note


def test_cli_sampling_steps_show_the_calendar_note(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    from qsdesk.services import sampling

    eid = add_enterprise(store)
    res = sampling.enter_sampling(store, sampling.SamplingInput(
        product_name="电线电缆", sampled_on=date(2026, 12, 1), result="不合格", producer_id=eid,
        nonconforming_items="导体电阻", report_received_on=date(2026, 12, 2),
        report_delivered_on=date(2026, 12, 2)))
    root = str(store.data_dir.root)  # type: ignore[union-attr]
    store.close()
    capsys.readouterr()
    assert main(["sampling", "steps", res.sampling_id, "--data-dir", root]) == 0
    out = capsys.readouterr().out
    assert "2027-02-01" in out and "注：2027年的法定节假日和调休安排尚未录入" in out
