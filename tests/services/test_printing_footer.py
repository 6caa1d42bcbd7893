"""The page footer: the form's name and source on the left never run into 第 x 页 共 y 页."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from qsdesk.resources import register_reportlab_fonts
from qsdesk.services.printing import render_blank
from qsdesk.services.printing.base import FONT


@pytest.mark.parametrize("form", ["annex3", "annex4", "annex5", "annex6", "task_producer", "task_seller",
                                  "duty_check"])
def test_footer_texts_do_not_overlap(form: str, tmp_path: Path) -> None:
    register_reportlab_fonts()
    pdf = render_blank(form, tmp_path / f"{form}.pdf")
    runs: list[tuple[float, float, str, float]] = []

    def visit(text: str, cm, tm, _font, size: float) -> None:  # type: ignore[no-untyped-def]
        if text.strip():
            x = tm[4] * cm[0] + cm[4] if cm[0] else tm[4] + cm[4]
            y = tm[5] * cm[3] + cm[5] if cm[3] else tm[5] + cm[5]
            runs.append((round(y, 1), x, text.strip(), size * (tm[0] or 1)))

    PdfReader(str(pdf)).pages[0].extract_text(visitor_text=visit)
    low = min(r[0] for r in runs)
    # One drawString may come back in several runs (font subsets) at the same start: join them.
    strings: dict[float, tuple[str, float]] = {}
    for y, x, text, size in runs:
        if y == low:
            old = strings.get(round(x, 1), ("", size))
            strings[round(x, 1)] = (old[0] + text, size)
    footer = sorted(strings.items())
    assert len(footer) == 2 and "页" in footer[1][1][0] and "版" in footer[0][1][0], footer
    (x, (text, size)), (x2, _) = footer
    assert x + stringWidth(text, FONT, size) + 5 <= x2, footer
