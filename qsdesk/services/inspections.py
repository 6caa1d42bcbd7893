"""Inspection records (annex 4 producer / annex 5 seller): draft → sealed → amendment.

* :func:`new_values` pre-fills a new record from an enterprise: a snapshot of its basic-information
  block as it is today and the last three years of sampling and inspection history.
* :func:`save_draft` creates or updates the draft row (values, checklist answers, signatures).
* :func:`seal` validates against the record's own form version, stores who sealed it and when,
  and a SHA-256 of the canonical content (sorted-key JSON, signatures included by hash). From
  then on the store refuses any change (:class:`~qsdesk.store.db.SealedRecordError`).
* :func:`amend` starts a correction: a new draft linked by ``amends_id`` carrying the content.

Refusing to sign (有异议 / 拒签) is recorded as a signature row with ``refused=True``, not a dead
end: a record whose enterprise refused can still be sealed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from qsdesk.domain import formspec
from qsdesk.domain.answers import FOUND
from qsdesk.domain.grading import unit_kind
from qsdesk.services import attachments, audit, enterprise_binding, inspection_history
from qsdesk.store.db import SealedRecordError, Store, expect_rev, forms_of, utcnow
from qsdesk.store.models import Enterprise, Inspection, Inspector, Signature

PRODUCER_FORM = "annex4_producer"
SELLER_FORM = "annex5_seller"

REFUSED = "拒签"
ENTERPRISE_ROLE = "enterprise"


class InspectionError(ValueError):
    """A request the user can fix (message in Chinese)."""


class InvalidRecordError(InspectionError):
    """Sealing refused: the record is incomplete or invalid."""

    def __init__(self, problems: list[formspec.Problem]) -> None:
        self.problems = problems
        lines = "；".join(f"{p.label}：{p.message}" for p in problems[:5])
        more = f"等 {len(problems)} 处" if len(problems) > 5 else ""
        super().__init__(f"记录不完整，不能封存：{lines}{more}")


@dataclass
class SignatureData:
    """One signature as the form holds it: vector strokes, the rendered PNG, or a refusal."""

    role: str
    signer_name: str | None = None
    strokes: list[Any] = field(default_factory=list)
    png: bytes | None = None
    refused: bool = False

    @property
    def empty(self) -> bool:
        return not self.strokes and not self.refused

    def hash_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "signer_name": self.signer_name or "",
            "refused": bool(self.refused),
            "strokes_sha256": hashlib.sha256(_canonical(self.strokes).encode()).hexdigest(),
            "png_sha256": hashlib.sha256(self.png).hexdigest() if self.png else "",
        }

    def to_value(self) -> dict[str, Any]:
        """JSON form (drafts): the PNG as base64."""
        return {"signer_name": self.signer_name, "strokes": self.strokes, "refused": self.refused,
                "png": base64.b64encode(self.png).decode("ascii") if self.png else None}

    @classmethod
    def from_value(cls, role: str, value: Any) -> SignatureData:
        v = value if isinstance(value, dict) else {}
        png = v.get("png")
        if isinstance(png, str):
            png = base64.b64decode(png)
        return cls(role, v.get("signer_name") or None, list(v.get("strokes") or []), png or None,
                   bool(v.get("refused")))


# --------------------------------------------------------------------------- helpers


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def signature_fields(spec: formspec.FormSpec) -> list[formspec.Field]:
    return [f for f in spec.fields() if f.type == "signature"]


def _fields_of(spec: formspec.FormSpec, *types: str) -> list[formspec.Field]:
    return [f for f in spec.fields() if f.type in types]


def form_for_enterprise(ent: Enterprise) -> str:
    """Annex 4 for producers, annex 5 for sellers: :func:`qsdesk.domain.grading.unit_kind`."""
    return PRODUCER_FORM if unit_kind(ent.unit_types, ent.domain) == "producer" else SELLER_FORM


# --------------------------------------------------------------------------- pre-fill


def new_values(store: Store, enterprise_id: str, form_id: str | None = None,
               today: date | None = None) -> tuple[str, dict[str, Any]]:
    """(form id, pre-filled values) for a new inspection of an enterprise.

    The enterprise block is a snapshot of the enterprise as it is today; the history fields get
    the last three years of sampling and (sealed) inspections from the database.
    """
    today = today or date.today()
    with store.session() as s:
        ent = s.get(Enterprise, enterprise_id)
        if ent is None or ent.deleted:
            raise InspectionError("找不到该企业")
        form_id = form_id or form_for_enterprise(ent)
        spec = store.forms.spec(form_id)
        keys = {f.key: f for f in spec.fields()}
        values = enterprise_binding.prefill_values(ent, spec)
        values.update(inspection_history.history_values(s, _fields_of(spec, "history"), enterprise_id, today))
        if "inspection_date" in keys:
            values["inspection_date"] = today.isoformat()
        return form_id, values


# --------------------------------------------------------------------------- save / seal / amend


def _derive(session: Session, spec: formspec.FormSpec, values: dict[str, Any], answers: dict[str, Any],
            insp: Inspection, sigs: list[SignatureData]) -> None:
    """Fill the queryable columns (date, result, opinion, inspectors, counts) from the content."""
    raw = values.get("inspection_date")
    if raw:
        with contextlib.suppress(ValueError):  # validation reports it; the column keeps its last value
            insp.inspected_on = date.fromisoformat(str(raw)[:10])
    if insp.inspected_on is None:
        insp.inspected_on = date.today()
    res = values.get("result")
    insp.result = str(res)[:64] if res else None
    opinion = values.get("opinion") or None
    refused = any(sg.refused for sg in sigs if sg.role == ENTERPRISE_ROLE)
    insp.opinion = opinion or (REFUSED if refused else None)
    insp.opinion_text = values.get("opinion_text") or None
    names: list[str] = []
    for f in _fields_of(spec, "inspector"):
        v = values.get(f.key)
        names += [str(x) for x in (v if isinstance(v, list) else [v]) if x]
    ids = []
    for n in names[:2]:
        iid = session.scalars(select(Inspector.id).where(Inspector.name == n, Inspector.deleted.is_(False))).first()
        ids.append(iid)
    insp.inspector1_id = ids[0] if ids else None
    insp.inspector2_id = ids[1] if len(ids) > 1 else None
    found = sum(1 for a in answers.values() if formspec.answer_of(a) == FOUND)
    insp.problems_found = found
    # 发现问题已现场整改: what was found was put right on the spot.
    insp.problems_fixed = found if insp.result == "发现问题已现场整改" else 0


def signature_roles(field: formspec.Field, count: int) -> list[str]:
    """Signature row roles of a field: ``enterprise_signature`` → enterprise;
    ``inspector_signatures`` (multiple) → inspector1, inspector2, ..."""
    base = field.key.removesuffix("_signatures").removesuffix("_signature")
    if field.multiple:
        return [f"{base}{i + 1}" for i in range(count)]
    return [base]


def split_signatures(spec: formspec.FormSpec, values: dict[str, Any]) -> tuple[dict[str, Any], list[SignatureData]]:
    """Signature fields leave ``values`` and become Signature rows (PNG bytes do not belong in JSON)."""
    out = dict(values)
    sigs = []
    for f in signature_fields(spec):
        raw = out.pop(f.key, None)
        if not raw:
            continue
        entries = raw if isinstance(raw, list) else [raw]
        for role, entry in zip(signature_roles(f, len(entries)), entries, strict=False):
            sig = SignatureData.from_value(role, entry)
            if not sig.empty:
                sigs.append(sig)
    return out, sigs


def _apply_signatures(session: Session, insp: Inspection, sigs: list[SignatureData]) -> None:
    existing = {s.role: s for s in insp.signatures if not s.deleted}
    wanted = {s.role: s for s in sigs}
    for role, old in existing.items():
        if role not in wanted:
            old.deleted = True
    for role, sig in wanted.items():
        row = existing.get(role)
        changed = row is None or (row.strokes != sig.strokes or row.refused != sig.refused
                                  or row.signer_name != sig.signer_name or row.png != sig.png)
        if not changed:
            continue
        if row is None:
            row = Signature(role=role, inspection=insp)
            session.add(row)
        row.signer_name = sig.signer_name
        row.strokes = sig.strokes
        row.png = sig.png
        row.refused = sig.refused
        row.signed_at = utcnow()
        session.flush()
        audit.record(session, "sign", "signature", row.id, inspection=insp.id, role=role,
                     refused=True if sig.refused else None)


def _check_editable(insp: Inspection) -> None:
    if insp.status == "sealed":
        raise SealedRecordError("已封存的检查记录不可修改；如需更正，请新建更正记录")


def save_draft(
    store: Store,
    *,
    form_id: str,
    values: dict[str, Any],
    answers: dict[str, Any],
    enterprise_id: str | None = None,
    inspection_id: str | None = None,
    form_version: int | None = None,
    expected_rev: int | None = None,
) -> str:
    """Create or update a draft inspection; returns its id.

    ``expected_rev``: the revision the form was opened with; a draft saved since (another
    workstation, an import) is refused (:class:`~qsdesk.store.db.ConcurrentEditError`).

    ``values`` may hold signature fields (see :class:`SignatureData`) and attachment fields (lists
    of ``{sha256, filename}``); they are stored as Signature and AttachmentLink rows.
    """
    with store.transaction() as s:
        if inspection_id:
            if expected_rev is not None:
                expect_rev(s, "inspection", inspection_id, expected_rev)
            insp = s.get(Inspection, inspection_id)
            if insp is None or insp.deleted:
                raise InspectionError("找不到该检查记录")
            _check_editable(insp)
            spec = store.forms.spec(insp.form_id, insp.form_version)
            action = "update"
        else:
            if not enterprise_id:
                raise InspectionError("请先选择被检查企业")
            spec = store.forms.spec(form_id, form_version)
            insp = Inspection(enterprise_id=enterprise_id, form_id=spec.id, form_version=spec.version,
                              status="draft", inspected_on=date.today())
            s.add(insp)
            action = "create"
        plain, sigs = split_signatures(spec, values)
        insp.values = plain
        insp.answers = {k: {"answer": formspec.answer_of(v), "note": formspec.note_of(v)}
                        for k, v in answers.items()}
        _derive(s, spec, plain, insp.answers, insp, sigs)
        s.flush()
        _apply_signatures(s, insp, sigs)
        att_items = [a for f in _fields_of(spec, "attachment") for a in (plain.get(f.key) or [])]
        attachments.sync_links(s, "inspection", insp.id, att_items)
        audit.record(s, action, "inspection", insp.id, form_id=insp.form_id, form_version=insp.form_version)
        return insp.id


def full_values(session: Session, insp: Inspection) -> dict[str, Any]:
    """The record's values with its signatures put back in (what the form shows)."""
    spec = forms_of(session).spec(insp.form_id, insp.form_version)
    vals = dict(insp.values or {})
    by_role = {s.role: s for s in insp.signatures if not s.deleted}
    for f in signature_fields(spec):
        roles = signature_roles(f, 9) if f.multiple else signature_roles(f, 1)
        found = [SignatureData(r.role, r.signer_name, list(r.strokes or []), r.png, r.refused).to_value()
                 for role in roles if (r := by_role.get(role)) is not None]
        if found:
            vals[f.key] = found if f.multiple else found[0]
    return vals


