"""A small streaming .xlsx writer for the exports: rows go straight from the database to the zip.

openpyxl's write-only mode builds an object (and an lxml element) for every cell; for a
200,000-row registry that alone took close to a minute. The exports need only a fraction of what
openpyxl offers (one header style, text-formatted codes, dates, column widths and a frozen header
row), so each sheet's XML is put together here as strings, row by row, and deflated into the
workbook as it is produced. Nothing but the current batch of rows is held in memory.

Cells: text as inline strings (``t="inlineStr"``, XML-escaped, characters XML cannot carry
removed), numbers as ``<v>``, dates and date-times as Excel serial numbers with a date format,
booleans as ``t="b"``. Every cell carries its reference (``r="B7"``), so blank cells are simply
left out. The file is written under ``<name>.part`` and renamed when complete, so a crash never
leaves a half-written workbook under the real name.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape as _xml_escape

from openpyxl.utils import get_column_letter

Progress = Callable[[int, int, str], None]

#: style indexes into ``cellXfs`` of :data:`_STYLES`
STYLE_HEADER, STYLE_TEXT, STYLE_DATE, STYLE_DATETIME = 1, 2, 3, 4

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_STYLES = (
    _XML_DECL
    + f'<styleSheet xmlns="{_NS_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
    'applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0"/>'
    '</styleSheet>'
)

# Characters XML 1.0 cannot carry (openpyxl refuses them with IllegalCharacterError); removed.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]").search
_EPOCH = date(1899, 12, 30).toordinal()
_INVALID_TITLE = re.compile(r"[\\*?:/\[\]]")


def _text(v: str) -> str:
    """XML-escaped text, illegal characters removed."""
    if _SPECIAL(v):
        v = _xml_escape(_ILLEGAL.sub("", v))
    return v


def _serial(v: date) -> int:
    days = v.toordinal() - _EPOCH
    if 0 < days <= 60:  # Excel's phantom 1900-02-29: serials before March 1900 are one lower
        days -= 1
    return days


def _serial_dt(v: datetime) -> float | int:
    frac = (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400
    return _serial(v.date()) + frac if frac else _serial(v.date())


def _is(ref: str, text: str, style: int) -> str:
    """An inline-string cell (``text`` already escaped)."""
    s = f' s="{style}"' if style else ""
    if text[0] <= " " or text[-1] <= " ":  # leading/trailing blanks survive only when preserved
        return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f'<c r="{ref}"{s} t="inlineStr"><is><t>{text}</t></is></c>'


def _other_cell(ref: str, v: Any, code: bool) -> str:
    """The cell for a value of a less common type (the row loop handles str/int/float/date)."""
    if code:
        t = _text(v if isinstance(v, str) else str(v))
        return _is(ref, t, STYLE_TEXT) if t else ""
    if isinstance(v, bool):
        return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, datetime):
        return f'<c r="{ref}" s="{STYLE_DATETIME}"><v>{_serial_dt(v)}</v></c>'
    if isinstance(v, date):
        return f'<c r="{ref}" s="{STYLE_DATE}"><v>{_serial(v)}</v></c>'
    if isinstance(v, Decimal):
        if v.is_finite():
            return f'<c r="{ref}"><v>{v:f}</v></c>'
        v = str(v)
    elif isinstance(v, (int, float)):
        if v == v and v not in (float("inf"), float("-inf")):
            return f'<c r="{ref}"><v>{v!r}</v></c>'
        v = str(v)
    elif isinstance(v, time):
        v = v.isoformat()
    t = _text(v if isinstance(v, str) else str(v))
    return _is(ref, t, 0) if t else ""


def row_xml(n: int, row: Sequence[Any], letters: Sequence[str], codes: Sequence[bool], style: int = 0) -> str:
    """The ``<row>`` element for sheet row ``n`` (1-based).

    ``codes[i]``: column i holds codes, written as text with the text format ``@`` whatever the
    value's type. ``style`` (a cellXfs index) is applied to every text cell (the header row).
    """
    rn = str(n)
    out = [f'<row r="{rn}">']
    append = out.append
    inf = float("inf")
    for i, v in enumerate(row):
        if v is None:
            continue
        t = type(v)
        if t is str:
            if not v:
                continue
            if _SPECIAL(v):
                v = _xml_escape(_ILLEGAL.sub("", v))
                if not v:
                    continue
            s = STYLE_TEXT if codes[i] else style
            sa = f' s="{s}"' if s else ""
            if v[0] <= " " or v[-1] <= " ":
                append(f'<c r="{letters[i]}{rn}"{sa} t="inlineStr"><is><t xml:space="preserve">{v}</t></is></c>')
            else:
                append(f'<c r="{letters[i]}{rn}"{sa} t="inlineStr"><is><t>{v}</t></is></c>')
        elif (t is int or t is float) and not codes[i] and v == v and -inf < v < inf:
            append(f'<c r="{letters[i]}{rn}"><v>{v!r}</v></c>')
        elif t is date and not codes[i]:
            d = v.toordinal() - _EPOCH
            if 0 < d <= 60:
                d -= 1
            append(f'<c r="{letters[i]}{rn}" s="{STYLE_DATE}"><v>{d}</v></c>')
        else:
            cell = _other_cell(f"{letters[i]}{rn}", v, codes[i])
            if cell:
                append(cell)
    append("</row>")
    return "".join(out)


class XlsxWriter:
    """A workbook written sheet by sheet into a zip as the rows come.

    ``path``: the final file; the workbook is written to ``<path>.part`` and renamed by
    :meth:`save`. Without it, a temporary file is used and :meth:`save` copies it into place.
    """

    def __init__(self, path: Path | str | None = None, *, compresslevel: int = 1) -> None:
        if path is not None:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._part = path.with_name(path.name + ".part")
            self._target: Path | None = path
        else:
            fd, name = tempfile.mkstemp(suffix=".xlsx.part")
            os.close(fd)
            self._part = Path(name)
            self._target = None
        self._fh: IO[bytes] = self._part.open("wb")
        self._zip = zipfile.ZipFile(self._fh, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self._sheets: list[str] = []
        self._closed = False

    @property
    def sheetnames(self) -> list[str]:
        return list(self._sheets)

    def write_sheet(
        self,
        title: str,
        headers: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        widths: Sequence[float] = (),
        codes: Sequence[bool] = (),
        progress: Progress | None = None,
        total: int = 0,
    ) -> int:
        """Write one sheet: a styled, frozen header row and then ``rows``; returns the data rows."""
        if not title or len(title) > 31 or _INVALID_TITLE.search(title):
            raise ValueError(f"工作表名称无效：{title!r}")
        if title in self._sheets:
            raise ValueError(f"工作表名称重复：{title!r}")
        self._sheets.append(title)
        ncols = max(len(headers), len(widths), len(codes))
        letters = [get_column_letter(i + 1) for i in range(max(ncols, 1))]
        code_flags = list(codes) + [False] * (ncols - len(codes))
        head = [_XML_DECL, f'<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">']
        if headers:
            head.append('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                        'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
                        'activeCell="A2" sqref="A2"/></sheetView></sheetViews>')
        else:
            head.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
        head.append('<sheetFormatPr defaultRowHeight="15"/>')
        if widths:
            head.append("<cols>" + "".join(
                f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1)
            ) + "</cols>")
        head.append("<sheetData>")
        n = 0
        with self._zip.open(f"xl/worksheets/sheet{len(self._sheets)}.xml", "w", force_zip64=True) as out:
            out.write("".join(head).encode())
            rno = 1
            if headers:
                out.write(row_xml(1, list(headers), letters, [False] * len(headers), STYLE_HEADER).encode())
                rno = 2
            batch: list[str] = []
            for row in rows:
                if len(row) > len(letters):
                    letters += [get_column_letter(i + 1) for i in range(len(letters), len(row))]
                    code_flags += [False] * (len(row) - len(code_flags))
                batch.append(row_xml(rno, row, letters, code_flags))
                rno += 1
                n += 1
                if len(batch) >= 500:
                    out.write("".join(batch).encode())
                    batch.clear()
                    if progress is not None and n % 5000 == 0:
                        progress(n, max(total, n), f"已写出 {n} 行")
            if batch:
                out.write("".join(batch).encode())
            out.write(b'</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" '
                      b'header="0.5" footer="0.5"/></worksheet>')
        return n

    def _finish(self) -> None:
        if not self._sheets:  # a workbook needs at least one sheet
            self.write_sheet("Sheet1", (), ())
        z = self._zip
        sheets = "".join(f'<sheet name="{_xml_escape(t, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, t in enumerate(self._sheets, start=1))
        z.writestr("xl/workbook.xml", _XML_DECL + f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
                   '<bookViews><workbookView activeTab="0"/></bookViews>'
                   f"<sheets>{sheets}</sheets></workbook>")
        ws_type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
        rels = "".join(f'<Relationship Id="rId{i}" Type="{ws_type}" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, len(self._sheets) + 1))
        rels += (f'<Relationship Id="rId{len(self._sheets) + 1}" '
                 'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
                 'Target="styles.xml"/>')
        z.writestr("xl/_rels/workbook.xml.rels", _XML_DECL + f'<Relationships xmlns="{_NS_PKG_REL}">{rels}</Relationships>')
        z.writestr("xl/styles.xml", _STYLES)
        z.writestr("_rels/.rels", _XML_DECL + f'<Relationships xmlns="{_NS_PKG_REL}">'
                   '<Relationship Id="rId1" '
                   'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{ct}.worksheet+xml"/>'
                            for i in range(1, len(self._sheets) + 1))
        z.writestr("[Content_Types].xml", _XML_DECL
                   + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
                   f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/>'
                   f"{overrides}</Types>")
        z.close()
        self._fh.close()
        self._closed = True

    def save(self, out: Path | str | None = None) -> Path:
        """Complete the workbook and put it in place atomically; returns the final path."""
        target = Path(out) if out is not None else self._target
        if target is None:
            raise ValueError("save() needs the output path")
        if not self._closed:
            self._finish()
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        if self._part != part:
            shutil.move(str(self._part), str(part))
            self._part = part
        part.replace(target)  # a crash mid-save never leaves a half-written file under the real name
        return target

    def discard(self) -> None:
        """Abandon the workbook (after an error): close and remove the partial file."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(Exception):  # a sheet left open mid-write cannot be finished
                self._zip.close()
            self._fh.close()
        self._part.unlink(missing_ok=True)
