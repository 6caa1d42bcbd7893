"""Opening a spreadsheet someone sent: format checks, sheet choice, header row, merged cells.

Workbooks are opened in openpyxl's read-only (streaming) mode so a 100,000-row sheet does not
sit in memory as cell objects. Read-only worksheets do not expose merged ranges, so those are
read from the sheet's XML directly (the ``<mergeCells>`` element after the rows).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook

from qsdesk.services.excel.fields import FieldSpec, match_header

HEADER_SCAN_ROWS = 30
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')


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


def open_workbook(path: Path) -> Workbook:
    """Open ``path`` read-only, or raise :class:`ExcelFileError` with a plain explanation."""
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
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise ExcelFileError(
            f"无法读取“{path.name}”：文件已损坏或不是 Excel 工作簿（{type(exc).__name__}）。"
            "请用 Excel 打开后重新保存为 .xlsx。"
        ) from exc


def merged_ranges(wb: Workbook, sheet_name: str) -> list[str]:
    """The merged ranges of a sheet of a read-only workbook (``A1:D1`` …)."""
    ws = wb[sheet_name]
    archive: zipfile.ZipFile | None = getattr(wb, "_archive", None)
    ws_path: str | None = getattr(ws, "_worksheet_path", None)
    if archive is None or ws_path is None:  # a workbook opened normally keeps its merged ranges
        return [str(r) for r in ws.merged_cells.ranges]
    found: list[str] = []
    tail = b""
    with archive.open(ws_path.lstrip("/")) as fh:
        while chunk := fh.read(1 << 20):
            buf = tail + chunk
            found.extend(m.group(1).decode() for m in _MERGE_RE.finditer(buf))
            # keep an overlap so a tag split across chunks is still seen; duplicates are dropped
            tail = buf[-200:]
    return list(dict.fromkeys(found))


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


def detect_layout(wb: Workbook, sheet: str | None = None) -> SheetLayout:
    """Choose the sheet (the first visible one with a recognisable header) and its header row."""
    notices: list[str] = []
    hidden = [ws.title for ws in wb.worksheets if ws.sheet_state != "visible"]
    if sheet is not None:
        if sheet not in wb.sheetnames:
            raise ExcelFileError(f"工作簿中没有名为“{sheet}”的工作表。")
        candidates = [sheet]
    else:
        candidates = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
        if hidden:
            notices.append("已忽略隐藏的工作表：" + "、".join(f"“{h}”" for h in hidden)
                           + "。如需导入，请在 Excel 中取消隐藏后再导入。")
    best: tuple[int, str, int, list[ColumnMap]] | None = None
    for name in candidates:
        ws = wb[name]
        for rno, values in enumerate(ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True), start=1):
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


def iter_data_rows(wb: Workbook, layout: SheetLayout) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(1-based row number, values) for every row below the header."""
    ws = wb[layout.sheet]
    yield from enumerate(ws.iter_rows(min_row=layout.header_row + 1, values_only=True),
                         start=layout.header_row + 1)
