"""GUI bootstrap: ``qsdesk`` with no subcommand.

Sets up logging to the platformdirs log directory, the Qt application with the bundled CJK
font (so every PC renders the same glyphs) and Chinese standard dialogs, an excepthook that logs
the traceback and shows a short Chinese message, opens the data directory and, on first start,
asks how to set up this installation (a station or a county bureau, or demo data).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from qsdesk.paths import log_dir

if TYPE_CHECKING:  # SQLAlchemy is imported after the window is on screen (see run_gui)
    from qsdesk.store.db import Store
    from qsdesk.store.peek import Peek
    from qsdesk.ui.opening import OpeningStore

log = logging.getLogger("qsdesk")

APP_TITLE = "质量安全监管工作台"
LOG_FILE = "qsdesk.log"
UI_POINT_SIZE = 10

_log_path: Path | None = None
_in_hook = False

#: Packaging smoke test (tests/test_dist.py): when this environment variable is set, the window,
#: once shown, opens every navigation page, prints one line per page to stdout and quits (exit 0;
#: exit 1 if a page raised). Lets the frozen/installed program prove its GUI starts, offscreen.
#: The login then reads user name and password from stdin (see :func:`_smoke_login`).
EXIT_AFTER_SHOW_ENV = "QSDESK_EXIT_AFTER_SHOW"


def setup_logging(directory: Path | None = None) -> Path:
    """Log INFO and above to ``<log dir>/qsdesk.log`` (rotated, 5 × 2 MB); returns the file."""
    global _log_path
    d = directory or log_dir()
    d.mkdir(parents=True, exist_ok=True)
    path = d / LOG_FILE
    root = logging.getLogger()
    if not any(isinstance(h, logging.handlers.RotatingFileHandler)
               and Path(h.baseFilename) == path for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    _log_path = path
    return path


def error_text(exc: BaseException) -> str:
    """What the user reads about an unexpected error: short, Chinese, where the details are."""
    where = f"\n\n详细信息已写入日志文件：\n{_log_path}" if _log_path else ""
    if isinstance(exc, ValueError) and str(exc):
        # domain and service validation errors carry a Chinese message the user can act on
        return f"无法完成操作：{exc}{where}"
    return ("程序出现意外错误，刚才的操作没有完成，已保存的数据不受影响。\n"
            f"如果问题反复出现，请将日志文件发给技术支持人员。{where}")


def excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Log the traceback; tell the user in one short Chinese dialog (never recursively)."""
    global _in_hook
    log.error("unhandled exception:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
    if issubclass(exc_type, KeyboardInterrupt) or _in_hook or QApplication.instance() is None:
        return
    _in_hook = True
    try:
        box = QMessageBox(QMessageBox.Icon.Critical, APP_TITLE, error_text(exc), QMessageBox.StandardButton.Ok,
                          QApplication.activeWindow())
        box.exec()
    finally:
        _in_hook = False


def _install_translations(app: QApplication) -> None:
    """Chinese texts for Qt's own dialogs (确定/取消 buttons, file dialogs)."""
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase_zh_CN", "qt_zh_CN"):
        tr = QTranslator(app)
        if tr.load(name, path):
            app.installTranslator(tr)
            break
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))


def install_font(app: QApplication) -> str | None:
    """Use the bundled CJK font for the whole UI; None when it is not available."""
    try:
        from qsdesk.resources import install_qt_fonts
    except ImportError:
        return None
    try:
        family = install_qt_fonts()
    except Exception:  # a missing font file must not stop the program; Qt falls back
        log.exception("bundled font could not be loaded")
        return None
    font = QFont(family, UI_POINT_SIZE)
    font.setHintingPreference(QFont.HintingPreference.PreferFullHinting)
    app.setFont(font)
    return family


