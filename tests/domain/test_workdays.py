"""Working days with the State Council's real 2024–2026 holiday schedules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qsdesk.domain.workdays import (
    HolidaySchedule,
    add_months,
    add_working_days,
    calendar_covers,
    count_working_days,
    coverage_note,
    is_working_day,
    next_working_day_on_or_after,
    uncovered_years,
)


@pytest.mark.parametrize(
    "d,working",
    [
        (date(2024, 10, 1), False),  # National Day (Tue)
        (date(2024, 10, 7), False),  # last day of the holiday (Mon)
        (date(2024, 10, 8), True),
        (date(2024, 9, 29), True),  # Sunday make-up day
        (date(2024, 10, 12), True),  # Saturday make-up day
        (date(2024, 10, 13), False),  # ordinary Sunday
        (date(2024, 2, 4), True),  # Spring Festival make-up Sunday
        (date(2024, 2, 18), True),  # Spring Festival make-up Sunday
        (date(2024, 2, 12), False),  # Spring Festival (Mon)
        (date(2025, 1, 26), True),  # make-up Sunday before the 2025 Spring Festival
        (date(2025, 2, 8), True),  # make-up Saturday after it
        (date(2025, 10, 8), False),  # 2025 National Day + Mid-Autumn holiday ran to 8 October
        (date(2025, 10, 11), True),
        (date(2026, 2, 14), True),  # 2026 Spring Festival make-up Saturdays
        (date(2026, 2, 28), True),
        (date(2026, 2, 23), False),  # Monday, last day of the 2026 Spring Festival holiday
        (date(2026, 1, 4), True),  # Sunday make-up after New Year 2026
        (date(2026, 10, 10), True),
        (date(2026, 11, 23), True),  # an ordinary Monday
    ],
)
def test_is_working_day_real_calendar(d: date, working: bool) -> None:
    assert is_working_day(d) is working


def test_national_day_week_2024() -> None:
    # Monday 30 Sep 2024: 1–7 Oct off; 8, 9, 10, 11 Oct then Saturday 12 Oct (make-up) = 5th.
    start = date(2024, 9, 30)
    assert add_working_days(start, 1) == date(2024, 10, 8)
    assert add_working_days(start, 4) == date(2024, 10, 11)
    assert add_working_days(start, 5) == date(2024, 10, 12)
    assert add_working_days(start, 6) == date(2024, 10, 14)


def test_make_up_sunday_counts() -> None:
    # Friday 27 Sep 2024: Sunday 29 Sep is a working day.
    assert add_working_days(date(2024, 9, 27), 1) == date(2024, 9, 29)
    assert add_working_days(date(2024, 9, 27), 5) == date(2024, 10, 10)


def test_spring_festival_2024() -> None:
    # Thursday 8 Feb 2024: Fri 9 Feb works, 10–17 Feb off, Sunday 18 Feb is a make-up day.
    assert add_working_days(date(2024, 2, 8), 1) == date(2024, 2, 9)
    assert add_working_days(date(2024, 2, 8), 2) == date(2024, 2, 18)
    assert add_working_days(date(2024, 2, 8), 5) == date(2024, 2, 21)


def test_spring_festival_2026_make_up_saturdays() -> None:
    # Friday 13 Feb 2026: Sat 14 Feb works, 15–23 Feb off, 24–27 Feb, then Sat 28 Feb.
    start = date(2026, 2, 13)
    assert add_working_days(start, 1) == date(2026, 2, 14)
    assert add_working_days(start, 2) == date(2026, 2, 24)
    assert add_working_days(start, 6) == date(2026, 2, 28)


def test_plain_weekdays_would_be_wrong() -> None:
    # The naive Mon–Fri count from 30 Sep 2024 would give 7 Oct; the real answer is 12 Oct.
    assert add_working_days(date(2024, 9, 30), 5) != date(2024, 10, 7)


def test_zero_and_negative() -> None:
    assert add_working_days(date(2024, 10, 3), 0) == date(2024, 10, 3)
    assert add_working_days(date(2024, 10, 8), -1) == date(2024, 9, 30)
    assert add_working_days(date(2024, 10, 8), -2) == date(2024, 9, 29)


def test_start_on_holiday_is_not_counted() -> None:
    assert add_working_days(date(2024, 10, 1), 1) == date(2024, 10, 8)


def test_count_working_days() -> None:
    assert count_working_days(date(2024, 9, 30), date(2024, 10, 12)) == 5
    assert count_working_days(date(2024, 10, 1), date(2024, 10, 7)) == 0
    assert count_working_days(date(2024, 10, 8), date(2024, 10, 8)) == 0


def test_next_working_day_on_or_after() -> None:
    assert next_working_day_on_or_after(date(2024, 10, 3)) == date(2024, 10, 8)
    assert next_working_day_on_or_after(date(2024, 10, 8)) == date(2024, 10, 8)


def test_coverage_and_weekday_fallback_beyond_range() -> None:
    assert calendar_covers(date(2026, 12, 31))
    assert not calendar_covers(date(2027, 1, 1))
    # Fallback: Friday 1 Jan 2027 counts as a working day (no official data yet).
    assert is_working_day(date(2027, 1, 1))
    assert not is_working_day(date(2027, 1, 2))
    assert add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 4)
    assert uncovered_years([date(2026, 5, 1), date(2027, 1, 1), date(2028, 1, 1)]) == [2027, 2028]
    assert coverage_note(date(2026, 1, 1), date(2026, 12, 31)) is None
    note = coverage_note(date(2026, 12, 28), date(2027, 1, 8))
    assert note is not None and "2027年" in note and "周一至周五" in note


def test_master_data_schedule_overrides() -> None:
    sch = HolidaySchedule(
        year=2027,
        holidays=frozenset({date(2027, 1, 1)}),
        workdays=frozenset({date(2027, 1, 2)}),
    )
    schedules = {2027: sch}
    assert calendar_covers(date(2027, 3, 1), schedules)
    assert not is_working_day(date(2027, 1, 1), schedules)
    assert is_working_day(date(2027, 1, 2), schedules)
    assert add_working_days(date(2026, 12, 31), 1, schedules) == date(2027, 1, 2)
    assert coverage_note(date(2026, 12, 28), date(2027, 1, 8), schedules) is None


def test_schedule_rejects_inconsistent_data() -> None:
    with pytest.raises(ValueError):
        HolidaySchedule(year=2027, holidays=frozenset({date(2028, 1, 1)}))
    with pytest.raises(ValueError):
        HolidaySchedule(
            year=2027, holidays=frozenset({date(2027, 1, 2)}), workdays=frozenset({date(2027, 1, 2)})
        )


# ---------- properties over the covered years ----------




dates = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 9, 30))


@given(dates, st.integers(min_value=1, max_value=40))
def test_nth_working_day_is_a_working_day_with_n_before_it(start: date, n: int) -> None:
    end = add_working_days(start, n)
    assert is_working_day(end)
    assert count_working_days(start, end) == n
    assert count_working_days(start, end - timedelta(days=1)) == n - 1


@given(dates, st.integers(min_value=1, max_value=40))
def test_backwards_inverts_forwards_on_working_days(start: date, n: int) -> None:
    start = next_working_day_on_or_after(start)
    assert add_working_days(add_working_days(start, n), -n) == start


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), st.integers(-36, 36))
def test_add_months_keeps_day_or_clamps_to_month_end(d: date, m: int) -> None:
    r = add_months(d, m)
    assert (r.year * 12 + r.month) - (d.year * 12 + d.month) == m
    assert r.day == d.day or (r.day < d.day and (r + timedelta(days=1)).day == 1)


def test_add_months_examples() -> None:
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 15), 6) == date(2024, 7, 15)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
