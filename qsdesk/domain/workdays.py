"""Chinese working days: statutory holidays and make-up working days (调休).

Deadlines such as "监管责任人如有变动，应在5个工作日内更新" (001 二（一）, 002 三（五）) count
working days as the State Council publishes them each year: weekdays that are public holidays do
not count, and weekend days declared make-up working days (e.g. Saturday 2026-02-28 after the
Spring Festival) do count. The bundled data comes from the ``chinese_calendar`` package, which
knows the years 2004–2026 (2026: 国务院办公厅关于2026年部分节假日安排的通知, 2025年11月4日; the
package's 2026 days are checked against that notice in the tests).

For a later year the county enters the State Council's notice as master data
(:class:`HolidaySchedule`, parsed from the notice's own text by :func:`parse_schedule`); for a
year that neither knows the rules fall back to Monday–Friday, and :func:`calendar_covers` and
:func:`coverage_note` let callers say so and ask for the schedule.

Counting convention (民法典 第二百零一条: the starting day is not counted): the 1st working day
after ``start`` is the first working day strictly later than ``start``, whatever ``start`` is.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

__all__ = [
    "BUNDLED_2026_SOURCE",
    "HolidaySchedule",
    "ScheduleError",
    "bundled_covers",
    "parse_schedule",
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

#: The notice behind the bundled calendar's newest year.
BUNDLED_2026_SOURCE = "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）"


class ScheduleError(ValueError):
    """A holiday schedule that cannot be read; the message is Chinese."""


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


def bundled_covers(year: int) -> bool:
    """True when the bundled calendar knows ``year``'s official schedule."""
    try:
        chinese_calendar.is_workday(date(year, 6, 30))
    except NotImplementedError:
        return False
    return True


def calendar_covers(d: date, schedules: Schedules = None) -> bool:
    """True when the official holiday schedule for ``d``'s year is known (bundled or entered)."""
    return bundled_covers(d.year) or bool(schedules and d.year in schedules)


def is_working_day(d: date, schedules: Schedules = None) -> bool:
    """Is ``d`` a working day? The bundled calendar for the years it covers, else an entered
    schedule, else Monday–Friday."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        pass
    if schedules and d.year in schedules:
        sch = schedules[d.year]
        if d in sch.workdays:
            return True
        if d in sch.holidays:
            return False
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
    return (f"{ys}的法定节假日和调休安排尚未录入，本期限按周一至周五计算工作日，可能有出入；"
            f"请县级局在“数据同步—上级下发—节假日安排”中录入国务院办公厅公布的{ys}节假日安排通知")


_DATE = r"(?:(\d{4})\s*[-年/.]\s*)?(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?"
_RANGE = re.compile(_DATE + r"(?:[（(][^）)]*[）)])?\s*(?:至|到|~|－|—)\s*(?:(?:(\d{4})\s*[-年/.]\s*)?(\d{1,2})\s*[-月/.]\s*)?(\d{1,2})\s*日?")
_ONE = re.compile(_DATE)


def _mk(year: int, y: str | None, m: str, d: str) -> date:
    yy = int(y) if y else year
    try:
        out = date(yy, int(m), int(d))
    except ValueError as exc:
        raise ScheduleError(f"日期有误：{yy}年{m}月{d}日") from exc
    if yy != year:
        raise ScheduleError(f"{out.isoformat()} 不属于 {year} 年")
    return out


def parse_schedule(year: int, text: str) -> HolidaySchedule:
    """A year's schedule from the State Council's notice text, or from simple lines.

    Reads sentences (split at 。 ； and line ends) that say 放假 or 上班: in a 放假 sentence every
    date range ("1月1日（周四）至3日（周六）", "2027-01-01 至 2027-01-03") and single date is a day
    off; in a 上班 sentence every date is a make-up working day. So the notice can be pasted as
    published ("一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。"), or a
    file can list lines such as "2027-01-04 上班". A make-up working day must fall on a weekend.
    """
    holidays: set[date] = set()
    workdays: set[date] = set()
    for sentence in re.split(r"[。；;\n]", text):
        off, on = "放假" in sentence or "休息" in sentence, "上班" in sentence
        if not (off or on):
            continue
        if off and on:
            raise ScheduleError(f"无法判断是放假还是上班：{sentence.strip()}")
        rest = sentence
        days: list[date] = []
        for m in _RANGE.finditer(sentence):
            a = _mk(year, m.group(1), m.group(2), m.group(3))
            b = _mk(year, m.group(4) or m.group(1), m.group(5) or m.group(2), m.group(6))
            if b < a:
                raise ScheduleError(f"日期范围颠倒：{m.group(0)}")
            days.extend(a + timedelta(days=i) for i in range((b - a).days + 1))
            rest = rest.replace(m.group(0), " ")
        days.extend(_mk(year, m.group(1), m.group(2), m.group(3)) for m in _ONE.finditer(rest))
        (holidays if off else workdays).update(days)
    if not holidays:
        raise ScheduleError(f"没有读到 {year} 年的放假日期；请粘贴国务院办公厅通知的正文，"
                            "或每行写“日期 放假”“日期 上班”")
    weekday_work = sorted(d for d in workdays if d.weekday() < 5)
    if weekday_work:
        raise ScheduleError("调休上班日应在周末：" + "、".join(d.isoformat() for d in weekday_work) + " 本来就是工作日")
    try:
        return HolidaySchedule(year, frozenset(holidays), frozenset(workdays))
    except ValueError as exc:
        raise ScheduleError(str(exc)) from exc


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
