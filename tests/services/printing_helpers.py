"""Real records for the printing tests, made through the services (not by setting columns)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import select

from qsdesk.domain import formspec
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, Inspector, Product

LONG_NOTE = ("现场检查发现该企业原材料进货查验记录不全，2024年3月至5月共计十七批次钢材未见入库验收记录，"
             "已责令企业立即补齐相关记录并于十五日内提交书面整改报告，逾期未整改的将依法处理。") * 6


def signature_png(text_seed: int = 1, size: tuple[int, int] = (360, 120)) -> bytes:
    """A stroke drawing like the signature pad renders (black strokes on transparent)."""
    img = Image.new("RGBA", size, (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    w, h = size
    pts = [(20 + i * (w - 40) / 12, h / 2 + ((i * 37 * text_seed) % 50) - 25) for i in range(13)]
    d.line(pts, fill=(0, 0, 0, 255), width=5)
    d.line([(40, 20), (80, h - 20), (140, 30)], fill=(0, 0, 0, 255), width=4)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def make_enterprise(store: Store, name: str = "济南宏达机械制造有限公司", producer: bool = True) -> str:
    with store.transaction() as s:
        ent = Enterprise(
            uscc="91370112MA3C5YF365", name=name, legal_rep="王建国", registration_authority="历城区市场监督管理局",
            province="山东省", city="济南市", county="历城区", town="王舍人街道", address="工业北路 188 号",
            jurisdiction="王舍人市场监管所", contact="刘晓梅", phone="13953112345",
            domain="生产" if producer else "流通", status="在产在营",
            unit_types="producer" if producer else "retailer", staff=45,
        )
        s.add(ent)
        s.flush()
        s.add(Product(enterprise_id=ent.id, name="电线电缆", category="电工产品", nominal_producer=name,
                      standard="GB/T 5023.3-2008", licence_type="工业产品生产许可证",
                      certificate_no="XK06-001-00123"))
        s.add(Product(enterprise_id=ent.id, name="插头插座", category="电工产品", nominal_producer=name,
                      standard="GB/T 2099.1-2021", licence_type="CCC", certificate_no="2021010202345678"))
        return ent.id


def inspectors(store: Store) -> list[tuple[str, str]]:
    """(id, name) of the station's inspectors."""
    with store.session() as s:
        return [(i.id, i.name) for i in s.scalars(select(Inspector).order_by(Inspector.badge_no))]


def fill_inspection(store: Store, enterprise_id: str, form_id: str, *, long_note: bool = False,
                    signed: bool = True) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A complete inspection draft (every item answered, problems found on the first items)."""
    from qsdesk.services import inspections

    spec = formspec.load_form(form_id)
    _fid, values = inspections.new_values(store, enterprise_id, form_id)
    values.update({
        "name": values.get("name") or "济南宏达机械制造有限公司",
        "contact": "刘晓梅 13953112345",
        "business_status": "正常经营",
        "inspected_products": "电线电缆",
        "main_products": "电线电缆、插头插座",
        "other_notes": "企业已于检查当日补交部分记录。",
        "result": "发现问题待后续处理",
        "opinion": "同意",
        "inspector_phone": "0531-88001234",
    })
    keys = {f.key for f in spec.fields()}
    if "licence_types" in keys:
        values["licence_types"] = ["工业产品生产许可证", "CCC"]
        values["licence_numbers"] = "XK06-001-00123"
    values = {k: v for k, v in values.items() if k in keys or k.endswith("_other")}
    people = inspectors(store)
    names = [n for _, n in people]
    for f in spec.fields():
        if f.type == "inspector":
            values[f.key] = names[:2] if f.multiple else names[0]
        if f.type == "signature" and signed:
            if f.multiple:
                values[f.key] = [{"signer_name": n, "strokes": [[[0, 0], [10, n_ * 10]]],
                                  "png": signature_png(n_ + 2)} for n_, n in enumerate(names[:2])]
            else:
                values[f.key] = {"signer_name": "王建国", "strokes": [[[0, 0], [10, 10]]],
                                 "png": signature_png(1)}
    answers: dict[str, Any] = {}
    for n, item in enumerate(spec.items()):
        if n < 2:
            note = LONG_NOTE if long_note and n == 0 else f"第{item.key}项发现问题，已责令限期整改。"
            answers[item.key] = {"answer": "发现问题", "note": note}
        else:
            answers[item.key] = {"answer": "未发现问题", "note": ""}
    iid = inspections.save_draft(store, form_id=form_id, values=values, answers=answers,
                                 enterprise_id=enterprise_id)
    return iid, values, answers


def pdf_text(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(str(path)).pages]


def pdffonts(path: Path) -> str:
    exe = shutil.which("pdffonts")
    assert exe, "poppler-utils (pdffonts) is required for the printing tests"
    return subprocess.run([exe, str(path)], check=True, capture_output=True, text=True).stdout


def render_pages(path: Path, out_dir: Path, dpi: int = 60, first: int | None = None,
                 last: int | None = None) -> list[Path]:
    exe = shutil.which("pdftoppm")
    assert exe, "poppler-utils (pdftoppm) is required for the printing tests"
    args = [exe, "-r", str(dpi), "-png"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    prefix = out_dir / path.stem
    subprocess.run([*args, str(path), str(prefix)], check=True)
    return sorted(out_dir.glob(f"{path.stem}-*.png"))


def decode_qr(png: Path) -> list[str]:
    import zxingcpp

    with Image.open(png) as im:
        return [r.text for r in zxingcpp.read_barcodes(im.convert("L"))]
