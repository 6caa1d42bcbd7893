"""Saving an annex 6 风险信息采集表 filled in the form dialog.

The life cycle around a report (status, lists, timeline) is :mod:`qsdesk.services.risk`; this
module only turns the form's values into a :class:`RiskReport` row, links the producer and seller
the form names (found by credit code) and stores the attachments.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from qsdesk.domain import formspec, uscc
from qsdesk.services import attachments, audit, risk, serials
from qsdesk.store.db import Store, expect_rev
from qsdesk.store.models import Enterprise, RiskReport

FORM_ID = risk.FORM_ID


class RiskReportError(ValueError):
    """The form cannot be saved; the message is Chinese."""


def save_risk_report(
    store: Store,
    values: dict[str, Any],
    report_id: str | None = None,
    *,
    enterprise_id: str | None = None,
    reporter_id: str | None = None,
    reported_on: date | None = None,
    form_version: int | None = None,
    expected_rev: int | None = None,
) -> str:
    """Create (status collected) or update a risk report from annex 6 values; returns its id.

    ``expected_rev``: the revision the form was opened with; a report saved since (another
    workstation, an import) is refused (:class:`~qsdesk.store.db.ConcurrentEditError`)."""
    with store.transaction() as s:
        if report_id and expected_rev is not None:
            expect_rev(s, "risk_report", report_id, expected_rev)
        row = s.get(RiskReport, report_id) if report_id else None
        if report_id and (row is None or row.deleted):
            raise RiskReportError("找不到该风险信息")
        if row is not None:
            spec = store.forms.spec(row.form_id, row.form_version)
        else:
            spec = store.forms.spec(FORM_ID, form_version)
        problems = formspec.validate_values(spec, values, {})
        if row is not None and row.status in ("verified", "closed") and not str(
                values.get("investigation") or "").strip():
            # risk.set_status needs the investigation to verify or close; the form may not take it away.
            problems.append(formspec.Problem(
                "investigation", "调查核实情况",
                f"该风险信息已{risk.STATUS_LABELS[row.status][1:]}，调查核实情况不能为空"))
        if problems:
            raise RiskReportError("；".join(f"{p.label}：{p.message}" for p in problems[:5]))
        if row is None:
            row = RiskReport(form_id=spec.id, form_version=spec.version, status="collected",
                             reported_on=reported_on or date.today(), reporter_id=reporter_id)
            row.report_no = serials.next_number(s, serials.RISK_REPORT, row.reported_on)
            s.add(row)
            action = "create"
        else:
            action = "update"
            if reported_on:
                row.reported_on = reported_on
        row.sources = list(values.get("sources") or [])
        row.product_name = (values.get("product_name") or "").strip() or None
        row.description = values.get("description")
        row.investigation = values.get("investigation")
        row.values = {k: v for k, v in values.items() if k != "attachments"}
        s.flush()
        if enterprise_id:
            risk._link(s, row, enterprise_id, "producer")  # same layer: one transaction
        for key, role in (("producer_uscc", "producer"), ("seller_uscc", "seller")):
            code = values.get(key)
            if not code:
                continue
            ent = s.scalars(select(Enterprise).where(Enterprise.uscc == uscc.normalize(code),
                                                     Enterprise.deleted.is_(False))).first()
            if ent is not None:
                risk._link(s, row, ent.id, role)
        attachments.sync_links(s, "risk_report", row.id, list(values.get("attachments") or []))
        audit.record(s, action, "risk_report", row.id, sources=row.sources, form_version=row.form_version)
        return row.id


def risk_report_values(store: Store, report_id: str) -> tuple[RiskReport, dict[str, Any]]:
    """The row and its form values (attachments included) to reopen the form."""
    with store.session() as s:
        row = s.get(RiskReport, report_id)
        if row is None:
            raise RiskReportError("找不到该风险信息")
        vals = dict(row.values or {})
        vals["attachments"] = [
            {"sha256": ln.sha256, "filename": ln.filename, "caption": ln.caption}
            for ln in attachments.links_for(s, "risk_report", row.id)
        ]
        return row, vals
