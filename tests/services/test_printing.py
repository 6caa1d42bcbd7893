"""Printing from real records: PDFs read back (text, fonts, rendered pages, QR codes)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from qsdesk.cli import main as cli_main
from qsdesk.domain import formspec
from qsdesk.services import inspections
from qsdesk.services.printing import (
    TWO_COPIES,
    PrintError,
    parse_qr_payload,
    render_blank,
    render_enterprise,
    render_inspection,
    render_list,
    render_risk_report,
    render_task_checklist,
)
from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry, Inspection
from tests.services.printing_helpers import (
    LONG_NOTE,
    decode_qr,
    fill_inspection,
    make_enterprise,
    pdf_text,
    pdffonts,
    render_pages,
)

ALL_FORMS = ("annex3_census", "annex4_producer", "annex5_seller", "annex6_risk", "task_producer", "task_seller")


def squash(text: str) -> str:
    """Text without whitespace: cells wrap lines anywhere, so compare without line breaks."""
    return re.sub(r"\s+", "", text)


def sealed_record(store: Store, form_id: str = "annex4_producer", **kw: object) -> tuple[str, str]:
    eid = make_enterprise(store, producer=form_id == "annex4_producer")
    iid, _values, _answers = fill_inspection(store, eid, form_id, **kw)  # type: ignore[arg-type]
    return iid, inspections.seal(store, iid)


def copy_pages(pages: list[str]) -> tuple[list[str], list[str]]:
    first = [p for p in pages if TWO_COPIES[0] in p]
    second = [p for p in pages if TWO_COPIES[1] in p]
    return first, second


@pytest.mark.parametrize("form_id", ["annex4_producer", "annex5_seller"])
def test_sealed_inspection_prints_two_labelled_copies_with_every_item(store: Store, tmp_path: Path,
                                                                       form_id: str) -> None:
    iid, chash = sealed_record(store, form_id)
    out = render_inspection(store, iid, tmp_path / "rec.pdf")
    pages = pdf_text(out)
    first, second = copy_pages(pages)
    assert first and second and len(first) == len(second) and len(first) + len(second) == len(pages)
    with store.session() as s:
        insp = s.get(Inspection, iid)
        assert insp is not None
        record_no, answers = insp.record_no, insp.answers
    assert record_no
    n = len(first)
    for copy in (first, second):
        for i, page in enumerate(copy, start=1):
            assert f"第 {i} 页 共 {n} 页" in page
            assert f"编号：{record_no}" in page
        body = squash("".join(copy))
        spec = formspec.load_form(form_id)
        for item in spec.items():
            assert squash(item.content) in body, item.key
            assert squash(item.group_title) in body
        found = sum(1 for a in answers.values() if a["answer"] == "发现问题")
        assert len(re.findall("☑发现问题(?![待已])", body)) == found == 2  # not the result 发现问题待…
        assert body.count("☑未发现问题") == len(answers) - found
        for note in (a["note"] for a in answers.values() if a["note"]):
            assert squash(note) in body
        for text in ("济南宏达机械制造有限公司", "91370112MA3C5YF365", "王建国", "张伟、李娜", "☑发现问题待后续处理",
                     "☑同意", "0531-88001234", "2026年", spec.title):
            assert squash(text) in body, text
        for note in spec.notes:
            assert squash(note) in body
    assert "草稿" not in "".join(pages)
    assert "补打" not in "".join(pages)


def test_font_is_embedded_as_subset_and_nothing_else_is_used(store: Store, tmp_path: Path) -> None:
    iid, _ = sealed_record(store)
    out = render_inspection(store, iid, tmp_path / "rec.pdf")
    rows = [ln.split() for ln in pdffonts(out).splitlines()[2:] if ln.strip()]
    assert rows, "no fonts listed"
    for row in rows:
        assert re.fullmatch(r"[A-Z]{6}\+QsSong-Regular", row[0]), row
        assert row[-5:-2] == ["yes", "yes", "yes"], row  # emb sub uni


def test_qr_on_the_rendered_page_gives_id_and_content_hash(store: Store, tmp_path: Path) -> None:
    iid, chash = sealed_record(store)
    out = render_inspection(store, iid, tmp_path / "rec.pdf")
    n = len(PdfReader(str(out)).pages)
    pngs = render_pages(out, tmp_path, dpi=60)
    assert len(pngs) == n
    decoded = {i: decode_qr(p) for i, p in enumerate(pngs, start=1)}
    first_pages = [i for i, texts in decoded.items() if texts]
    assert first_pages == [1, n // 2 + 1]  # the first page of each copy carries the code
    payload = parse_qr_payload(decoded[1][0])
    assert payload == {"kind": "inspection", "id": iid, "version": "1", "status": "sealed", "hash": chash}
    with store.session() as s:
        insp = s.get(Inspection, iid)
        assert insp is not None and insp.content_hash == payload["hash"]
        assert inspections.content_hash(insp) == payload["hash"]


def test_draft_has_watermark_and_reprints_of_sealed_record_are_marked(store: Store, tmp_path: Path) -> None:
    eid = make_enterprise(store)
    iid, _v, _a = fill_inspection(store, eid, "annex4_producer")
    draft = render_inspection(store, iid, tmp_path / "draft.pdf")
    pages = pdf_text(draft)
    assert all("草稿" in p for p in pages)
    assert not any("补打" in p for p in pages)
    qr = parse_qr_payload(decode_qr(render_pages(draft, tmp_path, 60, 1, 1)[0])[0])
    assert qr["status"] == "draft" and qr["id"] == iid

    inspections.seal(store, iid)
    original = pdf_text(render_inspection(store, iid, tmp_path / "orig.pdf"))
    assert not any("草稿" in p or "补打" in p for p in original)
    again = pdf_text(render_inspection(store, iid, tmp_path / "again.pdf"))
    assert all("补打（第 1 次）" in p for p in again)
    third = pdf_text(render_inspection(store, iid, tmp_path / "third.pdf"))
    assert all("补打（第 2 次）" in p for p in third)
    preview = pdf_text(render_inspection(store, iid, tmp_path / "preview.pdf", record_print=False))
    assert all("补打（第 3 次）" in p for p in preview)
    with store.session() as s:
        prints = s.scalars(select(AuditEntry).where(AuditEntry.action == "print", AuditEntry.record_id == iid)).all()
        assert [p.detail.get("status") for p in prints] == ["draft", "sealed", "sealed", "sealed"]


def test_long_note_wraps_and_continues_on_the_next_page_with_headers(store: Store, tmp_path: Path) -> None:
    iid, _ = sealed_record(store, long_note=True)
    pages = pdf_text(render_inspection(store, iid, tmp_path / "rec.pdf"))
    first, _second = copy_pages(pages)
    header = squash("检查记录序号检查项目检查内容检查结果检查发现问题及处置意见")
    flow = []
    for page in first:  # the page's own flow: decorations (drawn after it) and repeated header removed
        text = squash(page)
        text = text[:text.index(squash(TWO_COPIES[0]))]  # decorations start with the copy label
        # a group split across pages repeats its number and title, marked （续）
        flow.append(re.sub(r"^\d+[^（]*（续）", "", text.removeprefix(header)))
    assert any(re.match(r"^\d+生产许可情况（续）", squash(p).removeprefix(header)) for p in first[1:])
    assert squash(LONG_NOTE) in "".join(flow)  # all of it, in order, nothing cut off
    assert len(first) >= 3
    for page in first[1:]:
        if "检查内容" in page or "检查记录" in squash(page):
            assert squash("检查发现问题及处置意见") in squash(page)  # header repeated
    # the signature label and the signatures stay on one page
    sig_pages = [p for p in first if "生产者法人代表或其授权人签字" in squash(p)]
    assert len(sig_pages) == 1 and "检查人员" in sig_pages[0]


def test_captured_signatures_are_drawn_else_blank_lines(store: Store, tmp_path: Path) -> None:
    iid, _ = sealed_record(store)
    signed = PdfReader(str(render_inspection(store, iid, tmp_path / "signed.pdf")))
    images = sum(len(p.images) for p in signed.pages)
    assert images == 2 * 3  # enterprise + two inspectors, in each copy
    eid = make_enterprise(store, name="济南另一家公司")
    unsigned_id, _v, _a = fill_inspection(store, eid, "annex4_producer", signed=False)
    unsigned = PdfReader(str(render_inspection(store, unsigned_id, tmp_path / "unsigned.pdf")))
    assert sum(len(p.images) for p in unsigned.pages) == 0


def test_unknown_ids_raise_print_error_and_write_nothing(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    for fn in (render_inspection, render_enterprise, render_risk_report, render_task_checklist):
        with pytest.raises(PrintError, match="找不到"):
            fn(store, "no-such-id", out)
    with pytest.raises(PrintError, match="annex9"):
        render_blank("annex9", out)
    assert not out.exists()
    assert issubclass(PrintError, ValueError)


@pytest.mark.parametrize("form_id", ALL_FORMS)
def test_blank_forms_carry_every_label_item_and_note(tmp_path: Path, form_id: str) -> None:
    spec = formspec.load_form(form_id)
    out = render_blank(form_id, tmp_path / f"{form_id}.pdf")
    pages = pdf_text(out)
    body = squash("".join(pages))
    assert squash(spec.title) in body
    for f in spec.fields():
        if f.label_printed and f.type != "attachment":
            assert squash(f.label) in body, f.key
        for c in f.choices:
            assert squash(f"☐{c}") in body, (f.key, c)
        for col in f.columns:
            if col.label_printed:
                assert squash(col.label) in body, (f.key, col.key)
    for item in spec.items():
        assert squash(item.content) in body, item.key
        for a in item.answers:
            assert squash(f"☐{a}") in body
    for note in spec.notes:
        assert squash(note) in body
    assert "☑" not in body  # nothing is ticked on a blank form
    if form_id in ("annex4_producer", "annex5_seller"):
        first, second = copy_pages(pages)
        assert first and len(first) == len(second)
    for row in [ln.split() for ln in pdffonts(out).splitlines()[2:] if ln.strip()]:
        assert "QsSong" in row[0] and row[-5:-2] == ["yes", "yes", "yes"]


def test_blank_aliases(tmp_path: Path) -> None:
    a = pdf_text(render_blank("annex6", tmp_path / "a.pdf"))
    assert "产品质量安全风险信息采集表" in "".join(a)


def test_enterprise_census_prints_products(store: Store, tmp_path: Path) -> None:
    eid = make_enterprise(store)
    body = squash("".join(pdf_text(render_enterprise(store, eid, tmp_path / "ent.pdf"))))
    for text in ("企业信息摸底排查表", "济南宏达机械制造有限公司", "91370112MA3C5YF365", "王建国", "历城区市场监督管理局",
                 "刘晓梅", "13953112345", "☑生产", "☐流通", "☑在产在营", "产品名称1", "电线电缆", "产品名称2", "插头插座",
                 "GB/T5023.3-2008", "☑工业产品生产许可证", "☑CCC", "XK06-001-00123", "2021010202345678"):
        assert squash(text) in body, text


def test_risk_report_prints(store: Store, tmp_path: Path) -> None:
    from qsdesk.services.risk_reports import save_risk_report

    spec = formspec.load_form("annex6_risk")
    sources = spec.field("sources")
    values: dict[str, object] = {"sources": [sources.choices[0], sources.choices[3]]}
    text_fields = [f for f in spec.fields() if f.type in ("text", "multiline")]
    for n, f in enumerate(text_fields):
        values[f.key] = f"内容{n}号{f.label}"
    values["producer_uscc"] = "91370112MA3C5YF365"
    rid = save_risk_report(store, values, reported_on=date(2026, 3, 2))
    body = squash("".join(pdf_text(render_risk_report(store, rid, tmp_path / "risk.pdf"))))
    assert squash(spec.title) in body
    assert f"☑{sources.choices[0]}" in body and f"☑{sources.choices[3]}" in body
    assert f"☐{sources.choices[1]}" in body
    for n, f in enumerate(text_fields):
        assert squash(f"内容{n}号{f.label}") in body
    assert "91370112MA3C5YF365" in body


def test_task_checklist_prints_ticks_and_remarks(store: Store, tmp_path: Path) -> None:
    from qsdesk.services import task_checklists

    eid = make_enterprise(store)
    with store.session() as s:
        values = task_checklists.prefill(s, eid, date(2026, 5, 6))
    values.update({"filler": "张伟", "tier": "乡", "grade": "D", "department": "王舍人市场监管所"})
    spec = formspec.load_form("task_producer")
    items = list(spec.items())
    answers = {it.key: {"answer": "√" if i % 3 else "×", "note": "需提醒整改" if i % 3 == 0 else ""}
               for i, it in enumerate(items)}
    values["risk_points"] = [{"item": "原材料钢材进货批次多，重点查验合格证明", "result": "√", "remark": "每月抽查"}]
    tid = task_checklists.save_checklist(store, eid, "2026", values, answers)
    body = squash("".join(pdf_text(render_task_checklist(store, tid, tmp_path / "task.pdf"))))
    assert squash(spec.title) in body
    for it in items:
        assert squash(it.content) in body
    crosses = sum(1 for a in answers.values() if a["answer"] == "×")
    assert body.count("☑×") == crosses and body.count("☑√") == len(items) - crosses + 1  # + the risk point
    assert body.count("需提醒整改") == crosses
    for text in ("☑乡", "☑D", "济南宏达机械制造有限公司", "张伟", "2026年5月6日", "原材料钢材进货批次多", "每月抽查"):
        assert squash(text) in body, text


def test_list_print_repeats_header_on_every_page(tmp_path: Path) -> None:
    rows = [[f"{i:03d}", f"企业{i}号有限公司", "王舍人街道", "张伟"] for i in range(120)]
    pages = pdf_text(render_list("今日检查计划", ["序号", "企业名称", "地址", "检查人员"], rows, tmp_path / "l.pdf"))
    assert len(pages) >= 3
    for i, p in enumerate(pages, start=1):
        assert "企业名称" in p and f"第 {i} 页 共 {len(pages)} 页" in p
    body = "".join(pages)
    assert all(f"企业{i}号有限公司" in body for i in range(120))


def test_cli_print_inspection_and_blank(store: Store, tmp_path: Path, data_dir: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    iid, _ = sealed_record(store)
    store.close()
    out = tmp_path / "cli.pdf"
    assert cli_main(["print", "inspection", iid, "--data-dir", str(data_dir), "--out", str(out)]) == 0
    assert "第一联" in "".join(pdf_text(out))
    assert cli_main(["print", "blank", "annex4", "--out", str(tmp_path / "b.pdf")]) == 0
    bad = tmp_path / "bad.pdf"
    capsys.readouterr()
    assert cli_main(["print", "inspection", "nope", "--data-dir", str(data_dir), "--out", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "找不到检查记录" in err and err.count("\n") == 1
    assert cli_main(["print", "blank", "annex9", "--out", str(bad)]) == 2
    assert cli_main(["print", "inspections", iid, "nope", "--data-dir", str(data_dir), "--out", str(bad)]) == 2
    assert not bad.exists()
    many = tmp_path / "many.pdf"
    assert cli_main(["print", "inspections", iid, iid, "--data-dir", str(data_dir), "--out", str(many)]) == 0
    assert len(pdf_text(many)) == 2 * len(pdf_text(out))


def test_batch_of_records_in_one_pdf_keeps_each_records_copies_and_numbering(store: Store, tmp_path: Path) -> None:
    from qsdesk.services.printing import PrintCancelled, render_inspections

    sealed_ids = [sealed_record(store)[0] for _ in range(2)]
    eid = make_enterprise(store, name="济南草稿测试有限公司")
    draft_id, _v, _a = fill_inspection(store, eid, "annex4_producer")
    ids = [sealed_ids[0], draft_id, sealed_ids[1]]

    stop = tmp_path / "stopped.pdf"
    calls = {"n": 0}

    def cancel_later() -> bool:
        calls["n"] += 1
        return calls["n"] > 4  # after the records were read, while laying out

    with pytest.raises(PrintCancelled):
        render_inspections(store, ids, stop, cancelled=cancel_later)
    assert not stop.exists()
    with store.session() as s:
        assert not s.scalars(select(AuditEntry).where(AuditEntry.action == "print")).first()

    seen: list[int] = []
    out = render_inspections(store, ids, tmp_path / "batch.pdf", progress=lambda d, t, m: seen.append(d))
    assert seen[-1] == 6
    pages = pdf_text(out)
    single = len(pdf_text(render_inspection(store, sealed_ids[0], tmp_path / "one.pdf", record_print=False)))
    assert len(pages) == 3 * single
    with store.session() as s:
        nos = [s.get(Inspection, i).record_no for i in ids]  # type: ignore[union-attr]
    per_copy = single // 2
    for r, iid in enumerate(ids):
        chunk = pages[r * single:(r + 1) * single]
        for c, label in enumerate(TWO_COPIES):
            for i, page in enumerate(chunk[c * per_copy:(c + 1) * per_copy], start=1):
                assert label in page and f"第 {i} 页 共 {per_copy} 页" in page
                assert (f"编号：{nos[r]}" in page) if nos[r] else ("未编号" in page)
                assert ("草稿" in page) == (iid == draft_id)
    pngs = render_pages(out, tmp_path, dpi=60)
    found = [parse_qr_payload(t)["id"] for p in pngs for t in decode_qr(p)]
    assert found == [i for i in ids for _ in TWO_COPIES]
    with store.session() as s:
        printed = [e.record_id for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "print"))]
    assert sorted(printed) == sorted(ids)
