"""Printing through a real CUPS print queue, as a station prints (issue 16 item 1).

A private ``cupsd`` with a cups-pdf queue is started for the session (:mod:`tests.ui.cups_queue`)
and stopped at the end. The program prints in a subprocess whose environment points libcups (and
so Qt's CUPS print support, which reads it once per process) at the private scheduler: the
record's preview is printed onto a ``QPrinter`` named after the queue, exactly what 打印… does
after the system print dialog. The job's output PDF is read back from cups-pdf and rendered.

Without cupsd the tests are skipped on a developer machine; under ``CI=true`` they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from qsdesk.services import inspections
from qsdesk.services.printing import parse_qr_payload
from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry
from tests.services.printing_helpers import decode_qr, fill_inspection, make_enterprise, render_pages
from tests.ui.cups_queue import CupsQueue, CupsUnavailable, start_queue

ROOT = Path(__file__).resolve().parents[2]

PRINT_JOB = r"""
import json, sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
app = QApplication([])
a = json.loads(sys.argv[1])
names = [p.printerName() for p in QPrinterInfo.availablePrinters()]
if a["queue"] not in names:
    raise SystemExit(f"queue {a['queue']} not visible to Qt: {names}")
from qsdesk.ui import record_print
printer = QPrinter(QPrinter.PrinterMode.HighResolution)
printer.setPrinterName(a["queue"])
printer.setDocName(a["title"])
if a.get("pages"):
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(*a["pages"])
if a.get("record"):
    from qsdesk.store.db import open_store
    store = open_store(Path(a["data_dir"]))
    dlg = record_print.preview_record(store, "inspection", a["record"], show=False)
else:
    dlg = record_print.preview_blank(a["blank"], show=False)
n = dlg.print_to(printer)
print(json.dumps({"printed": n, "pages": dlg.page_count(), "printer": printer.printerName()}))
"""


@pytest.fixture(scope="session")
def cups_queue() -> Iterator[CupsQueue]:
    try:
        queue = start_queue(f"qsdesk_test_{os.getpid()}")
    except CupsUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"无法启动测试用 CUPS 打印队列（CI 上必须可用）：{exc}")
        pytest.skip(f"CUPS print queue unavailable: {exc}")
    yield queue
    queue.stop()
    assert queue.process.poll() is not None  # the scheduler is gone


def print_through_queue(queue: CupsQueue, tmp_path: Path, **job: object) -> tuple[dict[str, object], Path]:
    title = f"qsdesk-{uuid.uuid4().hex[:12]}"
    env = {**queue.env, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", PRINT_JOB, json.dumps({"queue": queue.name, "title": title, **job})],
                          env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    out = queue.take_output(title, tmp_path / "from-cups.pdf")
    return result, out


def test_a_sealed_record_prints_both_copies_through_cups(cups_queue: CupsQueue, store: Store, data_dir: Path,
                                                         tmp_path: Path) -> None:
    eid = make_enterprise(store)
    iid, _v, _a = fill_inspection(store, eid, "annex4_producer")
    inspections.seal(store, iid)
    result, out = print_through_queue(cups_queue, tmp_path, record=iid, data_dir=str(data_dir))
    assert result["printer"] == cups_queue.name and result["printed"] == result["pages"] == 4
    reader = PdfReader(str(out))
    assert len(reader.pages) == 4  # both copies, two pages each, came out of the queue
    for page in reader.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - 595) < 3 and abs(h - 842) < 3  # A4 portrait
    pngs = render_pages(out, tmp_path, dpi=100)
    codes = [decode_qr(p) for p in pngs]
    assert [bool(c) for c in codes] == [True, False, True, False]  # the QR on each copy's first page
    assert {parse_qr_payload(c[0])["id"] for c in codes if c} == {iid}
    with store.session() as s:  # the print is recorded (补打 counts from it)
        n = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "print", AuditEntry.record_id == iid))
    assert n == 1


def grey(png: Path, size: tuple[int, int] = (42, 59)) -> list[int]:
    """The page at ~5 dpi: rules and text blur into shades, robust to a pixel of offset."""
    from PIL import Image

    with Image.open(png) as im:
        return list(im.convert("L").resize(size, Image.Resampling.BOX).tobytes())


def mean_diff(a: list[int], b: list[int]) -> float:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def test_chosen_pages_of_a_blank_form_go_through_cups(cups_queue: CupsQueue, tmp_path: Path) -> None:
    from qsdesk.services.printing import render_blank

    result, out = print_through_queue(cups_queue, tmp_path, blank="annex4", pages=[2, 3])
    assert result["printed"] == 2
    assert len(PdfReader(str(out)).pages) == 2
    printed = [grey(p) for p in render_pages(out, tmp_path, dpi=50)]
    src_dir = tmp_path / "source"
    src_dir.mkdir()
    pdf = render_blank("annex4", src_dir / "blank.pdf")
    source = [grey(p) for p in render_pages(pdf, src_dir, dpi=50)]
    # each printed sheet is the chosen page of the form: closer to it (or to the same page of the
    # other copy, which differs only in the copy label) than to any other page
    half = len(source) // 2
    for got, want in zip(printed, (1, 2), strict=True):
        same = {want, (want + half) % len(source)}
        diffs = [mean_diff(got, s) for s in source]
        assert min(range(len(diffs)), key=diffs.__getitem__) in same, diffs
        others = [d for i, d in enumerate(diffs) if i not in same]
        assert diffs[want] < 0.8 * min(others), diffs
