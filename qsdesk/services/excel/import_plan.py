"""What an Excel import plans before anything is written: rows read and checked, their errors, the
changes against the registry, and what applying them did. Shared by the analysis
(:mod:`.importer`), the row checks (:mod:`.row_checks`) and the writing (:mod:`.import_apply`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsdesk.services.excel.products import ProductPlan
from qsdesk.services.excel.reader import (
    SheetLayout,
)
from qsdesk.store.models import Enterprise

Progress = Callable[[int, int, str], None]

_TOTAL_WORDS = ("合计", "总计", "小计", "共计", "累计")
_FOOTER_PREFIXES = ("注", "说明", "填表", "制表", "审核", "备注", "单位负责人", "填报", "统计人", "负责人：")

#: attributes written to the Enterprise row, by field key
_ATTR = {"responsible": "responsible_inspector_id"}


#: The error of a new row without its reason.
ENTRY_REASON_MISSING = "首次录入的单位应注明录入原因（国市监质监发〔2023〕38号 四（一））；可在表中填写，或导入时统一指定"


class ImportRefused(ValueError):
    """apply() was asked to write a plan that has errors (and not only the valid rows)."""


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based sheet row
    column: str  # header as in the file (or the field's name)
    value: str
    reason: str


@dataclass
class ParsedRow:
    row: int
    values: dict[str, Any]  # Enterprise attribute -> cleaned value (blank cells absent)


@dataclass
class Change:
    parsed: ParsedRow
    enterprise_id: str
    diffs: dict[str, tuple[Any, Any]]  # attribute -> (old, new)


@dataclass
class ImportPlan:
    path: Path
    layout: SheetLayout
    rows_read: int = 0
    errors: list[RowError] = field(default_factory=list)
    new: list[ParsedRow] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: list[tuple[ParsedRow, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, why) blank/total/footer
    #: The product sheet of the same workbook, if it has one (:mod:`qsdesk.services.excel.products`).
    products: ProductPlan | None = None

    @property
    def notices(self) -> list[str]:
        return self.layout.notices

    @property
    def error_rows(self) -> set[int]:
        return {e.row for e in self.errors}

    @property
    def all_errors(self) -> list[RowError]:
        """Enterprise-sheet and product-sheet errors (the latter's column says 产品表·…)."""
        return self.errors + (self.products.errors if self.products is not None else [])

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or bool(self.products is not None and self.products.errors)

    def summary(self) -> str:
        text = (f"读取 {self.rows_read} 行：新增 {len(self.new)}，变更 {len(self.changed)}，"
                f"未变 {len(self.unchanged)}，有错误 {len(self.error_rows)} 行，跳过 {len(self.skipped)} 行")
        if self.products is not None:
            text += (f"；产品表“{self.products.sheet}”：产品 {len(self.products.rows)} 条，"
                     f"有错误 {len(self.products.error_rows)} 行")
        return text


@dataclass
class ImportResult:
    inserted: int
    updated: int
    unchanged: int
    rejected_rows: int
    products_inserted: int = 0
    products_updated: int = 0


def _existing(session: Session, attrs: list[str], codes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The live enterprises holding one of ``codes``, by credit code: id, rev and ``attrs``.

    Looked up by code through the credit-code index, a few thousand codes per query, so an
    import touches only the records it matches, not the whole registry.
    """
    cols = [Enterprise.id, Enterprise.rev, Enterprise.uscc] + [getattr(Enterprise, a) for a in attrs
                                                               if a != "uscc"]
    wanted = sorted(set(codes))
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(wanted), _CODES_PER_QUERY):
        # through the Connection: plain column rows, without the ORM's result processing
        result = session.connection().execute(select(*cols).where(
            Enterprise.deleted.is_(False), Enterprise.uscc.in_(wanted[i:i + _CODES_PER_QUERY])))
        keys = list(result.keys())
        for row in result.all():
            rec = dict(zip(keys, row, strict=True))
            out[rec["uscc"]] = rec
    return out


_CODES_PER_QUERY = 5000
