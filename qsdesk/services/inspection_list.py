"""The list of inspection records (监督检查 page): its statement, the record-number search, labels."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import Select, func, or_, select

from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, Inspection, Inspector, Node
from qsdesk.store.search import index_source, like_clause

FORM_KINDS = {"annex4_producer": "生产单位", "annex5_seller": "销售单位"}
STATUS_LABELS = {"draft": "草稿", "sealed": "已封存"}


def list_statement(store: Store, text: str = "", status: str | None = None, form_id: str | None = None,
                   station: str | None = None) -> Select[*tuple[Any, ...]]:
    """Inspections, newest first; ``text`` searches the enterprise (as in the registry) or the record number;
    ``station`` (county mode) keeps the records made by one station."""
    stmt = (
        select(Inspection.id, Inspection.inspected_on, Inspection.record_no, Enterprise.name.label("enterprise"),
               Inspection.form_id, Inspection.status, Inspection.result, Inspection.problems_found,
               Inspector.name.label("inspector"))
        .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
        .outerjoin(Inspector, Inspector.id == Inspection.inspector1_id)
        .where(Inspection.deleted.is_(False))
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
    )
    if status:
        stmt = stmt.where(Inspection.status == status)
    if form_id:
        stmt = stmt.where(Inspection.form_id == form_id)
    if station:
        stmt = stmt.where(Inspection.origin == station)
    text = text.strip()
    if text:
        by_no = record_no_clause(text, store)
        src = index_source(text, store.engine)
        if src is not None:
            ids = select(src.enterprise_id).select_from(src.from_).where(src.where)
            stmt = stmt.where((Inspection.enterprise_id.in_(ids)) | by_no)
        else:
            stmt = stmt.where(like_clause(text) | by_no)
    return stmt


_NO_FRAGMENT = re.compile(r"[0-9A-Za-z_\-]+")
_FULL_NO = re.compile(r"[0-9A-Z_\-]+-\d{4}-\d{5}")
_YEAR_SERIAL = re.compile(r"(?P<year>\d{4})-(?P<serial>\d{1,5})")


def _number_parts(store: Store) -> tuple[list[str], list[int]]:
    """The station codes record numbers can start with and the years they can carry: the nodes
    this installation knows (itself and enrolled units) and the span of inspection dates (both
    from indexes, so the number search below stays an index look-up at a county's size)."""
    with store.session() as s:
        codes = sorted({*s.scalars(select(Node.code)), "QS"})
        lo, hi = s.execute(select(func.min(Inspection.inspected_on), func.max(Inspection.inspected_on))).one()
    return codes, (list(range(lo.year, hi.year + 1)) if lo and hi else [])


def record_no_clause(text: str, store: Store | None = None) -> Any:
    """Record numbers (``<station>-<year>-<serial>``) matching what was typed: the whole number,
    the serial without its leading zeros (``12`` finds ``…-00012``), the year (``2026``), the start
    of year and serial (``2026-0001``), or any other part of a number.

    With ``store`` the first four are index look-ups (exact numbers or ranges per station code);
    any other fragment is a substring match, which reads the whole table.
    """
    t = unicodedata.normalize("NFKC", text).strip().upper()
    if not _NO_FRAGMENT.fullmatch(t) or not any(c.isdigit() for c in t):
        return Inspection.record_no == text
    if _FULL_NO.fullmatch(t):
        return Inspection.record_no == t
    codes, years = _number_parts(store) if store is not None else ([], [])
    if t.isdigit() and len(t) <= 5:
        if store is None:
            return Inspection.record_no.like(f"%-{t.zfill(5)}")
        # a short number is the serial (any part of a number would match every station code)
        clauses = [Inspection.record_no.in_([f"{c}-{y}-{t.zfill(5)}" for c in codes for y in years])]
        if len(t) == 4 and int(t) in years:  # or the year
            clauses += [Inspection.record_no.between(f"{c}-{t}-", f"{c}-{t}-~") for c in codes]
        return or_(*clauses)
    m = _YEAR_SERIAL.fullmatch(t)
    if m and store is not None:
        start = f"{m['year']}-{m['serial']}"
        return or_(*[Inspection.record_no.between(f"{c}-{start}", f"{c}-{start}~") for c in codes])
    return Inspection.record_no.like(f"%{t}%")
