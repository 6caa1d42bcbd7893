"""Products in an Excel import: a second sheet named 产品, one row per product.

Decision (issue 16 item 2): products travel on **their own sheet**, not as repeated enterprise
rows. The enterprise sheet stays one row per credit code (its duplicate-code check, the
"blank never erases" rule and the fast bulk paths all rely on that), and a product sheet is what
annex 3 itself looks like — an enterprise block followed by as many product blocks as it has.

The registry export writes this sheet too, so an exported register imports back with its
products. The product sheet is found by its name (产品, 产品信息, 产品清单, 产品目录, 产品明细) or, failing
that, by a header row holding both 统一社会信用代码 and 产品名称. Columns (other names accepted,
see :data:`PRODUCT_FIELDS`): 统一社会信用代码, 产品名称, 产品分类, 标称生产者, 执行标准, 证书类型
(工业产品生产许可证 / CCC / 其他), 证书编号. Each row is tied to its enterprise by credit code —
one on the enterprise sheet of the same file or one already registered. A product already held
under that name is updated (a blank cell never erases what it holds); a new name is added; a
product missing from the sheet is left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsdesk.domain import binding
from qsdesk.domain.formcatalog import BUNDLED
from qsdesk.domain.formmodel import FormSpec
from qsdesk.domain.uscc import validate as validate_uscc
from qsdesk.services.excel.fields import CENSUS_FORM, bound_field
from qsdesk.services.excel.normalize import clean_code, clean_text, header_key, refuse_excel_error
from qsdesk.services.excel.reader import HEADER_SCAN_ROWS, PRODUCT_SHEET_NAMES, Book
from qsdesk.store.limits import column_limit
from qsdesk.store.models import Enterprise, Product

_LICENCE_WORDS = {
    "工业产品生产许可证": "工业产品生产许可证", "生产许可证": "工业产品生产许可证", "工业产品生产许可": "工业产品生产许可证",
    "生产许可": "工业产品生产许可证", "QS": "工业产品生产许可证", "SC": "工业产品生产许可证",
    "CCC": "CCC", "3C": "CCC", "CCC认证": "CCC", "3C认证": "CCC", "强制性产品认证": "CCC",
    "其他": "其他", "其它": "其他",
}


@dataclass(frozen=True)
class ProductField:
    key: str
    header: str
    synonyms: tuple[str, ...] = ()
    max_len: int = 200

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(header_key(h) for h in (self.header, *self.synonyms))


#: The other names each column goes by in station spreadsheets.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "uscc": ("信用代码", "社会信用代码", "企业信用代码", "统一代码"),
    "name": ("产品", "产品名"),
    "category": ("产品类别", "分类", "类别", "产品目录类别"),
    "nominal_producer": ("标称生产企业", "标称生产单位", "生产者", "生产企业"),
    "standard": ("产品标准", "标准", "执行标准号"),
    "licence_type": ("许可证类型", "许可类型", "许可/认证", "许可认证类型", "证照类型"),
    "certificate_no": ("许可证编号", "证书号", "许可证号", "认证证书编号"),
}


def _product_fields(census: FormSpec) -> tuple[ProductField, ...]:
    """The sheet's columns: the credit code, then the census product table's columns (headers from
    their labels, :data:`qsdesk.domain.binding.PRODUCT_COLUMNS` order; lengths from the models)."""
    table = bound_field(census, binding.PRODUCTS)
    label = {c.column or c.key: c.label for c in table.columns}
    missing = [c for c in binding.PRODUCT_COLUMNS if c not in label]
    if missing:
        raise ValueError(f"form {census.id} v{census.version}: the product table binds no column to {missing}")
    columns = [("uscc", bound_field(census, "uscc").label, column_limit("enterprise", "uscc"))]
    columns += [(c, label[c], column_limit("product", c)) for c in binding.PRODUCT_COLUMNS]
    return tuple(ProductField(key, header, _SYNONYMS[key], limit or 200) for key, header, limit in columns)


_CENSUS = BUNDLED.spec(CENSUS_FORM)
PRODUCT_FIELDS: tuple[ProductField, ...] = _product_fields(_CENSUS)
#: The certificate types the census sheet offers.
LICENCE_TYPES: tuple[str, ...] = tuple(
    next(c for c in bound_field(_CENSUS, binding.PRODUCTS).columns if c.column == "licence_type").choices)
_BY_KEY = {k: f for f in PRODUCT_FIELDS for k in f.keys}


@dataclass(frozen=True)
class ProductRow:
    row: int
    uscc: str
    values: dict[str, Any]  # Product attribute → cleaned value (blank cells absent)


@dataclass
class ProductPlan:
    sheet: str
    header_row: int
    rows: list[ProductRow] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)  # importer.RowError

    @property
    def error_rows(self) -> set[int]:
        return {e.row for e in self.errors}


def _columns(values: tuple[Any, ...]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, v in enumerate(values):
        f = _BY_KEY.get(header_key(v)) if v is not None else None
        if f is not None and f.key not in cols:
            cols[f.key] = i
    return cols


def find_product_sheet(wb: Book, skip: str | None = None) -> tuple[str, int, dict[str, int]] | None:
    """(sheet, header row, field key → column) of the product sheet, or None."""
    names = [n for n in wb.visible if n != skip]
    named = [n for n in names if header_key(n) in {header_key(x) for x in PRODUCT_SHEET_NAMES}]
    for name in named + [n for n in names if n not in named]:
        for rno, values in enumerate(wb.iter_rows(name, max_row=HEADER_SCAN_ROWS), start=1):
            cols = _columns(values)
            if "uscc" in cols and "name" in cols:
                return name, rno, cols
    return None


def _licence(text: str) -> str:
    t = text.replace(" ", "").upper() if text.isascii() else text.replace(" ", "")
    if t in _LICENCE_WORDS:
        return _LICENCE_WORDS[t]
    raise ValueError("证书类型只能填：" + "、".join(LICENCE_TYPES))


def analyse_products(wb: Book, enterprise_sheet: str, error: Any) -> ProductPlan | None:
    """Read and check the product sheet (None when the workbook has none).

    ``error(row, column, value, reason)`` builds the importer's RowError. Whether each credit code
    belongs to a known enterprise is checked by :func:`check_codes` once both sheets are read.
    """
    found = find_product_sheet(wb, skip=enterprise_sheet)
    if found is None:
        return None
    sheet, header_row, cols = found
    plan = ProductPlan(sheet, header_row)
    fields = {f.key: f for f in PRODUCT_FIELDS}
    seen: dict[tuple[str, str], int] = {}
    for rno, values in enumerate(wb.iter_rows(sheet, min_row=header_row + 1), start=header_row + 1):
        raw = {k: (values[i] if i < len(values) else None) for k, i in cols.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw.values()):
            continue
        out: dict[str, Any] = {}
        ok = True
        for key, v in raw.items():
            f = fields[key]
            try:
                refuse_excel_error(v)
                if key == "uscc":
                    if isinstance(v, int | float) and not isinstance(v, bool):
                        raise ValueError("信用代码被 Excel 存成了数字，末几位已丢失；请把该列设为“文本”格式后重新填写")
                    c = clean_code(v)
                    val: Any = validate_uscc(c) if c else None
                elif key == "certificate_no":
                    val = clean_code(v)
                else:
                    val = clean_text(v)
                    if val is not None and key == "licence_type":
                        val = _licence(val)
                if isinstance(val, str) and len(val) > f.max_len:
                    raise ValueError(f"超过 {f.max_len} 个字")
            except ValueError as exc:
                plan.errors.append(error(rno, f"产品表·{f.header}", "" if v is None else str(v), str(exc)))
                ok = False
                continue
            if val is not None:
                out[key] = val
        for need in ("uscc", "name"):
            if ok and need not in out:
                plan.errors.append(error(rno, f"产品表·{fields[need].header}", "", f"{fields[need].header}不能为空"))
                ok = False
        if not ok:
            continue
        key2 = (out["uscc"], out["name"])
        if key2 in seen:
            plan.errors.append(error(rno, "产品表·产品名称", out["name"],
                                     f"与产品表第 {seen[key2]} 行重复（同一企业的同名产品）"))
            continue
        seen[key2] = rno
        code = out.pop("uscc")
        plan.rows.append(ProductRow(rno, code, out))
    return plan


def check_codes(session: Session, plan: ProductPlan, sheet_codes: set[str], error: Any, *,
                refused: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """Drop (as errors) product rows whose credit code is neither on the enterprise sheet (in a
    valid row) nor registered; ``refused`` are codes of enterprise rows that have errors."""
    unknown = {r.uscc for r in plan.rows} - sheet_codes
    registered: set[str] = set()
    codes = sorted(unknown)
    for i in range(0, len(codes), 5000):
        registered.update(session.scalars(select(Enterprise.uscc).where(
            Enterprise.deleted.is_(False), Enterprise.uscc.in_(codes[i:i + 5000]))))
    missing = unknown - registered
    if not missing:
        return
    keep = []
    for r in plan.rows:
        if r.uscc in missing:
            why = ("企业表中该企业所在行有错误，改正后产品才能导入" if r.uscc in refused
                   else "企业表和企业档案中都没有这个统一社会信用代码")
            plan.errors.append(error(r.row, "产品表·统一社会信用代码", r.uscc, why))
        else:
            keep.append(r)
    plan.rows = keep


def write_products(session: Session, rows: Iterable[ProductRow]) -> tuple[int, int]:
    """Insert or update the products (inside the import's transaction); (inserted, updated)."""
    rows = list(rows)
    if not rows:
        return 0, 0
    codes = sorted({r.uscc for r in rows})
    ids: dict[str, str] = {}
    for i in range(0, len(codes), 5000):
        ids.update({u: e for u, e in session.execute(select(Enterprise.uscc, Enterprise.id).where(
            Enterprise.deleted.is_(False), Enterprise.uscc.in_(codes[i:i + 5000]))) if u is not None})
    eids = sorted(set(ids.values()))
    existing: dict[tuple[str, str], Product] = {}
    for i in range(0, len(eids), 5000):
        for p in session.scalars(select(Product).where(Product.deleted.is_(False),
                                                       Product.enterprise_id.in_(eids[i:i + 5000]))):
            existing.setdefault((p.enterprise_id, p.name), p)
    inserted = updated = 0
    for r in rows:
        eid = ids.get(r.uscc)
        if eid is None:  # pragma: no cover - check_codes removed these
            continue
        name = r.values["name"]
        prod = existing.get((eid, name))
        if prod is None:
            prod = Product(enterprise_id=eid, name=name)
            session.add(prod)
            existing[(eid, name)] = prod
            for k, v in r.values.items():
                setattr(prod, k, v)
            inserted += 1
            continue
        changed = False
        for k, v in r.values.items():
            if getattr(prod, k) != v:
                setattr(prod, k, v)
                changed = True
        updated += int(changed)
    session.flush()
    return inserted, updated
