"""The printed signature block per person, labelled boxes, blank forms sized for handwriting,
split checklist groups and the unit symbols of the font (issue 16, items 4 and 7)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from qsdesk.domain import formspec
from qsdesk.resources import missing_glyphs
from qsdesk.services import inspections
from qsdesk.services.printing import render_blank, render_inspection, render_list, take_missing
from qsdesk.services.printing.base import MARGIN_BOTTOM, MARGIN_X
from qsdesk.services.printing.layout import BLANK_ROW_MIN, Filled, SignatureImage, signature_slots
from qsdesk.store.db import Store
from tests.services.printing_helpers import (
    fill_inspection,
    inspectors,
    make_enterprise,
    pdf_text,
    render_pages,
    signature_png,
)

MM = 72 / 25.4


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def signature_page(pages: list[str]) -> str:
    hits = [p for p in pages if re.search("(生产|销售)者法人代表或其授权人签字", squash(p))]
    assert hits
    return squash(hits[0])


def test_each_inspector_and_the_enterprise_signer_are_named_beside_their_signature(
        store: Store, tmp_path: Path) -> None:
    eid = make_enterprise(store)
    iid, _v, _a = fill_inspection(store, eid, "annex4_producer")
    inspections.seal(store, iid)
    pdf = render_inspection(store, iid, tmp_path / "rec.pdf")
    page = signature_page(pdf_text(pdf))
    assert "签字人：王建国" in page
    names = [n for _i, n in inspectors(store)]
    for n in names:
        assert f"姓名：{n}" in page
    assert "异议内容" in page  # the box under 生产者意见 carries its label
    assert sum(len(p.images) for p in PdfReader(str(pdf)).pages) == 2 * 3


def test_an_inspector_who_signs_on_paper_gets_a_named_line(store: Store, tmp_path: Path) -> None:
    eid = make_enterprise(store)
    iid, values, _a = fill_inspection(store, eid, "annex4_producer")
    names = [n for _i, n in inspectors(store)]
    # only the first inspector signed on the screen; the second signs on the printed paper
    values["inspector_signatures"] = [values["inspector_signatures"][0]]
    spec = formspec.load_form("annex4_producer")
    inspections.save_draft(store, form_id="annex4_producer", values=values, answers=_a, enterprise_id=eid,
                           inspection_id=iid)
    pdf = render_inspection(store, iid, tmp_path / "rec.pdf", record_print=False)
    page = signature_page(pdf_text(pdf))
    assert f"姓名：{names[0]}" in page and f"姓名：{names[1]}" in page
    assert sum(len(p.images) for p in PdfReader(str(pdf)).pages) == 2 * 2  # enterprise + one inspector
    field = next(f for f in spec.fields() if f.key == "inspector_signatures")
    filled = Filled(values={"inspectors": names},
                    signatures={"inspector1": [SignatureImage(signature_png(2), names[0])]})
    slots = signature_slots(field, filled, names)
    assert [(s.name, s.sig is not None) for s in slots] == [(names[0], True), (names[1], False)]


def test_signature_slots_match_by_name_not_by_order() -> None:
    spec = formspec.load_form("annex5_seller")
    field = next(f for f in spec.fields() if f.key == "inspector_signatures")
    png = signature_png(3)
    filled = Filled(signatures={"inspector1": [SignatureImage(png, "李娜")]})
    slots = signature_slots(field, filled, ["张伟", "李娜"])
    assert [(s.name, s.sig is not None) for s in slots] == [("张伟", False), ("李娜", True)]
    # nobody named on the record: still two lines to sign on, as the annex has two inspectors
    assert [(s.name, s.sig) for s in signature_slots(field, Filled(), [])] == [(None, None), (None, None)]
    one = next(f for f in spec.fields() if f.key == "enterprise_signature")
    refused = Filled(signatures={"enterprise": [SignatureImage(None, "赵六", refused=True)]})
    (slot,) = signature_slots(one, refused, [])
    assert slot.name == "赵六" and slot.sig is not None and slot.sig.refused


@pytest.mark.parametrize("form", ["annex4", "annex5"])
def test_blank_record_has_named_lines_for_every_signer_and_labelled_boxes(form: str, tmp_path: Path) -> None:
    pages = pdf_text(render_blank(form, tmp_path / "b.pdf"))
    page = signature_page(pages)
    assert "签字人：＿＿＿＿＿＿" in page  # the enterprise signer writes the name
    assert page.count("姓名：＿＿＿＿＿＿") == 2  # two inspectors, each a line and a name
    assert "异议内容" in page


def horizontal_rules(png: Path, dpi: int) -> list[int]:
    """y of the table's horizontal rules along the left border of the frame."""
    with Image.open(png) as im:
        g = im.convert("L")
        x0 = round((MARGIN_X + 3 * MM) * dpi / 72)
        ys = []
        for y in range(g.height):
            dark = all(g.getpixel((x, y)) < 140 for x in range(x0, x0 + round(8 * MM * dpi / 72)))
            if dark and (not ys or y - ys[-1] > 2):
                ys.append(y)
        return ys


