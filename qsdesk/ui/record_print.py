"""打印 from every screen: the preview with the system print dialog, for any record or blank form.

One entry point per thing a station prints, each rendering a PDF with
:mod:`qsdesk.services.printing` into a temporary folder and opening
:class:`~qsdesk.ui.print_preview.PrintPreviewDialog` on it (打印… → QPrintDialog with printer,
copies and pages; 另存为PDF…). Prints are recorded where the record's print counts (inspections:
the audit ``print`` entry that numbers 补打) only when the user prints or saves, not when the
preview merely opens. Characters the font lacks are named in the preview's notice bar.

* :func:`preview_record` — an inspection (annex 4/5, both copies), an enterprise (annex 3),
  a risk report (annex 6), a task checklist or a 督查清单, by table name and id;
* :func:`print_selected` / :func:`print_ids` — 打印所选: one record opens its preview, several of
  one kind print as one job on a worker thread with progress and 取消;
* :func:`preview_for_dialog` — what 打印 in a record dialog does (saves a changed draft first);
* :func:`preview_blank` / :func:`blank_forms_menu` — the 空白表 menu;
* :func:`preview_list` — any list as a bordered table;
* :func:`preview_pdf` — an already rendered PDF (e.g. the monthly table).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QMenu, QMessageBox, QToolButton, QWidget

from qsdesk.domain.formcatalog import FormCatalog
from qsdesk.ui.print_preview import PrintPreviewDialog
from qsdesk.ui.worker import TaskCancelled

log = logging.getLogger(__name__)

#: The blank forms of the 空白表 menu: (form alias for ``render_blank``, menu text).
BLANK_FORMS: tuple[tuple[str, str], ...] = (
    ("annex4", "监督检查记录表（生产者）"),
    ("annex5", "监督检查记录表（销售者）"),
    ("annex3", "企业信息摸底排查表"),
    ("annex6", "产品质量安全风险信息采集表"),
    ("task_producer", "监管任务清单（生产单位）"),
    ("task_seller", "监管任务清单（销售单位）"),
    ("duty_check", "督查清单"),
)

#: record table → (preview title, file name stem)
RECORD_KINDS: dict[str, tuple[str, str]] = {
    "inspection": ("检查记录打印预览", "检查记录"),
    "enterprise": ("企业信息摸底排查表打印预览", "企业信息摸底排查表"),
    "risk_report": ("风险信息采集表打印预览", "风险信息采集表"),
    "task_checklist": ("监管任务清单打印预览", "监管任务清单"),
    "duty_check": ("督查清单打印预览", "督查清单"),
}


def preview_pdf(parent: QWidget | None, render: Callable[[Path], Path], title: str, suggested_name: str,
                on_printed: Callable[[], None] | None = None, *, show: bool = True) -> PrintPreviewDialog | None:
    """Render into a temporary folder and open the preview (non-modal); None if rendering failed."""
    from qsdesk.services import printing

    tmp = Path(tempfile.mkdtemp(prefix="qsdesk-print-"))
    printing.take_missing()  # only what this print lacks
    try:
        path = render(tmp / suggested_name)
    except TaskCancelled:
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    except (printing.PrintError, OSError, ValueError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        QMessageBox.warning(parent, "无法打印", str(exc))
        return None
    except Exception as exc:  # a print failure is reported, never fatal
        log.exception("print failed")
        shutil.rmtree(tmp, ignore_errors=True)
        QMessageBox.warning(parent, "无法打印", f"生成打印文件时出错：{exc}")
        return None
    dlg = PrintPreviewDialog(path, title, parent, on_printed=on_printed, suggested_name=suggested_name,
                             temp_dir=tmp, missing_chars=printing.take_missing())
    if show:
        dlg.show()
        dlg.raise_()
        dlg.activateWindow()
    return dlg


def _record_no(store: Any, table: str, record_id: str) -> str:
    from qsdesk.services import records

    with store.session() as s:
        if table == "inspection":
            row = records.inspection(s, record_id)
            return (row.record_no if row is not None and row.record_no else record_id[:8])
        if table == "enterprise":
            ent = records.enterprise(s, record_id)
            return ent.name if ent is not None else record_id[:8]
        if table == "risk_report":
            rep = records.risk_report(s, record_id)
            return f"{rep.reported_on:%Y%m%d}" if rep is not None and rep.reported_on else record_id[:8]
        if table == "task_checklist":
            tc = records.task_checklist(s, record_id)
            return str(tc.period) if tc is not None else record_id[:8]
        if table == "duty_check":
            dc = records.duty_check(s, record_id)
            return f"{dc.checked_on:%Y%m%d}" if dc is not None and dc.checked_on else record_id[:8]
    return record_id[:8]


def _inspection_printed(store: Any, inspection_id: str) -> Callable[[], None]:
    """Record a print of the inspection (its status and number as they are when printed)."""
    from qsdesk.services import printing, records

    def recorded() -> None:
        with store.session() as s:
            insp = records.inspection(s, inspection_id)
            status, no = (insp.status, insp.record_no) if insp else (None, None)
        printing.mark_printed(store, "inspection", inspection_id, status=status, record_no=no, copies=2)

    return recorded


def preview_record(store: Any, table: str, record_id: str, parent: QWidget | None = None, *,
                   show: bool = True) -> PrintPreviewDialog | None:
    """The print preview of one record (``table`` as in :data:`RECORD_KINDS`)."""
    from qsdesk.services import printing

    if table not in RECORD_KINDS:
        raise ValueError(f"unknown record table {table!r}")
    title, stem = RECORD_KINDS[table]
    on_printed: Callable[[], None] | None = None
    render: Callable[[Path], Path]
    if table == "inspection":
        def render(p: Path) -> Path:
            return printing.render_inspection(store, record_id, p, record_print=False)
        on_printed = _inspection_printed(store, record_id)
    else:
        if table == "enterprise":
            def render(p: Path) -> Path:
                return printing.render_enterprise(store, record_id, p)
        elif table == "risk_report":
            def render(p: Path) -> Path:
                return printing.render_risk_report(store, record_id, p)
        elif table == "duty_check":
            def render(p: Path) -> Path:
                return printing.render_duty_check(store, record_id, p)
        else:
            def render(p: Path) -> Path:
                return printing.render_task_checklist(store, record_id, p)

        def on_printed() -> None:  # who printed what, in the record's 操作记录
            printing.mark_printed(store, table, record_id)
    name = _safe_name(f"{stem}_{_record_no(store, table, record_id)}.pdf")
    return preview_pdf(parent, render, title, name, on_printed, show=show)


def _safe_name(name: str) -> str:
    return "".join("_" if c in '\\/:*?"<>|' else c for c in name)


#: RecordDialog.kind → record table
DIALOG_TABLES = {"inspection": "inspection", "census": "enterprise", "risk": "risk_report",
                 "checklist": "task_checklist", "task_checklist": "task_checklist", "duty_check": "duty_check"}


def preview_for_dialog(dlg: Any) -> PrintPreviewDialog | None:
    """打印 in a record dialog: save a changed draft first, then open the preview of the record.

    ``dlg`` is a :class:`qsdesk.ui.forms.dialogs.RecordDialog` (duck-typed: ``kind``,
    ``record_id``, ``store``, ``form``, ``save()``, ``_dirty``). A record not saved yet is saved
    first; if that fails nothing is printed.
    """
    table = DIALOG_TABLES.get(getattr(dlg, "kind", ""))
    if table is None:
        return None
    changed = dlg.record_id is None or getattr(dlg, "_dirty", False)
    if not dlg.form.is_read_only() and changed and not dlg.save():
        return None
    if dlg.record_id is None:
        return None
    made = preview_record(dlg.store, table, dlg.record_id, dlg)
    dlg.print_preview = made  # keep a reference (and let tests reach it)
    return made


def preview_blank(form: str, parent: QWidget | None = None, *, show: bool = True,
                  forms: FormCatalog | None = None) -> PrintPreviewDialog | None:
    """The preview of an empty form to fill in by hand (annex 4/5 in their two copies), from the
    store's catalogue ``forms`` (its county versions) when given, else the bundled forms."""
    from qsdesk.services import printing

    title = dict(BLANK_FORMS).get(form, form)
    return preview_pdf(parent, lambda p: printing.render_blank(form, p, forms=forms), f"空白表：{title}",
                       _safe_name(f"空白表_{title}.pdf"), show=show)


