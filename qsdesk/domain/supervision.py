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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from qsdesk.domain.sampling import EscalationLevel, HasResult, SamplingOutcome, escalation, result_of
from qsdesk.domain.sampling import SamplingResult as _SamplingResult
from qsdesk.domain.workdays import Schedules, add_months, add_working_days, add_years, coverage_note

__all__ = [
    "ENTRY_REASONS",
    "REASSIGNMENT_WORKING_DAYS",
    "ClassResult",
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


@dataclass(frozen=True)
class ClassResult:
    cls: SupervisionClass
    reasons: list[str] = field(default_factory=list)


def within_years(event: date, as_of: date, years: int) -> bool:
    """Is ``event`` "近N年内" as of ``as_of``? Calendar years, end day inclusive; future → False."""
    return event <= as_of <= add_years(event, years)


def classify(
    as_of: date,
    punishments: Iterable[Punishment] = (),
    risks: Iterable[RiskFinding] = (),
    credit_risk: CreditRisk | str | None = None,
    samplings: Iterable[HasResult] = (),
    abnormal_listed: bool = False,
) -> ClassResult:
    """The supervision class of an enterprise as of ``as_of``, with every reason that applies.

    特别 (special) when any of: credit risk 高 (001 三, 002 三（四）); ≥3 heavier punishments
    (从重处罚) within 2 years (002 三（四）); ≥3 major risks (重大质量安全风险) within 2 years
    (001 三); ≥3 consecutive non-conforming samplings with a major hazard (003 七).

    重点 (key) when any of: credit risk 较高; a punishment within 1 year (002 三（四）); a
    significant or major risk found within 1 year (001 三 "发现较大质量安全风险"; the 1-year window
    is 002's); a non-conforming sampling within 1 year or listed as abnormal (000 二（五）).

    Otherwise 日常/触发式 ("无事不扰"). Events dated after ``as_of`` are ignored.
    """
    punishments = list(punishments)
    risks = list(risks)
    samplings = [s for s in samplings if s.sampled_on <= as_of]
    credit = CreditRisk.parse(credit_risk)
    special: list[str] = []
    key: list[str] = []

    if credit is CreditRisk.HIGH:
        special.append("信用风险高（001 三、002 三（四））")
    elif credit is CreditRisk.HIGHER:
        key.append("信用风险较高（001 三、002 三（四））")

    heavier_2y = sorted(p.decided_on for p in punishments if p.heavier and within_years(p.decided_on, as_of, 2))
    if len(heavier_2y) >= 3:
        special.append(
            f"近2年内被从重处罚 {len(heavier_2y)} 次（{_dates(heavier_2y)}），达到3次及以上（002 三（四））"
        )
    major_2y = sorted(r.found_on for r in risks if r.major and within_years(r.found_on, as_of, 2))
    if len(major_2y) >= 3:
        special.append(
            f"近2年内发现重大质量安全风险 {len(major_2y)} 次（{_dates(major_2y)}），达到3次及以上（001 三）"
        )
    esc = escalation(samplings)
    if esc.level is EscalationLevel.SPECIAL:
        special.append(f"连续 {esc.consecutive} 次抽查不合格且存在重大质量安全隐患（003 七）")

    punished_1y = sorted(p.decided_on for p in punishments if within_years(p.decided_on, as_of, 1))
    if punished_1y:
        key.append(
            f"近1年内因产品质量、生产许可证或强制性产品认证违法被处罚 {len(punished_1y)} 次"
            f"（{_dates(punished_1y)}）（002 三（四））"
        )
    risk_1y = sorted(r.found_on for r in risks if within_years(r.found_on, as_of, 1))
    if risk_1y:
        key.append(f"近1年内发现较大质量安全风险（{_dates(risk_1y)}）（001 三）")
    failed_1y = sorted(
        s.sampled_on
        for s in samplings
        if result_of(s) is _SamplingResult.FAIL and within_years(s.sampled_on, as_of, 1)
    )
    if failed_1y:
        key.append(f"近1年内监督抽查不合格（{_dates(failed_1y)}）（000 二（五））")
    if abnormal_listed:
        key.append("列入经营异常名录（000 二（五））")

    if special:
        return ClassResult(SupervisionClass.SPECIAL, special + key)
    if key:
        return ClassResult(SupervisionClass.KEY, key)
    return ClassResult(
        SupervisionClass.ROUTINE,
        ["未发现较大质量安全风险，近1年内无处罚，信用风险不高：按“无事不扰”原则纳入日常监管或实施触发式监管（001 三）"],
    )


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
