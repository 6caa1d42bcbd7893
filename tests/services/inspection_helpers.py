"""Shared helpers for inspection tests: an enterprise with history, a complete annex 4 filling."""

from __future__ import annotations

from datetime import date
from typing import Any

from qsdesk.domain import formspec
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, FollowUpStep, Product, Sampling

VALID_USCC = "91370112MA3C7X1K48"


def make_enterprise(store: Store, *, producer: bool = True, name: str = "济南华鲁电器有限公司") -> str:
    with store.transaction() as s:
        e = Enterprise(
            name=name, uscc=VALID_USCC, legal_rep="王建国", province="山东省", city="济南市",
            county="历城区", town="王舍人街道", address="工业北路 88 号", contact="刘敏", phone="13906410001",
            domain="生产" if producer else "流通", status="在产在营",
            unit_types="producer" if producer else "retailer",
        )
        s.add(e)
        s.flush()
        s.add(Product(enterprise_id=e.id, name="电热水壶", category="家用电器", licence_type="CCC",
                      certificate_no="2021010719000001"))
        return e.id


def add_sampling(store: Store, enterprise_id: str, on: date, result: str, items: str | None = None,
                 steps: list[tuple[str, date | None, str | None]] = ()) -> str:
    with store.transaction() as s:
        r = Sampling(enterprise_id=enterprise_id, product_name="电热水壶", sampled_on=on, result=result,
                     nonconforming_items=items, year=on.year)
        s.add(r)
        s.flush()
        for i, (step, done, outcome) in enumerate(steps):
            s.add(FollowUpStep(sampling_id=r.id, step=step, position=i, done_on=done, outcome=outcome))
        return r.id


def signature(name: str, refused: bool = False) -> dict[str, Any]:
    if refused:
        return {"signer_name": name, "strokes": [], "refused": True, "png": None}
    return {"signer_name": name, "strokes": [[[10.0, 10.0, 0.5], [50.0, 40.0, 0.5], [90.0, 20.0, 0.5]]],
            "refused": False, "png": None}


def complete_values(store: Store, enterprise_id: str, form_id: str = "annex4_producer",
                    today: date | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Pre-filled values completed the way an inspector would, and all checklist answers."""
    from qsdesk.services import inspections

    _fid, values = inspections.new_values(store, enterprise_id, form_id, today=today)
    values.update({
        "inspected_products": "电热水壶",
        "result": "发现问题已现场整改",
        "opinion": "同意",
        "inspectors": ["张伟", "李娜"],
        "inspector_phone": "13805310001",
        "enterprise_signature": signature("王建国"),
        "inspector_signatures": [signature("张伟"), signature("李娜")],
    })
    values.setdefault("business_status", "正常经营")
    spec = formspec.load_form(form_id)
    answers: dict[str, Any] = {}
    for item in spec.items():
        answers[item.key] = {"answer": "未发现问题", "note": ""}
    first = next(iter(spec.items()))
    answers[first.key] = {"answer": "发现问题", "note": "证书地址与实际不符，已责令当场更正"}
    return values, answers
