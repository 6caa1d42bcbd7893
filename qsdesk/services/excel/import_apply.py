"""Writing a confirmed Excel import plan: new and changed enterprises (and their products) in one
transaction, with the grade, the responsible supervisor's dates, the audit trail and the classes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from qsdesk.domain.grading import grade, stored_unit_types
from qsdesk.domain.uscc import is_individual_business
from qsdesk.services import audit, classes
from qsdesk.services.excel.fields import (
    FIELDS_BY_KEY,
)
from qsdesk.services.excel.import_plan import (
    _ATTR,
    ImportPlan,
    ImportRefused,
    ImportResult,
    ParsedRow,
    _existing,
)
from qsdesk.services.excel.products import write_products
from qsdesk.store.bulk import bulk_session
from qsdesk.store.db import Store, next_change_seq, utcnow
from qsdesk.store.models import Enterprise, new_id


def _grade(values: Mapping[str, Any], code: str) -> str | None:
    """The A–D grade from the row's unit types, staff and revenue (None when not gradable)."""
    types = stored_unit_types(values.get("unit_types"))
    g = grade(types, values.get("staff"), values.get("revenue_wan"),
              individual_business=is_individual_business(code))
    return None if g is None else str(g)


_GRADE_INPUTS = ("unit_types", "staff", "revenue_wan")
_NO_EXTRA: dict[str, Any] = {}  # shared by every inserted row (only read, to be serialised)
#: columns the registry's search index triggers watch (store migration 0002)
_SEARCH_COLS = frozenset({"name", "uscc", "legal_rep", "address"})
_INSERT_ATTRS = tuple(
    a for a in (_ATTR.get(f.key, f.key) for f in FIELDS_BY_KEY.values() if f.importable)
)


#: the columns that decide from when an enterprise's supervisor duties are tracked
_DUTY_ATTRS = ("responsible_inspector_id", "responsible_since", "visits_since", "responsible_since_assumed")


def _track_duty(rec: dict[str, Any], today: date) -> None:
    """A supervisor without a start date starts today (marked assumed); visits are owed from the
    first start."""
    if not rec.get("responsible_inspector_id"):
        return
    if rec.get("responsible_since") is None:
        rec["responsible_since"] = today
        rec["responsible_since_assumed"] = True
    if rec.get("visits_since") is None:
        rec["visits_since"] = rec["responsible_since"]


