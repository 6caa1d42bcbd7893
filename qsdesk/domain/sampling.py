"""Supervision sampling (监督抽查) rules from 003 and 004.

003 = 山西省 晋市监发〔2023〕212号 《关于进一步规范工业产品质量监督抽查工作的指导意见》;
004 = 上海市 沪市监产质〔2022〕251号 《关于进一步加强产品质量监督抽查工作的若干意见》.

Periods counted in months follow 民法典 第二百零一/二百零二条: the day of the earlier sampling is not
counted, and the period ends on the corresponding day N months later (month end when there is no
such day). So "within 6 months" of a sampling on 2024-01-15 runs to 2024-07-15 *inclusive*: a
sampling on 2024-07-15 is inside, one on 2024-07-16 outside; 2023-08-31 runs to 2024-02-29.

Longer than 500 lines because the rules share these periods and the result vocabulary: each rule
is a short function next to the document text it implements, and most of the length is those
citations.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from qsdesk.domain.workdays import Schedules, add_months, next_working_day_on_or_after

__all__ = [
    "OBJECTION_DAYS",
    "REPEAT_WINDOW_MONTHS",
    "Escalation",
    "EscalationLevel",
    "SamplingLevel",
    "SamplingOutcome",
    "SamplingRecord",
    "SamplingResult",
    "StepTemplate",
    "FollowupDefaults",
    "RECTIFY_DAYS",
    "REINSPECT_DAYS",
    "STEP_LABELS",
    "period_end",
    "step_label",
    "consecutive_failures",
    "escalation",
    "HasResult",
    "result_of",
    "followup_template",
    "higher_level_warnings",
    "higher_level_window",
    "same_product_loose",
    "HIGHER_LEVEL_WINDOW_MONTHS",
    "objection_deadline",
    "refusal_template",
    "repeat_sampling_warnings",
    "same_product",
    "second_visit_warnings",
    "tracking_list_year",
    "TRACKING_INCLUDES_REFUSALS",
]

#: 003 二: "不得在6个月内…进行2次以上的监督抽查".
REPEAT_WINDOW_MONTHS = 6

#: 《产品质量法》第十五条: a producer or seller may apply for re-inspection "自收到检验结果之日起
#: 十五日内". 004 一 only says the objection procedure starts at once ("同步启动异议处理程序")
#: without a number, so the number comes from the law that 000 三（八） and 004 cite.
OBJECTION_DAYS = 15


class SamplingResult(StrEnum):
    PASS = "合格"
    FAIL = "不合格"
    REFUSED = "拒检"


#: What a sampling entered before its test result says (not a result: the rules ignore it).
PENDING = "待检"
#: The words a sampling may be entered with: a result, or pending.
ENTRY_RESULTS: tuple[str, ...] = (*(r.value for r in SamplingResult), PENDING)


class SamplingLevel(StrEnum):
    """Level of the department that organised the sampling; ``rank`` 3 (national) … 0 (county)."""

    NATIONAL = "国家"
    PROVINCIAL = "省级"
    CITY = "市级"
    COUNTY = "县级"

    @property
    def rank(self) -> int:
        return {"国家": 3, "省级": 2, "市级": 1, "县级": 0}[self.value]

    @classmethod
    def parse(cls, value: str | SamplingLevel) -> SamplingLevel:
        aliases = {
            "national": cls.NATIONAL, "国家": cls.NATIONAL, "国家级": cls.NATIONAL, "国抽": cls.NATIONAL,
            "provincial": cls.PROVINCIAL, "省级": cls.PROVINCIAL, "省": cls.PROVINCIAL,
            "city": cls.CITY, "市级": cls.CITY, "市": cls.CITY,
            "county": cls.COUNTY, "县级": cls.COUNTY, "县": cls.COUNTY, "区级": cls.COUNTY,
        }
        key = str(value).strip().lower()
        if key not in aliases:
            raise ValueError(f"未知的抽查层级“{value}”，应为国家、省级、市级或县级")
        return aliases[key]


class HasResult(Protocol):
    """Anything with a sampling date, a result and a major-hazard flag (records, ORM rows).

    Read-only members, so frozen dataclasses such as ``SamplingOutcome`` conform too."""

    @property
    def sampled_on(self) -> date: ...
    @property
    def result(self) -> SamplingResult | str | None: ...
    @property
    def major_hazard(self) -> bool: ...


@dataclass(frozen=True)
class SamplingOutcome:
    """The minimum needed to judge consecutive failures: date, result, major hazard flag."""

    sampled_on: date
    result: SamplingResult | str | None
    major_hazard: bool = False


@dataclass(frozen=True)
class SamplingRecord:
    """One supervision sampling of one product.

    ``department`` is the organising department (组织监督抽查的部门); ``producer_id`` the
    (nominal) producer, typically its credit code; ``sampled_unit_id`` the enterprise where the
    sample was taken (a seller, or the producer itself — defaults to ``producer_id``); ``task``
    the sampling task (one task, one visit per enterprise: 003 六). ``result`` is None while the
    test is pending.
    """

    department: str
    level: SamplingLevel | str
    producer_id: str
    trademark: str
    model: str
    standard: str
    sampled_on: date
    result: SamplingResult | str | None = None
    major_hazard: bool = False
    product: str = ""
    task: str = ""
    sampled_unit_id: str = ""
    id: str = ""

    @property
    def level_enum(self) -> SamplingLevel:
        return SamplingLevel.parse(self.level)

    @property
    def unit_id(self) -> str:
        return self.sampled_unit_id or self.producer_id

    def label(self) -> str:
        """Short Chinese description for warnings: date, level/department, product, id."""
        bits = [self.sampled_on.isoformat(), f"{self.level_enum.value}·{self.department}"]
        if self.product:
            bits.append(self.product)
        if self.id:
            bits.append(f"编号 {self.id}")
        return "（" + "，".join(bits) + "）"


def _norm(text: str | None) -> str:
    """Compare product attributes loosely: NFKC, no whitespace, case-insensitive."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


