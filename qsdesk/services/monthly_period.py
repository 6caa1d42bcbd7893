"""The reporting period of the monthly statistics table: which days a month's table covers and
when it is due (:class:`Period`), under the county's settings (:mod:`qsdesk.services.county_settings`).

Split from :mod:`qsdesk.services.monthly`, which re-exports these names.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Period:
    """The days one month's table covers and the day it is due.

    With the cut-off day 0 (default) the period is the calendar month; with a cut-off day E the
    table of month M covers the day after E of month M-1 through E of month M, so consecutive
    periods touch and nothing falls between two reports. Due: the first day numbered ``due_day``
    after the period's end (default the 23rd: 宝山区实施方案 四（三） "每月23日前报送").
    """

    year: int
    month: int
    start: date
    end: date
    due: date
    end_day_is_default: bool = True
    due_day_is_default: bool = True

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def covers(self) -> str:
        return f"{self.start:%Y年%m月%d日}至{self.end:%Y年%m月%d日}"

    def describe(self) -> str:
        """One line for people: the days covered, the due day, and whether defaults apply."""
        parts = [f"统计区间：{self.covers}", f"报送截止：{self.due:%Y年%m月%d日}"]
        if self.end_day_is_default and self.due_day_is_default:
            parts.append("（默认：自然月，次月23日前报送；县局可设置）")
        else:
            parts.append("（县局设置）")
        return "　".join(parts)


def month_range(year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12:
        raise ValueError(f"月份应为 1–12：{month}")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _shift(year: int, month: int, n: int) -> tuple[int, int]:
    i = year * 12 + month - 1 + n
    return i // 12, i % 12 + 1


def make_period(year: int, month: int, end_day: int = 0, due_day: int = 23, *,
                end_default: bool = True, due_default: bool = True) -> Period:
    """The period of month ``year-month`` for a cut-off day (0 = month end) and a due day."""
    first, last = month_range(year, month)
    if end_day <= 0:
        start, end = first, last
    else:
        py, pm = _shift(year, month, -1)
        start = date(py, pm, end_day) + timedelta(days=1)
        end = date(year, month, end_day)
    due = date(end.year, end.month, due_day)
    if due <= end:
        ny, nm = _shift(end.year, end.month, 1)
        due = date(ny, nm, due_day)
    return Period(year, month, start, end, due, end_default, due_default)


def period_of(session: Session | None, year: int, month: int) -> Period:
    """The period of a month under the county's settings (defaults when none are set)."""
    if session is None:
        return make_period(year, month)
    from qsdesk.services import county_settings as cs

    e = cs.get(session, "monthly.period_end_day")
    d = cs.get(session, "monthly.due_day")
    return make_period(year, month, e.value, d.value, end_default=e.is_default, due_default=d.is_default)


def current_period(session: Session | None, today: date) -> Period:
    """The report to be filed next: the latest period that has ended before ``today``."""
    y, m = today.year, today.month
    p = period_of(session, y, m)
    while p.end >= today:
        y, m = _shift(y, m, -1)
        p = period_of(session, y, m)
    return p


def parse_month(text: str) -> tuple[int, int]:
    """``2026-10`` / ``2026-1`` / ``202610`` → (2026, 10); ValueError (Chinese) otherwise."""
    t = text.strip().replace("/", "-").replace("年", "-").removesuffix("月")
    try:
        if "-" in t:
            y, m = (int(p) for p in t.split("-", 1))
        else:
            y, m = int(t[:4]), int(t[4:])
    except ValueError:
        raise ValueError(f"月份格式应为 2026-10：{text}") from None
    month_range(y, m)
    return y, m


def due_date(today: date, session: Session | None = None) -> date:
    """When the report to be filed next is due (see :func:`current_period`)."""
    return current_period(session, today).due
