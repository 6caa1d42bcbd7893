"""Chinese working days: statutory holidays and make-up working days (调休).

Deadlines such as "监管责任人如有变动，应在5个工作日内更新" (001 二（一）, 002 三（五）) count
working days as the State Council publishes them each year: weekdays that are public holidays do
not count, and weekend days declared make-up working days (e.g. Saturday 2026-02-28 after the
Spring Festival) do count. The data comes from the ``chinese_calendar`` package, which knows the
years 2004–2026 (one year at a time, as each year's notice appears).

For a date outside that range the rules fall back to Monday–Friday; :func:`calendar_covers` and
:func:`coverage_note` let callers say so. A county can supply a year's schedule later as master
data (:class:`HolidaySchedule`), which then takes precedence over the package.

Counting convention (民法典 第二百零一条: the starting day is not counted): the 1st working day
after ``start`` is the first working day strictly later than ``start``, whatever ``start`` is.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

__all__ = [
    "HolidaySchedule",
    "add_months",
    "add_working_days",
    "add_years",
    "calendar_covers",
    "count_working_days",
    "coverage_note",
    "is_working_day",
    "next_working_day_on_or_after",
    "uncovered_years",
]

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class HolidaySchedule:
    """One year's official schedule (国务院办公厅 holiday notice), e.g. sent by the county.

    ``holidays``: days off that would otherwise be working days (or any holiday dates);
    ``workdays``: make-up working days that fall on a weekend.
    """

    year: int
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for d in (*self.holidays, *self.workdays):
            if d.year != self.year:
                raise ValueError(f"{d} 不属于 {self.year} 年的节假日安排")
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"同一天既是假日又是调休工作日：{sorted(both)}")


Schedules = Mapping[int, HolidaySchedule] | None


def calendar_covers(d: date, schedules: Schedules = None) -> bool:
    """True when the official holiday schedule for ``d``'s year is known."""
    if schedules and d.year in schedules:
        return True
    try:
        chinese_calendar.is_workday(d)
    except NotImplementedError:
        return False
    return True


def is_working_day(d: date, schedules: Schedules = None) -> bool:
    """Is ``d`` a working day? Outside the known years: Monday–Friday."""
    if schedules and d.year in schedules:
        sch = schedules[d.year]
        if d in sch.workdays:
            return True
        if d in sch.holidays:
            return False
        return d.weekday() < 5
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return d.weekday() < 5


def add_working_days(start: date, n: int, schedules: Schedules = None) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted).

    ``n == 0`` returns ``start``; a negative ``n`` counts backwards (the n-th working day before).
    Example: the 5th working day after Monday 2024-09-30 is Saturday 2024-10-12: 1–7 October are
    the National Day holiday, 8–11 October count 4, and the 12th is a make-up working day.
    """
    if n == 0:
        return start
    step = _ONE_DAY if n > 0 else -_ONE_DAY
    remaining = abs(n)
    d = start
    while remaining:
        d += step
        if is_working_day(d, schedules):
            remaining -= 1
    return d


def count_working_days(start: date, end: date, schedules: Schedules = None) -> int:
    """Working days in the interval (start, end]: 0 when ``end <= start``."""
    count = 0
    d = start + _ONE_DAY
    while d <= end:
        if is_working_day(d, schedules):
            count += 1
        d += _ONE_DAY
    return count


def next_working_day_on_or_after(d: date, schedules: Schedules = None) -> date:
    """``d`` if it is a working day, else the next one.

    民法典 第二百零三条: when the last day of a period falls on a statutory holiday, the period ends
    on the day after the holiday ends.
    """
    while not is_working_day(d, schedules):
        d += _ONE_DAY
    return d


def uncovered_years(dates: Iterable[date], schedules: Schedules = None) -> list[int]:
    """Sorted years among ``dates`` for which no official schedule is known."""
    return sorted({d.year for d in dates if not calendar_covers(d, schedules)})


def coverage_note(start: date, end: date, schedules: Schedules = None) -> str | None:
    """A Chinese note when any year between ``start`` and ``end`` has no known schedule, else None."""
    lo, hi = min(start, end), max(start, end)
    years = [y for y in range(lo.year, hi.year + 1) if not calendar_covers(date(y, 6, 30), schedules)]
    if not years:
        return None
    ys = "、".join(f"{y}年" for y in years)
    return f"{ys}的法定节假日和调休安排尚未收录，工作日按周一至周五计算，结果可能有出入"


def add_months(d: date, months: int) -> date:
    """``d`` moved by whole calendar months, clamped to the month's last day.

    This is how Chinese law ends a period counted in months or years (民法典 第二百零二条: the
    period ends on the corresponding day of the final month; without one, on that month's last
    day): 2023-08-31 + 6 months = 2024-02-29, 2024-02-29 + 12 months = 2025-02-28.
    """
    idx = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(idx, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last))


def add_years(d: date, years: int) -> date:
    """``d`` moved by whole calendar years (29 February → 28 February in a common year)."""
    return add_months(d, 12 * years)
