"""Printing records from the store: inspections (two copies), enterprises, risk reports, task
checklists, blank forms and plain lists.

Every ``render_*`` writes one PDF and returns its path; an unknown id or form raises
:class:`~qsdesk.services.printing.base.PrintError` with a Chinese message and writes nothing.

Printing an inspection leaves a ``print`` entry in the audit trail (unless ``record_print`` is
false, as for an on-screen preview). The number of earlier prints of the *sealed* record decides
the 补打 mark: the first print of a sealed record is the original, every later one is a reprint.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reportlab.platypus import Flowable, Paragraph, Spacer, Table

from qsdesk.domain import formspec
from qsdesk.resources import missing_glyphs
from qsdesk.services import audit, enterprise_binding
from qsdesk.services.printing.base import (
    TWO_COPIES,
    Decor,
    PrintError,
    build_pdf,
    build_pdf_many,
    esc,
    frame_width,
    qr_payload,
    styles,
)
from qsdesk.services.printing.layout import (
    Filled,
    SignatureImage,
    _grid_style,
    blank_story,
    form_story,
    text_cell,
)
from qsdesk.store.db import Store, forms_of
from qsdesk.store.models import (
    AuditEntry,
    Enterprise,
    Inspection,
    Inspector,
    RiskReport,
    TaskChecklist,
)

PathLike = str | os.PathLike[str]
log = logging.getLogger(__name__)

#: Short names accepted for blank forms (``qsdesk print blank annex4``).
FORM_ALIASES: dict[str, str] = {
    "annex3": "annex3_census",
    "annex4": "annex4_producer",
    "annex5": "annex5_seller",
    "annex6": "annex6_risk",
    "task_producer": "task_producer",
    "task_seller": "task_seller",
    # what a person types (the annex numbers are those of 鲁市监质监字〔2022〕233号)
    "附件3": "annex3_census",
    "附件4": "annex4_producer",
    "附件5": "annex5_seller",
    "附件6": "annex6_risk",
    "生产者任务清单": "task_producer",
    "销售者任务清单": "task_seller",
}
#: Forms printed 一式2份 (the record both sides sign and keep).
TWO_COPY_FORMS = frozenset({"annex4_producer", "annex5_seller"})


def resolve_form_id(name: str) -> str:
    return FORM_ALIASES.get(name, name)


def _spec(forms: formspec.FormCatalog, form_id: str, version: int | None = None) -> formspec.FormSpec:
    """The form a record was made with, from the store's catalogue (cached there: a batch of
    1,000 records parses the TOML once); a missing or broken form is a :class:`PrintError`."""
    try:
        return forms.spec(form_id, version)
    except formspec.FormSpecError as exc:
        if exc.key not in ("id", "version"):
            raise PrintError(f"表单文件有误，无法打印：{exc}") from exc
        if version is not None:
            raise PrintError(f"找不到表单“{form_id}”第 {version} 版，无法打印（请更新表单文件）") from exc
        known = "、".join(k for k in FORM_ALIASES if not k.isascii())
        raise PrintError(f"找不到表单“{form_id}”，无法打印（可选：{known}）") from exc


def _footer(spec: formspec.FormSpec) -> str:
    """The form's title, its document and version: what a reader can look up (never the form id)."""
    source = f"（{spec.source}）" if spec.source else ""
    return f"{spec.title}{spec.subtitle or ''}{source} 第 {spec.version} 版"


def _with_attachments(session: Any, spec: formspec.FormSpec, values: dict[str, Any], table: str,
                      record_id: str) -> dict[str, Any]:
    """Attachment fields filled from the record's attachment links (the files are not printed)."""
    fields = [f for f in spec.fields() if f.type == "attachment" and not values.get(f.key)]
    if fields:
        from qsdesk.services import attachments

        links = [{"filename": ln.filename, "caption": ln.caption}
                 for ln in attachments.links_for(session, table, record_id)]
        if links:
            for f in fields:
                values[f.key] = links
    return values


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [x for v in value.values() for x in _strings(v)]
    if isinstance(value, list | tuple):
        return [x for v in value for x in _strings(v)]
    return []