def canonical_content(insp: Inspection) -> str:
    """The JSON that the content hash covers: everything a reader of the record relies on."""
    sigs = sorted(
        (SignatureData(s.role, s.signer_name, list(s.strokes or []), s.png, s.refused).hash_dict()
         for s in insp.signatures if not s.deleted),
        key=lambda d: d["role"],
    )
    doc = {
        "id": insp.id,
        "enterprise_id": insp.enterprise_id,
        "form_id": insp.form_id,
        "form_version": insp.form_version,
        "inspected_on": insp.inspected_on.isoformat() if insp.inspected_on else None,
        "record_no": insp.record_no,
        "values": insp.values or {},
        "answers": insp.answers or {},
        "result": insp.result,
        "opinion": insp.opinion,
        "opinion_text": insp.opinion_text,
        "inspector1_id": insp.inspector1_id,
        "inspector2_id": insp.inspector2_id,
        "amends_id": insp.amends_id,
        "signatures": sigs,
    }
    return _canonical(doc)


def content_hash(insp: Inspection) -> str:
    return hashlib.sha256(canonical_content(insp).encode("utf-8")).hexdigest()


def seal_problems(spec: formspec.FormSpec, values: dict[str, Any], answers: dict[str, Any],
                  signatures: list[SignatureData], *, inspectors: list[str] | None = None,
                  require_signatures: bool = True) -> list[formspec.Problem]:
    """Everything that stops sealing: the spec's own validation plus the signature rule.

    With ``require_signatures`` the enterprise must have signed or its refusal (拒签) be
    recorded, and every inspector named on the record must have signed. Without it (records
    printed for wet-ink signatures) only the form itself is checked.
    """
    problems = list(formspec.validate_values(spec, values, answers, inspectors=inspectors))
    if not require_signatures:
        return problems
    roles = {sg.role for sg in signatures if not sg.empty}
    names: list[Any] = []
    for fi in _fields_of(spec, "inspector"):
        v = values.get(fi.key)
        names += [n for n in (v if isinstance(v, list) else [v]) if n]
    for f in signature_fields(spec):
        if f.multiple:
            for role, name in zip(signature_roles(f, len(names)), names, strict=True):
                if role not in roles:
                    problems.append(formspec.Problem(f.key, f.label, f"{name}尚未签字"))
        elif signature_roles(f, 1)[0] not in roles:
            problems.append(formspec.Problem(f.key, f.label, "尚未签字（当事人拒绝签字时请勾选“拒签”）"))
    return problems


