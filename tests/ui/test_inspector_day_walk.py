"""Issue 16 walked once more as a new inspector would, at 1366×768 with a taskbar and real clicks:
the main window's 打印空白表 menu, 打印 on every list page that has one, and the 督查清单's 打印 in
its dialog and its list (both through the preview, the list also several at once)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QMessageBox, QToolButton

from qsdesk.domain import formspec
from qsdesk.services import duty_checks as dcs
from qsdesk.services.risk_reports import save_risk_report
from qsdesk.store.db import Store
from qsdesk.ui import print_preview, window_fit
from qsdesk.ui.main_window import MainWindow, settings_at
from qsdesk.ui.print_preview import PrintPreviewDialog
from tests.services.printing_helpers import pdf_text
from tests.services.sync_helpers import STATION, Pair, make_pair
from tests.ui.test_record_print import prints
from tests.ui.test_window_fit import LAPTOP, screen_area  # noqa: F401 - fixture


@pytest.fixture(autouse=True)
def no_boxes(monkeypatch):  # type: ignore[no-untyped-def]
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, t, m, *a, **k: said.append(f"{t}: {m}")))
    monkeypatch.setattr(QMessageBox, "information",
                        staticmethod(lambda _p, t, m, *a, **k: said.append(f"{t}: {m}")))
    return said


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    p = make_pair(tmp_path)
    yield p
    p.station.close()
    p.county.close()


def _click_in_open_menu(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Click the entry ``text`` of the menu that is open (a popup runs its own event loop)."""
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu), "no menu open"
    act = next(a for a in menu.actions() if a.text() == text)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(act).center())


def _fits(w) -> bool:  # type: ignore[no-untyped-def]
    return LAPTOP.contains(w.frameGeometry()) or LAPTOP.contains(w.geometry())


def test_blank_forms_from_the_main_window(qtbot, store: Store, tmp_path: Path, screen_area) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    win = MainWindow(store, settings=settings_at(tmp_path / "ui.ini"))
    qtbot.addWidget(win)
    win.show()
    assert window_fit.available_geometry(win) == LAPTOP
    assert win.blank_button.isVisible() and win.blank_button.text() == "打印空白表"
    for form_title, pages in (("督查清单", 1), ("监督检查记录表（销售者）", None)):
        QTimer.singleShot(150, lambda t=form_title: _click_in_open_menu(qtbot, t))
        qtbot.mouseClick(win.blank_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: isinstance(getattr(win, "blank_preview", None), PrintPreviewDialog), timeout=5000)
        pv = win.blank_preview
        qtbot.addWidget(pv)
        assert "空白表" in pv.windowTitle() and form_title in pv.windowTitle()
        text = "".join(pdf_text(pv.pdf_path))
        if pages:
            assert pv.page_count() == pages and "督查清单" in text
        else:
            assert "第一联" in text and "第二联" in text
        pv.close()
        win.blank_preview = None
    # the nav keeps its width: the button did not squeeze the pages
    assert win.blank_button.width() == win.nav.width()


def test_every_list_print_button_prints_its_list(qtbot, store: Store, tmp_path: Path, no_boxes,
                                                 screen_area) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    save_risk_report(store, {"sources": ["日常监管"], "product_name": "电热水壶", "description": "外壳温度过高"})
    win = MainWindow(store, settings=settings_at(tmp_path / "ui.ini"))
    qtbot.addWidget(win)
    win.show()
    printed = 0
    for key in ("registry", "inspections", "risk"):
        page = win.show_page(key)
        buttons = [b for b in page.findChildren(QToolButton) if b.text() == "打印"]
        assert len(buttons) == 1, key
        QTimer.singleShot(150, lambda: _click_in_open_menu(qtbot, "打印列表…"))
        qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda p=page: getattr(p, "print_preview", None) is not None or bool(no_boxes),
                        timeout=10000)
        if getattr(page, "print_preview", None) is not None:
            qtbot.addWidget(page.print_preview)
            assert page.print_preview.page_count() >= 1
            printed += 1
        else:
            assert "没有记录" in no_boxes[-1], (key, no_boxes)
            no_boxes.clear()
    assert printed >= 1  # the risk list has a report
    assert "电热水壶" in "".join(pdf_text(win.page("risk").print_preview.pdf_path))


def test_duty_check_prints_through_the_preview(qtbot, pair: Pair, tmp_path: Path, monkeypatch,
                                               screen_area) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from qsdesk.ui.pages.checklists import ChecklistsPage

    spec = formspec.load_form(dcs.FORM_ID)
    page = ChecklistsPage(pair.county)
    qtbot.addWidget(page)
    panel = page.duty_checks
    dlg = panel.new_check()
    qtbot.addWidget(dlg)
    dlg.show()
    assert _fits(dlg)
    dlg.form.set_values(dlg.form.values(), {it.key: {"answer": "是", "note": ""} for it in spec.items()})
    dlg._on_change()
    assert dlg.print_btn.isVisibleTo(dlg) and dlg.print_btn.isEnabled()
    qtbot.mouseClick(dlg.print_btn, Qt.MouseButton.LeftButton)  # saves the new check first
    pv = dlg.print_preview
    assert isinstance(pv, PrintPreviewDialog)
    qtbot.addWidget(pv)
    assert dlg.record_id is not None and "督查清单" in pv.windowTitle()
    text = "".join(pdf_text(pv.pdf_path))
    assert "督查清单" in text and "王舍人市场监管所" in text
    out = tmp_path / "dc.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setResolution(100)
    assert pv.print_to(printer) == pv.page_count()
    assert prints(pair.county, dlg.record_id) == 1
    pages_each = pv.page_count()
    pv.close()
    dlg.close()

    # A second check, then both selected in the list: one print job.
    second = dcs.save_duty_check(pair.county, STATION, dcs.prefill(pair.county, STATION),
                                 {it.key: {"answer": "否", "note": ""} for it in spec.items()})
    panel.refresh()
    assert panel.table.rowCount() == 2
    sel = panel.table.selectionModel()
    for r in range(2):
        sel.select(panel.table.model().index(r, 0),
                   QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    batch = tmp_path / "batch.pdf"

    class PrintDialog:
        def __init__(self, printer: QPrinter, _parent: object = None) -> None:
            self.printer = printer

        def setWindowTitle(self, t: str) -> None:  # noqa: N802
            assert t == "打印 2 份督查清单"

        def exec(self) -> QDialog.DialogCode:
            self.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            self.printer.setOutputFileName(str(batch))
            self.printer.setResolution(100)
            return QDialog.DialogCode.Accepted

    monkeypatch.setattr(print_preview, "QPrintDialog", PrintDialog)
    print_btn = next(b for b in panel.findChildren(type(dlg.print_btn)) if b.text() == "打印…")
    qtbot.mouseClick(print_btn, Qt.MouseButton.LeftButton)
    assert len(PdfReader(str(batch)).pages) == 2 * pages_each
    assert prints(pair.county, second) == 1 and prints(pair.county, dlg.record_id) == 2
