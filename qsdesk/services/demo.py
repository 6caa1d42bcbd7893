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
from qsdesk.services import audit, classes
from qsdesk.services.demo_words import (
    CITY,
    COUNTY,
    INSPECTOR_NAMES,
    LINES,
    PROVINCE,
    ROADS,
    SAMPLING_ORGANISERS,
    STATUS,
    SUFFIX_PRODUCER,
    SUFFIX_SELLER,
    TOWNS,
    TRADE_WORDS,
    credit_code,
    person,
    phone_number,
)
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


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


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
                rows.append(dict(id=_uuid(rng), name=name, phone=phone_number(rng), badge_no=None,
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
        legal_rep=person(rng),
        registration_authority=f"{CITY}{COUNTY}市场监督管理局",
        province=PROVINCE, city=CITY, county=COUNTY, town=town,
        address=f"{rng.choice(ROADS)}{rng.randint(1, 3999)}号",  # the detail; province … town apart
        jurisdiction=f"{town[:-2]}市场监管所",
        contact=person(rng),
        phone=phone_number(rng),
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
        quality_director=person(rng) if producer and g in ("A", "B", "C") else None,
        quality_officer=person(rng),
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