def _write_many(session: Session, kind: str, rows: list[dict[str, Any]]) -> None:
    """INSERT (``kind="insert"``) or UPDATE by id (``"update"``) of enterprise rows, in batches.

    On SQLite the rows first go into a temporary table (the driver's ``executemany``, values
    converted by the columns' own SQLAlchemy bind processors), and from there into the registry
    with one ``INSERT … SELECT`` / ``UPDATE … FROM`` statement. One statement matters: the
    search-index triggers feed an FTS5 table, and FTS5 writes its pending terms out at every
    statement boundary, so row-by-row statements cost a new index segment per row (about 150 µs
    a row on a county registry). Rows with the same columns form one batch; other databases
    take the Core path.
    """
    table = cast(Table, Enterprise.__table__)
    conn = session.connection()
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(r), []).append(r)
    for cols, batch in groups.items():
        if conn.dialect.name != "sqlite" or sqlite3.sqlite_version_info < (3, 33):
            if kind == "insert":
                conn.execute(insert(table), batch)
            else:
                conn.execute(update(table).where(table.c.id == bindparam("_id")),
                             [{**{c: r[c] for c in cols if c != "id"}, "_id": r["id"]} for r in batch])
            continue
        dialect = conn.dialect
        quote = dialect.identifier_preparer.quote
        order = [c for c in cols if c != "id"] + ["id"]
        procs = [(i, f) for i, c in enumerate(order)
                 if (f := table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
        params: list[tuple[Any, ...]] = []
        memo: dict[int, tuple[Any, Any]] = {}  # column → (last value, converted): stamps repeat
        for r in batch:
            values = [r[c] for c in order]
            for i, f in procs:
                v = values[i]
                if v is None:
                    continue
                last = memo.get(i)
                if last is not None and last[0] is v:
                    values[i] = last[1]
                else:
                    values[i] = out = f(v)
                    memo[i] = (v, out)
            params.append(tuple(values))
        names = [quote(c) for c in order]
        target = quote(table.name)
        tmp = "temp." + quote("qsdesk_import_rows")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {tmp}")
        # untyped columns: values kept exactly as bound, the registry's own column affinities
        # apply when they are copied over, as for a direct insert
        conn.exec_driver_sql(f"CREATE TEMP TABLE {quote('qsdesk_import_rows')} ({', '.join(names)})")
        conn.exec_driver_sql(f"INSERT INTO {tmp} VALUES ({', '.join('?' * len(order))})", params)
        if kind == "insert":
            conn.exec_driver_sql(f"INSERT INTO {target} ({', '.join(names)}) "
                                 f"SELECT {', '.join(names)} FROM {tmp} ORDER BY rowid")
        else:
            sets = ", ".join(f"{n} = t.{n}" for n in names[:-1])
            conn.exec_driver_sql(f"UPDATE {target} SET {sets} FROM {tmp} AS t WHERE {target}.{quote('id')} = t.{quote('id')}")
        conn.exec_driver_sql(f"DROP TABLE {tmp}")


def apply(store: Store, plan: ImportPlan, *, only_valid: bool = False, today: date | None = None) -> ImportResult:
    """Write the plan's new and changed rows in one transaction.

    Rows are matched again inside the transaction, so a plan analysed a while ago still updates
    the right records. With errors in the plan nothing is written unless ``only_valid``.
    An enterprise that gets a responsible supervisor without a start date is tracked from the
    import date (``today``), marked as assumed; the half-year visits are owed from its first
    start (``visits_since``).
    """
    today = today or date.today()
    if plan.has_errors and not only_valid:
        raise ImportRefused(
            f"有 {len(plan.error_rows)} 行数据有错误，未导入任何数据。请修改后重新导入，或选择“仅导入无误的行”。"
        )
    rows = [p for p in plan.new] + [c.parsed for c in plan.changed] + [p for p, _ in plan.unchanged]
    inserted = updated = unchanged = 0
    with store.transaction() as s, bulk_session(s):
        attrs = sorted({a for p in rows for a in p.values} | set(_GRADE_INPUTS))
        duty = "responsible_inspector_id" in attrs
        if duty:
            attrs = sorted(set(attrs) | set(_DUTY_ATTRS))
        # the counter first (the lock order in qsdesk.store.db): no edit commits between the
        # read of the stored rows and the write below
        seq = next_change_seq(s)
        existing = _existing(s, [a for a in attrs if a != "uscc"] + ["grade"], (p.values["uscc"] for p in rows))
        upd_attrs = [a for a in attrs if a != "uscc"]
        now = utcnow()
        origin = str(s.info.get("origin", ""))
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        class_inputs: list[str] = []  # enterprises whose class inputs this import sets
        for p in rows:
            old = existing.get(p.values["uscc"])
            if old is None:
                rec: dict[str, Any] = dict.fromkeys(_INSERT_ATTRS)
                rec.update(p.values)
                rec.update(id=new_id(), rev=1, updated_at=now, origin=origin, deleted=False,
                           change_seq=seq, unit_types=rec.get("unit_types") or "",
                           supervision_class="routine", extra=_NO_EXTRA,
                           individual_business=is_individual_business(p.values["uscc"]),
                           grade=_grade(p.values, p.values["uscc"]))
                rec["responsible_since_assumed"] = False
                rec["visits_since"] = None
                if duty:
                    _track_duty(rec, today)
                inserts.append(rec)
                if rec.get("abnormal_status") or rec.get("credit_risk"):
                    class_inputs.append(rec["id"])
                continue
            if duty and p.values.get("responsible_inspector_id") not in (None, old.get("responsible_inspector_id")):
                # a supervisor named by this import
                vals = {a: p.values.get(a, old.get(a)) for a in _DUTY_ATTRS}
                _track_duty(vals, today)
                p = ParsedRow(p.row, {**p.values, **{a: v for a, v in vals.items() if v != old.get(a)}})
            diff = {a: v for a, v in p.values.items() if old.get(a) != v}
            if not diff:
                unchanged += 1
                continue
            # Every update row carries the same columns (the old value where nothing changed) so
            # the whole batch is one executemany instead of one statement per combination.
            rec = {a: diff.get(a, old.get(a)) for a in upd_attrs}
            rec["grade"] = old.get("grade")
            if any(a in diff for a in _GRADE_INPUTS):
                rec["grade"] = _grade({a: rec[a] for a in _GRADE_INPUTS}, p.values["uscc"])
            if not _SEARCH_COLS & diff.keys():
                # leave the indexed columns out so the search-index trigger does not fire for them;
                # that makes at most two column sets (two batches)
                for a in _SEARCH_COLS:
                    rec.pop(a, None)
            rec.update(id=old["id"], rev=(old["rev"] or 0) + 1, updated_at=now, change_seq=seq)
            updates.append(rec)
            if {"abnormal_status", "credit_risk"} & diff.keys():
                class_inputs.append(old["id"])
        if inserts:
            # in id order the new keys land next to each other in the primary-key and search indexes
            inserts.sort(key=lambda r: r["id"])
            _write_many(s, "insert", inserts)
        if updates:
            updates.sort(key=lambda r: r["id"])
            _write_many(s, "update", updates)
        inserted, updated = len(inserts), len(updates)
        p_ins = p_upd = 0
        if plan.products is not None:
            # the valid product rows (analyse moved the others to the plan's errors)
            p_ins, p_upd = write_products(s, plan.products.rows)
        classes.refresh(s, class_inputs)
        audit.record(s, "import", "enterprise", None, file=plan.path.name, sheet=plan.layout.sheet,
                     inserted=inserted, updated=updated, unchanged=unchanged,
                     rejected_rows=len(plan.error_rows),
                     products_inserted=p_ins or None, products_updated=p_upd or None)
    return ImportResult(inserted, updated, unchanged, len(plan.error_rows), p_ins, p_upd)