def same_product(a: SamplingRecord, b: SamplingRecord) -> bool:
    """Same producer, trademark, specification/model and standard (003 二's "同一产品")."""
    return (
        _norm(a.producer_id) == _norm(b.producer_id)
        and _norm(a.trademark) == _norm(b.trademark)
        and _norm(a.model) == _norm(b.model)
        and _norm(a.standard) == _norm(b.standard)
    )


def _is_same_record(a: SamplingRecord, b: SamplingRecord) -> bool:
    return a is b or (bool(a.id) and a.id == b.id)


def _within(earlier: date, later: date, months: int) -> bool:
    return earlier <= later <= add_months(earlier, months)


def _product_desc(r: SamplingRecord) -> str:
    return f"商标“{r.trademark or '无'}”、规格型号“{r.model or '无'}”、执行标准“{r.standard or '无'}”"


def repeat_sampling_warnings(
    new: SamplingRecord,
    history: Iterable[SamplingRecord],
    *,
    max_per_window: int = 1,
    window_months: int = REPEAT_WINDOW_MONTHS,
) -> list[str]:
    """Warn when ``new`` breaks the 6-month rule of 003 二 (《产品质量监督抽查管理暂行办法》).

    Rule: "同一监管部门不得在6个月内对同一生产者按照同一标准生产的同一商标、同一规格型号的产品
    进行2次以上的监督抽查". In Chinese legal drafting "以上" includes the number itself (民法典
    第一千二百五十九条), so "2次以上" means *two or more*: the same department may sample the
    same product at most once in any 6-month period, and a second sampling inside the window
    already warns. ``max_per_window`` is the number allowed (default 1); pass 2 to apply the
    looser reading (only a third sampling warns).

    The window is a calendar period: samplings on D and D + 6 months (same day number) are within
    6 months of each other; D + 6 months + 1 day is not. The warning names the earlier samplings.
    """
    same = [
        h
        for h in history
        if not _is_same_record(h, new)
        and _norm(h.department) == _norm(new.department)
        and same_product(h, new)
        and (
            _within(h.sampled_on, new.sampled_on, window_months)
            or _within(new.sampled_on, h.sampled_on, window_months)
        )
    ]
    if not same:
        return []
    # Largest set of samplings (including the new one) inside one window that starts at a sampling.
    best: list[SamplingRecord] = []
    for anchor in sorted({h.sampled_on for h in same} | {new.sampled_on}):
        if not _within(anchor, new.sampled_on, window_months):
            continue
        inside = [h for h in same if _within(anchor, h.sampled_on, window_months)]
        if len(inside) > len(best):
            best = inside
    total = len(best) + 1
    if total <= max_per_window:
        return []
    best.sort(key=lambda r: r.sampled_on)
    listed = "；".join(r.label() for r in best)
    return [
        f"重复抽查：{new.department}在{window_months}个月内已对同一生产者的同一产品（{_product_desc(new)}）"
        f"抽查 {len(best)} 次：{listed}。本次为{window_months}个月内第 {total} 次。"
        f"依据：同一监管部门不得在6个月内对同一生产者按照同一标准生产的同一商标、同一规格型号的产品"
        f"进行2次以上的监督抽查（晋市监发〔2023〕212号 二）"
    ]


