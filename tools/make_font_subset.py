"""Build ``resources/fonts/qsdesk-song.ttf``: the CJK Song face qsdesk ships and embeds in PDFs.

Source: AR PL UMing CN (Debian/Ubuntu package ``fonts-arphic-uming``,
``/usr/share/fonts/truetype/arphic/uming.ttc``), Arphic Public License, which allows
redistribution and modified derivatives under the same licence; the licence text is copied to
``resources/fonts/LICENSE-ARPHIC.txt``.

The subset keeps every ideograph UMing has in CJK Unified Ideographs (U+4E00–U+9FFF: 18,739 of
20,992, which includes every GB2312 hanzi and the name characters outside it such as 堃 喆 珺 镕
赟) and in CJK Extension A (U+3400–U+4DBF: 762), every GB2312 symbol, printable ASCII, Latin-1
punctuation, the CJK symbols, CJK compatibility (unit symbols ㎡ ㎜ ㎝ ㎏) and full-width forms
blocks, box drawing and geometric shapes, so
Chinese forms and names never fall back to a viewer's substitution. UMing itself lacks about
2,200 of the rarer GBK ideographs (e.g. 叕 U+53D5); those still print as boxes and the PDF
renderer logs them. Hinting is dropped (smaller file; PDFs and Qt render unhinted CJK
fine). The source font has no ☐ (U+2610) / ☑ (U+2611) / ☒ (U+2612) / ✓ (U+2713) glyphs, which
the annexes use as answer boxes, so they are drawn here as outlines sized like the font's □.

Run: ``.venv/bin/python tools/make_font_subset.py [--source PATH] [--out PATH]``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = Path("/usr/share/fonts/truetype/arphic/uming.ttc")
DEFAULT_LICENSE = Path("/usr/share/doc/fonts-arphic-uming/copyright")
DEFAULT_OUT = ROOT / "resources" / "fonts" / "qsdesk-song.ttf"
FAMILY = "QsSong"


def gb2312_chars() -> set[int]:
    """Every character of GB2312 (rows 0xA1–0xF7, cells 0xA1–0xFE that decode)."""
    out: set[int] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                ch = bytes((hi, lo)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            out.add(ord(ch))
    return out


def wanted_codepoints() -> set[int]:
    cps = gb2312_chars()
    cps |= set(range(0x4E00, 0xA000))  # CJK Unified Ideographs (GBK's 0x4E00–0x9FA5 and later additions)
    cps |= set(range(0x3400, 0x4DC0))  # CJK Extension A (UMing has 762 of them)
    cps |= set(range(0x20, 0x7F))  # ASCII
    cps |= set(range(0xA0, 0x100))  # Latin-1 (×, ·, °, §, ±)
    cps |= set(range(0x2010, 0x2070))  # general punctuation: — ‘’ “” … ‰ ※
    cps |= set(range(0x2100, 0x2200))  # letterlike (℃ №), arrows
    cps |= set(range(0x2200, 0x2300))  # math operators (√ ≤ ≥)
    cps |= set(range(0x2460, 0x24FF))  # enclosed numbers ①
    cps |= set(range(0x2500, 0x2600))  # box drawing, geometric shapes (□ ■ ○ ●)
    cps |= set(range(0x2600, 0x2700))  # misc symbols (★ ☆)
    cps |= set(range(0x3000, 0x3040))  # CJK symbols and punctuation
    cps |= set(range(0x3300, 0x3400))  # CJK compatibility: unit symbols ㎡ ㎜ ㎝ ㎏ ㎞ ㎎ ㏄
    cps |= set(range(0xFF00, 0xFFF0))  # full-width forms
    cps |= {ord(c) for c in "〇"}
    return cps


def _rect(pen: TTGlyphPen, x0: int, y0: int, x1: int, y1: int, clockwise: bool) -> None:
    """A rectangle contour; TrueType fills clockwise outer contours, holes go counter-clockwise."""
    pts = [(x0, y0), (x0, y1), (x1, y1), (x1, y0)] if clockwise else [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    pen.moveTo(pts[0])
    for p in pts[1:]:
        pen.lineTo(p)
    pen.closePath()


def _poly(pen: TTGlyphPen, pts: list[tuple[int, int]]) -> None:
    pen.moveTo(pts[0])
    for p in pts[1:]:
        pen.lineTo(p)
    pen.closePath()


def _box_metrics(font: TTFont) -> tuple[int, int, int, int, int]:
    """Bounds of the font's own □ (U+25A1) so the drawn boxes match it, plus its stroke width."""
    cmap = font.getBestCmap()
    name = cmap[0x25A1]
    glyf = font["glyf"]
    g = glyf[name]
    g.recalcBounds(glyf)
    stroke = max(40, (g.xMax - g.xMin) // 14)
    return g.xMin, g.yMin, g.xMax, g.yMax, stroke


def add_box_glyphs(font: TTFont) -> list[str]:
    """Add ☐ ☑ ☒ ✓ glyphs (missing from UMing) drawn to match □; returns the new glyph names."""
    x0, y0, x1, y1, w = _box_metrics(font)
    box_name = font.getBestCmap()[0x25A1]
    adv = font["hmtx"][box_name][0]
    vadv, vtsb = font["vmtx"][box_name] if "vmtx" in font else (0, 0)
    glyf = font["glyf"]
    hmtx = font["hmtx"]
    order = list(font.getGlyphOrder())
    added: list[str] = []

    def box(pen: TTGlyphPen) -> None:
        _rect(pen, x0, y0, x1, y1, clockwise=True)
        _rect(pen, x0 + w, y0 + w, x1 - w, y1 - w, clockwise=False)

    def tick(pen: TTGlyphPen, inset: int, weight: int) -> None:
        # A check mark as one clockwise polygon: short stroke down-right, long stroke up-right.
        ix0, iy0, ix1, iy1 = x0 + inset, y0 + inset, x1 - inset, y1 - inset
        width, height = ix1 - ix0, iy1 - iy0
        bx, by = ix0 + width * 0.38, iy0  # bottom vertex
        _poly(pen, [
            (int(ix0), int(iy0 + height * 0.52)),
            (int(ix0 + weight), int(iy0 + height * 0.52 + weight)),
            (int(bx), int(by + weight * 1.6)),
            (int(ix1 - weight * 0.3), int(iy1)),
            (int(ix1), int(iy1 - weight * 0.5)),
            (int(bx), int(by)),
        ])

    def cross(pen: TTGlyphPen, inset: int, weight: int) -> None:
        ix0, iy0, ix1, iy1 = x0 + inset, y0 + inset, x1 - inset, y1 - inset
        h = weight // 2
        _poly(pen, [(ix0, iy0 + h), (ix0 + h, iy0), (ix1, iy1 - h), (ix1 - h, iy1)])
        _poly(pen, [(ix0, iy1 - h), (ix1 - h, iy0), (ix1, iy0 + h), (ix0 + h, iy1)])

    size = x1 - x0
    specs = {
        0x2610: ("uni2610", lambda p: box(p)),
        0x2611: ("uni2611", lambda p: (box(p), tick(p, w + size // 9, int(size * 0.13)))),
        0x2612: ("uni2612", lambda p: (box(p), cross(p, w + size // 7, int(size * 0.14)))),
        0x2713: ("uni2713", lambda p: tick(p, 0, int(size * 0.13))),
    }
    cmap_tables = [t for t in font["cmap"].tables if t.isUnicode()]
    for cp, (name, draw) in specs.items():
        if any(cp in t.cmap for t in cmap_tables):
            continue
        pen = TTGlyphPen(None)
        draw(pen)
        glyf[name] = pen.glyph()
        hmtx[name] = (adv, x0)
        if "vmtx" in font:
            font["vmtx"][name] = (vadv, vtsb)
        order.append(name)
        for t in cmap_tables:
            t.cmap[cp] = name
        added.append(name)
    font.setGlyphOrder(order)
    font["maxp"].numGlyphs = len(order)
    return added


def rename(font: TTFont) -> None:
    """Give the derivative its own family name (the licence asks derivatives be distinguishable)."""
    name = font["name"]
    keep = {0, 7, 13, 14}  # copyright, trademark, licence, licence URL
    name.names = [n for n in name.names if n.nameID in keep]
    for nid, text in {
        1: FAMILY,
        2: "Regular",
        3: f"{FAMILY}-Regular; subset of AR PL UMing CN",
        4: FAMILY,
        5: "Version 1.0 (qsdesk subset of AR PL UMing 0.2.8)",
        6: f"{FAMILY}-Regular",
    }.items():
        name.setName(text, nid, 3, 1, 0x409)
        name.setName(text, nid, 1, 0, 0)


def build(source: Path, out: Path, license_src: Path | None) -> Path:
    coll = TTCollection(str(source))
    font = coll.fonts[0]  # AR PL UMing CN
    opts = subset.Options()
    opts.hinting = False
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.glyph_names = False
    opts.drop_tables += ["DSIG", "gasp", "prep", "fpgm", "cvt "]
    cmap = font.getBestCmap()
    cps = {cp for cp in wanted_codepoints() if cp in cmap}
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=sorted(cps))
    sub.subset(font)
    added = add_box_glyphs(font)
    rename(font)
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(out))
    missing = sorted(gb2312_chars() - set(cmap))
    uro = sum(1 for cp in cps if 0x4E00 <= cp <= 0x9FFF)
    ext_a = sum(1 for cp in cps if 0x3400 <= cp <= 0x4DBF)
    print(f"{out}: {out.stat().st_size / 1e6:.2f} MB, {len(cps)} characters ({uro} of U+4E00–U+9FFF, "
          f"{ext_a} of Extension A), added {added}, "
          f"GB2312 characters missing in source: {len(missing)} {''.join(map(chr, missing))[:40]}")
    if license_src is not None and license_src.exists():
        shutil.copyfile(license_src, out.parent / "LICENSE-ARPHIC.txt")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--license", type=Path, default=DEFAULT_LICENSE)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if not args.source.exists():
        print(f"source font not found: {args.source} (apt install fonts-arphic-uming)", file=sys.stderr)
        return 1
    build(args.source, args.out, args.license)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
