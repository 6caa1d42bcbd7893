"""Draw the application icon: 质 in white on a blue rounded square.

Writes ``resources/icons/qsdesk-<size>.png`` (16…256 px, for the hicolor theme and the window),
``resources/icons/qsdesk.png`` (256 px) and ``resources/icons/qsdesk.ico`` (all sizes, for the
Windows executable and installer). The glyph comes from the bundled CJK font, so the icon looks
the same on every machine. Run it again after changing the design; the outputs are committed.

    QT_QPA_PLATFORM=offscreen .venv/bin/python build/make_icon.py
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # noqa: E402
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt  # noqa: E402
from PySide6.QtGui import (  # noqa: E402
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

from qsdesk.resources import install_qt_fonts, resources_dir  # noqa: E402

SIZES = (16, 24, 32, 48, 64, 128, 256)
BLUE_TOP = QColor("#2f6fd6")
BLUE_BOTTOM = QColor("#1b4fa8")


def draw(size: int, family: str) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    margin = max(1.0, size * 0.04)
    rect = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    radius = size * 0.2
    path = QPainterPath()
    path.addRoundedRect(rect, radius, radius)
    grad = QLinearGradient(0, 0, 0, size)
    grad.setColorAt(0.0, BLUE_TOP)
    grad.setColorAt(1.0, BLUE_BOTTOM)
    p.fillPath(path, grad)
    font = QFont(family)
    font.setPixelSize(int(size * 0.64))
    glyph = QPainterPath()
    glyph.addText(0, 0, font, "质")
    box = glyph.boundingRect()
    glyph.translate(rect.center() - box.center())
    # The bundled face is a thin Ming (Song) face: a white outline thickens the strokes so the
    # glyph stays legible at 16-32 px.
    p.setPen(QPen(QColor("white"), max(0.6, size * 0.022), Qt.PenStyle.SolidLine,
                  Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    p.setBrush(QColor("white"))
    p.drawPath(glyph)
    p.end()
    return img


def to_pil(img: QImage) -> Image.Image:
    buf = QByteArray()
    dev = QBuffer(buf)
    dev.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(dev, "PNG")
    dev.close()
    return Image.open(io.BytesIO(bytes(buf))).convert("RGBA")


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    family = install_qt_fonts()
    out = resources_dir() / "icons"
    out.mkdir(parents=True, exist_ok=True)
    images = {}
    for size in SIZES:
        img = draw(size, family)
        img.save(str(out / f"qsdesk-{size}.png"), "PNG")
        images[size] = to_pil(img)
    images[256].save(out / "qsdesk.png")
    images[256].save(out / "qsdesk.ico", format="ICO", sizes=[(s, s) for s in SIZES],
                     append_images=[images[s] for s in SIZES if s != 256])
    del app
    print(f"icons written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
