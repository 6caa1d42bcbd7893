"""The main window: navigation on the left, one page at a time on the right.

Pages are loaded from ``qsdesk.ui.pages.<module>:<Class>`` the first time they are shown, so
start-up only builds the first page. A page whose module does not exist yet shows a plain
notice instead; a page that fails to build shows what went wrong and logs the traceback. The
window's geometry, dock state and last page are remembered with ``QSettings``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from qsdesk.ui import window_fit
from qsdesk.ui.page import ChangeRelay, RecordOpener, Refreshable, shows

if TYPE_CHECKING:  # the window appears before SQLAlchemy is imported (see run_gui)
    from qsdesk.store.changes import Changes
    from qsdesk.store.db import Store
    from qsdesk.ui.login import IdleLock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NavEntry:
    key: str
    title: str
    module: str
    cls: str


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("dashboard", "工作台", "dashboard", "DashboardPage"),
    NavEntry("registry", "企业档案", "registry", "RegistryPage"),
    NavEntry("inspections", "监督检查", "inspections", "InspectionsPage"),
    NavEntry("risk", "风险信息", "risk", "RiskPage"),
    NavEntry("sampling", "监督抽查", "sampling", "SamplingPage"),
    NavEntry("checklists", "任务清单", "checklists", "ChecklistsPage"),
    NavEntry("reports", "统计报表", "reports", "ReportsPage"),
    NavEntry("sync", "数据同步", "sync", "SyncPage"),
    NavEntry("settings", "设置", "settings", "SettingsPage"),
)

#: which page shows a record of a table (used by :meth:`MainWindow.open_record`)
RECORD_PAGES: dict[str, str] = {
    "enterprise": "registry",
    "inspection": "inspections",
    "draft": "inspections",
    "risk_report": "risk",
    "sampling": "sampling",
    "followup_step": "sampling",
    "task_checklist": "checklists",
    "bundle_log": "sync",
    "notice": "sync",
    "monthly_report": "reports",
    "inspector": "settings",
}

SETTINGS_GROUP = "main_window"


def app_settings() -> QSettings:
    """The user's settings file (INI, per user)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "qsdesk", "qsdesk")