#: 上抽下不抽: how long after a higher level's sampling a lower level's sampling of the same product
#: is treated as "另行重复抽查". Sampling plans are annual (晋市监发〔2023〕212号 二 "合理确定年度监督
#: 抽查的产品、批次"), so the period is one year — counted from the higher level's sampling day as a
#: calendar period (民法典 第二百零一条、第二百零二条), not the calendar year: a county sampling on
#: 2 January still conflicts with a national one on 31 December.
HIGHER_LEVEL_WINDOW_MONTHS = 12


def _key(text: str | None) -> str:
    """A product attribute reduced to its letters and digits (NFKC, case-folded): "BV 2.5mm²",
    "BV-2.5mm2" and "ＢＶ2.5MM2" are one model."""
    t = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in t if ch.isalnum())


def same_product_loose(a: SamplingRecord, b: SamplingRecord) -> bool:
    """The same product of the same producer for 上抽下不抽: the model matches once spaces,
    punctuation, width and case are ignored, or — when a model is missing or differs only in how it
    was typed — the product name does; different trademarks (both given) are different products."""
    if not a.producer_id or _norm(a.producer_id) != _norm(b.producer_id):
        return False
    ta, tb = _key(a.trademark), _key(b.trademark)
    if ta and tb and ta != tb:
        return False
    ma, mb = _key(a.model), _key(b.model)
    if ma and mb:
        return ma == mb
    pa, pb = _key(a.product), _key(b.product)
    return bool(pa and pb and (pa == pb or pa in pb or pb in pa))


def higher_level_window(higher_on: date) -> tuple[date, date]:
    """The days in which a lower level's sampling conflicts with a higher level's one on ``higher_on``."""
    return higher_on, add_months(higher_on, HIGHER_LEVEL_WINDOW_MONTHS)


def higher_level_warnings(new: SamplingRecord, history: Iterable[SamplingRecord]) -> list[str]:
    """"上抽下不抽" (晋市监发〔2023〕212号 二; 《产品质量法》第十五条 "上级监督抽查的产品，下级不得另行
    重复抽查").

    Warns when a department of a *higher* level sampled the same product (:func:`same_product_loose`)
    and the new, lower-level sampling falls within :data:`HIGHER_LEVEL_WINDOW_MONTHS` months after
    it (:func:`higher_level_window`, shown in the warning). The plans' own batch labels are not
    compared, since higher- and lower-level plans number their batches independently.
    """
    lvl = new.level_enum.rank
    out = []
    for h in sorted(history, key=lambda r: r.sampled_on):
        if _is_same_record(h, new) or h.level_enum.rank <= lvl or not same_product_loose(h, new):
            continue
        start, end = higher_level_window(h.sampled_on)
        if not start <= new.sampled_on <= end:
            continue
        out.append(
            f"上抽下不抽：{h.level_enum.value}（{h.department}）已于 {h.sampled_on.isoformat()} 抽查同一产品"
            f"（{h.product or '同一产品'}，{_product_desc(h)}）{h.label()}，"
            f"自该次抽查起{HIGHER_LEVEL_WINDOW_MONTHS}个月内（至 {end.isoformat()}）{new.level_enum.value}不应另行重复抽查"
            f"（晋市监发〔2023〕212号 二；《产品质量法》第十五条）"
        )
    return out


