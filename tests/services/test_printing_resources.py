"""The bundled CJK font and the resource helpers."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from qsdesk import resources
from qsdesk.domain import formspec
from qsdesk.store.db import Store
from tests.services.printing_helpers import fill_inspection, make_enterprise, pdf_text, pdffonts

#: Name characters outside GB2312 that people and enterprises commonly carry.
NAME_CHARACTERS = "堃喆珺琍镕赟昇"


def gb2312() -> set[str]:
    out = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                out.add(bytes((hi, lo)).decode("gb2312"))
    return out


def test_font_file_licence_and_size() -> None:
    path = resources.font_path()
    assert path.name == "qsdesk-song.ttf" and path.parent == resources.resources_dir() / "fonts"
    assert path.stat().st_size <= 16e6  # 15.5 MB: the whole CJK Unified Ideographs block UMing has
    licence = resources.font_license_path().read_text(encoding="utf-8")
    assert "ARPHIC PUBLIC LICENSE" in licence
    font = TTFont(str(path))
    assert font["name"].getDebugName(1) == "QsSong"
    assert "glyf" in font  # TrueType outlines: reportlab embeds them as a subset


def test_font_covers_gb2312_ascii_and_answer_boxes() -> None:
    cmap = TTFont(str(resources.font_path())).getBestCmap()
    wanted = gb2312() - {"￣"}  # the one GB2312 character AR PL UMing itself lacks
    missing = sorted(c for c in wanted if ord(c) not in cmap)
    assert not missing, "".join(missing[:50])
    for ch in [chr(c) for c in range(0x20, 0x7F)] + list("☐☑☒✓√×□■○●：，。、（）《》“”—…·【】℃"):
        assert ord(ch) in cmap, ch


def test_font_covers_the_cjk_unified_ideographs_uming_has() -> None:
    cmap = TTFont(str(resources.font_path())).getBestCmap()
    uro = [cp for cp in range(0x4E00, 0xA000) if cp in cmap]
    ext_a = [cp for cp in range(0x3400, 0x4DC0) if cp in cmap]
    assert len(uro) == 18739  # all UMing has of the 20,992 in U+4E00–U+9FFF
    assert len(ext_a) == 762
    gbk = [cp for cp in range(0x4E00, 0x9FA6) if cp in cmap]
    assert len(gbk) == 18717  # of GBK's 20,902 ideographs; UMing lacks rare ones such as 叕


def test_names_outside_gb2312_are_covered() -> None:
    for name in ("王堃", "李喆", "张珺", "刘琍", "朱镕基", "王赟", "陈昇", "林淼", "济南堃喆机械有限公司"):
        assert all(c not in gb2312() for c in name if c in NAME_CHARACTERS)
        assert resources.missing_glyphs(name) == "", name


def test_a_list_with_names_outside_gb2312_prints_them(tmp_path: Path) -> None:
    from qsdesk.services.printing import render_list

    rows = [[1, "济南堃喆机械有限公司", "王堃"], [2, "青岛珺琍食品有限公司", "李喆"],
            [3, "烟台镕赟电器有限公司", "朱镕 王赟"], [4, "昇华商贸", "陈昇"]]
    out = render_list("企业法定代表人名单", ["序号", "企业名称", "法定代表人"], rows, tmp_path / "names.pdf")
    text = "".join(pdf_text(out))
    # A character the font lacks is drawn as .notdef and extracts as nothing (or NUL), not itself.
    for _n, company, person in rows:
        assert company in text and person in text, (company, person)
    fonts = [line for line in pdffonts(out).splitlines()[2:] if line.strip()]
    assert fonts and all("QsSong" in line for line in fonts)  # embedded by us, no viewer substitution


def test_every_character_of_every_form_is_in_the_font() -> None:
    text: list[str] = []
    for spec in formspec.load_forms().values():
        text += [spec.title, spec.subtitle or "", spec.notes_title or "", *spec.notes]
        for section in spec.sections:
            text += [section.title, section.note or ""]
            for f in section.fields:
                text += [f.label, f.help or "", f.placeholder or "", *f.choices]
                for c in f.columns:
                    text += [c.label, *c.choices]
            for item in section.items:
                text += [item.group_title, item.content, item.number, *item.answers, item.note_label or ""]
    assert resources.missing_glyphs("".join(text)) == ""
    assert resources.missing_glyphs("第一联 被检查单位留存 第二联 市场监管部门留存 补打 草稿 第 1 页 共 2 页 编号：") == ""


def test_missing_glyphs_are_reported_when_printing(store: Store, tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    from qsdesk.services import inspections
    from qsdesk.services.printing import render_inspection

    # 叕 (U+53D5, GBK) is one of the rare ideographs AR PL UMing lacks; 堃 is covered.
    assert resources.missing_glyphs("王堃叕") == "叕"
    eid = make_enterprise(store, name="济南堃叕机械有限公司")
    iid, _v, _a = fill_inspection(store, eid, "annex4_producer")
    inspections.seal(store, iid)
    with caplog.at_level(logging.WARNING):
        render_inspection(store, iid, tmp_path / "r.pdf")
    assert any("叕" in r.getMessage() and "堃" not in r.getMessage() for r in caplog.records)


def test_register_is_idempotent_and_maps_bold() -> None:
    from reportlab.lib.fonts import tt2ps
    from reportlab.pdfbase import pdfmetrics

    assert resources.register_reportlab_fonts() == "QsSong"
    assert resources.register_reportlab_fonts() == "QsSong"
    assert pdfmetrics.getRegisteredFontNames().count("QsSong") == 1
    assert tt2ps("QsSong", 1, 0) == "QsSong"


def test_resources_dir_in_a_frozen_bundle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_dir() == tmp_path / "resources"
    with pytest.raises(FileNotFoundError, match="缺少字体文件"):
        resources.font_path()


def test_qt_font_family(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QFont, QFontMetrics

    family = resources.install_qt_fonts()
    assert family == "QsSong"
    assert resources.install_qt_fonts() == family
    metrics = QFontMetrics(QFont(family, 12))
    for ch in "检查记录的☑☐" + NAME_CHARACTERS:
        assert metrics.inFontUcs4(ord(ch)), ch  # (PySide's inFont(str) misreads some characters)


def test_font_subset_tool_reproduces_the_shipped_font(tmp_path: Path) -> None:
    import importlib.util

    tool = Path(__file__).resolve().parents[2] / "tools" / "make_font_subset.py"
    spec = importlib.util.spec_from_file_location("make_font_subset", tool)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if not mod.DEFAULT_SOURCE.exists():
        pytest.skip("AR PL UMing (fonts-arphic-uming) is not installed")
    out = mod.build(mod.DEFAULT_SOURCE, tmp_path / "song.ttf", None)
    built, shipped = TTFont(str(out)), TTFont(str(resources.font_path()))
    assert built.getBestCmap() == shipped.getBestCmap()
    assert built.getGlyphOrder() == shipped.getGlyphOrder()