def check_glyphs(what: str, filled: Filled) -> str:
    """Characters of the record the bundled font lacks (rare ideographs AR PL UMing lacks, e.g. 叕).

    They print as boxes (and extract from the PDF as nothing), so the print is logged with a
    warning naming them; the user can write them in by hand.
    """
    text = "".join(_strings(dict(filled.values)) + _strings(dict(filled.answers)))
    return note_missing(what, text)


_missing = threading.local()


def note_missing(what: str, text: str) -> str:
    """Log the characters of ``text`` the font lacks and keep them for :func:`take_missing`."""
    missing = missing_glyphs(text)
    if missing:
        log.warning("%s：字体中没有这些字符，打印为方框：%s", what, missing)
        found: dict[str, None] = getattr(_missing, "chars", None) or {}
        found.update(dict.fromkeys(missing))
        _missing.chars = found
    return missing


def take_missing() -> str:
    """The characters lacking from the font in what this thread printed since the last call.

    A print preview shows them to the user (they print as empty boxes, to be written by hand)."""
    found = getattr(_missing, "chars", None) or {}
    _missing.chars = {}
    return "".join(found)


def _inspector_names(session: Any) -> dict[str, str]:
    from sqlalchemy import select

    return {i.id: i.name for i in session.scalars(select(Inspector))}


def _signatures(insp: Inspection) -> dict[str, list[SignatureImage]]:
    out: dict[str, list[SignatureImage]] = {}
    for s in sorted(insp.signatures, key=lambda s: s.role):
        if s.deleted:
            continue
        out.setdefault(s.role, []).append(SignatureImage(s.png, s.signer_name, bool(s.refused)))
    return out


def draft_hash(insp: Inspection) -> str:
    """A hash of a draft's current content, so a printed draft can still be matched to its data."""
    doc = {"id": insp.id, "values": insp.values or {}, "answers": insp.answers or {}, "rev": insp.rev}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def prior_prints(session: Any, table: str, record_id: str, *, sealed_only: bool = True) -> int:
    """How many times the record was printed before (sealed prints only by default)."""
    from sqlalchemy import select

    rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "print", AuditEntry.table_name == table,
                                                    AuditEntry.record_id == record_id))
    return sum(1 for r in rows if not sealed_only or (r.detail or {}).get("status") == "sealed")


def mark_printed(store: Store, table: str, record_id: str, **detail: Any) -> None:
    """Record a print of a record in the audit trail (its own transaction)."""
    with store.transaction() as s:
        audit.record(s, "print", table, record_id, **detail)


@dataclass
class _InspectionPart:
    story: list[Flowable]
    decor: Decor
    title: str
    audit: dict[str, Any]


def _inspection_part(session: Any, inspection_id: str, copies: Sequence[str],
                     inspector_names: Mapping[str, str]) -> _InspectionPart:
    insp = session.get(Inspection, inspection_id)
    if insp is None or insp.deleted:
        raise PrintError(f"找不到检查记录：{inspection_id}")
    spec = _spec(forms_of(session), insp.form_id, insp.form_version)
    sealed = insp.status == "sealed"
    values = _with_attachments(session, spec, dict(insp.values or {}), "inspection", insp.id)
    filled = Filled(values=values, answers=dict(insp.answers or {}), signatures=_signatures(insp),
                    inspector_names=inspector_names)
    chash = insp.content_hash if sealed and insp.content_hash else draft_hash(insp)
    qr = qr_payload("inspection", insp.id, insp.form_version, chash, "S" if sealed else "D")
    reprints = prior_prints(session, "inspection", insp.id) if sealed else 0
    extra = []
    if insp.amends_id:
        orig = session.get(Inspection, insp.amends_id)
        extra.append(f"更正记录（更正 {orig.record_no if orig and orig.record_no else insp.amends_id[:8]}）")
    decor = Decor(record_no=insp.record_no or f"（未编号）{insp.id[:8]}", copy_labels=tuple(copies),
                  watermark=None if sealed else "草稿", reprint=f"补打（第 {reprints} 次）" if reprints else None,
                  footer_left=_footer(spec))
    check_glyphs(f"检查记录 {insp.record_no or insp.id}", filled)
    story = form_story(spec, filled, copy_slot=bool(copies), qr_value=qr, extra_title_lines=extra)
    audit_detail = {"record_id": insp.id, "status": insp.status, "record_no": insp.record_no,
                    "copies": len(copies), "reprint": reprints or None}
    return _InspectionPart(story, decor, spec.title, audit_detail)