@pytest.mark.parametrize("form", ["annex3", "annex6"])
def test_blank_single_page_forms_fill_the_page_with_rows_to_write_in(form: str, tmp_path: Path) -> None:
    dpi = 72
    pdf = render_blank(form, tmp_path / f"{form}.pdf")
    assert len(PdfReader(str(pdf)).pages) == 1
    (png,) = render_pages(pdf, tmp_path, dpi=dpi)
    rules = horizontal_rules(png, dpi)
    with Image.open(png) as im:
        height = im.height
    frame_bottom = height - MARGIN_BOTTOM * dpi / 72
    assert rules[-1] > frame_bottom - 20 * MM  # the boxes reach the bottom of the page
    gaps = [b - a for a, b in zip(rules, rules[1:], strict=False)]
    # every row but a section-title band is at least BLANK_ROW_MIN tall (handwriting room)
    tall = [g for g in gaps if g >= BLANK_ROW_MIN * dpi / 72 - 2]
    assert len(tall) >= len(gaps) - 1, gaps


def test_blank_forms_of_several_pages_keep_handwriting_rows(tmp_path: Path) -> None:
    pages = pdf_text(render_blank("annex4", tmp_path / "b.pdf"))
    assert all("第一联" in p or "第二联" in p for p in pages)
    assert sum("检查结果" in p for p in pages) >= 2


def test_unit_symbols_print_and_missing_characters_are_reported(tmp_path: Path) -> None:
    assert missing_glyphs("面积120㎡ 厚2㎜ 长5㎝ 重3㎏") == ""
    take_missing()
    pdf = render_list("仓库清单", ["名称", "规格"], [["钢板", "2㎜×5㎝，3㎏/㎡"], ["王叕", "—"]], tmp_path / "l.pdf")
    text = pdf_text(pdf)[0]
    assert "2㎜×5㎝，3㎏/㎡" in text  # real glyphs with their Unicode, not boxes
    assert take_missing() == "叕"  # the one the font lacks, for the preview's notice
    assert take_missing() == ""


def test_cli_names_the_characters_the_font_lacks(store: Store, data_dir: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from qsdesk.cli import main as cli_main

    rare = make_enterprise(store, name="王叕五金加工厂")
    plain = make_enterprise(store, name="济南㎡建材有限公司")
    out = tmp_path / "e.pdf"
    assert cli_main(["print", "enterprise", rare, "--data-dir", str(data_dir), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "字体中没有以下字符" in err and "叕" in err
    assert cli_main(["print", "enterprise", plain, "--data-dir", str(data_dir), "--out", str(out)]) == 0
    assert "字体中没有" not in capsys.readouterr().err  # ㎡ is in the font now
