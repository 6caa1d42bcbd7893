"""Annex 3 企业信息摸底排查表 (enterprise census): the form is the Enterprise record.

:func:`save_census` writes the form into an :class:`Enterprise` and its :class:`Product` rows
(one per product row of the form) in one transaction; :func:`census_values` reads them back into
form values. The grade (A–D) is recomputed from the unit types, staff (X) and revenue (Y) the
enterprise record carries (the census form itself does not ask for them; the registry does).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from qsdesk.domain import enterprise_names, formspec, grading, supervision, uscc
from qsdesk.domain.supervision import check_entry
from qsdesk.services import audit, classes, enterprise_binding
from qsdesk.store.db import ConcurrentEditError, Store, expect_rev
from qsdesk.store.limits import ValueTooLong
from qsdesk.store.models import Enterprise, Product

FORM_ID = "annex3_census"



class CensusError(ValueError):
    """A census that cannot be saved; the message is Chinese."""


def _text(v: Any) -> str | None:
    if v is None:
        return None
    t = str(v).strip()
    return t or None


def _grade(ent: Enterprise) -> str | None:
    types = grading.stored_unit_types(ent.unit_types)
    revenue: Decimal | None = ent.revenue_wan
    g = grading.grade(types, ent.staff, revenue, individual_business=bool(ent.individual_business))
    return g.value if g is not None else None


def save_census(store: Store, values: dict[str, Any], enterprise_id: str | None = None, **kw: Any) -> str:
    """:func:`_save_census`; a value longer than the database allows (the county's PostgreSQL
    would refuse it on sync) or a record someone else saved meanwhile is a :class:`CensusError`
    the form shows, nothing saved."""
    try:
        return _save_census(store, values, enterprise_id, **kw)
    except ConcurrentEditError:
        raise  # its own type: the form offers to load the newer version
    except ValueTooLong as exc:
        raise CensusError(str(exc)) from None


def _save_census(
    store: Store,
    values: dict[str, Any],
    enterprise_id: str | None = None,
    *,
    unit_types: list[str] | None = None,
    staff: int | None = None,
    revenue_wan: Decimal | float | None = None,
    form_version: int | None = None,
    entry_reason: str | None = None,
    expected_rev: int | None = None,
) -> str:
    """Create or update the enterprise from a filled annex 3; returns the enterprise id.

    ``expected_rev``: the revision the form was opened with; a record saved since (another
    workstation, an import) is refused (:class:`~qsdesk.store.db.ConcurrentEditError`).

    Refuses (``CensusError``) an invalid form, a first entry without its reason (录入原因,
    国市监质监发〔2023〕38号 四（一）) and a credit code that another enterprise already has.
    ``entry_reason`` on an update replaces the recorded one only when given.
    Product rows: matched to existing products by position; extra old rows are soft-deleted.
    """
    spec = store.forms.spec(FORM_ID, form_version)
    problems = formspec.validate_values(spec, values, {})
    if problems:
        raise CensusError("；".join(f"{p.label}：{p.message}" for p in problems[:5]))
    reason = _text(entry_reason)
    entry_problems = check_entry(enterprise_id is None, reason)
    if entry_problems:
        raise CensusError(entry_problems[0])
    code = uscc.normalize(values["uscc"]) if _text(values.get("uscc")) else None
    with store.transaction() as s:
        if enterprise_id and expected_rev is not None:
            expect_rev(s, "enterprise", enterprise_id, expected_rev)
        if code:
            clash = s.scalars(select(Enterprise).where(Enterprise.uscc == code, Enterprise.deleted.is_(False),
                                                       Enterprise.id != (enterprise_id or ""))).first()
            if clash is not None:
                raise CensusError(f"统一社会信用代码 {code} 已登记为“{clash.name}”，请打开该企业档案修改")
        if enterprise_id:
            ent = s.get(Enterprise, enterprise_id)
            if ent is None or ent.deleted:
                raise CensusError("找不到该企业")
            action = "update"
        else:
            ent = Enterprise(name=str(values.get("name") or ""))
            s.add(ent)
            action = "create"
        rows = enterprise_binding.write_census(ent, spec, values)
        if reason is not None:
            ent.entry_reason = reason
        ent.uscc = code
        if code:
            ent.individual_business = uscc.is_individual_business(code)
        if unit_types is not None:
            ent.unit_types = ",".join(grading.parse_unit_types(unit_types))
        if staff is not None:
            ent.staff = staff
        if revenue_wan is not None:
            ent.revenue_wan = Decimal(str(revenue_wan))
        ent.grade = _grade(ent)
        if entry_reason is not None and _text(entry_reason):
            ent.entry_reason = _text(entry_reason)
        ent.form_id = spec.id
        ent.form_version = spec.version
        s.flush()
        existing = [p for p in s.scalars(select(Product).where(Product.enterprise_id == ent.id,
                                                               Product.deleted.is_(False))
                                         .order_by(Product.name))]
        by_name = {p.name: p for p in existing}
        kept: set[str] = set()
        for r in rows:
            prod = by_name.get(str(r["name"]).strip())
            if prod is None or prod.id in kept:
                prod = Product(enterprise_id=ent.id, name=str(r["name"]).strip())
                s.add(prod)
                s.flush()
            for col, v in r.items():
                if col != "name":
                    setattr(prod, col, _text(v))
            kept.add(prod.id)
        for p in existing:
            if p.id not in kept:
                p.deleted = True
        audit.record(s, action, "enterprise", ent.id, form_id=spec.id, form_version=spec.version,
                     products=len(rows), grade=ent.grade)
        classes.refresh(s, [ent.id])
        return ent.id


def census_values(store: Store, enterprise_id: str, spec: formspec.FormSpec | None = None) -> dict[str, Any]:
    """The enterprise as annex 3 values (to reopen the census form; default: its newest version)."""
    with store.session() as s:
        ent = s.get(Enterprise, enterprise_id)
        if ent is None:
            raise CensusError("找不到该企业")
        return enterprise_binding.form_values(ent, spec or store.forms.spec(FORM_ID))


# ---------------------------------------------------------------------------- adding an enterprise


@dataclass(frozen=True)
class ExistingEnterprise:
    """An enterprise already in the register that a new entry may duplicate."""

    id: str
    name: str
    uscc: str | None
    address: str | None


class DuplicateCreditCode(CensusError):
    """The credit code is already registered; ``existing`` is that enterprise (offer to open it)."""

    def __init__(self, existing: ExistingEnterprise) -> None:
        self.existing = existing
        super().__init__(f"统一社会信用代码 {existing.uscc} 已登记为“{existing.name}”，不能重复新增")


#: Most candidates a near-name search scores (the LIKE probes keep it to a handful normally).
SIMILAR_CANDIDATES = 400


def _existing(row: Any) -> ExistingEnterprise:
    addr = "".join(p for p in (row.county, row.town, row.address) if p) or None
    return ExistingEnterprise(row.id, row.name, row.uscc, addr)


def _existing_cols() -> tuple[Any, ...]:
    return (Enterprise.id, Enterprise.name, Enterprise.uscc, Enterprise.county, Enterprise.town,
            Enterprise.address)


def find_by_credit_code(store: Store, code: str, *, exclude_id: str | None = None) -> ExistingEnterprise | None:
    """The registered enterprise with this credit code (normalised first), if any."""
    norm = uscc.normalize(code or "")
    if not norm:
        return None
    with store.session() as s:
        row = s.execute(select(*_existing_cols()).where(
            Enterprise.uscc == norm, Enterprise.deleted.is_(False),
            Enterprise.id != (exclude_id or ""))).first()
    return _existing(row) if row is not None else None


def similar_names(store: Store, name: str, *, exclude_id: str | None = None, limit: int = 5
                  ) -> list[ExistingEnterprise]:
    """Registered enterprises whose name is a near duplicate of ``name``, most alike first."""
    from sqlalchemy import or_

    core = enterprise_names.core_name(name)
    if len(core) < 2:
        return []
    size = min(4, len(core))
    probes = {core[:size], core[-size:], core[len(core) // 2 - size // 2:][:size]}
    probes = {p for p in probes if p}
    with store.session() as s:
        rows = s.execute(select(*_existing_cols()).where(
            Enterprise.deleted.is_(False), Enterprise.id != (exclude_id or ""),
            or_(*(Enterprise.name.like(f"%{p}%") for p in probes))).limit(SIMILAR_CANDIDATES)).all()
    scored = [(enterprise_names.similarity(name, r.name), r) for r in rows]
    hits = sorted((x for x in scored if x[0] >= enterprise_names.THRESHOLD), key=lambda x: -x[0])
    return [_existing(r) for _s, r in hits[:limit]]


def add_enterprise(store: Store, values: dict[str, Any], *, entry_reason: str | None,
                   unit_types: list[str] | None = None) -> str:
    """A new enterprise from an empty annex 3 (products, licences) with its entry reason.

    Refuses a credit code already registered (:class:`DuplicateCreditCode`, carrying the existing
    record so the caller can open it) and a missing entry reason (国市监质监发〔2023〕38号 四（一）:
    首次录入……应注明录入原因). A near-duplicate *name* is not refused here: the caller warns with
    :func:`similar_names` and the person decides.
    """
    problems = supervision.check_entry(True, entry_reason)
    if problems:
        raise CensusError(problems[0])
    code = _text(values.get("uscc"))
    if code:
        existing = find_by_credit_code(store, code)
        if existing is not None:
            raise DuplicateCreditCode(existing)
    return save_census(store, values, None, unit_types=unit_types, entry_reason=entry_reason)