def second_visit_warnings(new: SamplingRecord, history: Iterable[SamplingRecord]) -> list[str]:
    """"一次任务进一次门" (003 六): one task samples all products of an enterprise in one visit.

    Warns when the same task already visited the same sampled enterprise on another day.
    """
    if not new.task:
        return []
    days = sorted(
        {
            h.sampled_on
            for h in history
            if not _is_same_record(h, new)
            and _norm(h.task) == _norm(new.task)
            and _norm(h.unit_id) == _norm(new.unit_id)
            and h.sampled_on != new.sampled_on
        }
    )
    if not days:
        return []
    listed = "、".join(d.isoformat() for d in days)
    return [
        f"二次进厂：任务“{new.task}”已于 {listed} 到该企业抽样，同一任务对同一企业应一次性完成抽样，"
        f"不得二次进厂（晋市监发〔2023〕212号 六）"
    ]


def result_of(item: object) -> SamplingResult | None:
    """The :class:`SamplingResult` of a result value or of an object's ``result``; None if pending."""
    raw = getattr(item, "result", item)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return SamplingResult.PASS if raw else SamplingResult.FAIL
    try:
        return SamplingResult(str(raw).strip())
    except ValueError:
        raise ValueError(f"未知的抽查结果“{raw}”，应为合格、不合格或拒检") from None


def consecutive_failures(results_newest_first: Iterable[object]) -> int:
    """How many of the most recent results are non-conforming in a row.

    Items are results (``"合格"``/``"不合格"``/``"拒检"``, :class:`SamplingResult`, a bool
    "passed") or objects with a ``result`` attribute, newest first. A pass ends the run; a
    refusal (拒检) or a pending result (None) is not a test result and is skipped.
    """
    n = 0
    for item in results_newest_first:
        r = result_of(item)
        if r is SamplingResult.FAIL:
            n += 1
        elif r is SamplingResult.PASS:
            break
    return n


class EscalationLevel(StrEnum):
    NONE = "无"
    INTERVIEW = "约谈"
    SPECIAL = "特别监管"


@dataclass(frozen=True)
class Escalation:
    level: EscalationLevel
    consecutive: int
    major_hazard: bool
    raise_risk_level: bool = False
    tracking_sampling: bool = False
    reasons: list[str] = field(default_factory=list)


def escalation(history: Iterable[HasResult]) -> Escalation:
    """Consequences of consecutive non-conforming results (003 七).

    "对连续两次抽查不合格且存在重大质量安全隐患的企业进行约谈。对连续三次及以上抽查不合格且存在
    重大质量安全隐患的企业，加大监管力度，调高风险等级，实行特别监管，增加日常监督检查频次，开展
    跟踪抽检". ``history`` is one enterprise's samplings in any order; they are ordered by date.
    The run of failures is counted by :func:`consecutive_failures` (a pass resets it). The
    enterprise "存在重大质量安全隐患" when at least one failure of the run carries
    ``major_hazard``; without it consecutive failures alone trigger neither step.
    """
    ordered = sorted(history, key=lambda r: r.sampled_on, reverse=True)
    n = consecutive_failures(ordered)
    run = [r for r in ordered if result_of(r) is not SamplingResult.REFUSED and result_of(r) is not None][:n]
    hazard = any(getattr(r, "major_hazard", False) for r in run)
    if n < 2:
        reason = "最近一次抽查不合格" if n == 1 else "最近无连续不合格"
        return Escalation(EscalationLevel.NONE, n, hazard, reasons=[reason + "，无需约谈或特别监管"])
    if not hazard:
        return Escalation(
            EscalationLevel.NONE,
            n,
            False,
            reasons=[f"连续 {n} 次抽查不合格，但未发现重大质量安全隐患，不触发约谈或特别监管（晋市监发〔2023〕212号 七）"],
        )
    if n == 2:
        return Escalation(
            EscalationLevel.INTERVIEW,
            n,
            True,
            reasons=["连续 2 次抽查不合格且存在重大质量安全隐患，应对企业进行约谈（晋市监发〔2023〕212号 七）"],
        )
    return Escalation(
        EscalationLevel.SPECIAL,
        n,
        True,
        raise_risk_level=True,
        tracking_sampling=True,
        reasons=[
            f"连续 {n} 次抽查不合格且存在重大质量安全隐患，应加大监管力度、调高风险等级、实行特别监管、"
            f"增加日常监督检查频次、开展跟踪抽检（晋市监发〔2023〕212号 七）"
        ],
    )


