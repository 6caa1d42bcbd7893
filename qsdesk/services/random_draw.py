"""双随机、一公开: draw enterprises and inspectors at random, reproducibly (the published list and
the printed plan are :mod:`qsdesk.services.draw_publication`).

000 (九) asks the county (and the station in its part) to run "random inspected party, random
inspector, results published" inspections. For the draw to be shown fair it must be possible to
redo it: the plan keeps the seed, the exact pool of enterprise ids and inspector ids it was drawn
from (sorted, plus a SHA-256 over them), and the algorithm name. Anyone holding those can rerun
:func:`draw` (or any independent implementation of the algorithm below) and get the same plan.

Algorithm ``sha256-fy-v1``:

* ``pool_hash = sha256("\\n".join(sorted(ids)))`` (hex), for enterprises and inspectors alike.
* A byte stream: ``sha256(f"{seed}|{pool_hash}|{inspector_pool_hash}|{counter}")`` for
  counter = 0, 1, 2, …, concatenated. Integers below ``n`` are taken 8 bytes (big-endian) at a
  time with rejection sampling (no modulo bias).
* Enterprises: a partial Fisher–Yates shuffle of the sorted pool; the first ``count`` are drawn.
* Inspectors: for each drawn enterprise, in order, a partial Fisher–Yates shuffle of the sorted
  inspector pool picks ``team_size`` distinct inspectors from the same stream.

Algorithm ``sha256-fy-v2`` (a plan with a priority pool): 沪市监产质〔2022〕251号 二 三 asks that
enterprises with credit risk 高 or 较高 be "优先列为双随机抽查对象". The priority pool (a subset of
the pool, stored sorted with the plan) is shuffled first from the same stream and its first
``count`` are drawn first; the remaining places are filled by a partial shuffle of the rest of the
pool. Same seed and pools, same plan. Without a priority pool v2 is exactly v1.

Python's ``random`` module is deliberately not used: its algorithms may change between versions,
which would break reproducing an old draw.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from qsdesk.services import audit, classes
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, EnterpriseClass, InspectionPlan, Inspector, PlanItem

ALGORITHM = "sha256-fy-v1"
ALGORITHM_PRIORITY = "sha256-fy-v2"
#: Effective credit risks drawn first (沪市监产质〔2022〕251号 二 三 "信用风险高和较高的企业…优先").
PRIORITY_CREDIT = ("高", "较高")
PRIORITY_NOTE = "信用风险高、较高的企业优先抽取（沪市监产质〔2022〕251号 二 三）"

PLAN_STATUS_LABELS = {"planned": "已抽取", "done": "已检查完毕", "published": "已公开"}


class DrawError(ValueError):
    """A draw request a user can fix; the message is Chinese."""


def pool_hash(ids: Sequence[str]) -> str:
    """SHA-256 (hex) over the sorted ids, one per line."""
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


class _Stream:
    """Deterministic integers from SHA-256 in counter mode."""

    def __init__(self, key: str) -> None:
        self._key = key
        self._counter = 0
        self._buf = b""

    def _bytes(self, n: int) -> bytes:
        while len(self._buf) < n:
            block = hashlib.sha256(f"{self._key}|{self._counter}".encode()).digest()
            self._counter += 1
            self._buf += block
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def below(self, n: int) -> int:
        """A uniform integer in ``[0, n)`` (rejection sampling, no modulo bias)."""
        if n <= 0:
            raise ValueError("n must be positive")
        space = 1 << 64
        limit = space - space % n
        while True:
            v = int.from_bytes(self._bytes(8), "big")
            if v < limit:
                return v % n


def _partial_shuffle(items: list[str], k: int, stream: _Stream) -> list[str]:
    """The first ``k`` items of a Fisher–Yates shuffle (front to back) of ``items``."""
    a = list(items)
    for i in range(min(k, len(a))):
        j = i + stream.below(len(a) - i)
        a[i], a[j] = a[j], a[i]
    return a[:k]


@dataclass(frozen=True)
class DrawnItem:
    position: int
    enterprise_id: str
    inspector_ids: tuple[str, ...]


def draw(
    pool_ids: Sequence[str],
    inspector_ids: Sequence[str],
    count: int,
    seed: str,
    team_size: int = 2,
    priority_ids: Sequence[str] = (),
) -> list[DrawnItem]:
    """Draw ``count`` enterprises from ``pool_ids`` and pair each with ``team_size`` inspectors;
    those of ``priority_ids`` (a part of the pool) are drawn first (algorithm v2).

    Pure and deterministic: the order of the inputs does not matter (both are sorted first).
    """
    pool = sorted(set(pool_ids))
    first = sorted(set(priority_ids) & set(pool))
    people = sorted(set(inspector_ids))
    if count <= 0:
        raise DrawError("抽取数量应大于 0")
    if count > len(pool):
        raise DrawError(f"抽取数量 {count} 超过了对象库中的企业数 {len(pool)}")
    if team_size < 0:
        raise DrawError("每组检查人员数不能为负")
    if team_size > len(people):
        raise DrawError(f"每组需要 {team_size} 名检查人员，但检查人员库只有 {len(people)} 人")
    stream = _Stream(f"{seed}|{pool_hash(pool)}|{pool_hash(people)}")
    if first:
        chosen = _partial_shuffle(first, min(count, len(first)), stream)
        taken = set(first)
        chosen += _partial_shuffle([x for x in pool if x not in taken], count - len(chosen), stream)
    else:
        chosen = _partial_shuffle(pool, count, stream)
    out: list[DrawnItem] = []
    for pos, ent in enumerate(chosen, start=1):
        team = tuple(_partial_shuffle(people, team_size, stream)) if team_size else ()
        out.append(DrawnItem(pos, ent, team))
    return out


# --------------------------------------------------------------------------- pool


@dataclass(frozen=True)
class PoolFilter:
    """Which enterprises form the pool (the 检查对象名录库 subset). Empty fields do not filter."""

    town: str | None = None
    jurisdiction: str | None = None
    domain: str | None = None  # 生产/流通/电商/其他
    unit_type: str | None = None  # producer / wholesaler / retailer
    grade: str | None = None
    supervision_class: str | None = None
    product_category: str | None = None
    exclude_status: tuple[str, ...] = field(default=("注销", "吊销"))
    #: Only the enterprises on that year's tracking list (跟踪抽查名单, the one definition in
    #: :func:`qsdesk.services.sampling.tracking_list`).
    tracking_year: int | None = None

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {k: v for k, v in self.__dict__.items() if v not in (None, "", ())}
        if "exclude_status" in d:
            d["exclude_status"] = list(d["exclude_status"])
        return d


def pool_query(flt: PoolFilter) -> Select[str]:
    from qsdesk.store.models import Product

    stmt = classes.join_class(select(Enterprise.id)).where(Enterprise.deleted.is_(False))
    if flt.town:
        stmt = stmt.where(Enterprise.town == flt.town)
    if flt.jurisdiction:
        stmt = stmt.where(Enterprise.jurisdiction == flt.jurisdiction)
    if flt.domain:
        stmt = stmt.where(Enterprise.domain == flt.domain)
    if flt.unit_type:
        stmt = stmt.where(Enterprise.unit_types.contains(flt.unit_type))
    if flt.grade:
        stmt = stmt.where(Enterprise.grade == flt.grade)
    if flt.supervision_class:
        stmt = stmt.where(classes.class_column() == flt.supervision_class)
    if flt.exclude_status:
        stmt = stmt.where(
            (Enterprise.status.is_(None)) | (Enterprise.status.not_in(list(flt.exclude_status)))
        )
    if flt.product_category:
        sub = select(Product.enterprise_id).where(
            Product.deleted.is_(False), Product.category == flt.product_category
        )
        stmt = stmt.where(Enterprise.id.in_(sub))
    return stmt.order_by(Enterprise.id)


def select_pool(session: Session, flt: PoolFilter) -> list[str]:
    pool = list(session.scalars(pool_query(flt)))
    if flt.tracking_year:
        from qsdesk.services.sampling import tracking_list

        listed = {t.enterprise_id for t in tracking_list(session, flt.tracking_year)}
        pool = [i for i in pool if i in listed]
    return pool


def priority_pool(session: Session, flt: PoolFilter) -> list[str]:
    """The part of the pool drawn first: effective credit risk 高 or 较高 (the stored class's
    credit risk, which includes a raise by sampling failures, 晋市监发〔2023〕212号 七)."""
    stmt = pool_query(flt).where(EnterpriseClass.credit_risk.in_(PRIORITY_CREDIT))
    return list(session.scalars(stmt))


def active_inspector_ids(session: Session) -> list[str]:
    stmt = select(Inspector.id).where(Inspector.deleted.is_(False), Inspector.active.is_(True))
    return sorted(session.scalars(stmt))


# --------------------------------------------------------------------------- plans


def new_seed() -> str:
    return secrets.token_hex(16)


def create_plan(
    store: Store,
    *,
    title: str,
    count: int,
    flt: PoolFilter | None = None,
    seed: str | None = None,
    inspector_ids: Sequence[str] | None = None,
    team_size: int = 2,
    drawn_on: date | None = None,
    due_on: date | None = None,
    note: str | None = None,
    prefer_credit_risk: bool = True,
) -> str:
    """Draw and store an inspection plan; returns the plan id. With ``prefer_credit_risk`` the
    enterprises of credit risk 高/较高 are drawn first (:func:`priority_pool`)."""
    if not title.strip():
        raise DrawError("请填写抽查计划名称")
    if team_size not in (1, 2):
        raise DrawError("每个检查对象应配 1 或 2 名检查人员")
    flt = flt or PoolFilter()
    seed = seed or new_seed()
    classes.ensure_current(store)
    with store.transaction() as s:
        pool = select_pool(s, flt)
        if not pool:
            raise DrawError("按所选条件没有可抽取的企业")
        first = sorted(priority_pool(s, flt)) if prefer_credit_risk else []
        people = sorted(set(inspector_ids)) if inspector_ids is not None else active_inspector_ids(s)
        items = draw(pool, people, count, seed, team_size, first)
        plan = InspectionPlan(
            title=title.strip(),
            drawn_on=drawn_on or date.today(),
            seed=seed,
            pool_filter=flt.as_dict(),
            pool_size=len(pool),
            pool_hash=pool_hash(pool),
            pool_ids=pool,
            inspector_ids=people,
            inspector_pool_hash=pool_hash(people),
            draw_count=count,
            team_size=team_size,
            algorithm=ALGORITHM_PRIORITY if first else ALGORITHM,
            priority_ids=first,
            due_on=due_on,
            note=note,
        )
        s.add(plan)
        s.flush()
        for it in items:
            team = list(it.inspector_ids) + [None, None]
            s.add(PlanItem(plan_id=plan.id, position=it.position, enterprise_id=it.enterprise_id,
                           inspector1_id=team[0], inspector2_id=team[1]))
        audit.record(s, "create", "inspection_plan", plan.id, seed=seed, pool_size=len(pool),
                     pool_hash=plan.pool_hash, count=count)
        return plan.id


@dataclass(frozen=True)
class Verification:
    ok: bool
    problems: tuple[str, ...]


def verify_plan(session: Session, plan_id: str) -> Verification:
    """Redo the draw from the stored seed and pools and compare it with the stored items."""
    plan = session.get(InspectionPlan, plan_id)
    if plan is None:
        raise DrawError("抽查计划不存在")
    problems: list[str] = []
    if plan.algorithm not in (ALGORITHM, ALGORITHM_PRIORITY):
        problems.append(f"未知的抽取算法 {plan.algorithm}")
    first = list(plan.priority_ids or []) if plan.algorithm == ALGORITHM_PRIORITY else []
    if pool_hash(plan.pool_ids) != plan.pool_hash:
        problems.append("企业库快照与其哈希不一致")
    if pool_hash(plan.inspector_ids) != plan.inspector_pool_hash:
        problems.append("检查人员库快照与其哈希不一致")
    try:
        redone = draw(plan.pool_ids, plan.inspector_ids, plan.draw_count, plan.seed, plan.team_size, first)
    except DrawError as exc:
        return Verification(False, (*problems, str(exc)))
    stored = plan_items(session, plan_id)
    if len(stored) != len(redone):
        problems.append(f"计划条目数 {len(stored)} 与重新抽取的 {len(redone)} 不一致")
    for item, again in zip(stored, redone, strict=False):
        team = tuple(x for x in (item.inspector1_id, item.inspector2_id) if x)
        if item.enterprise_id != again.enterprise_id or team != again.inspector_ids[:2]:
            problems.append(f"第 {item.position} 条与重新抽取的结果不一致")
    return Verification(not problems, tuple(problems))


def plan_items(session: Session, plan_id: str) -> list[PlanItem]:
    stmt = (
        select(PlanItem)
        .where(PlanItem.plan_id == plan_id, PlanItem.deleted.is_(False))
        .order_by(PlanItem.position)
    )
    return list(session.scalars(stmt))


def plans_query() -> Select[Any]:
    return select(InspectionPlan).where(InspectionPlan.deleted.is_(False)).order_by(
        InspectionPlan.drawn_on.desc(), InspectionPlan.title
    )


def plans(session: Session, limit: int = 500) -> list[InspectionPlan]:
    """The first ``limit`` plans of :func:`plans_query`."""
    return list(session.scalars(plans_query().limit(limit)))


def towns(store: Store) -> list[str]:
    """The towns (镇街) of the registered, not deleted enterprises, sorted (at most 500)."""
    with store.session() as s:
        stmt = select(Enterprise.town).where(Enterprise.deleted.is_(False), Enterprise.town.is_not(None)).distinct()
        return sorted(str(v) for v in s.scalars(stmt.limit(500)) if v)


def record_result(
    store: Store, item_id: str, result: str, done_on: date, inspection_id: str | None = None
) -> None:
    """Record the inspection result of one plan item (what 一公开 publishes)."""
    if not result.strip():
        raise DrawError("请填写检查结果")
    with store.transaction() as s:
        item = s.get(PlanItem, item_id)
        if item is None or item.deleted:
            raise DrawError("计划条目不存在")
        item.result = result.strip()
        item.done_on = done_on
        if inspection_id:
            item.inspection_id = inspection_id
        audit.record(s, "update", "plan_item", item.id, result=item.result, done_on=done_on.isoformat())
        s.flush()
        open_left = s.scalar(
            select(func.count()).select_from(PlanItem).where(
                PlanItem.plan_id == item.plan_id, PlanItem.deleted.is_(False), PlanItem.done_on.is_(None)
            )
        )
        plan = s.get(InspectionPlan, item.plan_id)
        if plan is not None and not open_left and plan.status == "planned":
            plan.status = "done"


def open_plan_items_count(session: Session) -> int:
    """Drawn enterprises not yet inspected (for the dashboard)."""
    stmt = (
        select(func.count())
        .select_from(PlanItem)
        .join(InspectionPlan, InspectionPlan.id == PlanItem.plan_id)
        .where(PlanItem.deleted.is_(False), InspectionPlan.deleted.is_(False), PlanItem.done_on.is_(None))
    )
    return int(session.scalar(stmt) or 0)
