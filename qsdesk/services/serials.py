"""Record numbers ``<station code>-<year>-<5-digit serial>``, counted per node, kind and year.

Inspections were numbered this way from the start (:func:`qsdesk.services.inspections.
next_record_no`); risk reports follow the same pattern so a station reads and quotes every record
number alike (``370112001-2026-00007``). The station code makes a number unique across a county
without coordination; the counter lives in the node-local ``counter`` table and is incremented in
the caller's transaction, so a rolled-back save does not use up a number.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from qsdesk.store.models import Counter


def next_number(session: Session, kind: str, on: date) -> str:
    """The next number of ``kind`` (e.g. ``"risk_report_no"``) for the year of ``on``."""
    name = f"{kind}:{on.year}"
    res = session.execute(update(Counter).where(Counter.name == name).values(value=Counter.value + 1))
    if res.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(Counter).values(name=name, value=1))
        n = 1
    else:
        n = int(session.execute(select(Counter.value).where(Counter.name == name)).scalar_one())
    origin = str(session.info.get("origin", "")) or "QS"
    return f"{origin}-{on.year}-{n:05d}"


RISK_REPORT = "risk_report_no"
