"""Dashboard: each item is computed from the records and opens the record it is about."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from qsdesk.services import dashboard as dash
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, FollowUpStep, Inspection, Inspector, Notice, Sampling
from qsdesk.ui.main_window import MainWindow, settings_at
from qsdesk.ui.pages.dashboard import DashboardPage

TODAY = date(2026, 11, 20)  # second half of 2026; the monthly table is due on the 23rd


@pytest.fixture
def records(store: Store) -> dict[str, str]:
    """张伟 is responsible for three enterprises: one visited this half-year (done), one visited in
    the first half only (this half-year's visit due), one not visited since 2025 (the first
    half-year was missed: overdue), and one that moved out (not counted). 李娜 took one over in
    September (due). Plus an overdue follow-up step and an unsealed inspection."""
    ids: dict[str, str] = {}
    with store.transaction() as s:
        zhang = s.scalars(select(Inspector).where(Inspector.name == "张伟")).one()
        li = s.scalars(select(Inspector).where(Inspector.name == "李娜")).one()

        def ent(name: str, who: Inspector | None, since: date | None, status: str = "在营（开业）") -> Enterprise:
            e = Enterprise(name=name, responsible_inspector_id=who.id if who else None, responsible_since=since,
                           status=status)
            s.add(e)
            s.flush()
            ids[name] = e.id
            return e

        done = ent("已检查企业", zhang, date(2025, 3, 1))
        due = ent("上半年检查企业", zhang, date(2025, 3, 1))
        overdue = ent("逾期企业", zhang, date(2025, 3, 1))
        ent("新接手企业", li, date(2026, 9, 10))
        ent("已迁出企业", zhang, date(2025, 3, 1), status="迁出")
        ent("无责任人企业", None, None)
        for e, on, status, problems in ((done, date(2026, 8, 3), "sealed", 2), (due, date(2026, 4, 7), "sealed", 1),
                                        (overdue, date(2025, 12, 1), "sealed", 0),
                                        (done, date(2026, 11, 2), "draft", 3)):
            i = Inspection(enterprise_id=e.id, form_id="annex4_producer", form_version=1, inspected_on=on,
                           status=status, problems_found=problems, record_no=f"R{on:%Y%m%d}")
            s.add(i)
            s.flush()
            if status == "draft":
                ids["draft"] = i.id
        smp = Sampling(enterprise_id=due.id, product_name="电线电缆", sampled_on=date(2026, 10, 1), result="不合格")
        s.add(smp)
        s.flush()
        ids["sampling"] = smp.id
        s.add(FollowUpStep(sampling_id=smp.id, step="deliver", position=0, due_on=date(2026, 10, 10)))
        s.add(FollowUpStep(sampling_id=smp.id, step="rectify", position=1, due_on=date(2026, 12, 10)))
    return ids


def test_compute(store: Store, records: dict[str, str]) -> None:
    d = dash.compute(store, TODAY)
    per = {v.inspector: v for v in d.visits}
    z, li = per["张伟"], per["李娜"]
    assert (z.responsible_for, z.done, z.due, z.overdue) == (3, 1, 1, 1)  # 迁出 is not counted
    assert (li.responsible_for, li.done, li.due, li.overdue) == (1, 0, 1, 0)
    assert d.visits_overdue == 1 and d.visits_due == 2
    items = {i.record_id: i for i in d.visit_items}
    assert set(items) == {records["逾期企业"], records["上半年检查企业"], records["新接手企业"]}
    assert items[records["逾期企业"]].overdue and items[records["逾期企业"]].when == date(2026, 6, 30)
    assert d.visit_items[0].record_id == records["逾期企业"]  # overdue first
    # named 2026-09-10: the first period (half a year, 国市监质监发〔2023〕38号 二（一）) runs to 2027-03-09
    assert items[records["新接手企业"]].when == date(2027, 3, 9)
    assert d.followups_total == 1
    assert d.followups[0].table == "sampling" and d.followups[0].record_id == records["sampling"]
    assert d.followups[0].when == date(2026, 10, 10)
    assert d.drafts_total == 1 and d.drafts[0].record_id == records["draft"] and d.drafts[0].table == "inspection"
    assert d.monthly_due == date(2026, 11, 23) and d.monthly_days_left == 3 and not d.monthly_exported
    assert d.counts["enterprises"] == 6 and d.counts["responsible"] == 5
    assert d.counts["inspections_year"] == 3 and d.counts["problems_year"] == 6
    by_month = {(m.year, m.month): (m.inspections, m.problems) for m in d.months}
    assert len(d.months) == 12 and d.months[-1].month == 11
    assert by_month[(2026, 8)] == (1, 2) and by_month[(2026, 11)] == (1, 3) and by_month[(2025, 12)] == (1, 0)
    assert "未设置上级单位" in d.bundle_text or d.bundle_pending is not None


def test_visit_classes_match_domain_rule(store: Store, records: dict[str, str]) -> None:
    """The grouped computation gives what the domain rule says enterprise by enterprise."""
    from qsdesk.domain.supervision import VisitState, half_year_visit_status

    with store.session() as s:
        rows = s.execute(select(Enterprise.id, Enterprise.responsible_since, Enterprise.status)
                         .where(Enterprise.responsible_inspector_id.is_not(None))).all()
        expected: dict[str, int] = {"DONE": 0, "DUE": 0, "OVERDUE": 0}
        for eid, since, status in rows:
            if "迁出" in (status or ""):
                continue
            last = s.scalar(select(Inspection.inspected_on).where(Inspection.enterprise_id == eid)
                            .order_by(Inspection.inspected_on.desc()).limit(1))
            st = half_year_visit_status(TODAY, last, since)
            if st.state != VisitState.NOT_APPLICABLE:
                expected[st.state.name] += 1
    d = dash.compute(store, TODAY)
    got = {"DONE": sum(v.done for v in d.visits), "DUE": d.visits_due, "OVERDUE": d.visits_overdue}
    assert got == expected


def test_page_items_open_their_records(store: Store, records: dict[str, str], qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(store, settings=settings_at(tmp_path / "s.ini"))
    qtbot.addWidget(win)
    win.show()
    page = win.show_page("dashboard")
    assert isinstance(page, DashboardPage)
    page._today = TODAY
    page.refresh_now()
    assert page.cards["visits_overdue"].value.text() == "1"
    assert page.cards["followups"].value.text() == "1"
    assert page.cards["drafts"].value.text() == "1"
    assert "2026-11-23" in page.monthly_label.text() and "3 天" in page.monthly_label.text()
    assert page.visits_table.rowCount() == 2
    visits = page.lists["visits"]
    texts = [visits.item(i).text() for i in range(visits.count())]
    assert any("逾期企业" in t and "已逾期" in t for t in texts)
    # activating the overdue enterprise opens it in the registry
    first = visits.item(0)
    visits.itemActivated.emit(first)
    assert win.current_key() == "registry"
    reg_page = win.page("registry")
    assert reg_page.detail.title.text() == "逾期企业"  # type: ignore[attr-defined]
    # the chart has twelve months
    chart = page.chart_view.chart()
    assert chart.series()[0].barSets()[0].count() == 12


def test_async_refresh(store: Store, records: dict[str, str], qtbot) -> None:  # type: ignore[no-untyped-def]
    page = DashboardPage(store, today=TODAY)
    qtbot.addWidget(page)
    page.refresh()
    assert page.status.text() == "正在统计……"
    qtbot.waitUntil(lambda: page.data is not None, timeout=10000)
    assert page.data is not None and page.data.drafts_total == 1
    page.shutdown()


def test_snapshot_round_trip(store: Store, records: dict[str, str]) -> None:
    d = dash.compute(store, TODAY)
    taken = datetime(2026, 11, 20, 8, 30)
    dash.save_snapshot(store, d, taken)
    assert store.data_dir is not None
    path = store.data_dir.root / dash.SNAPSHOT_FILE
    assert path.stat().st_mode & 0o077 == 0 and not path.with_name(path.name + ".part").exists()
    loaded = dash.load_snapshot(store)
    assert loaded == (d, taken)  # every list, item, date and figure comes back as it was
    own = store.origin
    store.origin = "370112002"  # another node's data directory: not shown
    assert dash.load_snapshot(store) is None
    store.origin = own
    assert dash.load_snapshot(store) is not None
    path.write_text("{ broken", encoding="utf-8")
    assert dash.load_snapshot(store) is None


def test_page_shows_last_count_while_counting(store: Store, records: dict[str, str], qtbot) -> None:  # type: ignore[no-untyped-def]
    old = dash.compute(store, TODAY)
    old.counts["enterprises"] = 9999  # what the last start counted (different from now)
    dash.save_snapshot(store, old, datetime(2026, 11, 19, 17, 5))
    page = DashboardPage(store, today=TODAY)
    qtbot.addWidget(page)
    page.refresh()
    assert page.cards["enterprises"].value.text() == "9999"
    assert page.status.text() == "显示的是 11-19 17:05 的统计，正在更新……"
    assert page.snapshot_taken_at == datetime(2026, 11, 19, 17, 5)
    qtbot.waitUntil(lambda: page.snapshot_taken_at is None, timeout=10000)
    fresh = page.data
    assert fresh is not None and fresh.counts["enterprises"] != 9999
    assert page.cards["enterprises"].value.text() == str(fresh.counts["enterprises"])
    assert page.status.text().startswith("2026-11-20")
    saved = dash.load_snapshot(store)  # the new count is what the next start shows
    assert saved is not None and saved[0] == fresh
    page.shutdown()


def _notice(store: Store, title: str, issued_on: date, deleted: bool = False) -> str:
    """A notice as a county bundle delivers it to a station."""
    with store.transaction() as s:
        n = Notice(title=title, body=f"{title}：正文", issued_on=issued_on, deleted=deleted)
        s.add(n)
        s.flush()
        return n.id


def test_recent_county_notices_on_the_dashboard(store: Store, records: dict[str, str], qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # TODAY is 2026-11-20: a notice stays for 30 days, the day it was issued being the first
    newest = _notice(store, "关于开展电线电缆专项检查的通知", date(2026, 11, 20))
    _notice(store, "第30天的通知", date(2026, 10, 22))
    _notice(store, "第31天的通知", date(2026, 10, 21))
    _notice(store, "已撤回的通知", date(2026, 11, 19), deleted=True)
    _notice(store, "尚未生效的通知", date(2026, 11, 21))
    d = dash.compute(store, TODAY)
    assert [(i.text, i.when) for i in d.notices] == [("关于开展电线电缆专项检查的通知", date(2026, 11, 20)),
                                                      ("第30天的通知", date(2026, 10, 22))]
    assert d.notices_total == 2 and d.notices[0].record_id == newest

    win = MainWindow(store, settings=settings_at(tmp_path / "s.ini"))
    qtbot.addWidget(win)
    win.show()
    page = win.show_page("dashboard")
    assert isinstance(page, DashboardPage)
    page._today = TODAY
    page.refresh_now()
    tab = list(page.lists).index("notices")
    assert page.tabs.tabText(tab) == "上级通知（2）"
    lw = page.lists["notices"]
    lw.itemActivated.emit(lw.item(0))  # opens the notice where the station reads them
    assert win.current_key() == "sync"
    panel = win.page("sync").master_data  # type: ignore[attr-defined]
    assert "关于开展电线电缆专项检查的通知：正文" in panel.notice_text.toPlainText()


def _tracking_records(store: Store) -> dict[str, str]:
    """Samplings of 2025 and 2024 around a 2026 dashboard: who is on 2026's tracking list."""
    ids: dict[str, str] = {}
    with store.transaction() as s:
        for name in ("不合格生产者", "抽样商店", "拒检企业", "合格企业", "前年不合格企业"):
            e = Enterprise(name=name, status="在营（开业）")
            s.add(e)
            s.flush()
            ids[name] = e.id
        for producer, seller, on, result in (
            ("不合格生产者", "抽样商店", date(2025, 12, 31), "不合格"),  # the last day of last year counts
            ("拒检企业", None, date(2025, 5, 6), "拒检"),
            ("合格企业", None, date(2025, 7, 1), "合格"),
            ("前年不合格企业", None, date(2024, 12, 31), "不合格"),
        ):
            s.add(Sampling(enterprise_id=ids[producer], seller_id=ids[seller] if seller else None,
                           product_name="电热水壶", sampled_on=on, result=result))
    return ids


