"""Consistency of stored records against their form's rules (``[[rules]]`` of the form file).

Inspections (annex 4/5) by :func:`inconsistent_inspections`; risk reports (annex 6), task
checklists and 督查清单 by :func:`inconsistent_form_records`. Besides the rules, a chosen
其他 without its text (the field's ``other_choice``) and a risk report marked 已核实/已办结 without
what the investigation found (:mod:`qsdesk.services.risk`) are contradictions too.

Sealing already refuses a record that breaks a rule (:func:`qsdesk.services.inspections.seal`
validates through :func:`qsdesk.domain.formspec.validate_values`). Records that reached the
database another way — made before the rule existed, received from a station in a sync bundle,
imported — are found here, for the ``qsdesk check-records`` command; a sealed one is never
changed, only reported (its correction is an amendment).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select

from qsdesk.domain import formrules, formspec
from qsdesk.store.db import Store
from qsdesk.store.models import DutyCheck, Enterprise, Inspection, RiskReport, TaskChecklist

#: Result rows to unpack: SQLAlchemy 2.1 types a row of an untyped select as Row[*tuple[Any, ...]],
#: which mypy unpacks to ``object``; the rows are sequences of column values.
_Rows = Sequence[Sequence[Any]]

#: Rows read per query while scanning (keeps memory flat at a county's million inspections).
BATCH = 2000


@dataclass(frozen=True)
class RecordIssue:
    inspection_id: str
    record_no: str | None
    enterprise: str
    sealed: bool
    messages: tuple[str, ...]


def _spec(store: Store, missing: set[tuple[str, int]], form_id: str, version: int) -> formspec.FormSpec | None:
    """The record's form version from the store's catalogue; None (remembered) when it is gone."""
    if (form_id, version) in missing:
        return None
    try:
        return store.forms.spec(form_id, version)
    except formspec.FormSpecError:
        missing.add((form_id, version))
        return None


def inconsistent_inspections(store: Store, *, include_drafts: bool = False) -> Iterator[RecordIssue]:
    """Every inspection whose answers contradict each other by its form version's rules."""
    missing: set[tuple[str, int]] = set()
    last = ""
    while True:
        with store.session() as s:
            q = (select(Inspection.id, Inspection.form_id, Inspection.form_version, Inspection.values,
                        Inspection.answers, Inspection.record_no, Inspection.status, Enterprise.name)
                 .join(Enterprise, Enterprise.id == Inspection.enterprise_id, isouter=True)
                 .where(Inspection.deleted.is_(False), Inspection.id > last)
                 .order_by(Inspection.id).limit(BATCH))
            if not include_drafts:
                q = q.where(Inspection.status == "sealed")
            rows = cast(_Rows, s.execute(q).all())
        if not rows:
            return
        for iid, form_id, version, values, answers, record_no, status, name in rows:
            spec = _spec(store, missing, form_id, version)
            if spec is None:
                continue
            broken = contradictions(spec, values or {}, answers or {})
            if broken:
                yield RecordIssue(iid, record_no, name or "", status == "sealed", tuple(broken))
        last = rows[-1][0]


@dataclass(frozen=True)
class FormRecordIssue:
    """A stored risk report, task checklist or 督查清单 that contradicts itself."""

    kind: str  # Chinese name of the record kind, e.g. 风险信息采集表
    record_id: str
    number: str  # what a person finds it by: report number, period, date
    subject: str  # enterprise or station
    messages: tuple[str, ...]


def contradictions(spec: formspec.FormSpec, values: dict, answers: dict) -> list[str]:
    """The rules a filled form breaks plus every chosen 其他 left without its text."""
    out = [v.message for v in formrules.check(spec.rules, values, answers)]
    for f in spec.fields():
        if f.other_choice is None:
            continue
        value = values.get(f.key)
        chosen = value if isinstance(value, list | tuple) else [value]
        if f.other_choice in chosen and not str(values.get(f.other_key) or "").strip():
            out.append(f"{f.label}选择“{f.other_choice}”，但没有写明具体情况")
    return out


def inconsistent_form_records(store: Store) -> Iterator[FormRecordIssue]:
    """Risk reports, task checklists and 督查清单 whose content contradicts itself."""
    from qsdesk.services.risk import STATUS_LABELS

    missing: set[tuple[str, int]] = set()
    kinds = (
        ("风险信息采集表", RiskReport,
         (RiskReport.report_no, RiskReport.status, RiskReport.investigation, Enterprise.name),
         Enterprise.id == RiskReport.enterprise_id),
        ("监管任务清单", TaskChecklist, (TaskChecklist.period, Enterprise.name),
         Enterprise.id == TaskChecklist.enterprise_id),
        ("督查清单", DutyCheck, (DutyCheck.checked_on, DutyCheck.station_code), None),
    )
    for label, model, extra, join_on in kinds:
        last = ""
        while True:
            with store.session() as s:
                q = select(model.id, model.form_id, model.form_version, model.values,
                           getattr(model, "answers", model.values), *extra)
                if join_on is not None:
                    q = q.join(Enterprise, join_on, isouter=True)
                rows = cast(_Rows, s.execute(q.where(model.deleted.is_(False), model.id > last)
                                             .order_by(model.id).limit(BATCH)).all())
            if not rows:
                break
            for row in rows:
                rid, form_id, version, values, answers, *rest = row
                spec = _spec(store, missing, form_id, version)
                msgs = contradictions(spec, values or {}, answers if model is not RiskReport else {}) \
                    if spec is not None else []
                if model is RiskReport:
                    number, status, investigation, name = rest
                    if status in ("verified", "closed") and not (investigation or "").strip():
                        msgs.append(f"状态为“{STATUS_LABELS[status]}”，但没有填写调查核实情况")
                elif model is TaskChecklist:
                    number, name = rest
                    number = f"{number} 年度" if len(str(number)) == 4 else str(number).replace("H1", " 上半年") \
                        .replace("H2", " 下半年")
                else:
                    checked_on, code = rest
                    number = checked_on.isoformat() if checked_on else ""
                    name = (values or {}).get("inspected_body") or code
                if msgs:
                    yield FormRecordIssue(label, rid, number or "（未编号）", name or "", tuple(msgs))
            last = rows[-1][0]
