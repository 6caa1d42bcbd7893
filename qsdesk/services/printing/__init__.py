"""PDF printing of qsdesk records, laid out from the form specs (reportlab).

Public API::

    render_inspection(store, inspection_id, out_path) -> Path   # two copies, QR, 草稿/补打
    render_inspections(store, ids, out_path, progress=, cancelled=) -> Path  # one PDF, many records
    render_enterprise(store, enterprise_id, out_path) -> Path   # annex 3 with product rows
    render_risk_report(store, report_id, out_path) -> Path      # annex 6
    render_task_checklist(store, checklist_id, out_path) -> Path
    render_blank(form_id, out_path) -> Path                     # annex3..annex6, task_*
    render_list(title, columns, rows, out_path) -> Path

All raise :class:`PrintError` (a ``ValueError`` with a Chinese message) for unknown ids/forms.
"""

from qsdesk.services.printing.base import TWO_COPIES, PrintError, parse_qr_payload, qr_payload
from qsdesk.services.printing.records import (
    FORM_ALIASES,
    PrintCancelled,
    mark_printed,
    prior_prints,
    render_blank,
    render_duty_check,
    render_enterprise,
    render_inspection,
    render_inspections,
    render_list,
    render_risk_report,
    render_task_checklist,
    resolve_form_id,
    take_missing,
)

__all__ = [
    "FORM_ALIASES",
    "TWO_COPIES",
    "PrintCancelled",
    "PrintError",
    "mark_printed",
    "parse_qr_payload",
    "prior_prints",
    "qr_payload",
    "render_blank",
    "render_enterprise",
    "render_inspection",
    "render_inspections",
    "render_list",
    "render_risk_report",
    "render_duty_check",
    "render_task_checklist",
    "resolve_form_id",
    "take_missing",
]
