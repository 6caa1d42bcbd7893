"""The working-day calendar as data: the bundled 2026 schedule against the State Council's notice,
a county-entered schedule for 2027, the year boundary, and the warnings when a year has none."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from qsdesk.domain.supervision import check_reassignment, reassignment_deadline
from qsdesk.domain.workdays import (
    ScheduleError,
    add_working_days,
    bundled_covers,
    calendar_covers,
    coverage_note,
    is_working_day,
    parse_schedule,
)

DATA = Path(__file__).resolve().parents[1] / "data"
NOTICE_2026 = (DATA / "holidays_2026_notice.txt").read_text(encoding="utf-8")
TEST_2027 = (DATA / "holidays_2027_test.txt").read_text(encoding="utf-8")


def test_notice_text_parses_to_the_2026_schedule() -> None:
    s = parse_schedule(2026, NOTICE_2026)
    assert s.workdays == {date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
                          date(2026, 9, 20), date(2026, 10, 10)}
    assert date(2026, 2, 15) in s.holidays and date(2026, 2, 23) in s.holidays
    assert len([d for d in s.holidays if date(2026, 2, 15) <= d <= date(2026, 2, 23)]) == 9
    assert len(s.holidays) == 3 + 9 + 3 + 5 + 3 + 3 + 7


def test_bundled_2026_agrees_with_the_notice_day_by_day() -> None:
    """国务院办公厅关于2026年部分节假日安排的通知: every day of 2026 as the notice says."""
    s = parse_schedule(2026, NOTICE_2026)
    d = date(2026, 1, 1)
    while d.year == 2026:
        expected = d in s.workdays or (d.weekday() < 5 and d not in s.holidays)
        assert is_working_day(d) is expected, d
        d += timedelta(days=1)
    assert bundled_covers(2026) and not bundled_covers(2027)


def test_2026_holidays_and_make_up_days() -> None:
    assert not is_working_day(date(2026, 2, 16))  # 春节, a Monday
    assert is_working_day(date(2026, 2, 14)) and is_working_day(date(2026, 2, 28))  # Saturdays worked
    assert not is_working_day(date(2026, 10, 5))
    assert is_working_day(date(2026, 9, 20))  # a Sunday worked before 国庆
    # changed on Friday 2026-09-25 (中秋 25–27, 国庆 1–7 Oct): 28, 29, 30 Sep, then 8 and 9 Oct
    assert reassignment_deadline(date(2026, 9, 25)) == date(2026, 10, 9)
    # changed on Friday 2026-02-13: Saturday 14th is worked, then 24, 25, 26, 27 Feb
    assert reassignment_deadline(date(2026, 2, 13)) == date(2026, 2, 27)


def test_year_boundary_into_2027_without_a_schedule() -> None:
    # changed Monday 2026-12-28: 29, 30, 31 Dec, then 2027 counted Monday–Friday: 1 Jan (Fri), 4 Jan
    assert not calendar_covers(date(2027, 1, 1))
    assert add_working_days(date(2026, 12, 28), 5) == date(2027, 1, 4)
    chk = check_reassignment(date(2026, 12, 28), date(2027, 1, 5))
    assert chk.deadline == date(2027, 1, 4)
    assert chk.late is None  # not judged late on a guess
    assert "2027年的法定节假日和调休安排尚未录入" in chk.text and "周一至周五" in chk.text
    assert "请县级局" in chk.text and "已超期" not in chk.text
    # recorded within the guessed count: not late, but the note still says how it was counted
    ok = check_reassignment(date(2026, 12, 28), date(2026, 12, 30))
    assert ok.late is False and ok.note is not None and "未超期" in ok.text
    # nothing to say when both years are known
    assert coverage_note(date(2026, 3, 2), date(2026, 3, 9)) is None
    assert check_reassignment(date(2026, 3, 2), date(2026, 3, 10)).late is True


def test_year_boundary_into_2027_with_a_county_schedule() -> None:
    sched = {2027: parse_schedule(2027, TEST_2027)}
    assert calendar_covers(date(2027, 1, 1), sched)
    assert not is_working_day(date(2027, 1, 1), sched) and is_working_day(date(2027, 2, 20), sched)
    assert add_working_days(date(2026, 12, 28), 5, sched) == date(2027, 1, 5)
    chk = check_reassignment(date(2026, 12, 28), date(2027, 1, 5), sched)
    assert chk.late is False and chk.note is None
    late = check_reassignment(date(2026, 12, 28), date(2027, 1, 6), sched)
    assert late.late is True and "已超期（最迟应在 2027-01-05 前更新）" in late.text
    assert "国市监质监发〔2023〕38号 二（一）" in late.text
    # the bundled year is not overridden by an entered one
    assert is_working_day(date(2026, 2, 14), {2026: parse_schedule(2026, "2026-02-14 至 2026-02-14 放假")})


def test_parse_refusals() -> None:
    with pytest.raises(ScheduleError, match="没有读到"):
        parse_schedule(2027, "一、元旦：待定")
    with pytest.raises(ScheduleError, match="不属于 2027 年"):
        parse_schedule(2027, "2026-10-01 至 2026-10-07 放假")
    with pytest.raises(ScheduleError, match="调休上班日应在周末"):
        parse_schedule(2027, "1月1日至3日放假。1月5日（周二）上班。")
    with pytest.raises(ScheduleError, match="日期有误"):
        parse_schedule(2027, "2月30日放假")
