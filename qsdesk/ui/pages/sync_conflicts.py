"""The conflicts tab of the 数据同步 page: the selected conflict's differences field by field, and
resolving it (kept or the other version) with who chose what.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QInputDialog,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from qsdesk.services import field_labels, records
from qsdesk.services.sync import conflicts as cf
from qsdesk.services.sync.exchange import TABLE_LABELS
from qsdesk.store.db import Store
from qsdesk.ui.lists import local_time
from qsdesk.ui.query_model import QueryTableModel


class ConflictsTab(QWidget):
    """The conflict part of :class:`~qsdesk.ui.pages.sync.SyncPage`, its base (the widgets are built
    there)."""

    _store: Store
    conflict_view: QTableView
    conflict_model: QueryTableModel
    conflict_detail: QTableWidget
    keep_button: QPushButton
    other_button: QPushButton

    def _say(self, level: str, text: str) -> None:  # provided by the page
        raise NotImplementedError

    def refresh(self) -> None:  # provided by the page
        raise NotImplementedError

    def selected_conflict_id(self) -> str | None:
        sm = self.conflict_view.selectionModel()
        rows = sm.selectedRows() if sm else []
        if not rows:
            return None
        rid = self.conflict_model.row_id(rows[0].row())
        return str(rid) if rid else None

    def select_conflict(self, row: int) -> None:
        self.conflict_view.selectRow(row)

    def _show_conflict(self) -> None:
        cid = self.selected_conflict_id()
        self.keep_button.setEnabled(cid is not None)
        self.other_button.setEnabled(cid is not None)
        self.conflict_detail.setRowCount(0)
        if cid is None:
            return
        with self._store.session() as s:
            c = records.sync_conflict(s, cid)
        if c is None:
            return
        diffs = [d for d in cf.differences(c) if field_labels.shown(d.column)]
        self.conflict_detail.setRowCount(len(diffs))
        for r, d in enumerate(diffs):
            for col, value in enumerate((field_labels.field_label(d.column), d.kept, d.other)):
                if col == 0:
                    text = str(value)
                elif d.column == "updated_at" and value is not None:
                    text = local_time(value)
                else:
                    text = field_labels.field_value_text(d.column, value)
                self.conflict_detail.setItem(r, col, QTableWidgetItem(text[:300]))
        self.conflict_detail.resizeColumnToContents(0)

    def resolve_selected(self, choice: str) -> bool:
        cid = self.selected_conflict_id()
        if cid is None:
            return False
        actor = self._store.actor
        if not actor:
            name, ok = QInputDialog.getText(self, "处理人", "请输入处理人姓名（记入操作日志）：")
            if not ok or not name.strip():
                return False
            actor = name.strip()
        try:
            c = cf.resolve(self._store, cid, choice, actor=actor)
        except cf.ConflictError as exc:
            self._say("error", str(exc))
            return False
        self._say("info", f"已处理：{TABLE_LABELS.get(c.table_name, c.table_name)} {c.record_id[:8]} — "
                          f"{cf.CHOICES[choice]}（处理人 {c.resolved_by}）")
        self.refresh()
        return True
