"""Files shipped with the program (fonts, icons, style sheets) and the fonts' registration.

In a source checkout the files live in ``<repo>/resources``; in a PyInstaller bundle they are
unpacked under ``sys._MEIPASS/resources``. The CJK font is a subset of AR PL UMing CN (Arphic
Public License, text beside it), rebuilt by ``tools/make_font_subset.py``. Nothing here imports
Qt at module level: :func:`install_qt_fonts` imports it when called, so services and the CLI stay
Qt-free.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

#: The name under which the CJK font is registered with reportlab (and its Qt family name).
PDF_FONT = "QsSong"
FONT_FILE = "qsdesk-song.ttf"
FONT_LICENSE_FILE = "LICENSE-ARPHIC.txt"

_lock = threading.Lock()
_reportlab_done = False
_qt_family: str | None = None
_covered: frozenset[int] | None = None


def resources_dir() -> Path:
    """The ``resources`` directory of this installation (checkout or frozen bundle)."""
    base = getattr(sys, "_MEIPASS", None)
    if base:
        return Path(base) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def font_path() -> Path:
    """Path of the bundled CJK TrueType font; raises ``FileNotFoundError`` if it is missing."""
    path = resources_dir() / "fonts" / FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"缺少字体文件 {path}，请重新安装程序（或运行 tools/make_font_subset.py）")
    return path


def font_license_path() -> Path:
    return resources_dir() / "fonts" / FONT_LICENSE_FILE


def register_reportlab_fonts() -> str:
    """Register the CJK font with reportlab as ``QsSong`` (idempotent, thread-safe).

    The whole family (normal/bold/italic) maps to the one face: the annexes use a single Song
    face and reportlab would otherwise fail on ``<b>`` in a paragraph. Returns the font name.
    """
    global _reportlab_done
    with _lock:
        if _reportlab_done:
            return PDF_FONT
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
            # subfontIndex 0; reportlab embeds only the glyphs used (subset fonts in the PDF).
            pdfmetrics.registerFont(TTFont(PDF_FONT, str(font_path())))
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(PDF_FONT, bold, italic, PDF_FONT)
        _reportlab_done = True
        return PDF_FONT


def font_covers() -> frozenset[int]:
    """Code points the bundled font has glyphs for.

    Every ideograph AR PL UMing has in U+4E00–U+9FFF and Extension A, the GB2312 symbols, ASCII,
    punctuation and ☐☑☒✓.
    """
    global _covered
    if _covered is None:
        register_reportlab_fonts()
        from reportlab.pdfbase import pdfmetrics

        face = pdfmetrics.getFont(PDF_FONT).face
        _covered = frozenset(face.charToGlyph)
    return _covered


def missing_glyphs(text: str) -> str:
    """The distinct characters of ``text`` the bundled font cannot draw (they print as boxes)."""
    covered = font_covers()
    seen: dict[str, None] = {}
    for ch in text:
        if ord(ch) not in covered and not ch.isspace() and ch not in seen:
            seen[ch] = None
    return "".join(seen)


def install_qt_fonts() -> str:
    """Add the CJK font to Qt's application font database; returns its family name.

    Needs a ``QGuiApplication``. Idempotent: the font is added once per process.
    """
    global _qt_family
    if _qt_family is not None:
        return _qt_family
    from PySide6.QtGui import QFontDatabase

    font_id = QFontDatabase.addApplicationFont(str(font_path()))
    if font_id < 0:
        raise RuntimeError(f"无法加载字体 {font_path()}")
    families = QFontDatabase.applicationFontFamilies(font_id)
    _qt_family = families[0] if families else PDF_FONT
    return _qt_family
