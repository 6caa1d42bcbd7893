"""Opening a spreadsheet someone sent: format checks, sheet choice, header row, merged cells.

Cells are read with calamine (``python-calamine``, a compiled .xlsx reader): a 100,000-row sheet
is read in a few seconds, where openpyxl's read-only mode needs the better part of a minute.
Calamine hands every number back as a float and a blank cell as ``""``; :class:`Book` turns them
into what the rest of the import expects (``None`` for blank, ``int`` for whole numbers, as
openpyxl gives them). Each sheet is read once and kept for header detection and the data rows.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from qsdesk.services.excel.fields import FieldSpec, match_header
from qsdesk.services.excel.normalize import CellError, header_key

HEADER_SCAN_ROWS = 30
#: Sheets that hold products (:mod:`qsdesk.services.excel.products`), never the enterprise list.
PRODUCT_SHEET_NAMES = ("产品", "产品信息", "产品清单", "产品目录", "产品明细")
#: An .xlsx may hold at most this much once inflated, and no part may inflate more than
#: ``XLSX_MAX_RATIO`` times (beyond its first MiB): a real sheet's XML shrinks 5 to 50 times,
#: a zip bomb a thousand times. Checked by streaming before the workbook is parsed.
XLSX_MAX_TOTAL = 512 * 1024 * 1024
XLSX_MAX_RATIO = 200
_RATIO_FREE = 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class ExcelFileError(ValueError):
    """The file cannot be imported as it is; the message says why and what to do (Chinese)."""


@dataclass
class ColumnMap:
    index: int  # 0-based column index in the sheet
    header: str  # the header text as written in the file
    field: FieldSpec | None  # None: column not imported

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)


@dataclass
class SheetLayout:
    sheet: str
    header_row: int  # 1-based
    columns: list[ColumnMap]
    merged: list[str] = field(default_factory=list)  # merged ranges below the header
    notices: list[str] = field(default_factory=list)


class Book:
    """A workbook opened for import: sheet names and visibility, each sheet's rows read once."""

    def __init__(self, path: Path, workbook: CalamineWorkbook, error_parts: frozenset[str] = frozenset()) -> None:
        self.path = path
        self._wb = workbook
        #: zip parts that may hold error-type cells (found while checking the inflation)
        self._error_parts = error_parts
        # worksheets only (as openpyxl's ``worksheets``): chart and macro sheets hold no rows
        sheets = [m for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        self.sheetnames: list[str] = [m.name for m in sheets]
        self.hidden: list[str] = [m.name for m in sheets if m.visible != SheetVisibleEnum.Visible]
        self._rows: dict[str, list[list[Any]]] = {}
        self._merged: dict[str, list[str]] = {}

    @property
    def visible(self) -> list[str]:
        return [n for n in self.sheetnames if n not in self.hidden]

    def _load(self, name: str) -> list[list[Any]]:
        rows = self._rows.get(name)
        if rows is None:
            try:
                sheet = self._wb.get_sheet_by_name(name)
                # skip_empty_area=False: row i of the list is sheet row i + 1, column j is column j
                rows = sheet.to_python(skip_empty_area=False)
                ranges = sheet.merged_cell_ranges or []
            except Exception as exc:  # calamine raises its own error types for damaged sheets
                raise ExcelFileError(
                    f"无法读取“{self.path.name}”的工作表“{name}”：文件已损坏（{type(exc).__name__}）。"
                    "请用 Excel 打开后重新保存为 .xlsx。"
                ) from exc
            if self._error_parts:
                _mark_errors(self.path, name, self._error_parts, rows)
            self._rows[name] = rows
            self._merged[name] = [
                f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{r1 + 1}"
                for (r0, c0), (r1, c1) in ranges
            ]
        return rows

    def max_row(self, name: str) -> int:
        return len(self._load(name))

    def merged(self, name: str) -> list[str]:
        """The merged ranges of a sheet (``A1:D1`` …)."""
        self._load(name)
        return self._merged[name]

    def iter_rows(self, name: str, min_row: int = 1, max_row: int | None = None) -> Iterator[tuple[Any, ...]]:
        """Values of rows ``min_row``..``max_row`` (1-based), blanks as None, whole numbers as int."""
        rows = self._load(name)
        for r in rows[min_row - 1:max_row]:
            # calamine gives "" for a blank and floats for numbers; inline: this runs for every cell
            yield tuple([None if v == "" else int(v) if v.__class__ is float and v.is_integer() else v
                         for v in r])

    def close(self) -> None:
        self._rows.clear()
        with contextlib.suppress(Exception):  # closing twice is harmless
            self._wb.close()


def open_workbook(path: Path) -> Book:
    """Open ``path`` for reading, or raise :class:`ExcelFileError` with a plain explanation."""
    path = Path(path)
    if not path.exists():
        raise ExcelFileError(f"找不到文件：{path}")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == _OLE_MAGIC or path.suffix.lower() == ".xls":
        raise ExcelFileError(
            f"“{path.name}”是旧版 Excel 97-2003（.xls）格式，无法直接导入。"
            "请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（.xlsx），再导入新文件。"
        )
    if path.suffix.lower() in (".csv", ".txt"):
        raise ExcelFileError(f"“{path.name}”不是 Excel 工作簿，请另存为 .xlsx 后再导入。")
    if not zipfile.is_zipfile(path):
        raise ExcelFileError(f"“{path.name}”不是有效的 .xlsx 文件（文件已损坏或不是 Excel 文件）。")
    error_parts = _check_inflation(path)
    try:
        return Book(path, CalamineWorkbook.from_path(str(path)), error_parts)
    except Exception as exc:  # calamine raises many types for damaged files
        raise ExcelFileError(
            f"无法读取“{path.name}”：文件已损坏或不是 Excel 工作簿（{type(exc).__name__}）。"
            "请用 Excel 打开后重新保存为 .xlsx。"
        ) from exc


def _check_inflation(path: Path) -> frozenset[str]:
    """Refuse a zip bomb before the (compiled) reader inflates it: the declared sizes must stay
    within the caps, and every part is inflated here in 1 MiB steps (nothing kept) to prove it is
    no larger than declared (Python's zipfile stops at the declared size and checks the CRC).

    Returns the parts that may hold error-type cells (``t="e"``), noticed on the way so that a
    workbook without any is not read a second time."""
    error_parts: set[str] = set()
    bomb = ExcelFileError(f"“{path.name}”解压后过大或压缩比异常（可能是恶意构造的文件），已拒绝导入。")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > XLSX_MAX_TOTAL:
                raise bomb
            for info in infos:
                if info.file_size > _RATIO_FREE and info.file_size > max(1, info.compress_size) * XLSX_MAX_RATIO:
                    raise bomb
            for info in infos:
                with zf.open(info) as fh:
                    tail = b""
                    while chunk := fh.read(1 << 20):
                        if info.filename not in error_parts and _has_error_type(tail + chunk):
                            error_parts.add(info.filename)
                        tail = chunk[-8:]
    except ExcelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError,
            NotImplementedError) as exc:
        raise ExcelFileError(f"“{path.name}”不是有效的 .xlsx 文件（文件已损坏：{exc}）。") from exc
    return frozenset(error_parts)


