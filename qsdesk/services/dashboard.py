"""What the 工作台 shows: what is due today and this month, counts, and monthly figures.

Everything is computed in a few aggregate queries and returned as plain dataclasses, so the GUI
can compute it on a worker thread. Each item carries the table and id of the record it is about.
The rules themselves live in the domain and in the services that own them (half-year visits in
:mod:`qsdesk.domain.supervision`, follow-up deadlines in :mod:`qsdesk.services.followup`, the
monthly table's due date in :mod:`qsdesk.services.monthly`).

A county database takes a second or two to count, so every result is also kept in the data
directory (:func:`save_snapshot`); the page shows the last one, marked with its time, the moment
it opens and replaces it when the new count arrives.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from qsdesk.domain.sampling import SamplingResult
from qsdesk.domain.supervision import VisitState, first_period_end, half_year_bounds, half_year_visit_status
from qsdesk.services import classes, followup, monthly, monthly_records
from qsdesk.store.db import Store
from qsdesk.store.models import (
    BundleLog,
    Counter,
    Draft,
    Enterprise,
    Inspection,
    Inspector,
    Node,
    Notice,
    Sampling,
)

#: notices from the county stay on the dashboard this many days after they were issued
NOTICE_DAYS = 30

#: enterprises in these states are no longer supervised here (half-year visits do not apply)
GONE_STATUS_WORDS = ("注销", "吊销", "迁出")


@dataclass(frozen=True)
class Item:
    """One line of the dashboard; opens ``table``/``record_id`` when activated."""

    kind: str
    text: str
    when: date | None
    table: str
    record_id: str
    overdue: bool = False


@dataclass
class SupervisorVisits:
    inspector_id: str
    inspector: str
    responsible_for: int = 0
    done: int = 0
    due: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class MonthFigures:
    year: int
    month: int
    inspections: int
    problems: int

    @property
    def label(self) -> str:
        return f"{self.year % 100:02d}-{self.month:02d}"


@dataclass
class Dashboard:
    today: date
    visits: list[SupervisorVisits] = field(default_factory=list)
    visit_items: list[Item] = field(default_factory=list)  # overdue first, then due, nearest first
    followups: list[Item] = field(default_factory=list)
    followups_total: int = 0
    drafts: list[Item] = field(default_factory=list)
    drafts_total: int = 0
    autosaved_forms: int = 0
    monthly_due: date | None = None
    monthly_exported: bool = False
    bundle_text: str = ""
    bundle_pending: int | None = None
    bundle_last: date | None = None
    counts: dict[str, int] = field(default_factory=dict)
    months: list[MonthFigures] = field(default_factory=list)
    notices: list[Item] = field(default_factory=list)  # from the county, newest first
    notices_total: int = 0
    #: 跟踪抽查名单 (上年度不合格企业, 沪市监产质〔2022〕251号), from :func:`qsdesk.services.sampling.tracking_list`
    tracking: list[Item] = field(default_factory=list)
    tracking_total: int = 0
    tracking_rule: str = ""  # who is on it (:data:`qsdesk.services.sampling.TRACKING_RULE`)

    @property
    def visits_due(self) -> int:
        return sum(v.due for v in self.visits)

    @property
    def visits_overdue(self) -> int:
        return sum(v.overdue for v in self.visits)

    @property
    def monthly_days_left(self) -> int | None:
        return (self.monthly_due - self.today).days if self.monthly_due else None


def _months_back(today: date, n: int) -> list[tuple[int, int]]:
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        out.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def _visit_buckets(today: date) -> tuple[date, date, date]:
    start, _end = half_year_bounds(today)
    prev_start, prev_end = half_year_bounds(start - timedelta(days=1))
    return start, prev_start, prev_end


def _first_period_threshold(today: date, prev_start: date, prev_end: date) -> date:
    """The earliest naming date in the previous half-year whose first period has not run out
    (``first_period_end(x) >= today``); ``prev_end + 1`` when there is none."""
    d = prev_start
    while d <= prev_end:
        if first_period_end(d) >= today:
            return d
        d += timedelta(days=1)
    return prev_end + timedelta(days=1)


def _half_year_visits(s: Any, today: date, limit: int, d: Dashboard) -> None:
    """Half-year visit states per responsible supervisor, and the enterprises still to visit.

    :func:`~qsdesk.domain.supervision.half_year_visit_status` depends on the last visit only
    through which half-year it falls in (this one, the previous one, earlier/never), and on each
    start date (the enterprise's first supervisor, the current supervisor) only through whether
    it is missing, after today, in this half-year, in the previous one with its first period still
    running or run out, or earlier. The database groups 200 000 enterprises into those few
    classes; the domain function is then asked once per class, so the rule is still decided in
    one place. A visit is a sealed inspection record (drafts do not count).
    """
    start, prev_start, prev_end = _visit_buckets(today)
    threshold = _first_period_threshold(today, prev_start, prev_end)
    # last sealed visit since the previous half-year began (older visits count like none)
    recent = (
        select(Inspection.enterprise_id.label("enterprise_id"), func.max(Inspection.inspected_on).label("last"))
        .where(Inspection.deleted.is_(False), Inspection.status == "sealed", Inspection.inspected_on >= prev_start,
               Inspection.inspected_on <= today)
        .group_by(Inspection.enterprise_id)
        .cte("recent_visit")
    )
    last_b = case((recent.c.last >= start, 2), (recent.c.last.is_not(None), 1), else_=0)
    first_since = func.coalesce(Enterprise.visits_since, Enterprise.responsible_since)

    def since_bucket(col: Any) -> Any:
        return case((col.is_(None), 0), (col > today, 1), (col >= start, 2), (col >= threshold, 3),
                    (col >= prev_start, 4), else_=5)

    first_b = since_bucket(first_since)
    cur_b = since_bucket(Enterprise.responsible_since)
    # an expression, not the indexed column: one sequential pass over the table is much faster
    # than 200 000 index-ordered random reads
    supervisor = func.coalesce(Enterprise.responsible_inspector_id, "")
    last_rep = {2: start, 1: prev_start, 0: None}
    since_rep: dict[int, date | None] = {0: None, 1: today + timedelta(days=1), 2: start, 3: prev_end,
                                         4: prev_start, 5: prev_start - timedelta(days=1)}
    gone = or_(*(Enterprise.status.contains(w) for w in GONE_STATUS_WORDS))
    live = and_(Enterprise.deleted.is_(False), supervisor != "", or_(Enterprise.status.is_(None), ~gone))
    states: dict[tuple[int, int, int], Any] = {}
    for lb in last_rep:
        for fb in since_rep:
            for cb in since_rep:
                states[(lb, fb, cb)] = half_year_visit_status(today, last_rep[lb], since_rep[fb], since_rep[cb])
    names: dict[str, str] = {i: n for i, n in s.execute(select(Inspector.id, Inspector.name))}
    per: dict[str, SupervisorVisits] = {}
    for insp_id, lb, fb, cb, n in s.execute(
        select(supervisor, last_b, first_b, cur_b, func.count())
        .select_from(Enterprise)
        .outerjoin(recent, recent.c.enterprise_id == Enterprise.id)
        .where(live)
        .group_by(supervisor, last_b, first_b, cur_b)
    ):
        insp_name = names.get(insp_id, "（已删除人员）")
        st = states[(int(lb), int(fb), int(cb))]
        if st.state == VisitState.NOT_APPLICABLE:
            continue
        v = per.get(insp_id)
        if v is None:
            v = per[insp_id] = SupervisorVisits(insp_id, insp_name)
        v.responsible_for += n
        if st.state == VisitState.DONE:
            v.done += n
        elif st.state == VisitState.DUE:
            v.due += n
        else:
            v.overdue += n
    d.visits = sorted(per.values(), key=lambda v: (-v.overdue, -v.due, v.inspector))

    # the enterprises behind the numbers: overdue first, then due; each one's own status (its
    # exact dates) gives the deadline shown
    for wanted in (VisitState.OVERDUE, VisitState.DUE):
        room = limit - len(d.visit_items)
        combos = [k for k, st in states.items() if st.state == wanted]
        if room <= 0 or not combos:
            continue
        cond = or_(*(and_(last_b == lb, first_b == fb, cur_b == cb) for lb, fb, cb in combos))
        # no ORDER BY: the first matches in table order, found without evaluating every row
        for eid, name, insp_id, first, since, assumed, last in s.execute(
            select(Enterprise.id, Enterprise.name, Enterprise.responsible_inspector_id, first_since,
                   Enterprise.responsible_since, Enterprise.responsible_since_assumed, recent.c.last)
            .outerjoin(recent, recent.c.enterprise_id == Enterprise.id)
            .where(live, cond).limit(room)
        ):
            st = half_year_visit_status(today, last, first, since, since_assumed=bool(assumed))
            insp = names.get(insp_id, "")
            d.visit_items.append(Item("半年检查", f"{name}（责任人：{insp}）{st.state.value}", st.due_on,
                                      "enterprise", eid, overdue=st.state == VisitState.OVERDUE))


def compute(store: Store, today: date | None = None, limit: int = 50) -> Dashboard:
    """Everything the dashboard shows, as of ``today``; lists are cut at ``limit`` items."""
    today = today or date.today()
    d = Dashboard(today=today)
    classes.ensure_current(store, today)  # a window may have run out since the last start
    with store.session() as s:
        _half_year_visits(s, today, limit, d)
        _notices(s, today, limit, d)

        # follow-ups of non-conforming samplings past their deadline (004)
        q = followup.overdue_query(today)
        d.followups_total = followup.overdue_count(s, today)
        for r in s.execute(q.limit(limit)):
            d.followups.append(Item("后处理逾期", f"{r.enterprise}：{r.product_name}，"
                                    f"{followup.step_label(r.step, r.result)}", r.due_on, "sampling",
                                    r.sampling_id, overdue=True))

        # inspection records not sealed yet, and forms autosaved but never saved
        draft_filter = and_(Inspection.deleted.is_(False), Inspection.status == "draft")
        d.drafts_total = int(s.scalar(select(func.count()).select_from(Inspection).where(draft_filter)) or 0)
        for iid, on, name in s.execute(
            select(Inspection.id, Inspection.inspected_on, Enterprise.name)
            .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
            .where(draft_filter).order_by(Inspection.inspected_on).limit(limit)
        ):
            d.drafts.append(Item("未封存", f"{name} 的检查记录尚未封存", on, "inspection", iid,
                                 overdue=(today - on).days > 7))
        d.autosaved_forms = int(s.scalar(select(func.count()).select_from(Draft)) or 0)

        # the monthly table (002: 每月 23 日前报送)
        # "已报送" = the table went to the county (bundle or marked sent), not a file exported.
        period = monthly.current_period(s, today)
        d.monthly_due = period.due
        d.monthly_exported = monthly_records.send_status(s, period.year, period.month).sent

        _bundle_state(s, d)
        _tracking(s, today, limit, d)

        # counts
        live = Enterprise.deleted.is_(False)
        d.counts["enterprises"] = int(s.scalar(select(func.count()).select_from(Enterprise).where(live)) or 0)
        d.counts["responsible"] = int(s.scalar(select(func.count()).select_from(Enterprise).where(
            live, Enterprise.responsible_inspector_id.is_not(None))) or 0)
        per_class = classes.counts(s)
        d.counts["key"] = per_class["key"]
        d.counts["special"] = per_class["special"]
        d.counts["key_special"] = per_class["key"] + per_class["special"]
        year_start = date(today.year, 1, 1)
        d.counts["inspections_year"] = int(s.scalar(select(func.count()).select_from(Inspection).where(
            Inspection.deleted.is_(False), Inspection.inspected_on >= year_start,
            Inspection.inspected_on <= today)) or 0)
        d.counts["problems_year"] = int(s.scalar(select(func.coalesce(func.sum(Inspection.problems_found), 0)).where(
            Inspection.deleted.is_(False), Inspection.inspected_on >= year_start,
            Inspection.inspected_on <= today)) or 0)
        d.counts["nonconforming_year"] = int(s.scalar(select(func.count()).select_from(Sampling).where(
            Sampling.deleted.is_(False), Sampling.sampled_on >= year_start, Sampling.sampled_on <= today,
            Sampling.result == SamplingResult.FAIL.value)) or 0)

        # inspections and problems found per month, last 12 months
        months = _months_back(today, 12)
        first = date(months[0][0], months[0][1], 1)
        y = func.extract("year", Inspection.inspected_on)
        m = func.extract("month", Inspection.inspected_on)
        agg: dict[tuple[int, int], tuple[int, int]] = defaultdict(lambda: (0, 0))
        for yy, mm, n, p in s.execute(
            select(y, m, func.count(), func.coalesce(func.sum(Inspection.problems_found), 0))
            .where(Inspection.deleted.is_(False), Inspection.inspected_on >= first, Inspection.inspected_on <= today)
            .group_by(y, m)
        ):
            agg[(int(yy), int(mm))] = (int(n), int(p))
        d.months = [MonthFigures(yy, mm, *agg[(yy, mm)]) for yy, mm in months]
    return d


def _notices(s: Any, today: date, limit: int, d: Dashboard) -> None:
    """Notices issued in the last :data:`NOTICE_DAYS` days, today included."""
    recent = and_(Notice.deleted.is_(False), Notice.issued_on > today - timedelta(days=NOTICE_DAYS),
                  Notice.issued_on <= today)
    d.notices_total = int(s.scalar(select(func.count()).select_from(Notice).where(recent)) or 0)
    for n in s.execute(select(Notice.id, Notice.title, Notice.issued_on).where(recent)
                       .order_by(Notice.issued_on.desc(), Notice.title).limit(limit)):
        d.notices.append(Item("上级通知", n.title, n.issued_on, "notice", n.id))


def _tracking(s: Any, today: date, limit: int, d: Dashboard) -> None:
    """This year's 跟踪抽查名单, from its one definition (:func:`qsdesk.services.sampling.tracking_list`:
    the same list the sampling page, the CLI, the annual export and the draw use). Each item opens
    the enterprise in the registry."""
    from qsdesk.services import sampling

    entries = sampling.tracking_list(s, today.year)
    d.tracking_total = len(entries)
    d.tracking_rule = sampling.TRACKING_RULE
    d.counts["tracking"] = len(entries)
    for t in entries[:limit]:
        times = [f"不合格 {t.failures} 次"] if t.failures else []
        if t.refusals:
            times.append(f"拒检 {t.refusals} 次")
        roles = [r for r in t.roles.split("、") if r != "拒检"]  # a refusal is named by its count
        parts = ["、".join(roles), t.products, "，".join(times)] if roles else [t.products, "，".join(times)]
        d.tracking.append(Item("跟踪抽查", f"{t.name}（{'；'.join(parts)}）", t.last_on, "enterprise", t.enterprise_id))


def _bundle_state(s: Any, d: Dashboard) -> None:
    """Changes made here and not yet exported to the parent node (stations only)."""
    me = s.scalars(select(Node).where(Node.is_self.is_(True))).first()
    if me is None or me.kind != "station" or not me.parent_code:
        d.bundle_text = "本单位不向上级报送数据包" if me is not None and me.kind == "county" else "未设置上级单位"
        return
    current = int(s.scalar(select(Counter.value).where(Counter.name == "change_seq")) or 0)
    sent_upto = 0
    last_at = None
    for log in s.scalars(select(BundleLog).where(BundleLog.direction == "out",
                                                 BundleLog.peer_code == me.parent_code)):
        rng = (log.counts or {}).get("range")
        if isinstance(rng, list) and len(rng) == 2 and rng[1] is not None:
            sent_upto = max(sent_upto, int(rng[1]))
        if last_at is None or log.at > last_at:
            last_at = log.at
    d.bundle_pending = max(0, current - sent_upto)
    d.bundle_last = last_at.date() if last_at is not None else None
    if d.bundle_pending == 0:
        d.bundle_text = "全部更改均已导出"
    else:
        since = f"上次导出 {d.bundle_last.isoformat()}" if d.bundle_last else "从未导出"
        d.bundle_text = f"有 {d.bundle_pending} 项更改尚未导出给上级（{since}）"


# --------------------------------------------------------------------------- snapshot

SNAPSHOT_FILE = "dashboard.json"
SNAPSHOT_VERSION = 1
_log = logging.getLogger(__name__)


def _snapshot_path(store: Store) -> Path | None:
    return store.data_dir.root / SNAPSHOT_FILE if store.data_dir is not None else None


def save_snapshot(store: Store, d: Dashboard, taken_at: datetime | None = None) -> None:
    """Keep ``d`` for the next start (written whole or not at all; only the owner may read it:
    it names enterprises, like the database beside it)."""
    path = _snapshot_path(store)
    if path is None:
        return
    payload = {"version": SNAPSHOT_VERSION, "node": store.origin,
               "taken_at": (taken_at or datetime.now()).isoformat(timespec="seconds"), "dashboard": asdict(d)}
    tmp = path.with_name(path.name + ".part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, ensure_ascii=False, default=lambda v: v.isoformat())
        os.replace(tmp, path)
    except OSError:  # a read-only or full disk costs the next start its preview, nothing more
        _log.warning("dashboard snapshot not saved", exc_info=True)


def load_snapshot(store: Store) -> tuple[Dashboard, datetime] | None:
    """The last saved dashboard of this node and when it was counted; None when there is none
    (or it is unreadable, from another node or another version of the program)."""
    path = _snapshot_path(store)
    if path is None or not path.is_file():
        return None
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("version") != SNAPSHOT_VERSION or payload.get("node") != store.origin:
            return None
        return _decode(payload["dashboard"]), datetime.fromisoformat(payload["taken_at"])
    except (OSError, ValueError, KeyError, TypeError):
        _log.warning("dashboard snapshot unreadable", exc_info=True)
        return None


def _day(v: str | None) -> date | None:
    return date.fromisoformat(v) if v else None


def _item(v: dict[str, Any]) -> Item:
    return Item(**{**v, "when": _day(v["when"])})


def _decode(v: dict[str, Any]) -> Dashboard:
    return Dashboard(
        today=date.fromisoformat(v["today"]),
        visits=[SupervisorVisits(**x) for x in v["visits"]],
        visit_items=[_item(x) for x in v["visit_items"]],
        followups=[_item(x) for x in v["followups"]],
        followups_total=int(v["followups_total"]),
        drafts=[_item(x) for x in v["drafts"]],
        drafts_total=int(v["drafts_total"]),
        autosaved_forms=int(v["autosaved_forms"]),
        monthly_due=_day(v["monthly_due"]),
        monthly_exported=bool(v["monthly_exported"]),
        bundle_text=str(v["bundle_text"]),
        bundle_pending=v["bundle_pending"],
        bundle_last=_day(v["bundle_last"]),
        counts={str(k): int(n) for k, n in v["counts"].items()},
        months=[MonthFigures(**x) for x in v["months"]],
        notices=[_item(x) for x in v.get("notices", [])],
        notices_total=int(v.get("notices_total", 0)),
        tracking=[_item(x) for x in v.get("tracking", [])],
        tracking_total=int(v.get("tracking_total", 0)),
        tracking_rule=str(v.get("tracking_rule", "")),
    )
