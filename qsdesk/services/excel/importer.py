"""Importing an enterprise list from Excel: analyse first, write only what the user confirmed.

:func:`analyse` reads the sheet, finds the header row, maps columns by their names (the user may
correct the mapping), cleans and validates every row and matches each against the registry by
credit code, giving new / changed / unchanged rows and a row-by-row error list. Nothing is
written. :func:`apply` then writes the plan in one transaction: with errors it refuses unless
the caller asked for the valid rows only.

A blank cell never erases what the registry holds: a county list with fewer columns than the
station's records must not wipe the station's phone numbers. Only the columns present are
compared and updated.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from operator import mul
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from qsdesk.domain.grading import grade, stored_unit_types
from qsdesk.domain.uscc import ALPHABET as USCC_ALPHABET
from qsdesk.domain.uscc import is_individual_business
from qsdesk.domain.uscc import validate as validate_uscc
from qsdesk.services import audit, classes
from qsdesk.services.excel.fields import (
    DOMAIN_CHOICES,
    FIELDS_BY_KEY,
    FieldSpec,
    parse_unit_types,
)
from qsdesk.services.excel.normalize import (
    clean_code,
    clean_text,
    header_key,
    parse_date,
    parse_decimal,
    parse_int,
    refuse_excel_error,
)
from qsdesk.services.excel.products import ProductPlan, analyse_products, check_codes, write_products
from qsdesk.services.excel.reader import (
    ColumnMap,
    ExcelFileError,
    SheetLayout,
    detect_layout,
    iter_data_rows,
    open_workbook,
)
from qsdesk.store.bulk import bulk_session
from qsdesk.store.db import Store, next_change_seq, utcnow
from qsdesk.store.models import Enterprise, Inspector, new_id

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


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\n", "⏎")


def _row_kind(values: tuple[Any, ...]) -> str | None:
    """``blank`` / ``total`` / ``footer`` for rows that are not records, else None.

    Only the first three non-blank cells matter (and whether there is more than one), so the
    scan stops there: this runs for every row of the sheet.
    """
    first: list[str] = []
    for v in values:
        if v is None:
            continue
        t = v.strip() if type(v) is str else str(v).strip()
        if t:
            first.append(t)
            if len(first) > 3:
                break
    if not first:
        return "blank"
    for t in first[:3]:
        if "计" not in t:  # every total word ends in 计 (and no other character folds to it)
            continue
        k = header_key(t)
        if k in _TOTAL_WORDS or any(k.startswith(w) for w in _TOTAL_WORDS):
            return "total"
    if len(first) == 1 and header_key(first[0]).startswith(_FOOTER_PREFIXES):
        return "footer"
    return None


# A text needs clean_text only with blanks at either end, two spaces in a row, a tab or line
# break, or a full-width digit/letter/space; anything else clean_text returns unchanged.
_TEXT_NEEDS_CLEANING = re.compile(
    r"^\s|\s$| {2}|[\t\n\r\v\f\x85\u2028\u2029\u3000\u00a0\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]"
).search
# Printable ASCII without blanks or lower-case letters: clean_code returns such a code unchanged.
_CODE_IS_CLEAN = re.compile(r"[!-`{-~]+").fullmatch
_PHONE_CHARS = re.compile(r"[0-9\-+()（）转,/、]+").fullmatch
# A well-formed credit code (GB 32100-2015): 18 characters of the code alphabet, positions 3–8
# digits. For such a code only the check character remains to be verified; any other code, and
# any code failing the check, goes through qsdesk.domain.uscc.validate for its reason.
_USCC_CHAR = "[" + USCC_ALPHABET + "]"
_USCC_SHAPE = re.compile(f"{_USCC_CHAR}{{2}}[0-9]{{6}}{_USCC_CHAR}{{10}}").fullmatch
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}.__getitem__
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, …


def _uscc_check_ok(code: str) -> bool:
    """The check character (position 18) of a well-formed code is right (same rule as
    :func:`qsdesk.domain.uscc.check_digit`, without its per-call normalising: ~10× faster)."""
    total = sum(map(mul, map(_USCC_VALUE, code[:17]), _USCC_WEIGHTS))
    return USCC_ALPHABET[-total % 31] == code[17]


#: kinds whose few distinct values are worth converting once per import
_MEMO_KINDS = frozenset({"domain", "unit_types", "inspector", "date"})


class _Validator:
    def __init__(self, inspectors: Mapping[str, str]) -> None:
        self.inspectors = inspectors

    def convert(self, spec: FieldSpec, raw: Any) -> Any:
        """The cleaned value of one cell (None when blank); ValueError with the reason."""
        refuse_excel_error(raw)
        kind = spec.kind
        if kind == "text":
            v: Any = clean_text(raw)
        elif kind == "code":
            if spec.key == "uscc" and isinstance(raw, (int, float)) and not isinstance(raw, bool):
                raise ValueError("信用代码被 Excel 存成了数字，末几位已丢失；请把该列设为“文本”格式后重新填写")
            v = clean_code(raw)
            if v is not None and spec.key == "uscc":
                v = validate_uscc(v)
        elif kind == "phone":
            v = clean_code(raw)
            if v is not None and not all(c.isdigit() or c in "-+()（）转,/、" for c in v):
                raise ValueError("电话号码只能包含数字和 - + ( ) 转")
        elif kind == "int":
            v = parse_int(raw)
            if v is not None and v < 0:
                raise ValueError("不能为负数")
        elif kind == "decimal":
            v = parse_decimal(raw)
            if v is not None and v < 0:
                raise ValueError("不能为负数")
        elif kind == "date":
            v = parse_date(raw)
        elif kind == "domain":
            v = clean_text(raw)
            if v is not None:
                v = v.removesuffix("领域")
                if v not in DOMAIN_CHOICES:
                    raise ValueError("所属领域只能填：" + "、".join(DOMAIN_CHOICES))
        elif kind == "unit_types":
            t = clean_text(raw)
            v = parse_unit_types(t) if t else None
        elif kind == "inspector":
            name = clean_text(raw)
            if name is None:
                v = None
            else:
                v = self.inspectors.get(name.replace(" ", ""))
                if v is None:
                    raise ValueError(f"检查人员名单中没有“{name}”（请先在设置中添加）")
        else:  # pragma: no cover - a FieldSpec with an unknown kind is a programming error
            raise AssertionError(kind)
        if isinstance(v, str) and spec.max_len and len(v) > spec.max_len:
            raise ValueError(f"超过 {spec.max_len} 个字")
        return v

    def converter(self, spec: FieldSpec) -> Callable[[Any], Any]:
        """:meth:`convert` for one column, with fast paths for the common clean values.

        Every fast path returns exactly what :meth:`convert` returns; anything unusual goes
        through :meth:`convert` itself (so does every text starting with ``#``, which may be an
        Excel error value such as ``#N/A``).
        """
        convert = self.convert
        max_len = spec.max_len or 0
        if spec.kind == "text":
            def text(raw: Any) -> Any:
                if type(raw) is str and raw and raw[0] != "#" and not _TEXT_NEEDS_CLEANING(raw):
                    if max_len and len(raw) > max_len:
                        raise ValueError(f"超过 {max_len} 个字")
                    return raw
                return convert(spec, raw)
            return text
        if spec.kind == "code" and spec.key == "uscc":
            def uscc(raw: Any) -> Any:
                if type(raw) is str and _CODE_IS_CLEAN(raw):
                    if _USCC_SHAPE(raw) and _uscc_check_ok(raw):
                        return raw
                    if raw[0] != "#":
                        return validate_uscc(raw)  # says exactly what is wrong
                return convert(spec, raw)
            return uscc
        if spec.kind in ("code", "phone"):
            phone = spec.kind == "phone"

            def code(raw: Any) -> Any:
                if (type(raw) is str and raw[:1] != "#" and _CODE_IS_CLEAN(raw) and not (max_len and len(raw) > max_len)
                        and (not phone or _PHONE_CHARS(raw))):
                    return raw
                return convert(spec, raw)
            return code
        if spec.kind == "int":
            def integer(raw: Any) -> Any:
                if type(raw) is int and raw >= 0:
                    return raw
                return convert(spec, raw)
            return integer
        if spec.kind in _MEMO_KINDS:
            memo: dict[Any, tuple[Any, str | None]] = {}

            def memoised(raw: Any) -> Any:
                key = (type(raw), raw)  # 1, 1.0 and True are equal keys but not equal cells
                try:
                    hit = memo.get(key)
                except TypeError:  # unhashable: not cached
                    return convert(spec, raw)
                if hit is None:
                    try:
                        hit = (convert(spec, raw), None)
                    except ValueError as exc:
                        hit = (None, str(exc))
                    if len(memo) < 10_000:
                        memo[key] = hit
                if hit[1] is not None:
                    raise ValueError(hit[1])
                return hit[0]
            return memoised
        return lambda raw: convert(spec, raw)


def _inspector_names(session: Session) -> dict[str, str]:
    rows = session.execute(
        select(Inspector.name, Inspector.id).where(Inspector.deleted.is_(False)).order_by(Inspector.active)
    )
    return {name.replace(" ", ""): iid for name, iid in rows}


def _compare_attrs(columns: list[ColumnMap]) -> list[str]:
    return [_ATTR.get(c.field.key, c.field.key) for c in columns if c.field is not None and c.field.importable]


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


def apply_mapping(layout: SheetLayout, mapping: Mapping[int, str | None]) -> SheetLayout:
    """The layout with the user's corrections: column index → field key (None: do not import)."""
    cols = []
    for c in layout.columns:
        if c.index in mapping:
            key = mapping[c.index]
            cols.append(ColumnMap(c.index, c.header, FIELDS_BY_KEY[key] if key else None))
        else:
            cols.append(c)
    keys = [c.field.key for c in cols if c.field is not None]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ExcelFileError("同一字段被映射到多列：" + "、".join(FIELDS_BY_KEY[k].header for k in sorted(dup)))
    return SheetLayout(layout.sheet, layout.header_row, cols, layout.merged, layout.notices)


def preview(path: Path | str, sheet: str | None = None, rows: int = 3) -> tuple[SheetLayout, list[tuple[Any, ...]]]:
    """The sheet choice, the proposed mapping and the first data rows (the wizard's mapping step)."""
    wb = open_workbook(Path(path))
    try:
        layout = detect_layout(wb, sheet)
        samples: list[tuple[Any, ...]] = []
        for _rno, values in iter_data_rows(wb, layout):
            if _row_kind(values) is None:
                samples.append(values)
                if len(samples) >= rows:
                    break
        return layout, samples
    finally:
        wb.close()


def analyse(
    store: Store,
    path: Path | str,
    *,
    mapping: Mapping[int, str | None] | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    default_entry_reason: str | None = None,
) -> ImportPlan:
    """Read, clean, validate and match every row; write nothing.

    A new enterprise (first entry) needs its 录入原因 (国市监质监发〔2023〕38号 四（一））: from its
    own cell, else ``default_entry_reason`` (one reason for the whole file), else the row is an
    error row."""
    path = Path(path)
    if progress is not None:
        progress(0, 0, "正在读取工作表…")
    wb = open_workbook(path)
    try:
        layout = detect_layout(wb, sheet)
        if mapping:
            layout = apply_mapping(layout, mapping)
        if layout.merged:
            shown = "、".join(layout.merged[:5]) + ("等" if len(layout.merged) > 5 else "")
            raise ExcelFileError(
                f"工作表“{layout.sheet}”的数据区有合并单元格（{shown}）。合并后只有第一个单元格有值，"
                "其余行会被当作空白。请在 Excel 中选中这些单元格，“取消合并”并把值填到每一行后再导入。"
            )
        mapped = [c for c in layout.columns if c.field is not None and c.field.importable]
        keys = {c.field.key for c in mapped if c.field is not None}
        missing = [FIELDS_BY_KEY[k].header for k in ("uscc", "name") if k not in keys]
        if missing:
            raise ExcelFileError("没有找到必需的列：" + "、".join(missing) + "。请在列对应中指定。")
        plan = ImportPlan(path=path, layout=layout)
        with store.session() as s:
            validator = _Validator(_inspector_names(s))
        attrs = _compare_attrs(layout.columns)
        total = wb.max_row(layout.sheet)
        seen_codes: dict[str, int] = {}
        valid: list[ParsedRow] = []
        # per mapped column: sheet index, header, attribute, converter, required
        plan_cols = [(c.index, c.header, _ATTR.get(c.field.key, c.field.key), validator.converter(c.field),
                      c.field.required, c.field.header) for c in mapped if c.field is not None]
        idxs = [c[0] for c in plan_cols]
        errors = plan.errors
        for n, (rno, values) in enumerate(iter_data_rows(wb, layout)):
            if n % 2000 == 0:
                if progress is not None:
                    progress(n, max(total - layout.header_row, n), f"正在检查第 {rno} 行")
                if cancelled is not None and cancelled():
                    raise InterruptedError("已取消")
            kind = _row_kind(values)
            if kind is not None:
                if kind != "blank":
                    plan.skipped.append((rno, "合计行" if kind == "total" else "表尾说明"))
                continue
            width = len(values)
            raws = [values[i] if i < width else None for i in idxs]
            if all(r is None or (type(r) is str and not r.strip()) for r in raws):
                continue  # e.g. a template's pre-numbered empty rows: only 序号 filled in
            plan.rows_read += 1
            parsed = ParsedRow(rno, {})
            vals = parsed.values
            row_ok = True
            for (_i, header, attr, conv, required, label), raw in zip(plan_cols, raws, strict=True):
                if raw is None:
                    v = None
                else:
                    try:
                        v = conv(raw)
                    except ValueError as exc:
                        errors.append(RowError(rno, header, _fmt(raw), str(exc)))
                        row_ok = False
                        continue
                if v is None:
                    if required:
                        errors.append(RowError(rno, header, "", f"{label}不能为空"))
                        row_ok = False
                    continue
                vals[attr] = v
            code = parsed.values.get("uscc")
            if code is not None:
                first = seen_codes.setdefault(code, rno)
                if first != rno:
                    plan.errors.append(RowError(rno, FIELDS_BY_KEY["uscc"].header, code,
                                                f"与第 {first} 行的统一社会信用代码重复"))
                    row_ok = False
            if row_ok:
                valid.append(parsed)
        plan.products = analyse_products(wb, layout.sheet, RowError)
        # match by credit code once every row is read: one indexed look-up per few thousand codes
        with store.session() as s:
            existing = _existing(s, attrs, seen_codes)
        reason_header = next((c.header for c in mapped if c.field is not None and c.field.key == "entry_reason"),
                             FIELDS_BY_KEY["entry_reason"].header)
        default_reason = (default_entry_reason or "").strip() or None
        accepted: set[str] = set()
        for parsed in valid:
            code = parsed.values.get("uscc")
            old = existing.get(code) if code else None
            if old is None or not code:
                if "entry_reason" not in parsed.values:
                    if default_reason is None:
                        errors.append(RowError(parsed.row, reason_header, "", ENTRY_REASON_MISSING))
                        continue
                    parsed.values["entry_reason"] = default_reason
                plan.new.append(parsed)
                if code:
                    accepted.add(code)
                continue
            accepted.add(code)
            diffs = {a: (old.get(a), v) for a, v in parsed.values.items() if old.get(a) != v}
            if diffs:
                plan.changed.append(Change(parsed, old["id"], diffs))
            else:
                plan.unchanged.append((parsed, old["id"]))
        if plan.products is not None:
            # products only of the enterprises this import accepts (or already registered)
            with store.session() as s:
                check_codes(s, plan.products, accepted, RowError, refused=set(seen_codes) - accepted)
        if progress is not None:
            progress(1, 1, plan.summary())
        return plan
    finally:
        wb.close()


def _grade(values: Mapping[str, Any], code: str) -> str | None:
    """The A–D grade from the row's unit types, staff and revenue (None when not gradable)."""
    types = stored_unit_types(values.get("unit_types"))
    g = grade(types, values.get("staff"), values.get("revenue_wan"),
              individual_business=is_individual_business(code))
    return None if g is None else str(g)


_GRADE_INPUTS = ("unit_types", "staff", "revenue_wan")
_NO_EXTRA: dict[str, Any] = {}  # shared by every inserted row (only read, to be serialised)
#: columns the registry's search index triggers watch (store migration 0002)
_SEARCH_COLS = frozenset({"name", "uscc", "legal_rep", "address"})
_INSERT_ATTRS = tuple(
    a for a in (_ATTR.get(f.key, f.key) for f in FIELDS_BY_KEY.values() if f.importable)
)


#: the columns that decide from when an enterprise's supervisor duties are tracked
_DUTY_ATTRS = ("responsible_inspector_id", "responsible_since", "visits_since", "responsible_since_assumed")


def _track_duty(rec: dict[str, Any], today: date) -> None:
    """A supervisor without a start date starts today (marked assumed); visits are owed from the
    first start."""
    if not rec.get("responsible_inspector_id"):
        return
    if rec.get("responsible_since") is None:
        rec["responsible_since"] = today
        rec["responsible_since_assumed"] = True
    if rec.get("visits_since") is None:
        rec["visits_since"] = rec["responsible_since"]


def _write_many(session: Session, kind: str, rows: list[dict[str, Any]]) -> None:
    """INSERT (``kind="insert"``) or UPDATE by id (``"update"``) of enterprise rows, in batches.

    On SQLite the rows first go into a temporary table (the driver's ``executemany``, values
    converted by the columns' own SQLAlchemy bind processors), and from there into the registry
    with one ``INSERT … SELECT`` / ``UPDATE … FROM`` statement. One statement matters: the
    search-index triggers feed an FTS5 table, and FTS5 writes its pending terms out at every
    statement boundary, so row-by-row statements cost a new index segment per row (about 150 µs
    a row on a county registry). Rows with the same columns form one batch; other databases
    take the Core path.
    """
    table = cast(Table, Enterprise.__table__)
    conn = session.connection()
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(r), []).append(r)
    for cols, batch in groups.items():
        if conn.dialect.name != "sqlite" or sqlite3.sqlite_version_info < (3, 33):
            if kind == "insert":
                conn.execute(insert(table), batch)
            else:
                conn.execute(update(table).where(table.c.id == bindparam("_id")),
                             [{**{c: r[c] for c in cols if c != "id"}, "_id": r["id"]} for r in batch])
            continue
        dialect = conn.dialect
        quote = dialect.identifier_preparer.quote
        order = [c for c in cols if c != "id"] + ["id"]
        procs = [(i, f) for i, c in enumerate(order)
                 if (f := table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
        params: list[tuple[Any, ...]] = []
        memo: dict[int, tuple[Any, Any]] = {}  # column → (last value, converted): stamps repeat
        for r in batch:
            values = [r[c] for c in order]
            for i, f in procs:
                v = values[i]
                if v is None:
                    continue
                last = memo.get(i)
                if last is not None and last[0] is v:
                    values[i] = last[1]
                else:
                    values[i] = out = f(v)
                    memo[i] = (v, out)
            params.append(tuple(values))
        names = [quote(c) for c in order]
        target = quote(table.name)
        tmp = "temp." + quote("qsdesk_import_rows")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {tmp}")
        # untyped columns: values kept exactly as bound, the registry's own column affinities
        # apply when they are copied over, as for a direct insert
        conn.exec_driver_sql(f"CREATE TEMP TABLE {quote('qsdesk_import_rows')} ({', '.join(names)})")
        conn.exec_driver_sql(f"INSERT INTO {tmp} VALUES ({', '.join('?' * len(order))})", params)
        if kind == "insert":
            conn.exec_driver_sql(f"INSERT INTO {target} ({', '.join(names)}) "
                                 f"SELECT {', '.join(names)} FROM {tmp} ORDER BY rowid")
        else:
            sets = ", ".join(f"{n} = t.{n}" for n in names[:-1])
            conn.exec_driver_sql(f"UPDATE {target} SET {sets} FROM {tmp} AS t WHERE {target}.{quote('id')} = t.{quote('id')}")
        conn.exec_driver_sql(f"DROP TABLE {tmp}")


def apply(store: Store, plan: ImportPlan, *, only_valid: bool = False, today: date | None = None) -> ImportResult:
    """Write the plan's new and changed rows in one transaction.

    Rows are matched again inside the transaction, so a plan analysed a while ago still updates
    the right records. With errors in the plan nothing is written unless ``only_valid``.
    An enterprise that gets a responsible supervisor without a start date is tracked from the
    import date (``today``), marked as assumed; the half-year visits are owed from its first
    start (``visits_since``).
    """
    today = today or date.today()
    if plan.has_errors and not only_valid:
        raise ImportRefused(
            f"有 {len(plan.error_rows)} 行数据有错误，未导入任何数据。请修改后重新导入，或选择“仅导入无误的行”。"
        )
    rows = [p for p in plan.new] + [c.parsed for c in plan.changed] + [p for p, _ in plan.unchanged]
    inserted = updated = unchanged = 0
    with store.transaction() as s, bulk_session(s):
        attrs = sorted({a for p in rows for a in p.values} | set(_GRADE_INPUTS))
        duty = "responsible_inspector_id" in attrs
        if duty:
            attrs = sorted(set(attrs) | set(_DUTY_ATTRS))
        # the counter first (the lock order in qsdesk.store.db): no edit commits between the
        # read of the stored rows and the write below
        seq = next_change_seq(s)
        existing = _existing(s, [a for a in attrs if a != "uscc"] + ["grade"], (p.values["uscc"] for p in rows))
        upd_attrs = [a for a in attrs if a != "uscc"]
        now = utcnow()
        origin = str(s.info.get("origin", ""))
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        class_inputs: list[str] = []  # enterprises whose class inputs this import sets
        for p in rows:
            old = existing.get(p.values["uscc"])
            if old is None:
                rec: dict[str, Any] = dict.fromkeys(_INSERT_ATTRS)
                rec.update(p.values)
                rec.update(id=new_id(), rev=1, updated_at=now, origin=origin, deleted=False,
                           change_seq=seq, unit_types=rec.get("unit_types") or "",
                           supervision_class="routine", extra=_NO_EXTRA,
                           individual_business=is_individual_business(p.values["uscc"]),
                           grade=_grade(p.values, p.values["uscc"]))
                rec["responsible_since_assumed"] = False
                rec["visits_since"] = None
                if duty:
                    _track_duty(rec, today)
                inserts.append(rec)
                if rec.get("abnormal_status") or rec.get("credit_risk"):
                    class_inputs.append(rec["id"])
                continue
            if duty and p.values.get("responsible_inspector_id") not in (None, old.get("responsible_inspector_id")):
                # a supervisor named by this import
                vals = {a: p.values.get(a, old.get(a)) for a in _DUTY_ATTRS}
                _track_duty(vals, today)
                p = ParsedRow(p.row, {**p.values, **{a: v for a, v in vals.items() if v != old.get(a)}})
            diff = {a: v for a, v in p.values.items() if old.get(a) != v}
            if not diff:
                unchanged += 1
                continue
            # Every update row carries the same columns (the old value where nothing changed) so
            # the whole batch is one executemany instead of one statement per combination.
            rec = {a: diff.get(a, old.get(a)) for a in upd_attrs}
            rec["grade"] = old.get("grade")
            if any(a in diff for a in _GRADE_INPUTS):
                rec["grade"] = _grade({a: rec[a] for a in _GRADE_INPUTS}, p.values["uscc"])
            if not _SEARCH_COLS & diff.keys():
                # leave the indexed columns out so the search-index trigger does not fire for them;
                # that makes at most two column sets (two batches)
                for a in _SEARCH_COLS:
                    rec.pop(a, None)
            rec.update(id=old["id"], rev=(old["rev"] or 0) + 1, updated_at=now, change_seq=seq)
            updates.append(rec)
            if {"abnormal_status", "credit_risk"} & diff.keys():
                class_inputs.append(old["id"])
        if inserts:
            # in id order the new keys land next to each other in the primary-key and search indexes
            inserts.sort(key=lambda r: r["id"])
            _write_many(s, "insert", inserts)
        if updates:
            updates.sort(key=lambda r: r["id"])
            _write_many(s, "update", updates)
        inserted, updated = len(inserts), len(updates)
        p_ins = p_upd = 0
        if plan.products is not None:
            # the valid product rows (analyse moved the others to the plan's errors)
            p_ins, p_upd = write_products(s, plan.products.rows)
        classes.refresh(s, class_inputs)
        audit.record(s, "import", "enterprise", None, file=plan.path.name, sheet=plan.layout.sheet,
                     inserted=inserted, updated=updated, unchanged=unchanged,
                     rejected_rows=len(plan.error_rows),
                     products_inserted=p_ins or None, products_updated=p_upd or None)
    return ImportResult(inserted, updated, unchanged, len(plan.error_rows), p_ins, p_upd)


def import_file(
    store: Store,
    path: Path | str,
    *,
    only_valid: bool = False,
    dry_run: bool = False,
    mapping: Mapping[int, str | None] | None = None,
    default_entry_reason: str | None = None,
) -> tuple[ImportPlan, ImportResult | None]:
    """analyse + apply (what the CLI runs). With ``dry_run`` nothing is written."""
    plan = analyse(store, path, mapping=mapping, default_entry_reason=default_entry_reason)
    if dry_run:
        return plan, None
    return plan, apply(store, plan, only_valid=only_valid)