class NoticePage(QWidget):
    """Shown for a navigation entry whose page is not available."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel(title)
        f = heading.font()
        f.setPointSizeF(f.pointSizeF() * 1.5)
        heading.setFont(f)
        body = QLabel(text)
        body.setWordWrap(True)
        body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        layout.addWidget(heading)
        layout.addSpacing(12)
        layout.addWidget(body)
        layout.addStretch(1)
        self.text = text


class MainWindow(QMainWindow):
    def __init__(self, store: Store | None, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        """``store`` may be None: the window then shows a notice until :meth:`set_store` (start-up
        shows the window first and opens the database behind it)."""
        super().__init__(parent)
        self.store: Store | None = None
        self._settings = settings if settings is not None else app_settings()
        self._pages: dict[str, QWidget] = {}
        #: pages whose data changed while hidden: refreshed when next shown
        self._stale: set[str] = set()
        self._shown: set[str] = set()
        self._unlisten: Callable[[], None] | None = None
        self._entries = {e.key: e for e in NAVIGATION}
        #: the idle lock (set by ``run_gui`` after login)
        self.idle_lock: IdleLock | None = None
        #: one signal after committed writes (see :mod:`qsdesk.ui.page`)
        self.changes = ChangeRelay(self)
        self.changes.changed.connect(self.data_changed)
        self.setWindowTitle("质量安全监管工作台")

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setUniformItemSizes(True)
        self.nav.setFrameShape(QListWidget.Shape.NoFrame)
        for e in NAVIGATION:
            item = QListWidgetItem(e.title)
            item.setData(Qt.ItemDataRole.UserRole, e.key)
            item.setSizeHint(QSize(0, 40))
            self.nav.addItem(item)
        fm = self.nav.fontMetrics()
        self.nav.setFixedWidth(max(fm.horizontalAdvance("数据同步") + 64, 128))
        self.nav.setStyleSheet(
            "QListWidget#navigation { background: #f1f3f6; padding-top: 8px; show-decoration-selected: 1; outline: 0; }"
            "QListWidget#navigation::item { padding-left: 18px; border: none; color: #222; }"
            "QListWidget#navigation::item:selected { background: #dbe6f5; color: #0b3d91;"
            " border-left: 4px solid #1d5bbf; }"
        )

        self.stack = QStackedWidget()
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 6)
        left.addWidget(self.nav, 1)
        # 空白表: the empty forms to fill in by hand (power cut, broken laptop), from any page.
        self.blank_button = QToolButton()
        self.blank_button.setText("打印空白表")
        self.blank_button.setToolTip("打印空白表，现场手工填写（停电、设备故障时使用）")
        self.blank_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.blank_button.setFixedWidth(self.nav.width())
        self.blank_menu = QMenu(self.blank_button)
        self.blank_menu.aboutToShow.connect(self._fill_blank_menu)
        self.blank_button.setMenu(self.blank_menu)
        left.addWidget(self.blank_button)
        row.addLayout(left)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.status_label = QLabel("正在打开数据……")
        self.statusBar().addWidget(self.status_label, 1)
        self.opening = NoticePage("正在打开数据……", "请稍候。", self)
        self.stack.addWidget(self.opening)

        self.nav.currentRowChanged.connect(self._on_nav)
        for i in range(len(NAVIGATION)):
            sc = QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self)
            sc.activated.connect(lambda row=i: self.nav.setCurrentRow(row))

        self._restore()
        if store is not None:
            self.set_store(store)

    def _fill_blank_menu(self) -> None:
        """The 空白表 entries, built on first use (printing is not loaded at start-up)."""
        if not self.blank_menu.isEmpty():
            return
        from qsdesk.ui.record_print import BLANK_FORMS, open_blank

        for form, title in BLANK_FORMS:
            act = self.blank_menu.addAction(title)
            act.setData(form)
            act.triggered.connect(lambda _checked=False, f=form: open_blank(self, f, self.store.forms if self.store is not None else None))

    def set_store(self, store: Store) -> None:
        """Attach the opened database and show the remembered page."""
        self.store = store
        if self._unlisten is not None:
            self._unlisten()
        self._unlisten = store.on_change(self.changes.notify)
        node = store.self_node()
        where = store.data_dir.root if store.data_dir is not None else store.engine.url
        self.show_node(node.name if node else None, node.code if node else None, str(where))
        # the first page is built after the window is on screen, so the window appears at once
        QTimer.singleShot(0, self._show_initial)

    def show_node(self, name: str | None, code: str | None, where: str | None = None) -> None:
        """The station or county in the title and the status bar (known before the store is)."""
        who = f"{name}（{code}）" if name else "未设置单位"
        self.setWindowTitle(f"质量安全监管工作台 — {who}")
        self.status_label.setText(f"{who}    数据目录：{where}" if where else who)

    # ----------------------------------------------------------------- pages

    def page(self, key: str) -> QWidget:
        """The page of a navigation entry, built on first use."""
        page = self._pages.get(key)
        if page is None:
            if self.store is None:
                return self.opening
            page = self._build(self._entries[key])
            self._pages[key] = page
            self.stack.addWidget(page)
        return page

    def loaded_pages(self) -> list[str]:
        return list(self._pages)

    def _build(self, e: NavEntry) -> QWidget:
        name = f"qsdesk.ui.pages.{e.module}"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                return NoticePage(e.title, f"“{e.title}”功能尚未包含在此版本中。", self)
            log.exception("page %s failed to import", name)
            return NoticePage(e.title, f"“{e.title}”页面无法加载：{exc}", self)
        except Exception as exc:
            log.exception("page %s failed to import", name)
            return NoticePage(e.title, f"“{e.title}”页面无法加载：{exc}", self)
        cls = getattr(module, e.cls, None)
        if cls is None:
            return NoticePage(e.title, f"“{e.title}”功能尚未包含在此版本中。", self)
        try:
            page = cls(self.store, self)
        except Exception as exc:
            log.exception("page %s:%s failed to build", name, e.cls)
            return NoticePage(e.title, f"“{e.title}”页面打开失败：{exc}\n详细信息已写入日志。", self)
        page.setObjectName(f"page_{e.key}")
        return page

    def show_page(self, key: str) -> QWidget:
        """Switch to a page (selecting its navigation entry)."""
        row = next(i for i, e in enumerate(NAVIGATION) if e.key == key)
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)  # -> _on_nav
        else:
            self._on_nav(row)
        return self.page(key)

    def current_key(self) -> str:
        row = self.nav.currentRow()
        return NAVIGATION[row].key if 0 <= row < len(NAVIGATION) else ""

    def _on_nav(self, row: int) -> None:
        if not (0 <= row < len(NAVIGATION)):
            return
        key = NAVIGATION[row].key
        page = self.page(key)
        self.stack.setCurrentWidget(page)
        # a page declaring what it shows is refreshed when that changed (now if stale); any
        # other page each time it is shown
        if shows(page) is None or key in self._stale or key not in self._shown:
            self._refresh(key, page)
        self._shown.add(key)

    def _refresh(self, key: str, page: QWidget) -> None:
        self._stale.discard(key)
        if isinstance(page, Refreshable):
            try:
                page.refresh()
            except Exception:
                log.exception("refresh of page %s failed", key)
                raise

    def data_changed(self, changes: Changes) -> None:
        """Committed writes: refresh the visible page if it shows one of the tables, mark the
        hidden ones that do stale."""
        current = self.stack.currentWidget()
        for key, page in self._pages.items():
            tables = shows(page)
            if tables is None or not changes.touches(tables):
                continue
            if page is current and page.isVisible():
                try:
                    self._refresh(key, page)
                except Exception:
                    log.exception("refresh of page %s after a change failed", key)
            else:
                self._stale.add(key)

    def set_idle_minutes(self, minutes: int) -> None:
        if self.idle_lock is not None:
            self.idle_lock.set_minutes(minutes)

    def open_record(self, table: str, record_id: str) -> None:
        """Show the page for a record of ``table`` and ask it to open ``record_id``."""
        key = RECORD_PAGES.get(table)
        if key is None:
            return
        page = self.show_page(key)
        if isinstance(page, RecordOpener):
            page.open_record(record_id)

    # ----------------------------------------------------------------- window state

    def _restore(self) -> None:
        s = self._settings
        s.beginGroup(SETTINGS_GROUP)
        geometry = s.value("geometry")
        state = s.value("state")
        last = s.value("page", "dashboard")
        s.endGroup()
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
            window_fit.clamp_to_screen(self)  # saved on a larger screen, or a taskbar added
        else:
            window_fit.fit_window(self, "main_window", fraction=(0.96, 0.96), largest=QSize(1600, 1000),
                                  store=self._settings)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        if last not in self._entries:
            last = "dashboard"
        self._initial = str(last)

    def _show_initial(self) -> None:
        if self.store is None:
            return
        key = self.current_key() or self._initial  # a page clicked while opening wins
        if self.stack.currentWidget() is self.opening or key not in self._pages:
            self.show_page(key)

    def save_state(self) -> None:
        s = self._settings
        s.beginGroup(SETTINGS_GROUP)
        s.setValue("geometry", self.saveGeometry())
        s.setValue("state", self.saveState())
        s.setValue("page", self.current_key() or "dashboard")
        s.endGroup()
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        for page in self._pages.values():
            closer = getattr(page, "shutdown", None)
            if callable(closer):
                try:
                    closer()
                except Exception:
                    log.exception("page shutdown failed")
        super().closeEvent(event)


def settings_at(path: Path) -> QSettings:
    """A settings file at an explicit path (tests, portable installs)."""
    return QSettings(str(path), QSettings.Format.IniFormat)
