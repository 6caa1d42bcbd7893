"""工作台: what is due today and this month, counts, and charts of the last twelve months."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qsdesk.ui.page import host_of
from qsdesk.ui.worker import run_async

if TYPE_CHECKING:
    # The statistics service (its queries, the follow-up and monthly rules) is imported by the
    # worker that computes them, not before the first page is on screen: the dashboard is the
    # usual first page and start-up waits for its module.
    from qsdesk.services import dashboard as dash
    from qsdesk.store.db import Store

log = logging.getLogger(__name__)

OVERDUE_COLOR = QColor("#b3261e")
DUE_COLOR = QColor("#8a5a00")


def _compute(store: Store, today: date) -> dash.Dashboard:
    from qsdesk.services import dashboard as dash

    d = dash.compute(store, today)
    dash.save_snapshot(store, d)
    return d


class Card(QFrame):
    """A number with a caption; a click emits :attr:`clicked` (cards that open a list)."""

    clicked = Signal()

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("card")
        self.setStyleSheet("QFrame#card { background: #ffffff; border: 1px solid #d6dbe3; border-radius: 6px; }")
        self.value = QLabel("…")
        f = self.value.font()
        f.setPointSizeF(f.pointSizeF() * 1.8)
        f.setBold(True)
        self.value.setFont(f)
        self.caption = QLabel(caption)
        self.caption.setStyleSheet("color: #555;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 8, 14, 8)
        lay.addWidget(self.value)
        lay.addWidget(self.caption)

    def mouseReleaseEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def set(self, value: int | str, alert: bool = False) -> None:
        self.value.setText(str(value))
        self.value.setStyleSheet(f"color: {OVERDUE_COLOR.name()};" if alert else "")


class DashboardPage(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._today = today
        self.data: dash.Dashboard | None = None
        self.snapshot_taken_at: datetime | None = None  # set while the last start's count is shown
        self._thread: Any = None
        self._generation = 0  # a count started before the latest one is not shown

        title = QLabel("工作台")
        f = title.font()
        f.setPointSizeF(f.pointSizeF() * 1.5)
        f.setBold(True)
        title.setFont(f)
        self.status = QLabel()
        self.status.setStyleSheet("color: #555;")
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.clicked.connect(self.refresh)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addSpacing(16)
        head.addWidget(self.status, 1)
        head.addWidget(self.refresh_button)

        self.cards = {
            "enterprises": Card("企业档案"),
            "responsible": Card("已明确责任人"),
            "key": Card("重点监管"),
            "special": Card("特别监管"),
            "inspections_year": Card("今年监督检查"),
            "problems_year": Card("今年发现问题"),
            "visits_overdue": Card("半年检查逾期"),
            "followups": Card("后处理逾期"),
            "drafts": Card("检查记录未封存"),
            "tracking": Card("跟踪抽查名单"),
        }
        cards = QHBoxLayout()
        for c in self.cards.values():
            cards.addWidget(c)

        # reminders
        self.monthly_label = QLabel()
        self.monthly_label.setWordWrap(True)
        self.bundle_label = QLabel()
        self.bundle_label.setWordWrap(True)
        self.autosave_label = QLabel()
        self.autosave_label.setWordWrap(True)
        self.monthly_button = QPushButton("统计报表…")
        self.monthly_button.clicked.connect(lambda: self._open("monthly_report", ""))
        self.bundle_button = QPushButton("数据同步…")
        self.bundle_button.clicked.connect(lambda: self._open("bundle_log", ""))
        rem = QGridLayout()
        rem.addWidget(self.monthly_label, 0, 0)
        rem.addWidget(self.monthly_button, 0, 1)
        rem.addWidget(self.bundle_label, 1, 0)
        rem.addWidget(self.bundle_button, 1, 1)
        rem.addWidget(self.autosave_label, 2, 0, 1, 2)
        rem.setColumnStretch(0, 1)
        reminders = QGroupBox("本月提醒")
        reminders.setLayout(rem)

        self.visits_table = QTableWidget(0, 5)
        self.visits_table.setHorizontalHeaderLabels(["责任监管人员", "负责企业", "本半年已检查", "待检查", "已逾期"])
        self.visits_table.verticalHeader().setVisible(False)
        self.visits_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.visits_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.visits_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        visits_box = QGroupBox("半年现场检查（国市监质监发〔2023〕38号 二（一）：半年内现场检查不少于1次）")
        vb = QVBoxLayout(visits_box)
        vb.addWidget(self.visits_table)

        left = QVBoxLayout()
        left.addWidget(reminders)
        left.addWidget(visits_box, 1)
        left_w = QWidget()
        left_w.setLayout(left)
        left.setContentsMargins(0, 0, 0, 0)

        self.lists: dict[str, QListWidget] = {}
        self.tabs = QTabWidget()
        # short labels: with their counts all five tabs fit the pane at 1366×768
        for key, label in (("visits", "半年待检"), ("followups", "后处理逾期"), ("drafts", "未封存"),
                           ("notices", "上级通知"), ("tracking", "跟踪抽查")):
            lw = QListWidget()
            lw.setAlternatingRowColors(True)
            lw.itemActivated.connect(self._item_activated)
            self.lists[key] = lw
            self.tabs.addTab(self._tracking_pane(lw) if key == "tracking" else lw, label)
        self.tabs.setToolTip("双击条目打开对应记录")
        self.cards["tracking"].setToolTip("上年度监督抽查不合格企业（沪市监产质〔2022〕251号），点击查看名单")
        self.cards["tracking"].setCursor(Qt.CursorShape.PointingHandCursor)
        self.cards["tracking"].clicked.connect(self.show_tracking)

        top_split = QSplitter()
        top_split.addWidget(left_w)
        top_split.addWidget(self.tabs)
        top_split.setStretchFactor(0, 1)
        top_split.setStretchFactor(1, 1)
        # as proportions: the five tabs, with five-digit counts, fit at 1366×768 (the left pane's
        # reminders wrap and its table stretches; looked at under Xvfb at 1366×768)
        top_split.setSizes([9_000, 11_000])

        self.chart_view = QChartView()
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(220)
        self.problem_view = QChartView()
        self.problem_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.problem_view.setMinimumHeight(220)
        charts = QHBoxLayout()
        charts.addWidget(self.chart_view)
        charts.addWidget(self.problem_view)
        charts_w = QWidget()
        charts_w.setLayout(charts)
        charts.setContentsMargins(0, 0, 0, 0)

        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top_split)
        body.addWidget(charts_w)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(cards)
        layout.addWidget(body, 1)

    def _tracking_pane(self, lw: QListWidget) -> QWidget:
        """The tracking list tab: the enterprises (double-click opens one in the registry), the
        rule that put them there, and the way to the full list on the sampling page."""
        self.tracking_note = QLabel()
        self.tracking_note.setWordWrap(True)
        self.tracking_note.setStyleSheet("color: #555;")
        self.tracking_button = QPushButton("在监督抽查中打开完整名单…")
        self.tracking_button.clicked.connect(self.open_tracking_page)
        foot = QHBoxLayout()
        foot.addWidget(self.tracking_note, 1)
        foot.addWidget(self.tracking_button)
        pane = QWidget()
        lay = QVBoxLayout(pane)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(lw, 1)
        lay.addLayout(foot)
        return pane

    def show_tracking(self) -> None:
        """Bring the tracking list tab forward (the 跟踪抽查名单 card)."""
        self.tabs.setCurrentIndex(list(self.lists).index("tracking"))

    def open_tracking_page(self) -> None:
        """The sampling page's 跟踪抽查名单 view, for this year (same list, every column)."""
        from qsdesk.ui.pages.sampling import SamplingPage

        host = host_of(self)
        if host is None:
            return
        page = host.show_page("sampling")
        if isinstance(page, SamplingPage):
            page.show_tracking(self.today().year)

    # ----------------------------------------------------------------- data

    def today(self) -> date:
        return self._today or date.today()

    def refresh(self) -> None:
        """Recompute on a worker thread (a county database takes a moment); the page stays usable."""
        if self._thread is not None:
            return
        self.status.setText("正在统计……")
        if self.data is None:
            self._show_snapshot()
        self.refresh_button.setEnabled(False)
        today = self.today()
        store = self.store
        self._generation += 1
        gen = self._generation
        self._thread = run_async(self, lambda: _compute(store, today), lambda d: self._async_done(gen, d),
                                 lambda exc: self._async_done(gen, None, exc))

    def _async_done(self, gen: int, d: dash.Dashboard | None, exc: BaseException | None = None) -> None:
        if gen != self._generation:  # overtaken by refresh_now: its newer count stays on screen
            return
        if exc is not None:
            self._failed(exc)
        elif d is not None:
            self._loaded(d)

    def _show_snapshot(self) -> None:
        """The last count, marked with its time, while the new one is made (a county database
        takes a second or two)."""
        from qsdesk.services import dashboard as dash

        snap = dash.load_snapshot(self.store)
        if snap is None:
            return
        d, taken_at = snap
        self._show(d)
        self.snapshot_taken_at = taken_at
        self.status.setText(f"显示的是 {taken_at:%m-%d %H:%M} 的统计，正在更新……")

    def refresh_now(self) -> None:
        """Compute in the calling thread (tests, scripts). A count already running on the worker is
        waited for first (counting brings the stored classes up to date, a write: one at a time)
        and its result is dropped."""
        if self._thread is not None:
            self._thread.wait()
            self._thread = None
        self._generation += 1
        self._loaded(_compute(self.store, self.today()))

    def _failed(self, exc: BaseException) -> None:
        self._thread = None
        self.refresh_button.setEnabled(True)
        log.error("dashboard failed: %r", exc)
        self.status.setText(f"统计失败：{exc}（详见日志）")

    def _loaded(self, d: dash.Dashboard) -> None:
        self._thread = None
        self.refresh_button.setEnabled(True)
        self.snapshot_taken_at = None
        self._show(d)
        self.status.setText(f"{d.today.isoformat()}（双击条目打开记录）")

    def _show(self, d: dash.Dashboard) -> None:
        self.data = d
        c = d.counts
        self.cards["enterprises"].set(c.get("enterprises", 0))
        self.cards["responsible"].set(c.get("responsible", 0))
        self.cards["key"].set(c.get("key", 0))
        self.cards["special"].set(c.get("special", 0), alert=c.get("special", 0) > 0)
        self.cards["inspections_year"].set(c.get("inspections_year", 0))
        self.cards["problems_year"].set(c.get("problems_year", 0))
        self.cards["visits_overdue"].set(d.visits_overdue, alert=d.visits_overdue > 0)
        self.cards["followups"].set(d.followups_total, alert=d.followups_total > 0)
        self.cards["drafts"].set(d.drafts_total, alert=any(i.overdue for i in d.drafts))
        self.cards["tracking"].set(d.tracking_total)

        left = d.monthly_days_left
        if d.monthly_due is not None and left is not None:
            what = f"《落实工业产品“两个规定”情况统计表》应于 {d.monthly_due.isoformat()} 前报送"
            if d.monthly_exported:
                self.monthly_label.setText(f"✓ {what}，已报送县局。")
                self.monthly_label.setStyleSheet("")
            else:
                self.monthly_label.setText(f"{what}，还有 {left} 天。" if left > 0 else f"{what}，今天截止！")
                self.monthly_label.setStyleSheet(f"color: {(OVERDUE_COLOR if left <= 3 else DUE_COLOR).name()};")
        self.bundle_label.setText(f"数据包：{d.bundle_text}")
        self.bundle_label.setStyleSheet(f"color: {DUE_COLOR.name()};" if d.bundle_pending else "")
        self.autosave_label.setText(f"有 {d.autosaved_forms} 份表单自动保存后尚未保存，可在“监督检查”中恢复。"
                                    if d.autosaved_forms else "")
        self.autosave_label.setVisible(bool(d.autosaved_forms))

        self.visits_table.setRowCount(len(d.visits))
        for r, v in enumerate(d.visits):
            for col, value in enumerate((v.inspector, v.responsible_for, v.done, v.due, v.overdue)):
                item = QTableWidgetItem(str(value))
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col == 4 and v.overdue:
                    item.setForeground(QBrush(OVERDUE_COLOR))
                self.visits_table.setItem(r, col, item)

        self._fill("visits", d.visit_items, d.visits_due + d.visits_overdue)
        self._fill("followups", d.followups, d.followups_total)
        self._fill("drafts", d.drafts, d.drafts_total)
        self._fill("notices", d.notices, d.notices_total)
        self._fill("tracking", d.tracking, d.tracking_total)
        self.tracking_note.setText(f"{d.today.year} 年跟踪抽查名单 {d.tracking_total} 户（上年度不合格企业，"
                                   "沪市监产质〔2022〕251号 二（三））")
        self.tracking_note.setToolTip(f"列入规则：{d.tracking_rule}" if d.tracking_rule else "")
        self._charts(d)

    def _fill(self, key: str, items: list[dash.Item], total: int) -> None:
        lw = self.lists[key]
        lw.clear()
        for it in items:
            when = it.when.isoformat() if it.when else ""
            row = QListWidgetItem(f"{when}  {it.text}")
            row.setData(Qt.ItemDataRole.UserRole, (it.table, it.record_id))
            if it.overdue:
                row.setForeground(QBrush(OVERDUE_COLOR))
            lw.addItem(row)
        if total > len(items):
            more = QListWidgetItem(f"……另有 {total - len(items)} 项")
            more.setFlags(Qt.ItemFlag.NoItemFlags)
            lw.addItem(more)
        if not items:
            none = QListWidgetItem("暂无")
            none.setFlags(Qt.ItemFlag.NoItemFlags)
            lw.addItem(none)
        i = list(self.lists).index(key)
        base = self.tabs.tabText(i).split("（")[0]
        self.tabs.setTabText(i, f"{base}（{total}）")

    def _chart(self, title: str, label: str, values: list[int], cats: list[str], color: str) -> QChart:
        chart = QChart()
        chart.setTitle(title)
        chart.setTitleFont(self.font())
        chart.legend().setVisible(False)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(0)
        bars = QBarSet(label)
        bars.append([float(v) for v in values])
        bars.setColor(QColor(color))
        series = QBarSeries()
        series.append(bars)
        chart.addSeries(series)
        small = self.font()
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        x = QBarCategoryAxis()
        x.append(cats)
        x.setLabelsFont(small)
        y = QValueAxis()
        y.setLabelFormat("%d")
        y.setRange(0, max([4, *values]))
        y.applyNiceNumbers()
        y.setLabelsFont(small)
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)
        return chart

    def _charts(self, d: dash.Dashboard) -> None:
        # month numbers only; the year changes where the months wrap (see the tooltip)
        cats = [f"{m.month}月" for m in d.months]
        span = f"{d.months[0].year}年{d.months[0].month}月–{d.months[-1].year}年{d.months[-1].month}月" if d.months else ""
        self.chart_view.setToolTip(span)
        self.problem_view.setToolTip(span)
        self.chart_view.setChart(self._chart("近 12 个月监督检查（次）", "检查", [m.inspections for m in d.months],
                                             cats, "#1d5bbf"))
        self.problem_view.setChart(self._chart("近 12 个月发现问题（个）", "问题", [m.problems for m in d.months],
                                               cats, "#c26a00"))

    # ----------------------------------------------------------------- navigation

    def _item_activated(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole)
        if data:
            self._open(*data)

    def _open(self, table: str, record_id: str) -> None:
        host = host_of(self)
        if host is not None:
            host.open_record(table, record_id)

    def shutdown(self) -> None:
        if self._thread is not None:
            self._thread.wait()