def next_record_no(session: Session, origin: str, on: date) -> str:
    """``<station>-<year>-<5-digit sequence>``, counted per node and year."""
    from sqlalchemy import update

    from qsdesk.store.models import Counter

    name = f"inspection_no:{on.year}"
    res = session.execute(update(Counter).where(Counter.name == name).values(value=Counter.value + 1))
    if res.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(Counter).values(name=name, value=1))
        n = 1
    else:
        n = int(session.execute(select(Counter.value).where(Counter.name == name)).scalar_one())
    return f"{origin or 'QS'}-{on.year}-{n:05d}"


def station_inspector_names(session: Session) -> list[str]:
    return list(session.scalars(select(Inspector.name).where(Inspector.deleted.is_(False))))


def seal(store: Store, inspection_id: str, sealed_by: str | None = None, *,
         require_signatures: bool = True) -> str:
    """Validate and seal; returns the content hash. Raises :class:`InvalidRecordError` if invalid."""
    with store.transaction() as s:
        insp = s.get(Inspection, inspection_id)
        if insp is None or insp.deleted:
            raise InspectionError("找不到该检查记录")
        _check_editable(insp)
        spec = store.forms.spec(insp.form_id, insp.form_version)
        sigs = [SignatureData(r.role, r.signer_name, list(r.strokes or []), r.png, r.refused)
                for r in insp.signatures if not r.deleted]
        problems = seal_problems(spec, insp.values or {}, insp.answers or {}, sigs,
                                 inspectors=station_inspector_names(s) or None,
                                 require_signatures=require_signatures)
        if problems:
            raise InvalidRecordError(problems)
        who = sealed_by or audit.current_actor(s)
        if not insp.record_no:
            insp.record_no = next_record_no(s, s.info.get("origin", ""), insp.inspected_on)
        insp.status = "sealed"
        insp.sealed_at = utcnow()
        insp.sealed_by = who
        insp.content_hash = content_hash(insp)
        audit.record(s, "seal", "inspection", insp.id, content_hash=insp.content_hash,
                     record_no=insp.record_no, sealed_by=who,
                     wet_ink=True if not require_signatures else None)
        return insp.content_hash


