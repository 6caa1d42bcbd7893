"""Reading and writing an enterprise through the binding its form declares.

Every field with ``column = …`` in its spec (:mod:`qsdesk.domain.binding`) is filled from, or saved
into, that column here and nowhere else: the census dialog and service (:func:`write_census`,
:func:`form_values`), the inspection pre-fill (:func:`prefill_values`), the risk report pre-fill
(:func:`party_values`) and the printed census sheet all go through these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from qsdesk.domain import binding as _b
from qsdesk.domain.formspec import Field, FormSpec
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, Product

#: Enterprise status (annex 3 wording) → annex 4/5 经营状态 choice. Annex 4 says 停产 where
#: annex 5 says 停业; :func:`status_values` picks whichever the form offers.
STATUS_MAP = {"在产在营": "正常经营"}
_STOPPED = {"停业": "停产", "停产": "停业"}
#: Address parts of an address value → Enterprise columns.
ADDRESS_COLUMNS = {"province": "province", "city": "city", "county": "county", "town": "town",
                   "detail": "address"}


def _text(v: Any) -> str | None:
    if v is None:
        return None
    t = str(v).strip()
    return t or None


def live_products(ent: Enterprise) -> list[Product]:
    """The enterprise's products that are not deleted, in name order (the census table's rows)."""
    return sorted((p for p in ent.products if not p.deleted), key=lambda p: p.name)


def status_values(field: Field, status: str | None) -> dict[str, str]:
    """The 经营状态 value(s) for an enterprise status: a choice of the form, else 其他 + text."""
    if not status:
        return {}
    for candidate in (STATUS_MAP.get(status), status, _STOPPED.get(status)):
        if candidate and candidate in field.choices:
            return {field.key: candidate}
    if field.other_choice:
        return {field.key: field.other_choice, field.other_key: status}
    return {}


def _read(ent: Enterprise, f: Field, b: _b.Binding, census: bool) -> dict[str, Any]:
    """The field's value(s) from the enterprise (its own, ``b.party`` is handled by the caller).

    A census form is the record itself and shows the status as saved; the other forms translate
    it into their own wording (:func:`status_values`)."""
    col = b.column
    if col == _b.ADDRESS:
        return {f.key: {part: getattr(ent, c) or "" for part, c in ADDRESS_COLUMNS.items()}}
    if col == _b.PRODUCTS:
        return {f.key: [{c.key: getattr(p, c.column or c.key) for c in f.columns} for p in live_products(ent)]}
    if col == _b.CONTACT_PHONE:
        return {f.key: " ".join(x for x in (ent.contact, ent.phone) if x)}
    pcol = b.product_column
    if pcol is not None:
        got = [getattr(p, pcol) for p in ent.products if not p.deleted and getattr(p, pcol)]
        return {f.key: list(dict.fromkeys(got)) if f.type == "multichoice" else "、".join(got)}
    if col == "status" and f.type == "choice":
        if not census:
            return status_values(f, ent.status)
        other = (ent.extra or {}).get("status_other")
        if ent.status and other and f.other_choice and ent.status.startswith(f.other_choice):
            return {f.key: f.other_choice, f.other_key: other}
        return {f.key: ent.status or None}
    return {f.key: getattr(ent, col)}


def _bound(spec: FormSpec) -> Iterable[tuple[Field, _b.Binding]]:
    for f in spec.fields():
        b = f.binding
        if b is not None:
            yield f, b


def form_values(ent: Enterprise, spec: FormSpec) -> dict[str, Any]:
    """Every bound field of the record's own enterprise, empty ones included (reopening a census)."""
    out: dict[str, Any] = {}
    for f, b in _bound(spec):
        if b.party is None:
            out.update(_read(ent, f, b, spec.kind == "census"))
    return out


def _filled(v: Any) -> bool:
    return v not in (None, "", []) and (not isinstance(v, dict) or any(v.values()))


def prefill_values(ent: Enterprise, spec: FormSpec) -> dict[str, Any]:
    """The bound fields that have a value (a new inspection's enterprise block, a printed sheet)."""
    return {k: v for k, v in form_values(ent, spec).items() if _filled(v)}


def party_values(ent: Enterprise, spec: FormSpec, party: str) -> dict[str, Any]:
    """The fields bound to ``<party>:<column>`` filled from that enterprise (annex 6 生产者/销售者)."""
    return {f.key: getattr(ent, b.column) for f, b in _bound(spec) if b.party == party}


def write_census(ent: Enterprise, spec: FormSpec, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Write a census form's bound fields into the enterprise; returns the product rows to save.

    Text columns are stripped (blank → None); the status keeps the 其他 text in brackets and in
    ``extra["status_other"]``; an address mapping fills the address columns. The credit code, whose
    normalising and uniqueness the census service owns, is left to the caller.
    """
    rows: list[dict[str, Any]] = []
    for f, b in _bound(spec):
        col = b.column
        if col == "uscc":
            continue
        value = values.get(f.key)
        if col == _b.ADDRESS:
            if isinstance(value, dict):
                for part, c in ADDRESS_COLUMNS.items():
                    setattr(ent, c, _text(value.get(part)))
            else:
                ent.address = _text(value)
        elif col == _b.PRODUCTS:
            name_key = next(c.key for c in f.columns if c.column == "name")
            rows = [{c.column or c.key: r.get(c.key) for c in f.columns}
                    for r in (value or []) if isinstance(r, dict) and _text(r.get(name_key))]
        elif col == "status" and f.other_choice:
            status = _text(value)
            other = _text(values.get(f.other_key))
            ent.status = f"{status}（{other}）" if status == f.other_choice and other else status
            if other:
                ent.extra = {**(ent.extra or {}), "status_other": other}
        else:
            setattr(ent, col, _text(value))
    return rows


def risk_party_prefill(store: Store, enterprise_id: str, spec: FormSpec) -> dict[str, Any]:
    """A new risk report about an enterprise: its name and code in the 生产者 block if it produces,
    else in the 销售者 block (fields bound to ``producer:…`` / ``seller:…``)."""
    with store.session() as s:
        ent = s.get(Enterprise, enterprise_id)
        if ent is None:
            return {}
        is_producer = "producer" in (ent.unit_types or "") or ent.domain == "生产"
        return party_values(ent, spec, "producer" if is_producer else "seller")