#: The one rule on refusals for the tracking list: enterprises that refused sampling (拒检) last year
#: are on it (晋市监发〔2023〕212号 三 names "拒检企业" for tracking sampling beside 沪市监产质〔2022〕
#: 251号 二（三）'s non-conforming enterprises).
TRACKING_INCLUDES_REFUSALS = True


def tracking_list_year(
    history: Iterable[SamplingRecord], year: int, *, include_refusals: bool = TRACKING_INCLUDES_REFUSALS
) -> list[str]:
    """The tracking-sampling list (跟踪抽查名单) for ``year``: sorted enterprise ids.

    沪市监产质〔2022〕251号 二（三）: "将上年度监督抽查不合格企业列入监督抽查跟踪抽查名单" — for each
    non-conforming result sampled in ``year - 1``, the producer and, where the sample was taken at a
    seller's shop, that seller (the enterprise whose goods failed on its shelf). With
    ``include_refusals`` (the rule: :data:`TRACKING_INCLUDES_REFUSALS`) the enterprises that refused
    sampling in ``year - 1`` are added.
    """
    ids: set[str] = set()
    for r in history:
        if r.sampled_on.year != year - 1:
            continue
        res = result_of(r)
        if res is SamplingResult.FAIL:
            if r.producer_id:
                ids.add(r.producer_id)
            if r.sampled_unit_id and r.sampled_unit_id != r.producer_id:
                ids.add(r.sampled_unit_id)
        elif res is SamplingResult.REFUSED and include_refusals and r.unit_id:
            ids.add(r.unit_id)
    return sorted(ids)


#: 《产品质量监督抽查管理暂行办法》（国家市场监督管理总局令第18号）第四十六条: "责令不合格产品的被抽样
#: 生产者、销售者自责令之日起六十日内予以改正".
RECTIFY_DAYS = 60
#: 同办法 第四十七条: "自责令之日起七十五日内按照监督抽查实施细则组织复查".
REINSPECT_DAYS = 75

RECTIFY_BASIS = "《产品质量监督抽查管理暂行办法》第四十六条"
REINSPECT_BASIS = "《产品质量监督抽查管理暂行办法》第四十七条"
OBJECTION_BASIS = "《产品质量法》第十五条；沪市监产质〔2022〕251号 一（二）"


@dataclass(frozen=True)
class FollowupDefaults:
    """Day counts the documents leave open, set by the county as master data.

    沪市监产质〔2022〕251号 一（二） says "第一时间" for delivery and "同步" for the on-site investigation and gives no
    number for the risk-control measures; a county sets how many days it allows. The defaults
    here are what applies until it does (shown to users as 默认).
    """

    deliver_days: int = 0  # from the day the station received the report
    investigate_days: int = 0  # from the delivery day ("同步")
    risk_control_days: int = 3  # from the delivery day


#: Which date a step's deadline counts from.
RECEIVED = "received"  # the report reached the station
DELIVERED = "delivered"  # the report was delivered to the enterprise (送达)


