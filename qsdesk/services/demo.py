"""Deterministic demo and test data at any size: one county's producers and sellers.

The same ``seed`` and ``today`` always give the same records (ids included), so a bug seen on
demo data can be reproduced. Rows are written with bulk Core inserts in chunks, never one ORM
object at a time, so ``--enterprises 200000`` finishes in well under a minute.

Credit codes are valid: registration authority 9 + entity type 1/2 (or 92 for individual
businesses), the county's division code, a GB 11714 organisation code with its own check
character, and the GB 32100 check character computed by :mod:`qsdesk.domain.uscc`.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select

from qsdesk.domain.grading import grade
from qsdesk.domain.sampling import SamplingResult, followup_template
from qsdesk.domain.uscc import check_digit
from qsdesk.services import audit, classes
from qsdesk.store.db import Store, reserve_change_seqs, utcnow
from qsdesk.store.models import (
    Counter,
    Enterprise,
    FollowUpStep,
    Inspection,
    Inspector,
    Product,
    Sampling,
    SupervisorAssignment,
)

Progress = Callable[[int, int, str], None]

CHUNK = 5000

PROVINCE, CITY, COUNTY, DIVISION = "山东省", "济南市", "历城区", "370112"
TOWNS = (
    "山大路街道", "洪家楼街道", "东风街道", "全福街道", "华山街道", "荷花路街道", "王舍人街道",
    "鲍山街道", "郭店街道", "唐冶街道", "港沟街道", "董家街道", "遥墙街道", "临港街道",
    "唐王街道", "彩石街道", "西营街道", "柳埠街道", "仲宫街道", "锦绣川街道",
)
ROADS = (
    "工业北路", "花园路", "二环东路", "华山路", "飞跃大道", "世纪大道", "凤鸣路", "春晖路",
    "郭店大街", "唐冶中路", "港沟路", "董家路", "机场路", "临港北路", "唐王大街", "彩石路",
    "旅游路", "经十东路", "仲宫大街", "二钢路",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = (
    "伟", "芳", "娜", "敏", "静", "磊", "强", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英",
    "华", "平", "刚", "桂英", "建国", "建华", "志强", "海燕", "晓东", "玉兰", "国庆", "红梅", "春雷",
    "立新", "文博", "子涵", "宏伟", "丽娟", "永刚", "新民",
)
TRADE_WORDS = (
    "华兴", "鲁泰", "金诺", "恒达", "宏远", "瑞丰", "鑫源", "泰和", "正兴", "永盛", "德润", "海诚",
    "众联", "康顺", "利民", "天元", "博润", "汇通", "齐鲁", "泉城", "明湖", "历山", "舜耕", "华强",
    "金石", "东岳", "信达", "宏图", "嘉禾", "润泽", "安泰", "盛源", "凯瑞", "银丰", "佳美", "远航",
)


@dataclass(frozen=True)
class Line:
    """A product line: industry word in the name, catalogue category, products, licence type."""

    industry: str
    category: str
    products: tuple[str, ...]
    licence: str
    standard: str


# Categories from the industrial product production licence catalogue and the CCC catalogue.
LINES: tuple[Line, ...] = (
    Line("电线电缆", "电线电缆", ("聚氯乙烯绝缘电线", "架空绝缘电缆", "额定电压450/750V电缆"),
         "工业产品生产许可证", "GB/T 5023-2008"),
    Line("化工", "危险化学品", ("工业硫酸", "工业氢氧化钠", "溶剂型涂料"), "工业产品生产许可证",
         "GB/T 534-2014"),
    Line("肥业", "化肥", ("复合肥料", "掺混肥料", "有机-无机复混肥料"), "工业产品生产许可证",
         "GB/T 15063-2020"),
    Line("钢铁", "建筑用钢筋", ("热轧带肋钢筋", "热轧光圆钢筋"), "工业产品生产许可证", "GB/T 1499.2-2018"),
    Line("水泥", "水泥", ("普通硅酸盐水泥", "复合硅酸盐水泥"), "工业产品生产许可证", "GB 175-2023"),
    Line("塑料制品", "食品相关产品", ("食品用塑料包装容器", "食品用塑料餐具", "塑料薄膜"),
         "工业产品生产许可证", "GB 4806.7-2023"),
    Line("纸制品", "食品相关产品", ("食品用纸包装", "纸杯"), "工业产品生产许可证", "GB 4806.8-2022"),
    Line("电器", "家用和类似用途设备", ("电热水壶", "电饭锅", "电暖器"), "CCC", "GB 4706.1-2005"),
    Line("照明", "照明电器", ("LED灯具", "嵌入式灯具"), "CCC", "GB 7000.1-2015"),
    Line("电动工具", "电动工具", ("手持式电钻", "角向磨光机"), "CCC", "GB/T 3883.1-2014"),
    Line("玩具", "玩具", ("塑胶玩具", "电玩具", "童车"), "CCC", "GB 6675.1-2014"),
    Line("电动车", "电动自行车", ("电动自行车",), "CCC", "GB 17761-2024"),
    Line("燃气具", "家用燃气器具", ("家用燃气灶具", "燃气热水器"), "CCC", "GB 16410-2020"),
    Line("防爆电气", "防爆电气", ("防爆电机", "防爆灯具"), "CCC", "GB/T 3836.1-2021"),
    Line("家具", "家具", ("办公椅", "木质家具"), "其他", "GB/T 3325-2017"),
    Line("服饰", "服装", ("儿童服装", "针织内衣"), "其他", "GB 31701-2015"),
    Line("建材", "建筑防水卷材", ("弹性体改性沥青防水卷材", "高分子防水卷材"), "工业产品生产许可证",
         "GB 18242-2008"),
    Line("五金", "消费品", ("不锈钢锅", "五金工具"), "其他", "GB/T 40355-2021"),
)
SUFFIX_PRODUCER = ("有限公司", "有限公司", "有限责任公司", "股份有限公司", "厂")
SUFFIX_SELLER = ("商贸有限公司", "贸易有限公司", "经营部", "商店", "批发部")
STATUS = ("在产在营",) * 12 + ("停业", "停业", "破产倒闭", "失联")  # annex 3 企业状态
INSPECTOR_NAMES = ("张伟", "李娜", "王强", "刘洋", "陈静", "杨帆", "赵磊", "孙丽")
SAMPLING_ORGANISERS = {
    "national": "国家市场监督管理总局",
    "provincial": "山东省市场监督管理局",
    "city": "济南市市场监督管理局",
    "county": "济南市历城区市场监督管理局",
}


@dataclass
class DemoSummary:
    enterprises: int = 0
    products: int = 0
    inspectors: int = 0
    assignments: int = 0
    inspections: int = 0
    samplings: int = 0
    followups: int = 0
    extra: dict[str, int] = field(default_factory=dict)


class Cancelled(Exception):
    """The user cancelled; the whole generation was rolled back."""


def organisation_code(rng: random.Random) -> str:
    """A GB 11714 organisation code: 8 digits/letters and their check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "".join(rng.choice("0123456789") for _ in range(2)) + "".join(
        rng.choice(alphabet) for _ in range(6)
    )
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]  # A=10 … Z=35
    c9 = 11 - sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(c9, str(c9))