def _record_prints(store: Store, details: Sequence[dict[str, Any]], file_name: str) -> None:
    with store.transaction() as s:
        for d in details:
            d = dict(d)
            audit.record(s, "print", "inspection", d.pop("record_id"), file=file_name, **d)


def render_inspection(store: Store, inspection_id: str, out_path: PathLike, *, record_print: bool = True,
                      copies: Sequence[str] = TWO_COPIES) -> Path:
    """The inspection record in two labelled copies (一式2份) with QR code, marks and signatures.

    With ``record_print`` (the default) the print is added to the audit trail; a preview passes
    False and records the print when the user actually prints (:func:`mark_printed`).
    """
    with store.session() as s:
        part = _inspection_part(s, inspection_id, copies, _inspector_names(s))
    out = Path(out_path)
    build_pdf(out, part.story, part.decor, title=part.title)
    if record_print:
        _record_prints(store, [part.audit], out.name)
    return out


class PrintCancelled(PrintError):
    """A batch print was cancelled by the user; nothing was written or recorded."""

    def __init__(self) -> None:
        super().__init__("打印已取消")


def render_inspections(
    store: Store,
    inspection_ids: Sequence[str],
    out_path: PathLike,
    *,
    record_print: bool = True,
    copies: Sequence[str] = TWO_COPIES,
    progress: Callable[[int, int, str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Path:
    """Many inspection records in one PDF (one print job): each record's copies in turn.

    ``progress(done, total, text)`` reports as records are laid out; ``cancelled()`` returning
    True stops the batch with :class:`PrintCancelled` before anything is written or recorded.
    All prints are recorded in one transaction after the file is written.
    """
    ids = list(inspection_ids)
    if not ids:
        raise PrintError("没有选择要打印的检查记录")
    # Hundreds of thousands of small layout objects stay alive until the file is written: the
    # cyclic garbage collector would rescan them over and over for nothing (reference counting
    # still frees everything; collection resumes afterwards).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _render_inspections(store, ids, Path(out_path), record_print=record_print, copies=copies,
                                   progress=progress, cancelled=cancelled)
    finally:
        if gc_was_enabled:
            gc.enable()


def _render_inspections(store: Store, ids: list[str], out: Path, *, record_print: bool, copies: Sequence[str],
                        progress: Callable[[int, int, str], None] | None,
                        cancelled: Callable[[], bool] | None) -> Path:
    total = len(ids)
    parts: list[_InspectionPart] = []
    with store.session() as s:
        names = _inspector_names(s)
        for n, iid in enumerate(ids):
            if cancelled is not None and cancelled():
                raise PrintCancelled()
            parts.append(_inspection_part(s, iid, copies, names))
            if progress is not None and n % 20 == 0:
                progress(n, total * 2, f"正在准备第 {n + 1}/{total} 份……")

    def on_part(i: int) -> None:
        if cancelled is not None and cancelled():
            raise PrintCancelled()
        if progress is not None and i % 10 == 0:
            progress(total + i, total * 2, f"正在排版第 {i + 1}/{total} 份……")

    build_pdf_many(out, [(p.story, p.decor) for p in parts], title="监督检查记录", on_part=on_part)
    if record_print:
        _record_prints(store, [p.audit for p in parts], out.name)
    if progress is not None:
        progress(total * 2, total * 2, f"已生成 {total} 份")
    return out


# --------------------------------------------------------------------------- other records


def _row_value(obj: Any, key: str, columns: Sequence[str] = ()) -> Any:
    """A field's value from a record: its ``values``/``extra`` JSON, else one of the named columns
    (reports saved before their form values were kept store those in columns)."""
    for bag in ("values", "extra"):
        d = getattr(obj, bag, None)
        if isinstance(d, Mapping) and key in d:
            return d[key]
    if key in columns:
        v = getattr(obj, key)
        if isinstance(v, datetime | date | str | int | float | list) or v is None:
            return v
        return str(v)
    return None


#: Annex 6 fields a risk report also keeps in a column of its own (:class:`RiskReport`).
RISK_COLUMNS = ("sources", "product_name", "description", "investigation")


def render_enterprise(store: Store, enterprise_id: str, out_path: PathLike) -> Path:
    """Annex 3 企业信息摸底排查表 of one enterprise, with its product rows."""
    with store.session() as s:
        ent = s.get(Enterprise, enterprise_id)
        if ent is None or ent.deleted:
            raise PrintError(f"找不到企业：{enterprise_id}")
        spec = _spec(store.forms, ent.form_id or "annex3_census", ent.form_version)
        values = enterprise_binding.prefill_values(ent, spec)  # the spec binds every field
        filled = Filled(values=_with_attachments(s, spec, values, "enterprise", ent.id),
                        inspector_names=_inspector_names(s))
        record_no = ent.uscc or ent.id[:8]
        check_glyphs(f"企业 {ent.name}", filled)
    decor = Decor(record_no=record_no, footer_left=_footer(spec))
    out = Path(out_path)
    build_pdf(out, form_story(spec, filled), decor, title=spec.title)
    return out


def render_risk_report(store: Store, report_id: str, out_path: PathLike) -> Path:
    """Annex 6 产品质量安全风险信息采集表."""
    with store.session() as s:
        rep = s.get(RiskReport, report_id)
        if rep is None or rep.deleted:
            raise PrintError(f"找不到风险信息：{report_id}")
        spec = _spec(store.forms, rep.form_id or "annex6_risk", rep.form_version)
        values: dict[str, Any] = {}
        for f in spec.fields():
            v = _row_value(rep, f.key, RISK_COLUMNS)
            if v is not None:
                values[f.key] = v
            if f.other_key in (rep.values or {}):
                values[f.other_key] = rep.values[f.other_key]
        filled = Filled(values=_with_attachments(s, spec, values, "risk_report", rep.id),
                        inspector_names=_inspector_names(s))
        record_no = rep.report_no or f"{rep.reported_on.isoformat()} {rep.id[:8]}"  # older rows: no serial
        check_glyphs(f"风险信息 {record_no}", filled)
    decor = Decor(record_no=record_no, footer_left=_footer(spec))
    out = Path(out_path)
    build_pdf(out, form_story(spec, filled), decor, title=spec.title)
    return out


def render_task_checklist(store: Store, checklist_id: str, out_path: PathLike) -> Path:
    """A supervision task checklist (001 annex 2) with √/× and remarks."""
    with store.session() as s:
        tc = s.get(TaskChecklist, checklist_id)
        if tc is None or tc.deleted:
            raise PrintError(f"找不到任务清单：{checklist_id}")
        spec = _spec(store.forms, tc.form_id, tc.form_version)
        ent = s.get(Enterprise, tc.enterprise_id)
        values = dict(tc.values or {})
        bound = enterprise_binding.prefill_values(ent, spec) if ent is not None else {}
        for f in spec.fields():
            if f.key not in values:
                v = _row_value(tc, f.key)
                if v is None:  # a field the form binds to the enterprise (生产单位名称) left unsaved
                    v = bound.get(f.key)
                if v is not None:
                    values[f.key] = v
        filled = Filled(values=values, answers=dict(tc.answers or {}), inspector_names=_inspector_names(s))
        record_no = f"{ent.name if ent else ''} {tc.period}".strip()
        check_glyphs(f"任务清单 {record_no}", filled)
    decor = Decor(record_no=record_no, footer_left=_footer(spec))
    out = Path(out_path)
    build_pdf(out, form_story(spec, filled), decor, title=spec.title)
    return out


def render_duty_check(store: Store, duty_check_id: str, out_path: PathLike) -> Path:
    """A 督查清单 (国市监质监发〔2023〕38号 附件3) with 是/否 and 亮点成效."""
    from qsdesk.store.models import DutyCheck, Node

    with store.session() as s:
        dc = s.get(DutyCheck, duty_check_id)
        if dc is None or dc.deleted:
            raise PrintError(f"找不到督查清单：{duty_check_id}")
        spec = _spec(store.forms, dc.form_id, dc.form_version)
        filled = Filled(values=dict(dc.values or {}), answers=dict(dc.answers or {}),
                        inspector_names=_inspector_names(s))
        st = s.get(Node, dc.station_code)
        record_no = f"{st.name if st else dc.station_code} {dc.checked_on.isoformat()}"
        check_glyphs(f"督查清单 {record_no}", filled)
    decor = Decor(record_no=record_no, footer_left=_footer(spec))
    out = Path(out_path)
    build_pdf(out, form_story(spec, filled), decor, title=spec.title)
    return out


def render_blank(form_id: str, out_path: PathLike, *, copies: Sequence[str] | None = None,
                 forms: formspec.FormCatalog | None = None) -> Path:
    """An empty form for filling in by hand (field fallback); annexes 4/5 in two copies.
    ``forms``: a store's catalogue (default: the bundled forms)."""
    fid = resolve_form_id(form_id)
    spec = _spec(forms or formspec.BUNDLED, fid)
    if copies is None:
        copies = TWO_COPIES if fid in TWO_COPY_FORMS else ()
    decor = Decor(record_no="　" * 8, copy_labels=tuple(copies), footer_left=_footer(spec))
    out = Path(out_path)
    build_pdf(out, blank_story(spec, copy_slot=bool(copies)), decor, title=spec.title)
    return out


def render_list(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], out_path: PathLike, *,
                subtitle: str | None = None, landscape_page: bool | None = None) -> Path:
    """A plain bordered list (e.g. the day's inspection plan), header repeated on every page."""
    if not columns:
        raise PrintError("列表没有列，无法打印")
    st = styles()
    wide = len(columns) > 6 if landscape_page is None else landscape_page
    width = frame_width(wide)

    def story() -> list[Flowable]:
        out: list[Flowable] = [Paragraph(esc(title), st.title)]
        if subtitle:
            out.append(Paragraph(esc(subtitle), st.subtitle))
        out.append(Spacer(1, 4))
        lens = [max([len(str(c))] + [len(str(r[i])) for r in rows[:200] if i < len(r) and r[i] is not None])
                for i, c in enumerate(columns)]
        lens = [min(max(n, 2), 30) for n in lens]
        total = sum(lens)
        widths = [width * n / total for n in lens]
        data: list[list[Any]] = [[text_cell(c, st.label, w - 6) for c, w in zip(columns, widths, strict=True)]]
        for r in rows:
            cells = list(r)[: len(columns)] + [""] * (len(columns) - len(r))
            data.append([text_cell("" if v is None else str(v), st.cell, w - 6)
                         for v, w in zip(cells, widths, strict=True)])
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(_grid_style([("BACKGROUND", (0, 0), (-1, 0), (0.93, 0.93, 0.93))]))
        out.append(t)
        out.append(Spacer(1, 4))
        out.append(Paragraph(esc(f"共 {len(rows)} 条　打印时间 {datetime.now():%Y-%m-%d %H:%M}"), st.small))
        return out

    note_missing(title, " ".join([title, subtitle or "", *map(str, columns)]
                                 + [str(v) for r in rows for v in r if v is not None]))
    out = Path(out_path)
    build_pdf(out, story(), Decor(footer_left="qsdesk 打印"), title=title, landscape_page=wide)
    return out