@dataclass(frozen=True)
class StepTemplate:
    """One follow-up step: ``due_on`` None when the documents set no date for it (or when it counts
    from the delivery and the report is not yet delivered: :attr:`anchor` says which).

    ``condition`` says when the step applies (None: always); ``basis`` cites the document;
    ``days`` the count from the anchor date; ``by_default`` True when the count is a county
    setting (or its default), not a number of a document.
    """

    key: str
    title: str
    due_on: date | None
    basis: str = ""
    condition: str | None = None
    anchor: str | None = None
    days: int | None = None
    by_default: bool = False

    @property
    def awaiting_delivery(self) -> bool:
        return self.anchor == DELIVERED and self.due_on is None


def period_end(start: date, days: int, schedules: Schedules = None) -> date:
    """Last day of "自…之日起N日内": the start day is not counted (民法典 第二百零一条) and a last
    day that is a statutory holiday moves to the next working day (民法典 第二百零三条). With
    ``days`` 0 the step is due on the start day itself."""
    if days <= 0:
        return start
    return next_working_day_on_or_after(start + timedelta(days=days), schedules)


def objection_deadline(delivered_on: date, schedules: Schedules = None) -> date:
    """Last day for the enterprise to object: 15 days after it received the result.

    《产品质量法》第十五条 "自收到检验结果之日起十五日内"; the day of receipt is not counted and a
    deadline falling on a holiday moves to the next working day (民法典 第二百零一、二百零三条).
    """
    return period_end(delivered_on, OBJECTION_DAYS, schedules)


def followup_template(
    result: SamplingResult | str,
    result_received_on: date,
    delivered_on: date | None = None,
    defaults: FollowupDefaults | None = None,
    schedules: Schedules = None,
) -> list[StepTemplate]:
    """Follow-up steps after a sampling result (沪市监产质〔2022〕251号 一、三), in order.

    For 不合格: deliver the report at once and tell the enterprise its rights (一（二）
    "第一时间组织执法人员送达"), objection window (15 days from the day the enterprise received
    the report, 《产品质量法》第十五条), on-site investigation at the same time as delivery, risk
    control (下架收回/召回), rectification (60 days from the order, 《产品质量监督抽查管理暂行办法》
    第四十六条), re-inspection (75 days from the order, 同办法 第四十七条), case filing for serious
    quality problems, administrative interview, 列异, 列严, the credit record and the tracking list.

    Deadlines that count from the delivery (``delivered_on``) stay open (``due_on`` None,
    :attr:`StepTemplate.awaiting_delivery`) until the delivery is recorded: the objection window
    never starts on the sampling day. The order to rectify (责令改正) is served with the report
    (一（二）: delivery, rights and the on-site investigation at once), so 责令之日 is the
    delivery day. For 拒检 see :func:`refusal_template`. For 合格 nothing follows.
    """
    res = result_of(result)
    if res is SamplingResult.PASS or res is None:
        return []
    if res is SamplingResult.REFUSED:
        return refusal_template(result_received_on)
    d = defaults or FollowupDefaults()
    d0 = result_received_on
    served = delivered_on

    def after_delivery(days: int) -> date | None:
        return period_end(served, days, schedules) if served is not None else None

    basis_251 = "沪市监产质〔2022〕251号"
    return [
        StepTemplate("deliver", "第一时间送达不合格检验报告，告知经营者依法享有的权利和应当承担的义务",
                     period_end(d0, d.deliver_days, schedules), f"{basis_251} 一（二）",
                     anchor=RECEIVED, days=d.deliver_days, by_default=True),
        StepTemplate(
            "objection",
            "异议处理：经营者自收到检验结果之日起15日内可提出异议、申请复检",
            objection_deadline(served, schedules) if served else None,
            OBJECTION_BASIS, anchor=DELIVERED, days=OBJECTION_DAYS,
        ),
        StepTemplate("investigate", "同步到经营者现场深入调查取证", after_delivery(d.investigate_days),
                     f"{basis_251} 一（二）", anchor=DELIVERED, days=d.investigate_days, by_default=True),
        StepTemplate("risk_control", "督促采取不合格产品风险控制措施（下架、收回、召回）",
                     after_delivery(d.risk_control_days), f"{basis_251} 一（二）、三（一）",
                     anchor=DELIVERED, days=d.risk_control_days, by_default=True),
        StepTemplate("rectify", "排查不合格原因，责令限期整改（自责令之日起六十日内改正）", after_delivery(RECTIFY_DAYS),
                     f"{RECTIFY_BASIS}；{basis_251} 三（一）", anchor=DELIVERED, days=RECTIFY_DAYS),
        StepTemplate("reinspect", "整改后组织复查（自责令之日起七十五日内）", after_delivery(REINSPECT_DAYS),
                     f"{REINSPECT_BASIS}；{basis_251} 三（一）", anchor=DELIVERED, days=REINSPECT_DAYS),
        StepTemplate(
            "case_filing",
            "依法立案查处，并追查上下游经营者",
            None,
            f"{basis_251} 三（二）",
            condition="存在严重质量问题情形的",
        ),
        StepTemplate(
            "interview",
            "组织开展行政约谈",
            None,
            f"{basis_251} 三（三）；晋市监发〔2023〕212号 七",
            condition="存在严重质量问题情形的生产者，或连续两次及以上抽查不合格且存在重大质量安全隐患的",
        ),
        StepTemplate(
            "list_abnormal",
            "列入经营异常名录（列异）",
            None,
            f"{basis_251} 三（四）",
            condition="通过登记的住所或者经营场所无法联系的",
        ),
        StepTemplate(
            "list_serious",
            "列入严重违法失信名单（列严）",
            None,
            f"{basis_251} 三（四）",
            condition="性质恶劣、情节严重、社会危害较大，受到较重行政处罚的",
        ),
        StepTemplate("credit_record", "不合格信息纳入企业信用信息系统，记于经营者名下", None, f"{basis_251} 三（五）"),
        StepTemplate("tracking", "列入下一年度监督抽查跟踪抽查名单", None, f"{basis_251} 二（三）"),
    ]