def credit_code(rng: random.Random, individual: bool = False) -> str:
    """91 = company, 92 = individual business (registration authority 9, market supervision)."""
    first17 = ("92" if individual else "91") + DIVISION + organisation_code(rng)
    return first17 + check_digit(first17)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return "0531-8" + "".join(rng.choice("0123456789") for _ in range(7))
    return rng.choice(("138", "139", "158", "186", "135", "150")) + "".join(
        rng.choice("0123456789") for _ in range(8))


def _chunks(n: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, CHUNK):
        yield start, min(CHUNK, n - start)


def generate(
    store: Store,
    *,
    enterprises: int = 500,
    seed: int = 1,
    inspections: int | None = None,
    samplings: int | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> DemoSummary:
    """Add demo records for one county in one transaction (all or nothing).

    ``inspections`` defaults to one per two enterprises, ``samplings`` to one per twenty.
    """
    if enterprises < 0:
        raise ValueError("企业数量不能为负数")
    today = today or date.today()
    n_insp = enterprises // 2 if inspections is None else inspections
    n_samp = enterprises // 20 if samplings is None else samplings
    rng = random.Random(seed)
    summary = DemoSummary()
    total = enterprises + n_insp + n_samp
    done = 0

    def tick(k: int, what: str) -> None:
        nonlocal done
        done += k
        if cancelled is not None and cancelled():
            raise Cancelled("已取消：演示数据未写入")
        if progress is not None:
            progress(done, total, what)

    now = utcnow()
    origin = store.origin
    with store.transaction() as s:
        present = s.execute(select(Inspector.id, Inspector.name).where(Inspector.deleted.is_(False))
                            .order_by(Inspector.name, Inspector.id)).all()
        inspector_ids = [r.id for r in present]
        if len(inspector_ids) < 4:
            rows = []
            names = [n for n in INSPECTOR_NAMES if n not in {r.name for r in present}]
            for name in names[: 6 - len(inspector_ids)]:
                rows.append(dict(id=_uuid(rng), name=name, phone=_phone(rng), badge_no=None,
                                 station_code=origin, active=True))
            _bulk(s, Inspector, rows, now, origin)
            inspector_ids += [r["id"] for r in rows]
            summary.inspectors = len(rows)

        ent_ids: list[str] = []
        ent_kind: list[str] = []  # "producer" / "seller" per enterprise (for form choice)
        for _start, size in _chunks(enterprises):
            ents, prods, assigns = [], [], []
            for _ in range(size):
                row, products, kind = _enterprise(rng, today, inspector_ids)
                ents.append(row)
                ent_ids.append(row["id"])
                ent_kind.append(kind)
                for p in products:
                    p["enterprise_id"] = row["id"]
                    p["id"] = _uuid(rng)
                prods.extend(products)
                if row["responsible_inspector_id"]:
                    assigns.append(dict(id=_uuid(rng), enterprise_id=row["id"],
                                        inspector_id=row["responsible_inspector_id"],
                                        assigned_on=row["responsible_since"],
                                        recorded_on=row["responsible_since"], reason="演示数据：初次指定"))
            _bulk(s, Enterprise, ents, now, origin)
            _bulk(s, Product, prods, now, origin)
            _bulk(s, SupervisorAssignment, assigns, now, origin)
            summary.enterprises += len(ents)
            summary.products += len(prods)
            summary.assignments += len(assigns)
            tick(size, "企业档案")

        if ent_ids and n_insp:
            summary.inspections = _inspections(s, rng, today, n_insp, ent_ids, ent_kind, inspector_ids,
                                               now, origin, tick)
        if ent_ids and n_samp:
            summary.samplings, summary.followups = _samplings(s, rng, today, n_samp, ent_ids, ent_kind,
                                                              now, origin, tick)
        audit.record(s, "import", None, None, source="demo", seed=seed, enterprises=summary.enterprises,
                     inspections=summary.inspections, samplings=summary.samplings)
        classes.refresh(s, ent_ids, as_of=today, audit_changes=False)  # their credit risk and samplings
    return summary


def _bulk(s: Any, model: type, rows: list[dict[str, Any]], now: Any, origin: str) -> None:
    if not rows:
        return
    first = reserve_change_seqs(s, len(rows))
    for i, r in enumerate(rows):
        r.setdefault("rev", 1)
        r["updated_at"] = now
        r["origin"] = origin
        r.setdefault("deleted", False)
        r["change_seq"] = first + i
    s.execute(insert(model.__table__), rows)  # type: ignore[attr-defined]


def _enterprise(rng: random.Random, today: date, inspector_ids: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    line = rng.choice(LINES)
    roll = rng.random()
    individual = False
    if roll < 0.35:
        unit_types = ["producer"]
    elif roll < 0.42:
        unit_types = ["producer", "retailer"]
    elif roll < 0.57:
        unit_types = ["wholesaler"]
    else:
        unit_types = ["retailer"]
        individual = rng.random() < 0.5
    producer = "producer" in unit_types
    town = rng.choice(TOWNS)
    word = rng.choice(TRADE_WORDS) + (rng.choice(TRADE_WORDS) if rng.random() < 0.3 else "")
    if producer:
        name = f"{CITY}{word}{line.industry}{rng.choice(SUFFIX_PRODUCER)}"
        domain = "生产"
    elif individual:
        name = f"{COUNTY}{town[:-2]}{word}{line.industry}{rng.choice(('店', '经营部', '门市部'))}"
        domain = rng.choice(("流通", "流通", "电商"))
    else:
        name = f"{CITY}{word}{line.industry}{rng.choice(SUFFIX_SELLER)}"
        domain = rng.choice(("流通", "流通", "流通", "电商"))
    # Staff and revenue spread over all four grades; now and then a figure is unknown.
    scale = rng.lognormvariate(2.6 if producer else 1.6, 1.3)
    staff_n = max(1, int(scale))
    revenue_n = round(scale * rng.uniform(8, 40), 2)
    if individual:
        staff_n = min(staff_n, 8)
        revenue_n = round(min(revenue_n, 90), 2)
    staff: int | None = staff_n
    revenue: float | None = revenue_n
    if rng.random() < 0.05:
        staff = None
    elif rng.random() < 0.05:
        revenue = None
    g = grade(unit_types, staff, revenue)
    responsible = rng.choice(inspector_ids) if inspector_ids and rng.random() < 0.9 else None
    since = today - timedelta(days=rng.randint(30, 1500)) if responsible else None
    ent_id = _uuid(rng)
    row: dict[str, Any] = dict(
        id=ent_id,
        uscc=credit_code(rng, individual),
        name=name,
        legal_rep=_person(rng),
        registration_authority=f"{CITY}{COUNTY}市场监督管理局",
        province=PROVINCE, city=CITY, county=COUNTY, town=town,
        address=f"{rng.choice(ROADS)}{rng.randint(1, 3999)}号",  # the detail; province … town apart
        jurisdiction=f"{town[:-2]}市场监管所",
        contact=_person(rng),
        phone=_phone(rng),
        domain=domain,
        status=rng.choice(STATUS),
        unit_types=",".join(unit_types),
        individual_business=individual,
        staff=staff,
        revenue_wan=revenue,
        grade=g.value if g else None,
        supervision_class="routine",
        class_reasons=None,
        credit_risk=rng.choice(("A", "B", "B", "B", "C", "D")) if rng.random() < 0.8 else None,
        responsible_inspector_id=responsible,
        responsible_since=since,
        entry_reason="辖区企业信息摸底排查",
        abnormal_status=None,
        quality_director=_person(rng) if producer and g in ("A", "B", "C") else None,
        quality_officer=_person(rng),
        form_id="annex3_census",
        form_version=1,
        extra={},
    )
    products = []
    licensed = line.licence != "其他"
    for pname in rng.sample(line.products, k=rng.randint(1, len(line.products))):
        if line.licence == "工业产品生产许可证":
            cert = f"XK{rng.randint(10, 99)}-{rng.randint(100, 999)}-{rng.randint(10000, 99999)}"
        elif line.licence == "CCC":
            cert = f"{rng.randint(2020, 2026)}0{rng.randint(1, 9)}{rng.randint(10**9, 10**10 - 1)}"
        else:
            cert = None
        products.append(dict(
            name=pname,
            category=line.category,
            nominal_producer=name if producer else f"{rng.choice(('山东', '河北', '浙江', '江苏', '广东'))}"
            f"{rng.choice(TRADE_WORDS)}{line.industry}有限公司",
            standard=line.standard,
            licence_type=line.licence if licensed else None,  # 其他-category goods need no licence
            certificate_no=cert,
        ))
    return row, products, "producer" if producer else "seller"


def _inspections(s: Any, rng: random.Random, today: date, n: int, ent_ids: list[str], ent_kind: list[str],
                 inspector_ids: list[str], now: Any, origin: str, tick: Callable[[int, str], None]) -> int:
    """Inspections with the form's enterprise block, answers, result, opinion and inspectors filled
    as the form would fill them; sealed ones get a record number and their content hash."""
    from qsdesk.services.enterprise_binding import prefill_values
    from qsdesk.services.inspections import content_hash
    from qsdesk.store.db import forms_of

    forms = forms_of(s)
    specs = {"producer": forms.spec("annex4_producer"), "seller": forms.spec("annex5_seller")}
    plans = {kind: _answer_plan(spec) for kind, spec in specs.items()}
    people = {r.id: (r.name, r.phone) for r in s.execute(select(Inspector.id, Inspector.name, Inspector.phone))}
    counters = {int(name.split(":")[1]): value for name, value in s.execute(
        select(Counter.name, Counter.value).where(Counter.name.like("inspection_no:%")))}
    written = 0
    for _start, size in _chunks(n):
        picks = [rng.randrange(len(ent_ids)) for _ in range(size)]
        ents: dict[str, Enterprise] = {}
        wanted = sorted({ent_ids[k] for k in picks})
        for i in range(0, len(wanted), 900):
            for e in s.scalars(select(Enterprise).where(Enterprise.id.in_(wanted[i:i + 900]))):
                ents[e.id] = e
        rows: list[dict[str, Any]] = []
        for k in picks:
            kind = ent_kind[k]
            spec = specs[kind]
            ent = ents[ent_ids[k]]
            ok_answer, bad_answer, na_answer, items, result_choices = plans[kind]
            answers: dict[str, dict[str, str]] = {}
            problems = 0
            for key, allowed in items:
                r = rng.random()
                if r < 0.06 and bad_answer in allowed:
                    answers[key] = {"answer": bad_answer, "note": rng.choice((
                        "现场责令整改", "已当场整改完毕", "责令限期十日内整改", "建议企业完善相关记录"))}
                    problems += 1
                elif r < 0.1 and na_answer in allowed:
                    answers[key] = {"answer": na_answer, "note": ""}
                else:
                    answers[key] = {"answer": ok_answer if ok_answer in allowed else allowed[0], "note": ""}
            sealed = rng.random() < 0.97
            day = today - timedelta(days=rng.randint(0 if not sealed else 1, 730))
            i1 = rng.choice(inspector_ids) if inspector_ids else None
            i2 = rng.choice([x for x in inspector_ids if x != i1] or [None]) if inspector_ids else None
            result = _overall_result(rng, result_choices, problems)
            opinion = "同意" if rng.random() < 0.97 else "有异议"
            values: dict[str, Any] = prefill_values(ent, spec)
            if ent.products:
                values["inspected_products"] = ent.products[0].name
            values.update(result=result, opinion=opinion, inspection_date=day.isoformat(),
                          inspectors=[people[x][0] for x in (i1, i2) if x], inspector_phone=people[i1][1] if i1 else None)
            if opinion == "有异议":
                values["opinion_text"] = "对检查结论有不同意见，将在规定期限内提交书面材料"
            values = {k2: v2 for k2, v2 in values.items() if v2 not in (None, "", [])}
            rows.append(dict(
                id=_uuid(rng), enterprise_id=ent.id, form_id=spec.id, form_version=spec.version,
                record_no=None, inspected_on=day, status="sealed" if sealed else "draft",
                values=values, answers=answers, result=result, opinion=opinion,
                opinion_text=values.get("opinion_text"),
                inspector1_id=i1, inspector2_id=i2, problems_found=problems,
                problems_fixed=problems if result == "发现问题已现场整改" else 0,
                sealed_at=now if sealed else None, sealed_by=origin if sealed else None,
                content_hash=None, amends_id=None,
            ))
        rows.sort(key=lambda r: r["inspected_on"])
        for rec in rows:  # sealed: numbered like the seal service does, and hashed
            if rec["status"] == "sealed":
                year = rec["inspected_on"].year
                counters[year] = counters.get(year, 0) + 1
                rec["record_no"] = f"{origin or 'QS'}-{year}-{counters[year]:05d}"
                rec["content_hash"] = content_hash(Inspection(**rec))
        _bulk(s, Inspection, rows, now, origin)
        s.expunge_all()  # the enterprises were only read
        written += len(rows)
        tick(size, "监督检查记录")
    for year, value in counters.items():
        s.merge(Counter(name=f"inspection_no:{year}", value=value))
    return written


def _overall_result(rng: random.Random, choices: tuple[str, ...], problems: int) -> str | None:
    """Problems found → one of the 发现问题… results; otherwise mostly the clean result, now and
    then one of the rarer outcomes (no business activity, unreachable, …)."""
    if not choices:
        return None
    found = [c for c in choices if c.startswith("发现问题")]
    if problems and found:
        return rng.choice(found)
    rare = [c for c in choices[1:] if c not in found and c != "其他"]
    return rng.choice(rare) if rare and rng.random() < 0.04 else choices[0]


def _answer_plan(spec: Any) -> tuple[str, str, str, list[tuple[str, tuple[str, ...]]], tuple[str, ...]]:
    """The answers a checklist uses (ok / problem / not applicable) and the overall results."""
    items = [(it.key, tuple(it.answers)) for it in spec.items()]
    all_answers = [a for _k, ans in items for a in ans]
    problem = next((a for a in all_answers if "发现问题" in a and "未" not in a), "发现问题")
    ok = next((a for a in all_answers if a.startswith("未发现")), all_answers[0] if all_answers else "")
    na = next((a for a in all_answers if "不适用" in a), "")
    results: tuple[str, ...] = ()
    for f in spec.fields():
        if f.type == "choice" and ("结果" in f.label or "结论" in f.label) and len(f.choices) >= 3:
            results = tuple(f.choices)
            break
    return ok, problem, na, items, results


def _samplings(s: Any, rng: random.Random, today: date, n: int, ent_ids: list[str], ent_kind: list[str],
               now: Any, origin: str, tick: Callable[[int, str], None]) -> tuple[int, int]:
    producers = [i for i, k in enumerate(ent_kind) if k == "producer"] or list(range(len(ent_ids)))
    written = steps = 0
    for _start, size in _chunks(n):
        rows, follow = [], []
        for _ in range(size):
            k = rng.choice(producers)
            line = rng.choice(LINES)
            level = rng.choice(("national", "provincial", "provincial", "city", "county", "county"))
            day = today - timedelta(days=rng.randint(1, 1000))
            r = rng.random()
            result = (SamplingResult.PASS if r < 0.9 else SamplingResult.FAIL if r < 0.985 else SamplingResult.REFUSED).value
            sid = _uuid(rng)
            rows.append(dict(
                id=sid, enterprise_id=ent_ids[k], seller_id=None,
                task_name=f"{day.year}年{line.category}产品质量监督抽查", level=level,
                organiser=SAMPLING_ORGANISERS[level], year=day.year, batch=f"第{rng.randint(1, 4)}批",
                product_name=rng.choice(line.products), trademark=rng.choice(TRADE_WORDS),
                model=f"{rng.choice('ABCDKMT')}-{rng.randint(10, 999)}", standard=line.standard,
                production_batch=f"{day:%Y%m}{rng.randint(1, 28):02d}", sampled_on=day, result=result,
                nonconforming_items=rng.choice(("标志和说明", "绝缘电阻", "导体电阻", "总养分含量", "抗拉强度"))
                if result == SamplingResult.FAIL else None,
                major_hazard=result == SamplingResult.FAIL and rng.random() < 0.3,
            ))
            # Older failures were delivered two days after the report came (the deadlines count from it).
            delivered = day + timedelta(days=2) if result == SamplingResult.FAIL and day + timedelta(days=2) < today else None
            rows[-1]["report_delivered_on"] = delivered
            if result != "合格":
                for pos, tpl in enumerate(followup_template(result, day, delivered), start=1):
                    due = tpl.due_on
                    done = due is not None and due < today - timedelta(days=20)
                    done_on = delivered if tpl.key == "deliver" and delivered else (due if done else None)
                    follow.append(dict(id=_uuid(rng), sampling_id=sid, step=tpl.key, position=pos, due_on=due,
                                       done_on=done_on, outcome="已送达" if tpl.key == "deliver" and delivered
                                       else None, note=None))
        _bulk(s, Sampling, rows, now, origin)
        _bulk(s, FollowUpStep, follow, now, origin)
        written += len(rows)
        steps += len(follow)
        tick(size, "监督抽查")
    return written, steps
