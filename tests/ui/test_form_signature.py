"""The signature pad: strokes as vectors in a fixed canvas, PNG rendering, clear, read-only."""

from __future__ import annotations

from PySide6.QtGui import QImage

from qsdesk.ui.forms.signature_pad import CANVAS_H, CANVAS_W, SignatureField, SignaturePad, strokes_to_png
from tests.ui.form_helpers import click, draw


def test_strokes_png_and_clear(qtbot) -> None:
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(300, 100)  # half the canvas: stored coordinates still use the full canvas
    pad.show()
    with qtbot.waitSignal(pad.changed):
        draw(qtbot, pad, strokes=1)
    strokes = pad.strokes()
    assert len(strokes) == 1 and len(strokes[0]) >= 4
    xs = [p[0] for p in strokes[0]]
    assert min(xs) >= 0 and max(xs) <= CANVAS_W and max(xs) > 300  # scaled up to canvas units
    assert all(0 <= p[1] <= CANVAS_H for p in strokes[0])
    png = pad.to_png()
    assert png and png[:4] == b"\x89PNG"
    img = QImage.fromData(png)
    assert (img.width(), img.height()) == (600, 200)
    inked = sum(1 for x in range(0, 600, 3) for y in range(0, 200, 3) if img.pixelColor(x, y).alpha() > 0)
    assert inked > 10
    # The same strokes render the same PNG whatever the widget size (stable content hash).
    assert strokes_to_png(strokes) == png
    pad.clear()
    assert pad.is_empty() and pad.to_png() is None


def test_field_refusal_and_read_only(qtbot) -> None:
    f = SignatureField()
    qtbot.addWidget(f)
    f.show()
    draw(qtbot, f.pad)
    v = f.value()
    assert v and v["strokes"] and v["png"] and not v["refused"]
    click(qtbot, f.refused_box)
    v = f.value()
    assert v["refused"] and v["strokes"] == [] and v["png"] is None
    assert not f.pad.isEnabled()
    click(qtbot, f.refused_box)
    f.set_read_only(True)
    before = f.pad.strokes()
    draw(qtbot, f.pad)
    assert f.pad.strokes() == before  # the old ink stays, no new ink is added
    assert not f.clear_btn.isEnabled()