def make_app(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication, configured (reuses an existing instance, e.g. under pytest-qt)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("qsdesk")
    app.setOrganizationName("qsdesk")
    app.setApplicationDisplayName(APP_TITLE)
    app.setDesktopFileName("qsdesk")  # matches the installed qsdesk.desktop (menu entry, icon)
    _install_translations(app)
    install_font(app)
    _install_icon(app)
    return app


def _install_icon(app: QApplication) -> None:
    """The 质 icon for every window (title bar, task bar): ``resources/icons/qsdesk-<n>.png``."""
    from PySide6.QtGui import QIcon

    from qsdesk.resources import resources_dir

    icon = QIcon()
    for path in sorted((resources_dir() / "icons").glob("qsdesk-*.png")):
        icon.addFile(str(path))
    if not icon.isNull():
        app.setWindowIcon(icon)


def ensure_node(store: Store, parent: QWidget | None = None) -> bool:
    """First start: run the set-up dialog when the data directory has no node yet."""
    if store.self_node() is not None:
        return True
    from qsdesk.ui.setup_dialog import SetupDialog

    dlg = SetupDialog(store, parent)
    return bool(dlg.exec()) and store.self_node() is not None


def _smoke_and_quit(app: QApplication, window: QWidget) -> None:
    """See :data:`EXIT_AFTER_SHOW_ENV`."""
    from qsdesk.ui.main_window import NAVIGATION, MainWindow

    assert isinstance(window, MainWindow)
    code = 0
    print(f"qsdesk-smoke: window visible={window.isVisible()} title={window.windowTitle()}", flush=True)
    for e in NAVIGATION:
        try:
            page = window.show_page(e.key)
            print(f"qsdesk-smoke: page {e.key} {type(page).__name__}", flush=True)
        except Exception:
            log.exception("smoke: page %s failed", e.key)
            print(f"qsdesk-smoke: page {e.key} ERROR {traceback.format_exc(limit=3)!r}", flush=True)
            code = 1
    window.close()
    app.exit(code)


def run_gui(data_dir: Path | None = None, database_url: str | None = None,
            argv: Sequence[str] | None = None) -> int:
    """Open the main window on ``data_dir``; returns the process exit code.

    The window is shown first, with its navigation and a "正在打开数据" notice. The database
    layer (SQLAlchemy, migrations, the daily backup) loads and opens on a thread behind it
    (:mod:`qsdesk.ui.opening`) while the login dialog, filled from a first look at the database
    with ``sqlite3`` (:mod:`qsdesk.store.peek`), already takes the password. A first start gets
    the set-up dialog and the chief's first account instead. Then the remembered page. Nothing
    from the records is shown before the login.
    """
    setup_logging()
    app = make_app(argv)
    sys.excepthook = excepthook
    from qsdesk.ui import window_fit
    from qsdesk.ui.main_window import MainWindow

    window_fit.install(app)  # every window of the program fits the screen, sizes remembered
    window = MainWindow(None)
    window.show()
    app.processEvents()
    opening = start_opening(data_dir, database_url)
    first = first_look(data_dir, database_url)
    if first is not None:
        window.show_node(first.node_name, first.node_code)
    store: Store | None = None
    try:
        if first is not None and first.usernames and not os.environ.get(EXIT_AFTER_SHOW_ENV):
            from qsdesk.ui.login import LoginDialog

            dlg = LoginDialog(opening, window, first=first)
            signed_in = bool(dlg.exec()) and dlg.user is not None
            store = open_data(opening, window)
            if store is None:
                return 1
        else:
            store = open_data(opening, window)
            if store is None:
                return 1
            signed_in = ensure_node(store, window) and _login(store, window)
        if not signed_in:
            window.close()
            return 0
        window.set_store(store)
        log.info("main window opened on %s", store.data_dir.root if store.data_dir else database_url)
        _after_show(store, window)
        if os.environ.get(EXIT_AFTER_SHOW_ENV):
            QTimer.singleShot(0, lambda: _smoke_and_quit(app, window))
        return int(app.exec())
    finally:
        opening.join()  # the daily backup, when it is still running, is finished, not cut off
        if store is None:
            try:
                store = opening.wait()
            except Exception:  # already reported to the person, or nothing was opened  # noqa: BLE001
                store = None
        if store is not None:
            store.close()


def start_opening(data_dir: Path | None, database_url: str | None) -> OpeningStore:
    """Load the database layer and open the database on a thread; the county's published form
    versions are installed before the store is handed out, the daily backup after."""
    from qsdesk.ui.opening import OpeningStore

    return OpeningStore(data_dir, database_url, prepare=_install_form_versions,
                        afterwards=_daily_backup).start()


def first_look(data_dir: Path | None, database_url: str | None) -> Peek | None:
    """The node and accounts of an up-to-date SQLite database, read without SQLAlchemy."""
    if database_url is not None:
        return None
    from qsdesk.paths import DataDir, default_data_dir
    from qsdesk.store.peek import peek

    return peek(DataDir(Path(data_dir) if data_dir else default_data_dir()).db_path)


def open_data(opening: OpeningStore, parent: QWidget | None = None) -> Store | None:
    """The store once opened (and migrated); on failure say why in Chinese and return None."""
    try:
        return opening.wait()
    except Exception as exc:
        log.exception("cannot open data directory %s", opening.data_dir)
        QMessageBox.critical(parent, APP_TITLE,
                             f"无法打开数据目录 {opening.data_dir or '（默认）'}：{exc}\n\n"
                             "请确认该目录存在且有写入权限，或用 --data-dir 指定其他目录。"
                             f"\n日志：{_log_path}")
        return None


def _daily_backup(store: Store) -> None:
    """The automatic backup at start (at most once a day); a failure is logged, not fatal."""
    if store.data_dir is None or store.engine.dialect.name != "sqlite":
        return
    from qsdesk.store.backup import backup_at_start

    try:
        made = backup_at_start(store.data_dir)
    except Exception:
        log.exception("automatic backup at start failed")
        return
    if made is not None:
        log.info("automatic backup: %s", made)


def _login(store: Store, parent: QWidget | None = None) -> bool:
    """The login (or, on a fresh installation, the chief's first account); the logged-in user
    is recorded on every audit entry."""
    from qsdesk.ui.login import ensure_login

    user = _smoke_login(store) if os.environ.get(EXIT_AFTER_SHOW_ENV) else ensure_login(store, parent)
    return user is not None  # the login service recorded the user and role on the store


def _smoke_login(store: Store):
    """Smoke test (:data:`EXIT_AFTER_SHOW_ENV`): user name and password on the first two lines
    of stdin, checked by the same login service as the dialog (no way around the password)."""
    from qsdesk.services.accounts import AccountError, login

    stdin = sys.stdin
    username = stdin.readline().strip() if stdin else ""
    password = stdin.readline().rstrip("\n") if stdin else ""
    try:
        return login(store, username, password)
    except AccountError as exc:
        print(f"qsdesk-smoke: login failed: {exc}", file=sys.stderr, flush=True)
        return None


def _install_form_versions(store: Store) -> None:
    """Form versions a county published: (re)write them into the data directory's forms/."""
    from qsdesk.services.form_versions import install_forms

    try:
        for problem in install_forms(store):
            log.warning("form version not installed: %s", problem)
    except Exception:  # never keeps the program from starting  # noqa: BLE001
        log.exception("cannot install published form versions")


def _after_show(store: Store, window: QWidget) -> None:
    """Idle lock, and the offer to restore forms autosaved before a crash or power cut."""
    from qsdesk.ui.forms.dialogs import offer_draft_restore
    from qsdesk.ui.login import IdleLock

    window.idle_lock = IdleLock(store, window)  # type: ignore[attr-defined]
    offer_draft_restore(store, window)