def verify(store: Store, inspection_id: str) -> bool:
    """True when a sealed record's content still matches its stored hash."""
    with store.session() as s:
        insp = s.get(Inspection, inspection_id)
        return bool(insp and insp.status == "sealed" and insp.content_hash == content_hash(insp))


def amend(store: Store, inspection_id: str, reason: str | None = None) -> str:
    """Start a correction of a sealed record: a new draft with its content, linked by amends_id."""
    with store.transaction() as s:
        orig = s.get(Inspection, inspection_id)
        if orig is None or orig.deleted:
            raise InspectionError("找不到该检查记录")
        if orig.status != "sealed":
            raise InspectionError("草稿可直接修改，无需更正")
        newer = s.scalars(select(Inspection.id).where(Inspection.amends_id == orig.id,
                                                      Inspection.deleted.is_(False))).first()
        if newer:
            raise InspectionError("该记录已有更正记录，请在最新的更正记录上修改")
        new = Inspection(
            enterprise_id=orig.enterprise_id, form_id=orig.form_id, form_version=orig.form_version,
            inspected_on=orig.inspected_on, status="draft", values=json.loads(_canonical(orig.values or {})),
            answers=json.loads(_canonical(orig.answers or {})), result=orig.result, opinion=orig.opinion,
            opinion_text=orig.opinion_text, inspector1_id=orig.inspector1_id,
            inspector2_id=orig.inspector2_id, problems_found=orig.problems_found,
            problems_fixed=orig.problems_fixed, amends_id=orig.id,
        )
        s.add(new)
        s.flush()
        carried = [{"sha256": ln.sha256, "filename": ln.filename, "caption": ln.caption}
                   for ln in attachments.links_for(s, "inspection", orig.id)]
        if carried:
            attachments.sync_links(s, "inspection", new.id, carried)
        # Signatures are not copied: the corrected record is signed again.
        audit.record(s, "amend", "inspection", new.id, amends=orig.id, reason=reason)
        return new.id


def latest_version_id(store: Store, inspection_id: str) -> str:
    """Follow the amendment chain to the newest record."""
    with store.session() as s:
        cur = inspection_id
        while True:
            nxt = s.scalars(select(Inspection.id).where(Inspection.amends_id == cur,
                                                        Inspection.deleted.is_(False))).first()
            if not nxt:
                return cur
            cur = nxt


def inspector_choices(store: Store) -> list[tuple[str, str, str | None]]:
    """(id, name, phone) of active inspectors, for the pickers."""
    with store.session() as s:
        rows = s.scalars(select(Inspector).where(Inspector.deleted.is_(False), Inspector.active.is_(True))
                         .order_by(Inspector.name)).all()
        return [(r.id, r.name, r.phone) for r in rows]


def load(store: Store, inspection_id: str) -> tuple[Inspection, dict[str, Any]]:
    """The row (detached) and its full values (signatures included)."""
    with store.session() as s:
        insp = s.get(Inspection, inspection_id)
        if insp is None:
            raise InspectionError("找不到该检查记录")
        vals = full_values(s, insp)
        _ = list(insp.signatures)
        return insp, vals