def blank_forms_menu(parent: QWidget, forms: FormCatalog | None = None) -> QMenu:
    """The 空白表 menu: one entry per blank form, each opening its print preview."""
    menu = QMenu("空白表", parent)
    menu.setToolTip("打印空白表，现场手工填写（停电、设备故障时使用）")
    for form, title in BLANK_FORMS:
        act = menu.addAction(title)
        act.setData(form)
        act.triggered.connect(lambda _checked=False, f=form: open_blank(parent, f, forms))
    return menu


def open_blank(parent: QWidget, form: str, forms: FormCatalog | None = None) -> None:
    """Open the print preview of a blank form (kept as ``parent.blank_preview``)."""
    dlg = preview_blank(form, parent, forms=forms)
    parent.setProperty("qsdesk_blank_preview", form)
    parent.blank_preview = dlg  # type: ignore[attr-defined]


def preview_list(parent: QWidget | None, title: str, columns: list[str], rows: list[list[Any]], *,
                 subtitle: str | None = None, show: bool = True) -> PrintPreviewDialog | None:
    """Any list (the rows a page shows) printed as a bordered table with its header on every page."""
    from qsdesk.services import printing

    return preview_pdf(parent, lambda p: printing.render_list(title, columns, rows, p, subtitle=subtitle),
                       f"{title}打印预览", _safe_name(f"{title}.pdf"), show=show)


