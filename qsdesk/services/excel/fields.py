"""The enterprise columns the Excel import understands and the export writes.

One table serves both directions so an exported registry imports back unchanged: ``header`` is
what the export writes, ``synonyms`` are the other names counties and stations use for the same
column. Matching ignores spaces, full-width/half-width differences and a leading ``*``.

The columns the census sheet (annex 3) holds are **not declared here**: :func:`enterprise_fields`
reads them from the census spec's binding (``column = …`` in ``forms/annex3_census.toml``), which
gives the header (the form's label), the field type and the choices. A census spec that binds no
field to one of those columns is an error when this module loads, never a missing column in a
file. What this table adds is what only a spreadsheet needs: the other names of a column, the
column width, and the columns the census sheet does not have (unit types, staff, revenue, the
responsible supervisor, …).

Every column has a field type of :data:`qsdesk.domain.fieldtypes.REGISTRY`; its cell converter
is looked up in :data:`qsdesk.services.excel.cells.CELL_TYPES`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from qsdesk.domain import binding
from qsdesk.domain.formcatalog import BUNDLED
from qsdesk.domain.formmodel import Field, FormSpec
from qsdesk.domain.grading import UNIT_TYPE_WORDS, parse_unit_types, store_unit_types
from qsdesk.services.excel.normalize import header_key
from qsdesk.store.limits import column_limit

CENSUS_FORM = "annex3_census"

_NO_ALIASES: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class FieldSpec:
    key: str  # Enterprise attribute (or a pseudo key such as ``responsible``)
    header: str
    type: str  # a field type name (qsdesk.domain.fieldtypes.REGISTRY)
    synonyms: tuple[str, ...] = ()
    required: bool = False
    max_len: int | None = None
    importable: bool = True  # False: written by the export, ignored by the import (computed)
    width: int = 14
    choices: tuple[str, ...] = ()
    #: a choice's free-text answer: a value outside ``choices`` is kept as written
    other_choice: str | None = None
    #: other words for a choice (``生产领域`` → ``生产``)
    aliases: Mapping[str, str] = field(default_factory=lambda: _NO_ALIASES, hash=False, compare=False)
    #: the stored form of a parsed value when the column stores something else than the type's
    #: value (unit types: the words → ``"producer,retailer"``)
    store: Callable[[str], Any] | None = field(default=None, hash=False, compare=False)
    keys: frozenset[str] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        # a text column's length is declared once, in the models (what the county's PostgreSQL
        # enforces): the import refuses what the database would
        limit = column_limit("enterprise", self.key)
        if limit is not None:
            object.__setattr__(self, "max_len", limit)
        object.__setattr__(
            self, "keys", frozenset(header_key(h) for h in (self.header, *self.synonyms))
        )


def bound_field(census: FormSpec, column: str) -> Field:
    """The census field bound to the enterprise ``column``; ValueError naming the form if none."""
    for f in census.fields():
        b = f.binding
        if b is not None and b.party is None and b.column == column:
            return f
    raise ValueError(f"form {census.id} v{census.version} binds no field to enterprise column {column!r}")


def _census(census: FormSpec, column: str, synonyms: tuple[str, ...], *, width: int,
            required: bool = False, choice_suffix: str = "") -> FieldSpec:
    """The column of a census field: header, type and choices from the spec's binding.

    ``choice_suffix``: a word spreadsheets add to a choice (``生产领域`` for ``生产``).
    """
    f = bound_field(census, column)
    aliases = {c + choice_suffix: c for c in f.choices} if choice_suffix else {}
    return FieldSpec(column, f.label, f.type, synonyms, required=required, width=width,
                     choices=tuple(f.choices), other_choice=f.other_choice,
                     aliases=MappingProxyType(aliases))


def _unit_types(text: str) -> str:
    """``生产、零售`` → ``producer,retailer`` in the canonical order; ValueError on an unknown word."""
    found = parse_unit_types(text)
    return store_unit_types(t for t in UNIT_TYPE_WORDS if t in found)


def enterprise_fields(census: FormSpec) -> tuple[FieldSpec, ...]:
    """Every enterprise column of a spreadsheet, in the export's order, the census-bound ones
    taken from ``census``. The address binding spreads over the four part columns (text) and the
    detail, which carries the address field's label."""
    address = bound_field(census, binding.ADDRESS)
    return (
        _census(census, "uscc", ("信用代码", "社会信用代码", "统一代码", "社会统一信用代码", "统一社会信用代码（注册号）",
                                 "统一社会信用代码/注册号", "USCC"), required=True, width=22),
        _census(census, "name", ("单位名称", "名称", "企业（单位）名称", "生产单位名称", "销售单位名称", "市场主体名称",
                                 "经营者名称", "企业全称", "主体名称"), required=True, width=34),
        _census(census, "legal_rep", ("法人", "法人代表", "法定代表人（负责人）", "法定代表人/负责人", "负责人", "经营者"),
                width=10),
        _census(census, "registration_authority", ("发照机关", "登记管理机关"), width=14),
        FieldSpec("province", "省", "text", ("省份",), width=8),
        FieldSpec("city", "市", "text", ("地市",), width=8),
        FieldSpec("county", "县（区）", "text", ("县区", "区县", "县"), width=10),
        FieldSpec("town", "乡镇（街道）", "text", ("乡镇", "街道", "所属乡镇", "所属街道", "乡镇街道"), width=12),
        FieldSpec("address", address.label, "text",
                  ("住所（经营场所）", "地址", "住所", "经营场所", "经营地址", "生产经营地址", "生产地址", "详细地址", "企业地址",
                   "住所/经营场所", "注册地址", "生产经营场所"), width=36),
        _census(census, "jurisdiction", ("所属监管所", "监管所", "管辖单位", "所属辖区", "辖区", "属地监管所"), width=16),
        _census(census, "contact", ("企业联系人",), width=10),
        _census(census, "phone", ("电话", "手机", "联系方式", "手机号码", "联系人电话"), width=16),
        _census(census, "domain", ("领域", "行业领域"), width=10, choice_suffix="领域"),
        _census(census, "status", ("经营状态", "登记状态", "状态"), width=10),
        FieldSpec("unit_types", "单位类型", "multichoice", ("单位类别", "主体类型", "经营类型", "企业类型"), width=14,
                  choices=tuple(UNIT_TYPE_WORDS.values()), store=_unit_types),
        FieldSpec("staff", "从业人员（人）", "integer", ("从业人员", "从业人数", "职工人数", "员工人数", "从业人员数",
                                                   "从业人员数（人）", "从业人员X"), width=10),
        FieldSpec("revenue_wan", "营业收入（万元）", "number",
                  ("营业收入", "年营业收入", "年营业收入（万元）", "营收（万元）", "营业收入Y（万元）", "营业收入Y"), width=12),
        FieldSpec("grade", "分级", "text", ("等级", "分级等级", "企业分级"), importable=False, width=6),
        FieldSpec("supervision_class", "监管类别", "text", ("监管类型", "分类监管"), importable=False, width=10),
        FieldSpec("responsible", "责任监管人员", "inspector",
                  ("包保责任人", "监管责任人", "责任监管员", "包保人员", "责任人员"), width=12),
        FieldSpec("responsible_since", "责任监管起始日期", "date",
                  ("包保日期", "责任确定日期", "确定日期", "包保起始日期"), width=14),
        FieldSpec("entry_reason", "录入原因", "text", ("建档原因", "首次录入原因"), max_len=2000, width=16),
        FieldSpec("abnormal_status", "异常状态", "text", ("经营异常状态",), width=10),
        FieldSpec("quality_director", "质量安全总监", "text", ("质量总监",), width=12),
        FieldSpec("quality_officer", "质量安全员", "text", ("质量员", "质量安全管理员"), width=12),
    )


ENTERPRISE_FIELDS: tuple[FieldSpec, ...] = enterprise_fields(BUNDLED.spec(CENSUS_FORM))

FIELDS_BY_KEY = {f.key: f for f in ENTERPRISE_FIELDS}
_BY_HEADER = {k: f for f in ENTERPRISE_FIELDS for k in f.keys}


def match_header(text: object) -> FieldSpec | None:
    """The field a header cell names, or None."""
    key = header_key(text)
    if not key:
        return None
    return _BY_HEADER.get(key)