def test_tracking_list_on_the_dashboard(store: Store, records: dict[str, str], qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.services import sampling

    ids = _tracking_records(store)
    d = dash.compute(store, TODAY)
    expected = {ids["不合格生产者"], ids["抽样商店"], ids["拒检企业"]}
    assert {i.record_id for i in d.tracking} == expected and d.tracking_total == 3 == d.counts["tracking"]
    with store.session() as s:  # the one definition: the same list, in the same order
        assert [i.record_id for i in d.tracking] == [t.enterprise_id for t in sampling.tracking_list(s, 2026)]
        assert sampling.dashboard_counts(s, TODAY)["tracking"] == d.tracking_total
    assert all(i.table == "enterprise" for i in d.tracking)
    shop = next(i for i in d.tracking if i.record_id == ids["抽样商店"])
    assert shop.when == date(2025, 12, 31) and "销售者" in shop.text
    assert next(i.text for i in d.tracking if i.record_id == ids["拒检企业"]) == "拒检企业（电热水壶；拒检 1 次）"
    assert next(i.text for i in d.tracking if i.record_id == ids["不合格生产者"]) == "不合格生产者（生产者；电热水壶；不合格 1 次）"
    dash.save_snapshot(store, d, datetime(2026, 11, 20, 8, 0))
    loaded = dash.load_snapshot(store)
    assert loaded is not None and loaded[0].tracking == d.tracking

    win = MainWindow(store, settings=settings_at(tmp_path / "s.ini"))
    qtbot.addWidget(win)
    win.show()
    page = win.show_page("dashboard")
    assert isinstance(page, DashboardPage)
    page._today = TODAY
    page.refresh_now()
    assert page.cards["tracking"].value.text() == "3"
    tab = list(page.lists).index("tracking")
    assert page.tabs.tabText(tab) == "跟踪抽查（3）"
    # the card brings the list forward
    page.tabs.setCurrentIndex(0)
    qtbot.mouseClick(page.cards["tracking"], Qt.MouseButton.LeftButton)
    assert page.tabs.currentIndex() == tab
    assert "251号" in page.tracking_note.text() and "拒检" in page.tracking_note.toolTip()
    lw = page.lists["tracking"]
    texts = [lw.item(i).text() for i in range(lw.count())]
    assert not any("前年不合格企业" in t or "合格企业）" in t for t in texts)
    # double-click opens the enterprise in the registry
    row = next(lw.item(i) for i in range(lw.count()) if "拒检企业" in lw.item(i).text())
    lw.itemActivated.emit(row)
    assert win.current_key() == "registry"
    assert win.page("registry").detail.title.text() == "拒检企业"  # type: ignore[attr-defined]
    # and the full list on the sampling page, for the same year
    win.show_page("dashboard")
    qtbot.mouseClick(page.tracking_button, Qt.MouseButton.LeftButton)
    assert win.current_key() == "sampling"
    sp = win.page("sampling")
    assert sp.tabs.currentWidget() is sp.tracking  # type: ignore[attr-defined]
    assert sp.tracking.year.value() == 2026 and sp.tracking.table.rowCount() == 3  # type: ignore[attr-defined]


def test_refresh_now_waits_for_a_running_count_and_stays_on_screen(store: Store, records: dict[str, str], qtbot) -> None:  # type: ignore[no-untyped-def]
    """A count on the worker and one in the GUI thread never run together (counting brings the
    stored classes up to date: two at once wrote the same setting twice), and the older one,
    arriving later, does not replace the newer."""
    page = DashboardPage(store, today=date(2026, 12, 3))
    qtbot.addWidget(page)
    page.refresh()
    assert page._thread is not None
    page._today = TODAY
    page.refresh_now()
    qtbot.wait(300)  # let the worker's queued result arrive
    assert page.data is not None and page.data.today == TODAY
    assert page.status.text().startswith("2026-11-20") and page.refresh_button.isEnabled()
    page.refresh()  # and counting again works
    qtbot.waitUntil(lambda: page._thread is None, timeout=10000)
    page.shutdown()