def _has_error_type(data: bytes) -> bool:
    return b't="e"' in data or b"t='e'" in data


_ERROR_TYPE = re.compile(rb"""\bt\s*=\s*["']e["']""")
_CELL_OPEN = re.compile(rb"<(?:[\w.-]+:)?c(\s[^>]*)?>")
_CELL_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]+)([0-9]+)["']""")
_CELL_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>([^<]*)<")
_CELL_END = re.compile(rb"</(?:[\w.-]+:)?c>")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_part(zf: zipfile.ZipFile, name: str) -> str | None:
    """The zip part holding worksheet ``name`` (workbook.xml and its relationships)."""
    book = "xl/workbook.xml"
    with contextlib.suppress(KeyError):
        for rel in ET.fromstring(zf.read("_rels/.rels")):
            if rel.get("Type", "").endswith("/officeDocument"):
                book = rel.get("Target", book).lstrip("/")
    rid = None
    for el in ET.fromstring(zf.read(book)).iter():
        if _local(el.tag) == "sheet" and el.get("name") == name:
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
    base, leaf = posixpath.split(book)
    for rel in ET.fromstring(zf.read(posixpath.join(base, "_rels", leaf + ".rels"))):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
    return None


def _mark_errors(path: Path, name: str, error_parts: frozenset[str], rows: list[list[Any]]) -> None:
    """Put a :class:`CellError` where sheet ``name`` has an error-type cell (calamine reads those
    as blank, so ``#N/A`` would vanish silently)."""
    try:
        with zipfile.ZipFile(path) as zf:
            part = _sheet_part(zf, name)
            if part not in error_parts:
                return
            data = zf.read(part)
    except (KeyError, ET.ParseError, OSError, zipfile.BadZipFile) as exc:
        raise ExcelFileError(f"无法读取“{path.name}”的工作表“{name}”：文件已损坏。"
                             "请用 Excel 打开后重新保存为 .xlsx。") from exc
    for t in _ERROR_TYPE.finditer(data):
        m = _CELL_OPEN.match(data, data.rfind(b"<", 0, t.start()))
        if m is None or m.end() < t.end():
            continue  # not an attribute of a cell
        attrs = m.group(1) or b""
        ref = _CELL_REF.search(attrs)
        if ref is None:
            raise ExcelFileError(f"工作表“{name}”中有 Excel 错误值（如 #N/A），请在 Excel 中改正或清空后再导入。")
        code = "#N/A"
        if not attrs.endswith(b"/"):
            end = _CELL_END.search(data, m.end())
            value = _CELL_VALUE.search(data, m.end(), end.start() if end else len(data))
            if value is not None and value.group(1).strip():
                code = value.group(1).decode("utf-8", "replace").strip()
        r = int(ref.group(2)) - 1
        c = column_index_from_string(ref.group(1).decode()) - 1
        while len(rows) <= r:
            rows.append([])
        row = rows[r]
        if len(row) <= c:
            row.extend([""] * (c + 1 - len(row)))
        row[c] = CellError(code)


