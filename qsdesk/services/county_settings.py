"""County-wide settings sent down as master data: the day counts the documents leave open and the
monthly table's reporting period.

Where a document names a number (15 days to object, 《产品质量法》第十五条; 60 days to rectify and 75
days to re-inspect, 《产品质量监督抽查管理暂行办法》第四十六条、第四十七条) the program uses it and no
setting exists. Where it does not (沪市监产质〔2022〕251号 一（二） "第一时间", "同步"; 宝山区实施方案 四（三） "每月23日前报送"
without saying which days a month's table covers) the county sets the number here. Until it does,
the default applies and is shown as 默认 wherever the value is used.

Rows are :class:`~qsdesk.store.models.CountySetting` (one per key), a county table of the sync
(made only at the county, accepted only from it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsdesk.domain.sampling import FollowupDefaults
from qsdesk.services import audit
from qsdesk.store.db import Store
from qsdesk.store.models import CountySetting, Node


class SettingError(ValueError):
    """A setting that cannot be saved; the message is Chinese."""


@dataclass(frozen=True)
class SettingDef:
    key: str
    label: str
    default: int
    minimum: int
    maximum: int
    unit: str
    why: str  # what the documents say, shown beside the value


DEFS: tuple[SettingDef, ...] = (
    SettingDef("followup.deliver_days", "送达不合格检验报告期限", 0, 0, 30, "日（自收到报告之日起；0 为当日）",
               "沪市监产质〔2022〕251号 一（二）只要求“第一时间”送达，未规定天数"),
    SettingDef("followup.investigate_days", "现场调查取证期限", 0, 0, 30, "日（自送达之日起；0 为同步进行）",
               "沪市监产质〔2022〕251号 一（二）要求“同步”调查取证，未规定天数"),
    SettingDef("followup.risk_control_days", "督促采取风险控制措施期限", 3, 0, 60, "日（自送达之日起）",
               "沪市监产质〔2022〕251号 一（二）、三（一）未规定天数"),
    SettingDef("monthly.period_end_day", "月报统计截止日", 0, 0, 28, "日（0 为自然月月末）",
               "宝山区实施方案 四（三）只规定每月23日前报送，未规定统计区间"),
    SettingDef("monthly.due_day", "月报报送截止日", 23, 1, 28, "日",
               "宝山区实施方案 四（三）：各市场所于每月23日前报送"),
)
BY_KEY = {d.key: d for d in DEFS}


@dataclass(frozen=True)
class Value:
    value: int
    is_default: bool
    definition: SettingDef

    @property
    def shown(self) -> str:
        """The value with its unit, marked 默认 when the county has not set it."""
        tail = "（默认）" if self.is_default else "（县局设置）"
        return f"{self.value} {self.definition.unit}{tail}"


def get(session: Session, key: str) -> Value:
    d = BY_KEY[key]
    row = session.scalars(select(CountySetting).where(CountySetting.key == key, CountySetting.deleted.is_(False))
                          .order_by(CountySetting.updated_at.desc())).first()
    if row is None:
        return Value(d.default, True, d)
    try:
        v = int(row.value)
    except ValueError:
        return Value(d.default, True, d)
    return Value(min(max(v, d.minimum), d.maximum), False, d)


def all_values(session: Session) -> list[Value]:
    return [get(session, d.key) for d in DEFS]


def followup_defaults(session: Session) -> FollowupDefaults:
    """The follow-up day counts in force at this node (county settings, or their defaults)."""
    return FollowupDefaults(
        deliver_days=get(session, "followup.deliver_days").value,
        investigate_days=get(session, "followup.investigate_days").value,
        risk_control_days=get(session, "followup.risk_control_days").value,
    )


def set_value(store: Store, key: str, value: int | None) -> None:
    """Set (or with ``None`` clear back to the default) a county setting. County nodes only."""
    d = BY_KEY.get(key)
    if d is None:
        raise SettingError("没有这项设置")
    if value is not None and not d.minimum <= value <= d.maximum:
        raise SettingError(f"{d.label}应在 {d.minimum}–{d.maximum} 之间")
    with store.transaction() as s:
        me = s.scalars(select(Node).where(Node.is_self.is_(True))).first()
        if me is None or me.kind != "county":
            raise SettingError("该设置由县级局统一设置，随同步包下发到各所")
        rows = list(s.scalars(select(CountySetting).where(CountySetting.key == key, CountySetting.deleted.is_(False))))
        if value is None:
            for r in rows:
                r.deleted = True
        elif rows:
            rows[0].value = str(value)
            for r in rows[1:]:
                r.deleted = True
        else:
            s.add(CountySetting(key=key, value=str(value)))
        s.flush()
        audit.record(s, "update", "county_setting", None, setting=d.label,
                     value=value if value is not None else f"恢复默认 {d.default}")
