"""Supervision classes, the responsible supervisor's half-year visit, reassignment and entry rules.

Sources:

* 001 (国市监质监发〔2023〕38号) 三: "对未发现或者质量安全风险小的…纳入属地日常监管或者实施
  触发式监管；对发现较大质量安全风险或者信用风险较高的…实施重点监管；对近2年内发现3次及以上
  重大质量安全风险或者信用风险高的…实施特别监管";
* 002 (宝山区实施方案) 三（四）, the concrete form: "对信用风险较高的或者近1年内发现产品质量、工业
  产品生产许可证、强制性产品认证违法被处罚的…实施重点监管；对信用风险高的或者近2年内发现3次及
  以上产品质量、工业产品生产许可证、强制性产品认证违法被从重处罚的…实施特别监管";
* 003 七: three or more consecutive non-conforming samplings with a major hazard → 特别监管;
* 000 二（五）: enterprises with non-conforming sampling results or on the abnormal operations list
  are 重点监管企业;
* 001 二（一） / 002 三（五）: a named responsible supervisor, "半年内现场检查不少于1次", a change of
  supervisor "应在5个工作日内更新";
* 001 四（一） / 002 三（三）: "首次录入…应注明录入原因，并根据生产经营存续状况及时注明异常状态".

"Within 1 year / 2 years" are calendar periods ending on the corresponding day (民法典 第二百零一、
二百零二条): a punishment decided on 2024-03-10 is "within 1 year" up to and including 2025-03-10;
one decided on 2024-02-29 up to 2025-02-28.

Longer than 500 lines because the class, the visit rule and the reassignment rule read the same
dated facts and periods; each rule is a short function next to the document text it implements.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from qsdesk.domain.citations import BAOSHAN_002, JINCHENG_003, SAMR_001, SHANDONG_000, SHANGHAI_004, cite
from qsdesk.domain.sampling import EscalationLevel, HasResult, SamplingOutcome, escalation, result_of
from qsdesk.domain.sampling import SamplingResult as _SamplingResult
from qsdesk.domain.workdays import Schedules, add_months, add_working_days, add_years, coverage_note

__all__ = [
    "ENTRY_REASONS",
    "REASSIGNMENT_WORKING_DAYS",
    "CLASS_KEYS",
    "CLASS_KEY_LABELS",
    "ClassOverride",
    "ClassResult",
    "Listing",
    "class_of_key",
    "consecutive_year_failures",
    "interview_reason",
    "next_change",
    "override_allowed",
    "sampling_credit_risk",
    "CreditRisk",
    "Punishment",
    "RiskFinding",
    "SamplingOutcome",
    "SupervisionClass",
    "VisitState",
    "VisitStatus",
    "check_entry",
    "classify",
    "entry_reason_required",
    "KEY_AREA_MIN_PRODUCERS",
    "half_year_bounds",
    "first_period_end",
    "FIRST_PERIOD_MONTHS",
    "VISIT_RULE",
    "key_area_products",
    "half_year_visit_status",
    "needs_responsible_supervisor",
    "reassignment_deadline",
    "reassignment_late",
    "reassignment_note",
    "ReassignmentCheck",
    "check_reassignment",
    "within_years",
]

#: 001 二（一）: "监管责任人如有变动，应在5个工作日内更新".
REASSIGNMENT_WORKING_DAYS = 5

#: Reasons for a first entry into the platform, in the words of 001 四（一） and 002 三（三）.
ENTRY_REASONS: tuple[str, ...] = (
    "设立质量安全总监",
    "实施监督抽查",
    "实施风险监测",
    "实施缺陷产品召回",
    "实施工业产品生产许可",
    "实施强制性产品认证",
    "现场检查",
    "执法查处",
    "被投诉举报并经核实",
    "电动自行车及燃气用品生产销售单位",
    "自2021年以来监督抽查和风险监测不合格",
    "因产品质量问题被立案",
    "摸底排查",
)


class SupervisionClass(StrEnum):
    ROUTINE = "日常/触发式"
    KEY = "重点"
    SPECIAL = "特别"

    @property
    def rank(self) -> int:
        return {"日常/触发式": 0, "重点": 1, "特别": 2}[self.value]

    @property
    def label(self) -> str:
        return {"日常/触发式": "日常监管或触发式监管", "重点": "重点监管", "特别": "特别监管"}[self.value]


class CreditRisk(StrEnum):
    """企业信用风险分类 (A–D classes: low, general, higher, high)."""

    LOW = "低"
    GENERAL = "一般"
    HIGHER = "较高"
    HIGH = "高"

    @classmethod
    def parse(cls, value: str | CreditRisk | None) -> CreditRisk | None:
        if value is None or str(value).strip() == "":
            return None
        key = str(value).strip().upper().removeprefix("信用风险").removesuffix("类")
        table = {"低": cls.LOW, "一般": cls.GENERAL, "较高": cls.HIGHER, "高": cls.HIGH,
                 "A": cls.LOW, "B": cls.GENERAL, "C": cls.HIGHER, "D": cls.HIGH}
        if key not in table:
            raise ValueError(f"未知的信用风险等级“{value}”，应为低、一般、较高、高（或 A–D 类）")
        return table[key]


@dataclass(frozen=True)
class Punishment:
    """An administrative penalty for a product-quality, production-licence or CCC violation.

    ``heavier``: the penalty was imposed with aggravation (从重处罚). A mere order to correct a
    minor problem (仅发现轻微产品质量问题被责令改正) is not a punishment and is not passed here.
    """

    decided_on: date
    heavier: bool = False
    matter: str = ""


@dataclass(frozen=True)
class RiskFinding:
    """A quality-safety risk found at the enterprise. ``major``: 重大 (else 较大)."""

    found_on: date
    major: bool = False
    description: str = ""


#: The stored keys of the classes (database, sync, filters); people only ever see the labels.
CLASS_KEYS: dict[str, str] = {"日常/触发式": "routine", "重点": "key", "特别": "special"}
#: Chinese label of a stored key.
CLASS_KEY_LABELS: dict[str, str] = {"routine": "日常监管", "trigger": "触发式监管", "key": "重点监管",
                                    "special": "特别监管"}


def class_of_key(key: str | None) -> SupervisionClass:
    """The class of a stored key; an empty or unknown key is 日常/触发式."""
    return {"key": SupervisionClass.KEY, "special": SupervisionClass.SPECIAL}.get(key or "",
                                                                                 SupervisionClass.ROUTINE)


@dataclass(frozen=True)
class Listing:
    """An enterprise fact: put on the abnormal operations list (列异, ``kind`` "abnormal") or the
    serious illegal and dishonest list (列严, ``kind`` "serious") on ``listed_on`` (沪市监产质〔2022〕
    251号 三 四), until ``removed_on`` (the day it was taken off; not counted from then on)."""

    kind: str
    listed_on: date
    removed_on: date | None = None

    def active(self, as_of: date) -> bool:
        return self.listed_on <= as_of and (self.removed_on is None or self.removed_on > as_of)


@dataclass(frozen=True)
class ClassOverride:
    """A recorded decision to supervise an enterprise more closely than its records call for."""

    cls: SupervisionClass
    reason: str
    decided_by: str
    decided_on: date


@dataclass(frozen=True)
class ClassResult:
    cls: SupervisionClass
    reasons: list[str] = field(default_factory=list)
    #: the class the records alone give (differs from ``cls`` only under an override)
    computed: SupervisionClass | None = None
    overridden: bool = False

    @property
    def key(self) -> str:
        return CLASS_KEYS[self.cls.value]


def within_years(event: date, as_of: date, years: int) -> bool:
    """Is ``event`` "近N年内" as of ``as_of``? Calendar years, end day inclusive; future → False."""
    return event <= as_of <= add_years(event, years)


def override_allowed(cls: SupervisionClass) -> str | None:
    """Why a manual class decision to ``cls`` is not allowed (Chinese), or None when it is.

    The documents fix who *must* be under 重点 or 特别 (国市监质监发〔2023〕38号 三, 宝山区实施方案
    三（四）): nobody may take an enterprise out of them by hand, and 特别 has only its listed
    grounds. 鲁市监质监字〔2022〕233号 二（五） leaves the county room to name further 重点监管企业
    "结合产品类别、企业信用记录和社会关注度等" (质量问题突出、投诉举报多、生产销售高风险产品) —
    facts the records do not hold. So a decision may only raise an enterprise to 重点.
    """
    if cls is SupervisionClass.KEY:
        return None
    if cls is SupervisionClass.SPECIAL:
        return (f"特别监管只能依据记录认定（{cite(SAMR_001, '三')}、{cite(BAOSHAN_002, '三（四）')}），"
                "不能人工列入")
    return (f"不能人工降低监管类别：符合条件的单位应当实施重点或特别监管（{cite(SAMR_001, '三')}、"
            f"{cite(BAOSHAN_002, '三（四）')}）")


def sampling_credit_risk(
    entered: CreditRisk | str | None, samplings: Iterable[HasResult], as_of: date | None = None
) -> tuple[CreditRisk | None, str | None]:
    """The credit risk after 晋市监发〔2023〕212号 七 ("连续三次及以上抽查不合格且存在重大质量安全
    隐患的企业…调高风险等级"): one level above the entered level (较高 when none is entered) while
    the sampling history ends in such a run, with the reason; otherwise the entered level and None.
    Derived each time, so a passed sampling that ends the run brings the level back down."""
    base = CreditRisk.parse(entered)
    hist = [s for s in samplings if as_of is None or s.sampled_on <= as_of]
    esc = escalation(hist)
    if esc.level is not EscalationLevel.SPECIAL:
        return base, None
    order = [CreditRisk.LOW, CreditRisk.GENERAL, CreditRisk.HIGHER, CreditRisk.HIGH]
    raised = CreditRisk.HIGHER if base is None else order[min(order.index(base) + 1, len(order) - 1)]
    was = f"原为{base.value}" if base is not None else "原未评定"
    return raised, (f"连续 {esc.consecutive} 次监督抽查不合格且存在重大质量安全隐患，信用风险调高为"
                    f"{raised.value}（{was}，{cite(JINCHENG_003, '七')}）")


def classify(
    as_of: date,
    punishments: Iterable[Punishment] = (),
    risks: Iterable[RiskFinding] = (),
    credit_risk: CreditRisk | str | None = None,
    samplings: Iterable[HasResult] = (),
    abnormal_listed: bool = False,
    *,
    listings: Iterable[Listing] = (),
    override: ClassOverride | None = None,
) -> ClassResult:
    """The supervision class of an enterprise as of ``as_of``, with every reason that applies.

    特别 (special) when any of: credit risk 高 (国市监质监发〔2023〕38号 三, 宝山区实施方案 三（四）),
    also when raised to 高 by sampling failures (:func:`sampling_credit_risk`); ≥3 heavier
    punishments (从重处罚) within 2 years (宝山区实施方案 三（四）); ≥3 major risks within 2 years
    (国市监质监发〔2023〕38号 三); ≥3 consecutive non-conforming samplings with a major hazard
    (晋市监发〔2023〕212号 七).

    重点 (key) when any of: credit risk 较高; a punishment within 1 year (宝山区实施方案 三（四）); a
    significant or major risk found within 1 year (国市监质监发〔2023〕38号 三; the 1-year window is
    宝山区实施方案's); a non-conforming sampling within 1 year, on the abnormal operations list
    (``abnormal_listed`` or an active 列异 listing) or on the serious illegal and dishonest list
    (列严: a record of serious violations, "有违法记录") (鲁市监质监字〔2022〕233号 二（五））.

    Otherwise 日常/触发式 ("无事不扰"). Events dated after ``as_of`` are ignored. ``override``
    (a recorded decision, see :func:`override_allowed`) raises the class to its own when the
    records give less, and its reason is listed with who decided it.
    """
    punishments = list(punishments)
    risks = list(risks)
    samplings = [s for s in samplings if s.sampled_on <= as_of]
    credit, credit_why = sampling_credit_risk(credit_risk, samplings)
    special: list[str] = []
    key: list[str] = []
    both = f"{cite(SAMR_001, '三')}、{cite(BAOSHAN_002, '三（四）')}"

    if credit is CreditRisk.HIGH:
        special.append(f"信用风险高（{both}）")
    elif credit is CreditRisk.HIGHER:
        key.append(f"信用风险较高（{both}）")
    if credit_why and credit in (CreditRisk.HIGH, CreditRisk.HIGHER):
        (special if credit is CreditRisk.HIGH else key).append(credit_why)

    heavier_2y = sorted(p.decided_on for p in punishments if p.heavier and within_years(p.decided_on, as_of, 2))
    if len(heavier_2y) >= 3:
        special.append(
            f"近2年内被从重处罚 {len(heavier_2y)} 次（{_dates(heavier_2y)}），达到3次及以上"
            f"（{cite(BAOSHAN_002, '三（四）')}）"
        )
    major_2y = sorted(r.found_on for r in risks if r.major and within_years(r.found_on, as_of, 2))
    if len(major_2y) >= 3:
        special.append(
            f"近2年内发现重大质量安全风险 {len(major_2y)} 次（{_dates(major_2y)}），达到3次及以上"
            f"（{cite(SAMR_001, '三')}）"
        )
    esc = escalation(samplings)
    if esc.level is EscalationLevel.SPECIAL:
        special.append(f"连续 {esc.consecutive} 次抽查不合格且存在重大质量安全隐患（{cite(JINCHENG_003, '七')}）")

    punished_1y = sorted(p.decided_on for p in punishments if within_years(p.decided_on, as_of, 1))
    if punished_1y:
        key.append(
            f"近1年内因产品质量、生产许可证或强制性产品认证违法被处罚 {len(punished_1y)} 次"
            f"（{_dates(punished_1y)}）（{cite(BAOSHAN_002, '三（四）')}）"
        )
    risk_1y = sorted(r.found_on for r in risks if within_years(r.found_on, as_of, 1))
    if risk_1y:
        key.append(f"近1年内发现较大质量安全风险（{_dates(risk_1y)}）（{cite(SAMR_001, '三')}）")
    failed_1y = sorted(
        s.sampled_on
        for s in samplings
        if result_of(s) is _SamplingResult.FAIL and within_years(s.sampled_on, as_of, 1)
    )
    d000 = cite(SHANDONG_000, "二（五）")
    if failed_1y:
        key.append(f"近1年内监督抽查不合格（{_dates(failed_1y)}）（{d000}）")
    active = [x for x in listings if x.active(as_of)]
    abnormal = sorted(x.listed_on for x in active if x.kind == "abnormal")
    serious = sorted(x.listed_on for x in active if x.kind == "serious")
    if abnormal:
        key.append(f"{_dates(abnormal)} 列入经营异常名录（{d000}）")
    elif abnormal_listed:
        key.append(f"列入经营异常名录（{d000}）")
    if serious:
        key.append(f"{_dates(serious)} 列入严重违法失信名单，有违法记录（{d000}）")

    if special:
        computed, reasons = SupervisionClass.SPECIAL, special + key
    elif key:
        computed, reasons = SupervisionClass.KEY, key
    else:
        computed, reasons = SupervisionClass.ROUTINE, [
            "未发现较大质量安全风险，近1年内无处罚，信用风险不高：按“无事不扰”原则纳入日常监管或实施"
            f"触发式监管（{cite(SAMR_001, '三')}）"
        ]
    if override is not None and override.decided_on <= as_of and override_allowed(override.cls) is None:
        line = (f"{override.decided_on.isoformat()} {override.decided_by} 决定列为{override.cls.label}："
                f"{override.reason}（{d000}）")
        if override.cls.rank > computed.rank:
            return ClassResult(override.cls, [line] + (reasons if computed.rank else []), computed, True)
        return ClassResult(computed, reasons + [line], computed, False)
    return ClassResult(computed, reasons, computed, False)


def next_change(
    as_of: date,
    punishments: Iterable[Punishment] = (),
    risks: Iterable[RiskFinding] = (),
    samplings: Iterable[HasResult] = (),
    listings: Iterable[Listing] = (),
    override: ClassOverride | None = None,
) -> date | None:
    """The first day after ``as_of`` on which :func:`classify` can give another class or other
    reasons with no new record: a 1- or 2-year window running out (the day after its last day), a
    record dated in the future taking effect, a listing's removal. None when nothing is due.
    A stored class is current until then (see :mod:`qsdesk.services.classes`)."""
    days: list[date] = []

    def add(d: date) -> None:
        if d > as_of:
            days.append(d)

    for p in punishments:
        add(p.decided_on)
        add(add_years(p.decided_on, 1) + timedelta(days=1))
        if p.heavier:
            add(add_years(p.decided_on, 2) + timedelta(days=1))
    for r in risks:
        add(r.found_on)
        add(add_years(r.found_on, 1) + timedelta(days=1))
        if r.major:
            add(add_years(r.found_on, 2) + timedelta(days=1))
    for s in samplings:
        add(s.sampled_on)
        if result_of(s) is _SamplingResult.FAIL:
            add(add_years(s.sampled_on, 1) + timedelta(days=1))
    for x in listings:
        add(x.listed_on)
        if x.removed_on is not None:
            add(x.removed_on)
    if override is not None:
        add(override.decided_on)
    return min(days) if days else None


def consecutive_year_failures(
    failures: Iterable[tuple[date, str]], as_of: date
) -> list[int]:
    """The years of a run of national or provincial (本市) sampling failures in consecutive years
    that calls for an administrative interview (沪市监产质〔2022〕251号 三 三: "对连续两年以上国家
    监督抽查或本市监督抽查不合格的生产者…组织开展行政约谈"; 以上 includes two).

    ``failures``: (sampling date, level key or name) of the producer's non-conforming results.
    Only runs that reach this year or the last count (older runs were due long ago). Returns the
    years of the latest such run, or an empty list.
    """
    years = sorted({d.year for d, lvl in failures if d <= as_of and _is_high_level(lvl)})
    best: list[int] = []
    run: list[int] = []
    for y in years:
        run = run + [y] if run and y == run[-1] + 1 else [y]
        if len(run) >= 2:
            best = list(run)
    if best and best[-1] >= as_of.year - 1:
        return best
    return []


def _is_high_level(level: str) -> bool:
    return str(level).strip() in ("national", "provincial", "国家", "国家级", "省级", "省", "本市", "市级（本市）")


def interview_reason(years: list[int]) -> str:
    """The Chinese reason for the interview flag of :func:`consecutive_year_failures`."""
    span = "、".join(f"{y}年" for y in years)
    return (f"{span}连续 {len(years)} 年国家或本市监督抽查不合格，应组织开展行政约谈"
            f"（{cite(SHANGHAI_004, '三 三')}）")


def _dates(ds: list[date]) -> str:
    return "、".join(d.isoformat() for d in ds)


def needs_responsible_supervisor(as_of: date, punishments: Iterable[Punishment]) -> bool:
    """002 三（五）: enterprises punished within 1 year get a named responsible supervisor."""
    return any(within_years(p.decided_on, as_of, 1) for p in punishments)


# ---------------------------------------------------------------- half-year visits

#: 国市监质监发〔2023〕38号 二（一）: "半年内现场检查不少于1次".
VISIT_RULE = "半年内现场检查不少于1次（国市监质监发〔2023〕38号 二（一））"
#: The fair first period: a supervisor's first visit is due "半年内" counted from being named.
FIRST_PERIOD_MONTHS = 6


class VisitState(StrEnum):
    DONE = "已完成"
    DUE = "待检查"
    OVERDUE = "已逾期"
    NOT_APPLICABLE = "不适用"


@dataclass(frozen=True)
class VisitStatus:
    """``due_on``: the last day for the visit that is outstanding (OVERDUE: the missed one; DUE:
    the current one, possibly a first period running past the half-year), or the end of the next
    half-year when this one is DONE."""

    state: VisitState
    due_on: date | None
    period_start: date | None
    period_end: date | None
    reason: str


def half_year_bounds(d: date) -> tuple[date, date]:
    """First and last day of the calendar half-year (1–6月 or 7–12月) containing ``d``."""
    if d.month <= 6:
        return date(d.year, 1, 1), date(d.year, 6, 30)
    return date(d.year, 7, 1), date(d.year, 12, 31)


def _half_name(start: date) -> str:
    return f"{start.year}年{'上' if start.month == 1 else '下'}半年"


def first_period_end(named_on: date) -> date:
    """Last day of a newly named supervisor's first period: half a year counted from being named.

    The rule (our reading of 国市监质监发〔2023〕38号 二（一） "半年内现场检查不少于1次"): whoever is
    named responsible, first or after a change, has six months, the naming day included, for the
    first visit; the calendar half-year in which they were named is not due before then. Named on
    1 July: 31 December (exactly that half-year); named on 25 June: 24 December (not 30 June).
    Later half-years are due by their own last day. A half-year that had already ended without a
    visit before the naming stays overdue: it belongs to the enterprise, not to the supervisor.
    """
    return add_months(named_on, FIRST_PERIOD_MONTHS) - timedelta(days=1)


def _deadline(h_start: date, h_end: date, named: Iterable[date | None]) -> tuple[date, date | None]:
    """The half-year's deadline, and the naming date that extended it (None: not extended)."""
    inside = [n for n in named if n is not None and h_start <= n <= h_end]
    if not inside:
        return h_end, None
    n = max(inside)
    fp = first_period_end(n)
    return (fp, n) if fp > h_end else (h_end, None)


def half_year_visit_status(
    as_of: date,
    last_visit: date | None,
    responsible_since: date | None,
    supervisor_since: date | None = None,
    *,
    since_assumed: bool = False,
) -> VisitStatus:
    """Has the enterprise had this half-year's on-site inspection by its responsible supervisor?

    国市监质监发〔2023〕38号 二（一） / 宝山区实施方案 三（五）: "半年内现场检查不少于1次", counted per
    calendar half-year (上半年 1 Jan–30 Jun, 下半年 1 Jul–31 Dec).

    ``responsible_since``: when the enterprise first got a responsible supervisor (a change of
    supervisor does not move it: an overdue half-year belongs to the enterprise);
    ``supervisor_since``: when the current supervisor was named (default ``responsible_since``);
    ``since_assumed``: the start is the import date, not a recorded one (said in the reason).
    ``last_visit``: the latest *sealed* on-site inspection on or before ``as_of``.

    A half-year in which a supervisor was named is due by :func:`first_period_end` when that is
    later than the half-year's end (the fair first period). States: DONE (visited this half-year),
    OVERDUE (the previous half-year's deadline passed without a visit), DUE (otherwise, with its
    deadline), NOT_APPLICABLE (no responsible supervisor).
    """
    if responsible_since is None or responsible_since > as_of:
        return VisitStatus(VisitState.NOT_APPLICABLE, None, None, None, "未明确监管责任人，不适用半年检查要求")
    if last_visit is not None and last_visit > as_of:
        raise ValueError(f"最近检查日期 {last_visit} 晚于统计日期 {as_of}")
    current = supervisor_since if supervisor_since is not None and supervisor_since >= responsible_since \
        else responsible_since
    named = (responsible_since, current)
    assumed = (f"（责任起始日期按导入日期 {responsible_since.isoformat()} 计，请核实）"
               if since_assumed else "")
    start, end = half_year_bounds(as_of)
    prev_start, prev_end = half_year_bounds(start - timedelta(days=1))
    if last_visit is not None and last_visit >= start:
        next_start = end + timedelta(days=1)
        next_end = half_year_bounds(next_start)[1]
        return VisitStatus(
            VisitState.DONE, next_end, start, end,
            f"{_half_name(start)}已于 {last_visit.isoformat()} 现场检查；下次应在 {next_end.isoformat()} 前完成"
            f"{assumed}",
        )
    seen = f"最近一次检查为 {last_visit.isoformat()}" if last_visit else "尚无已封存的现场检查记录"
    if responsible_since <= prev_end and (last_visit is None or last_visit < prev_start):
        prev_due, ext = _deadline(prev_start, prev_end, named)
        if prev_due < as_of:
            return VisitStatus(
                VisitState.OVERDUE, prev_due, prev_start, prev_end,
                f"{_half_name(prev_start)}未开展现场检查（{seen}），已于 {prev_due.isoformat()} 逾期；"
                f"{_half_name(start)}仍须在 {end.isoformat()} 前检查（{VISIT_RULE}）{assumed}",
            )
        # the previous half-year is still in a first period that has not run out
        return VisitStatus(
            VisitState.DUE, prev_due, prev_start, prev_end,
            f"{ext.isoformat() if ext else ''} 起任监管责任人，首次现场检查应在 {prev_due.isoformat()} 前完成"
            f"（{seen}；首个检查周期自确定之日起算半年，{VISIT_RULE}）{assumed}",
        )
    due, ext = _deadline(start, end, named)
    if ext is not None:
        return VisitStatus(
            VisitState.DUE, due, start, end,
            f"{ext.isoformat()} 起任监管责任人，首次现场检查应在 {due.isoformat()} 前完成"
            f"（首个检查周期自确定之日起算半年，{VISIT_RULE}）{assumed}",
        )
    return VisitStatus(
        VisitState.DUE, end, start, end,
        f"{_half_name(start)}尚未现场检查，应在 {end.isoformat()} 前完成（{VISIT_RULE}）{assumed}",
    )


# ---------------------------------------------------------------- reassignment


def reassignment_deadline(changed_on: date, schedules: Schedules = None) -> date:
    """Last day to record a change of responsible supervisor: the 5th working day after it.

    001 二（一）, 002 三（五）: "应在5个工作日内更新"; working days per :mod:`workdays`
    (statutory holidays and 调休 counted; the day of the change itself is not counted).
    """
    return add_working_days(changed_on, REASSIGNMENT_WORKING_DAYS, schedules)


def reassignment_late(changed_on: date, recorded_on: date, schedules: Schedules = None) -> bool:
    """True when the change was recorded after :func:`reassignment_deadline`."""
    return recorded_on > reassignment_deadline(changed_on, schedules)


def reassignment_note(changed_on: date, schedules: Schedules = None) -> str | None:
    """A Chinese warning when the deadline was computed without an official holiday schedule."""
    return coverage_note(changed_on, reassignment_deadline(changed_on, schedules), schedules)


@dataclass(frozen=True)
class ReassignmentCheck:
    """Was a change of supervisor recorded within 5 working days?

    ``late``: True / False, or None when the deadline falls in a year with no holiday schedule
    and the change was recorded after the Monday–Friday count: it may or may not be late, so
    nothing is judged ("no 已超期 on a guess"); ``note`` then says so and asks for the schedule.
    """

    deadline: date
    late: bool | None
    note: str | None

    @property
    def text(self) -> str:
        """Chinese, for the GUI, the CLI and the audit detail."""
        if self.late is None:
            verdict = f"按周一至周五推算的最迟更新日期为 {self.deadline.isoformat()}，是否超期待节假日安排录入后确定"
        elif self.late:
            verdict = f"已超期（最迟应在 {self.deadline.isoformat()} 前更新）"
        else:
            verdict = f"未超期（最迟 {self.deadline.isoformat()}）"
        basis = f"监管责任人如有变动，应在 {REASSIGNMENT_WORKING_DAYS} 个工作日内更新（国市监质监发〔2023〕38号 二（一））"
        return f"{basis}：{verdict}" + (f"。{self.note}" if self.note else "")


def check_reassignment(changed_on: date, recorded_on: date, schedules: Schedules = None) -> ReassignmentCheck:
    """The deadline for recording a change, whether it was met, and the calendar note."""
    deadline = reassignment_deadline(changed_on, schedules)
    note = coverage_note(changed_on, deadline, schedules)
    late: bool | None = recorded_on > deadline
    if late and note:
        late = None
    return ReassignmentCheck(deadline, late, note)


# ---------------------------------------------------------------- first entry


def entry_reason_required(first_entry: bool) -> bool:
    """001 四（一）, 002 三（三）: "首次录入信息平台的生产和销售单位，应注明录入原因"."""
    return bool(first_entry)


def check_entry(first_entry: bool, entry_reason: str | None) -> list[str]:
    """Problems (Chinese) with an entry's reason; empty when fine."""
    if entry_reason_required(first_entry) and not (entry_reason or "").strip():
        return ["首次录入的单位应注明录入原因（如：" + "、".join(ENTRY_REASONS[:4]) + "等；"
                "国市监质监发〔2023〕38号 四（一））"]
    return []


# ---------------------------------------------------------------- key areas

#: 000 二（六）: "产业聚集区（一般指同类产品生产企业 15 家以上）". "以上" includes the number itself
#: (民法典 第一千二百五十九条), so 15 producers already make a cluster.
KEY_AREA_MIN_PRODUCERS = 15


def key_area_products(producers_per_product: Mapping[str, int]) -> list[str]:
    """Products whose producers in the area form an industrial cluster (重点监管区域, 000 二（六）)."""
    return sorted(p for p, n in producers_per_product.items() if n >= KEY_AREA_MIN_PRODUCERS)