def merged_ranges(wb: Book, sheet_name: str) -> list[str]:
    """The merged ranges of a sheet (``A1:D1`` …)."""
    return wb.merged(sheet_name)


def _score_row(values: tuple[Any, ...]) -> tuple[int, list[ColumnMap]]:
    cols: list[ColumnMap] = []
    seen: set[str] = set()
    score = 0
    for i, v in enumerate(values):
        if v is None or str(v).strip() == "":
            continue
        spec = match_header(v)
        if spec is not None and spec.key in seen:
            spec = None  # a second column with the same meaning is left for the user to map
        if spec is not None:
            seen.add(spec.key)
            score += 1
        cols.append(ColumnMap(i, str(v).strip(), spec))
    if not ({"name", "uscc"} & seen):
        return 0, cols
    return score, cols


def detect_layout(wb: Book, sheet: str | None = None) -> SheetLayout:
    """Choose the sheet (the first visible one with a recognisable header) and its header row."""
    notices: list[str] = []
    hidden = wb.hidden
    if sheet is not None:
        if sheet not in wb.sheetnames:
            raise ExcelFileError(f"工作簿中没有名为“{sheet}”的工作表。")
        candidates = [sheet]
    else:
        product_keys = {header_key(n) for n in PRODUCT_SHEET_NAMES}
        candidates = [n for n in wb.visible if header_key(n) not in product_keys] or wb.visible
        if hidden:
            notices.append("已忽略隐藏的工作表：" + "、".join(f"“{h}”" for h in hidden)
                           + "。如需导入，请在 Excel 中取消隐藏后再导入。")
    best: tuple[int, str, int, list[ColumnMap]] | None = None
    for name in candidates:
        for rno, values in enumerate(wb.iter_rows(name, max_row=HEADER_SCAN_ROWS), start=1):
            score, cols = _score_row(values)
            if score >= 2 and (best is None or score > best[0]):
                best = (score, name, rno, cols)
        if best is not None:
            break
    if best is None:
        where = "“" + "”、“".join(candidates) + "”" if candidates else "（没有可见的工作表）"
        msg = f"在工作表{where}的前 {HEADER_SCAN_ROWS} 行中没有找到表头行（至少需要“企业名称”或“统一社会信用代码”等两列）。"
        if hidden and sheet is None:
            msg += "数据可能在隐藏的工作表中：" + "、".join(hidden) + "，请取消隐藏后再导入。"
        raise ExcelFileError(msg)
    _, name, header_row, cols = best
    if len(wb.sheetnames) - len(hidden) > 1 and sheet is None:
        notices.append(f"工作簿有多个工作表，已使用“{name}”。")
    merged = []
    for ref in merged_ranges(wb, name):
        _min_col, _min_row, _max_col, max_row = range_boundaries(ref)
        if max_row is not None and max_row > header_row:
            merged.append(ref)
    return SheetLayout(sheet=name, header_row=header_row, columns=cols, merged=merged, notices=notices)


def iter_data_rows(wb: Book, layout: SheetLayout) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(1-based row number, values) for every row below the header."""
    yield from enumerate(wb.iter_rows(layout.sheet, min_row=layout.header_row + 1),
                         start=layout.header_row + 1)
