"""The signature boxes of a printed form: each person's place (a captured signature with the
printed name, a refusal, or a line for ink), the images scaled into the box.

Split from :mod:`qsdesk.services.printing.layout` (which re-exports these names).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.platypus import (
    Flowable,
    Image,
    Spacer,
    Table,
    TableStyle,
)

from qsdesk.domain.formspec import Field
from qsdesk.services.printing.base import (
    para,
    styles,
)
from qsdesk.services.printing.layout_base import (
    SIGNATURE_HEIGHT,
    BlankLine,
    Filled,
    SignatureImage,
    text_cell,
)


@dataclass
class SignatureSlot:
    """One person's place in a signature box: a captured signature, a refusal, or a line for ink."""

    name: str | None
    sig: SignatureImage | None = None


def signature_slots(f: Field, filled: Filled, people: Sequence[str]) -> list[SignatureSlot]:
    """Who signs in a signature field, each with their captured signature (if any).

    A single field (the enterprise's signer) is one slot named after the recorded signer. A
    multiple field (the inspectors) has one slot per inspector named on the record — at least
    ``min_slots`` (the annex's two inspectors) — each matched to the signature captured under
    their name, else the next unmatched one; an inspector who signs on paper gets a line.
    """
    sigs = signatures_for(f, filled)
    if not f.multiple:
        sig = sigs[0] if sigs else None
        return [SignatureSlot(sig.signer_name if sig else None, sig)]
    slots = [SignatureSlot(n) for n in people]
    rest: list[SignatureImage] = []
    for sg in sigs:
        hit = next((sl for sl in slots if sl.sig is None and sg.signer_name and sl.name == sg.signer_name), None)
        if hit is not None:
            hit.sig = sg
        else:
            rest.append(sg)
    for sg in rest:
        free = next((sl for sl in slots if sl.sig is None and sl.name is None), None)
        if free is None and not sg.signer_name:
            free = next((sl for sl in slots if sl.sig is None), None)
        if free is not None:
            free.sig = sg
            free.name = free.name or sg.signer_name
        else:
            slots.append(SignatureSlot(sg.signer_name, sg))
    while len(slots) < max(2, f.min_rows):
        slots.append(SignatureSlot(None))
    return slots


#: Blank space for a name written by hand under a line for ink.
NAME_BLANK = "＿" * 6


def _slot_flowables(slot: SignatureSlot, width: float, caption: str) -> list[Flowable]:
    st = styles()
    out: list[Flowable] = []
    s = slot.sig
    if s is not None and s.refused:
        out.append(Spacer(1, SIGNATURE_HEIGHT - 12))
        out.append(para("（拒绝签字）", st.cell))
    elif s is not None and s.png and (img := _image(s.png, width - 4, SIGNATURE_HEIGHT)) is not None:
        out.append(img)
    else:
        out.append(BlankLine(width * 0.9))
    out.append(text_cell(f"{caption}：{slot.name or NAME_BLANK}", st.small, width))
    return out


def _signature_cell(f: Field, filled: Filled, width: float, people: Sequence[str]) -> Flowable:
    """The people of a signature field side by side, each over their printed name."""
    slots = signature_slots(f, filled, people)
    caption = "姓名" if f.multiple else "签字人"
    n = len(slots)
    col = width / n
    row = [_slot_flowables(sl, col - 8, caption) for sl in slots]
    t = Table([row], colWidths=[col] * n)
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "QsSong", 9.5), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 0),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    t.hAlign = "LEFT"
    return t


def _image(png: bytes, max_w: float, max_h: float) -> Image | None:
    from reportlab.lib.utils import ImageReader

    try:
        reader = ImageReader(io.BytesIO(png))
        iw, ih = reader.getSize()
    except Exception:  # a broken PNG must not stop the print; the line stays blank
        return None
    if iw <= 0 or ih <= 0:
        return None
    scale = min(max_w / iw, max_h / ih)
    img = Image(io.BytesIO(png), width=iw * scale, height=ih * scale)
    img.hAlign = "LEFT"
    return img


def signatures_for(f: Field, filled: Filled) -> list[SignatureImage]:
    """The signatures of a signature field: role = the key, or the key without ``_signature(s)``
    (``enterprise_signature`` → ``enterprise``), numbered for multiple fields (``inspector1``…)."""
    base = f.key.removesuffix("_signatures").removesuffix("_signature")
    pattern = re.compile(rf"^{re.escape(base)}\d+$")
    out: list[SignatureImage] = []
    for role in sorted(filled.signatures, key=lambda r: (len(r), r)):
        if role in (f.key, base) or (f.multiple and pattern.match(role)):
            out += filled.signatures[role]
    return out
