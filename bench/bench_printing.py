"""Printing speed: one sealed two-copy inspection record, and 1,000 records in one batch.

    python bench/bench_printing.py                 # 1,000 records
    python bench/bench_printing.py --records 200 --repeat 15

Data: one complete annex-4 record (every item answered, notes, three captured signatures) is
made and sealed through the services; the batch records are copies of it with their own ids,
record numbers and content hashes (inserted in one transaction).

Figures, each with its ratio to a baseline measured in the same run:

* ``single``: median of ``render_inspection`` (read the record, lay out, two copies, QR code,
  reprint count from the audit trail, write the file, record the print) — target ≤ 150 ms;
* ``batch``: ``render_inspections`` of N records into one PDF (one print job) — target ≤ 60 s
  for 1,000 on the 2-core reference machine;
* baseline: a minimal reportlab document with the same number of pages (one line of Helvetica
  per page, canvas API, written to a file): what any PDF of that length costs at least.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from PIL import Image, ImageDraw  # noqa: E402
from pypdf import PdfReader  # noqa: E402  (test extra; counting pages only)
from reportlab.pdfgen.canvas import Canvas  # noqa: E402
from sqlalchemy import select  # noqa: E402

from qsdesk.domain import formspec  # noqa: E402
from qsdesk.services import inspections  # noqa: E402
from qsdesk.services.node import InspectorSpec, init_node  # noqa: E402
from qsdesk.services.printing import base as printing_base  # noqa: E402
from qsdesk.services.printing import render_inspection, render_inspections  # noqa: E402
from qsdesk.store.db import Store, open_store  # noqa: E402
from qsdesk.store.models import Enterprise, Inspection, Inspector, Product, Signature, new_id  # noqa: E402

TARGET_SINGLE_MS = 150.0
TARGET_BATCH_1000_S = 60.0


def _signature_png(seed: int) -> bytes:
    import io

    img = Image.new("RGBA", (360, 120), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    d.line([(20 + i * 26, 60 + ((i * 37 * seed) % 50) - 25) for i in range(13)], fill=(0, 0, 0, 255), width=5)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def make_data(store: Store, n: int) -> tuple[str, list[str]]:
    """One sealed record made through the services, plus ``n`` sealed copies; returns their ids."""
    with store.transaction() as s:
        ent = Enterprise(uscc="91370112MA3C5YF365", name="济南宏达机械制造有限公司", legal_rep="王建国",
                         province="山东省", city="济南市", county="历城区", town="王舍人街道",
                         address="工业北路 188 号", contact="刘晓梅", phone="13953112345", domain="生产",
                         status="在产在营", unit_types="producer")
        s.add(ent)
        s.flush()
        s.add(Product(enterprise_id=ent.id, name="电线电缆", licence_type="工业产品生产许可证",
                      certificate_no="XK06-001-00123"))
        eid = ent.id
        names = [i.name for i in s.scalars(select(Inspector).order_by(Inspector.badge_no))][:2]
    spec = formspec.load_form("annex4_producer")
    _fid, values = inspections.new_values(store, eid, "annex4_producer")
    values.update({"contact": "刘晓梅 13953112345", "business_status": "正常经营", "inspected_products": "电线电缆",
                   "main_products": "电线电缆", "licence_types": ["工业产品生产许可证"],
                   "licence_numbers": "XK06-001-00123", "other_notes": "企业已于检查当日补交部分记录。",
                   "result": "发现问题待后续处理", "opinion": "同意", "inspector_phone": "0531-88001234",
                   "inspectors": names,
                   "enterprise_signature": {"signer_name": "王建国", "strokes": [[[0, 0], [1, 1]]],
                                            "png": _signature_png(1)},
                   "inspector_signatures": [{"signer_name": n, "strokes": [[[0, 0], [1, k]]],
                                             "png": _signature_png(k + 2)} for k, n in enumerate(names)]})
    keys = {f.key for f in spec.fields()}
    values = {k: v for k, v in values.items() if k in keys}
    answers = {it.key: ({"answer": "发现问题", "note": f"第{it.key}项发现问题，已责令限期整改，十五日内提交整改报告。"}
                        if i < 3 else {"answer": "未发现问题", "note": ""})
               for i, it in enumerate(spec.items())}
    first = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                   enterprise_id=eid)
    inspections.seal(store, first)
    ids: list[str] = []
    with store.transaction() as s:
        src = s.get(Inspection, first)
        assert src is not None
        for k in range(n):
            insp = Inspection(id=new_id(), enterprise_id=src.enterprise_id, form_id=src.form_id,
                              form_version=src.form_version, record_no=f"BENCH-{k + 1:05d}",
                              inspected_on=src.inspected_on, status="sealed", values=dict(src.values),
                              answers=dict(src.answers), result=src.result, opinion=src.opinion,
                              inspector1_id=src.inspector1_id, inspector2_id=src.inspector2_id,
                              sealed_at=src.sealed_at, sealed_by="bench")
            for sig in src.signatures:
                Signature(id=new_id(), inspection=insp, role=sig.role, signer_name=sig.signer_name,
                          strokes=list(sig.strokes), png=sig.png, signed_at=sig.signed_at)
            insp.content_hash = inspections.content_hash(insp)
            s.add(insp)
            ids.append(insp.id)
    return first, ids


def minimal_pdf(path: Path, pages: int) -> None:
    c = Canvas(str(path))
    for i in range(pages):
        c.setFont("Helvetica", 12)
        c.drawString(72, 720, f"page {i + 1}")
        c.showPage()
    c.save()


def timed(fn, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    # Every print makes its QR code afresh in the program; don't let the per-process cache of
    # the repeated record flatter the figure.
    printing_base.qr_matrix.cache_clear()
    printing_base.qr_path_ops.cache_clear()
    t0 = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t0


def report(name: str, value: float, baseline: float, unit: str, target: float | None) -> None:
    ratio = value / baseline if baseline > 0 else float("inf")
    verdict = "" if target is None else ("  OK" if value <= target else f"  OVER TARGET {target:g} {unit}")
    print(f"{name:<44} {value:10.1f} {unit}   baseline {baseline:9.1f} {unit}   ratio {ratio:6.1f}×{verdict}",
          flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=25)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qsdesk-bench-print-") as tmp_s:
        tmp = Path(tmp_s)
        store = open_store(tmp / "data")
        init_node(store, kind="station", code="370112001", name="基准测试所", parent_code="370112",
                  inspectors=[InspectorSpec.parse("张伟:13805310001:37011200101"),
                              InspectorSpec.parse("李娜:13805310002:37011200102")])
        t0 = time.perf_counter()
        first, ids = make_data(store, args.records)
        print(f"data: 1 sealed record via services + {len(ids)} sealed copies in {time.perf_counter() - t0:.1f} s",
              flush=True)

        # warm-up: font registration, form spec parse, imports (once per process in the program too)
        render_inspection(store, first, tmp / "warm.pdf", record_print=False)
        minimal_pdf(tmp / "warm-min.pdf", 2)

        out = tmp / "single.pdf"
        singles = [timed(render_inspection, store, first, out) for _ in range(args.repeat)]
        pages = len(PdfReader(str(out)).pages)
        base = [timed(minimal_pdf, tmp / "min.pdf", pages) for _ in range(args.repeat)]
        report(f"single sealed record, 2 copies ({pages} pages), median", statistics.median(singles) * 1000,
               statistics.median(base) * 1000, "ms", TARGET_SINGLE_MS)
        no_audit = [timed(render_inspection, store, first, out, record_print=False) for _ in range(args.repeat)]
        report("  same, preview (no audit entry), median", statistics.median(no_audit) * 1000,
               statistics.median(base) * 1000, "ms", None)

        batch_out = tmp / "batch.pdf"
        t_batch = timed(render_inspections, store, ids, batch_out)
        batch_pages = len(PdfReader(str(batch_out)).pages)
        t_base = timed(minimal_pdf, tmp / "min-batch.pdf", batch_pages)
        target = TARGET_BATCH_1000_S * len(ids) / 1000
        report(f"batch of {len(ids)} records, one PDF ({batch_pages} pages)", t_batch, t_base, "s", target)
        print(f"  {t_batch / len(ids) * 1000:.1f} ms per record, {batch_out.stat().st_size / 1e6:.1f} MB", flush=True)
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
