"""Consistency of stored records against their form's rules (``[[rules]]`` of the form file).

Sealing already refuses a record that breaks a rule (:func:`qsdesk.services.inspections.seal`
validates through :func:`qsdesk.domain.formspec.validate_values`). Records that reached the
database another way — made before the rule existed, received from a station in a sync bundle,
imported — are found here, for the ``qsdesk check-records`` command; a sealed one is never
changed, only reported (its correction is an amendment).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from qsdesk.domain import formrules, formspec
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, Inspection

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
            rows = s.execute(q).all()
        if not rows:
            return
        for iid, form_id, version, values, answers, record_no, status, name in rows:
            spec = _spec(store, missing, form_id, version)
            if spec is None or not spec.rules:
                continue
            broken = formrules.check(spec.rules, values or {}, answers or {})
            if broken:
                yield RecordIssue(iid, record_no, name or "", status == "sealed",
                                  tuple(v.message for v in broken))
        last = rows[-1][0]