# ---------------------------------------------------------------------------- list pages


def list_rows(store: Any, model: Any, progress: Callable[[int, int, str], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> tuple[list[str], list[list[str]]]:
    """Every row of a list page's query (its current filter and sort), as the page shows them.

    ``model`` is a :class:`qsdesk.ui.query_model.QueryTableModel`; the statement is run again
    here (the model itself holds only the rows scrolled into view).
    """
    from qsdesk.ui.lists import default_format
    from qsdesk.ui.worker import TaskCancelled

    stmt = model.statement
    if stmt is None:
        return [c.title for c in model.columns], []
    columns = model.columns
    out: list[list[str]] = []
    with store.engine.connect() as conn:
        result = conn.execute(stmt, model.params)
        keys = list(result.keys())
        pos = [keys.index(c.key) for c in columns]
        for n, row in enumerate(result):
            if cancelled is not None and n % 500 == 0 and cancelled():
                raise TaskCancelled()
            out.append([(c.format or default_format)(row[i]) for c, i in zip(columns, pos, strict=True)])
            if progress is not None and n % 500 == 0:
                progress(n, 0, f"正在读取第 {n + 1} 行……")
    return [c.title for c in columns], out


def print_list_page(page: Any, title: str) -> PrintPreviewDialog | None:
    """打印列表: the page's whole list (current filter and order) as a bordered table.

    Reading the rows and laying out the PDF (thousands of rows) run on a worker thread with
    progress and 取消; the preview opens when the PDF is ready.
    """
    from qsdesk.services import printing
    from qsdesk.ui.worker import TaskCancelled, run_in_background

    tmp = Path(tempfile.mkdtemp(prefix="qsdesk-print-"))
    out = tmp / _safe_name(f"{title}.pdf")

    def work(progress: Callable[[int, int, str], None], cancelled: Callable[[], bool]) -> tuple[int, str]:
        columns, rows = list_rows(_store(page), page.model, progress, cancelled)
        if not rows:
            return 0, ""
        progress(0, 0, f"正在排版 {len(rows)} 行……")
        printing.take_missing()
        printing.render_list(title, columns, rows, out)
        return len(rows), printing.take_missing()

    try:
        n, missing = run_in_background(page, f"正在准备打印：{title}", work)
    except TaskCancelled:
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    except (printing.PrintError, OSError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        QMessageBox.warning(page, "无法打印", str(exc))
        return None
    if not n:
        shutil.rmtree(tmp, ignore_errors=True)
        QMessageBox.information(page, "打印列表", "列表中没有记录。")
        return None
    dlg = PrintPreviewDialog(out, f"{title}打印预览", page, suggested_name=out.name, temp_dir=tmp,
                             missing_chars=missing)
    dlg.show()
    page.print_preview = dlg
    return dlg


def _view(page: Any) -> Any:
    view = getattr(page, "view", None)
    return view if view is not None else page.table


def selected_ids(page: Any) -> list[str]:
    """Ids of the rows selected in a list page's view, in the order shown."""
    view = _view(page)
    sel = view.selectionModel()
    rows = sorted({i.row() for i in sel.selectedRows()}) if sel is not None else []
    if not rows and view.currentIndex().isValid():
        rows = [view.currentIndex().row()]
    return [str(rid) for r in rows if (rid := page.model.row_id(r))]


def _store(page: Any) -> Any:
    """A list page's store (pages keep it as ``store`` or ``_store``)."""
    store = getattr(page, "store", None)
    return store if store is not None else page._store


def print_selected(page: Any, table: str) -> Any:
    """打印所选 in a list page (``model`` + ``view``): see :func:`print_ids`."""
    return print_ids(page, _store(page), table, selected_ids(page))


def print_ids(parent: Any, store: Any, table: str, ids: list[str]) -> Any:
    """打印所选: one record opens its preview; several print as one job on a worker thread.

    Returns the preview for one record, the number printed for several (0 when cancelled before
    printing), None when nothing was selected."""
    if not ids:
        QMessageBox.information(parent, "打印", "请先在列表中选择要打印的记录（按住 Ctrl 或 Shift 可多选）。")
        return None
    if len(ids) == 1:
        dlg = preview_record(store, table, ids[0], parent)
        parent.print_preview = dlg
        return dlg
    from qsdesk.ui.print_preview import BATCH_KINDS, print_records
    from qsdesk.ui.worker import TaskCancelled

    try:
        n = print_records(parent, store, table, ids)
    except TaskCancelled:
        return 0
    except RuntimeError as exc:
        QMessageBox.warning(parent, "打印失败", str(exc))
        return 0
    if n and n < len(ids):
        QMessageBox.information(parent, "打印", f"已取消：打印了 {n} 份{BATCH_KINDS[table][0]}，共 {len(ids)} 份。")
    return n


def page_print_button(page: Any, table: str, list_title: str) -> QToolButton:
    """A 打印 button for a list page: 打印所选记录, 打印列表 and the 空白表 forms.

    The page has ``store`` (or ``_store``), ``model`` (a QueryTableModel) and ``view`` (or ``table``). The view
    then selects several rows (Ctrl/Shift) for batch printing.
    """
    _view(page).setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    btn = QToolButton(page)
    btn.setText("打印")
    btn.setToolTip("打印所选记录、打印列表或打印空白表")
    btn.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(btn)
    page.print_selected_action = menu.addAction("打印所选记录…", lambda: print_selected(page, table))
    page.print_list_action = menu.addAction("打印列表…", lambda: print_list_page(page, list_title))
    menu.addSeparator()
    store = getattr(page, "store", None)  # not every page keeps its store under that name
    page.blank_menu = blank_forms_menu(page, store.forms if store is not None else None)
    menu.addMenu(page.blank_menu)
    btn.setMenu(menu)
    return btn


def print_table_widget(parent: QWidget, table: Any, title: str, subtitle: str | None = None) -> PrintPreviewDialog | None:
    """A small list already shown in a ``QTableWidget`` (e.g. a year's lists), printed as shown."""
    columns = [table.horizontalHeaderItem(c).text() if table.horizontalHeaderItem(c) else ""
               for c in range(table.columnCount())]
    rows = [[(table.item(r, c).text() if table.item(r, c) else "") for c in range(table.columnCount())]
            for r in range(table.rowCount())]
    if not rows:
        QMessageBox.information(parent, "打印", "名单中没有记录。")
        return None
    dlg = preview_list(parent, title, columns, rows, subtitle=subtitle)
    parent.print_preview = dlg  # type: ignore[attr-defined]
    return dlg
