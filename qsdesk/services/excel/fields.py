"""The enterprise columns the Excel import understands and the export writes.

One table serves both directions so an exported registry imports back unchanged: ``header`` is
what the export writes, ``synonyms`` are the other names counties and stations use for the same
column. Matching ignores spaces, full-width/half-width differences and a leading ``*``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qsdesk.domain.grading import stored_unit_types
from qsdesk.services.excel.normalize import header_key
from qsdesk.store.limits import column_limit

DOMAIN_CHOICES = ("生产", "流通", "电商", "其他")

UNIT_TYPE_LABELS = {"producer": "生产", "wholesaler": "批发", "retailer": "零售"}
_UNIT_TYPE_WORDS = {
    "生产": "producer", "生产单位": "producer", "生产者": "producer", "生产企业": "producer",
    "批发": "wholesaler", "批发单位": "wholesaler", "批发商": "wholesaler", "批发企业": "wholesaler",
    "零售": "retailer", "零售单位": "retailer", "零售商": "retailer", "零售企业": "retailer",
    "销售": "retailer", "销售单位": "retailer", "销售者": "retailer",
}



@dataclass(frozen=True)
class FieldSpec:
    key: str  # Enterprise attribute (or a pseudo key such as ``responsible``)
    header: str
    kind: str  # text | code | phone | int | decimal | date | domain | unit_types | inspector
    synonyms: tuple[str, ...] = ()
    required: bool = False
    max_len: int | None = None
    importable: bool = True  # False: written by the export, ignored by the import (computed)
    width: int = 14
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


ENTERPRISE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("uscc", "统一社会信用代码", "code",
              ("信用代码", "社会信用代码", "统一代码", "社会统一信用代码", "统一社会信用代码（注册号）",
               "统一社会信用代码/注册号", "USCC"), required=True, width=22),
    FieldSpec("name", "企业名称", "text",
              ("单位名称", "名称", "企业（单位）名称", "生产单位名称", "销售单位名称", "市场主体名称",
               "经营者名称", "企业全称", "主体名称"), required=True, width=34),
    FieldSpec("legal_rep", "法定代表人", "text",
              ("法人", "法人代表", "法定代表人（负责人）", "法定代表人/负责人", "负责人", "经营者"), width=10),
    FieldSpec("registration_authority", "登记机关", "text", ("发照机关", "登记管理机关")),
    FieldSpec("province", "省", "text", ("省份",), width=8),
    FieldSpec("city", "市", "text", ("地市",), width=8),
    FieldSpec("county", "县（区）", "text", ("县区", "区县", "县"), width=10),
    FieldSpec("town", "乡镇（街道）", "text", ("乡镇", "街道", "所属乡镇", "所属街道", "乡镇街道"), width=12),
    FieldSpec("address", "住所（经营场所）", "text",
              ("地址", "住所", "经营场所", "经营地址", "生产经营地址", "生产地址", "详细地址", "企业地址",
               "住所/经营场所", "注册地址"), width=36),
    FieldSpec("jurisdiction", "所属监管所", "text", ("监管所", "管辖单位", "所属辖区", "辖区", "属地监管所"), width=16),
    FieldSpec("contact", "联系人", "text", ("企业联系人",), width=10),
    FieldSpec("phone", "联系电话", "phone", ("电话", "手机", "联系方式", "手机号码", "联系人电话"), width=16),
    FieldSpec("domain", "所属领域", "domain", ("领域", "行业领域"), width=10),
    FieldSpec("status", "经营状态", "text", ("登记状态", "企业状态", "状态"), width=10),
    FieldSpec("unit_types", "单位类型", "unit_types", ("单位类别", "主体类型", "经营类型", "企业类型"),
              width=14),
    FieldSpec("staff", "从业人员（人）", "int", ("从业人员", "从业人数", "职工人数", "员工人数", "从业人员数",
                                          "从业人员数（人）", "从业人员X"), width=10),
    FieldSpec("revenue_wan", "营业收入（万元）", "decimal",
              ("营业收入", "年营业收入", "年营业收入（万元）", "营收（万元）", "营业收入Y（万元）", "营业收入Y"),
              width=12),
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

FIELDS_BY_KEY = {f.key: f for f in ENTERPRISE_FIELDS}
_BY_HEADER = {k: f for f in ENTERPRISE_FIELDS for k in f.keys}


def match_header(text: object) -> FieldSpec | None:
    """The field a header cell names, or None."""
    key = header_key(text)
    if not key:
        return None
    return _BY_HEADER.get(key)


def parse_unit_types(text: str) -> str:
    """``生产、零售`` → ``producer,retailer`` (a stable order); ValueError on an unknown word."""
    import re

    found: list[str] = []
    for word in re.split(r"[,，、/;；\s]+", text):
        if not word:
            continue
        w = word if word in _UNIT_TYPE_WORDS else word.removesuffix("者")
        code = _UNIT_TYPE_WORDS.get(w) or _UNIT_TYPE_WORDS.get(word.lower())
        if code is None and word in UNIT_TYPE_LABELS:
            code = word
        if code is None:
            raise ValueError(f"单位类型“{word}”无法识别（可填：生产、批发、零售）")
        if code not in found:
            found.append(code)
    order = list(UNIT_TYPE_LABELS)
    return ",".join(sorted(found, key=order.index))


def format_unit_types(codes: str | None) -> str:
    return "、".join(UNIT_TYPE_LABELS.get(c, c) for c in stored_unit_types(codes))