def refusal_template(reported_on: date) -> list[StepTemplate]:
    """Steps after an enterprise refuses sampling (拒检).

    003 三: "遇到企业无理由拒绝抽样…执法监管人员需到现场确认处置"; 003 五: record the refusal in
    the national enterprise credit information publicity system (国家企业信用信息公示系统) with
    market/industry entry bans for a period; 003 三: refusing enterprises get tracking sampling;
    000 三（八）: "严查阻碍、拒绝或者不配合依法进行的监督抽查等违法行为".
    """
    return [
        StepTemplate("confirm_on_site", "执法监管人员到现场确认拒检情况并处置", reported_on, "晋市监发〔2023〕212号 三"),
        StepTemplate("investigate_refusal", "依法查处拒绝监督抽查的违法行为", None, "鲁市监质监字〔2022〕233号 三（八）"),
        StepTemplate("credit_record", "在国家企业信用信息公示系统录入拒检企业信息", None, "晋市监发〔2023〕212号 五"),
        StepTemplate("tracking", "列入跟踪监督抽查", None, "晋市监发〔2023〕212号 三"),
    ]



#: Short Chinese names of the follow-up step keys: the one place a step key becomes words (lists,
#: timeline, exports, audit display). The templates' ``title`` is the long form.
STEP_LABELS: dict[str, str] = {
    "deliver": "送达检验报告",
    "objection": "异议处理",
    "investigate": "现场调查取证",
    "risk_control": "风险控制措施",
    "rectify": "责令限期整改",
    "reinspect": "整改复查",
    "case_filing": "立案查处",
    "interview": "行政约谈",
    "list_abnormal": "列入经营异常名录（列异）",
    "list_serious": "列入严重违法失信名单（列严）",
    "credit_record": "记入信用信息",
    "tracking": "列入跟踪抽查名单",
    "confirm_on_site": "现场确认拒检",
    "investigate_refusal": "查处拒检行为",
}


def step_label(key: str) -> str:
    """The Chinese name of a step key; an unknown key is shown as 其他步骤, never as the key."""
    return STEP_LABELS.get(key, "其他步骤")
