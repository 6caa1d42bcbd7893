"""The demo generator: deterministic, valid credit codes, plausible records, all-or-nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from qsdesk.domain.formspec import load_form, validate_values
from qsdesk.domain.grading import grade
from qsdesk.domain.uscc import validate
from qsdesk.services.demo import Cancelled, generate
from qsdesk.services.demo_words import organisation_code
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, FollowUpStep, Inspection, Inspector, Product, Sampling

TODAY = date(2026, 11, 23)


def _snapshot(store: Store) -> list[tuple]:
    with store.session() as s:
        return [tuple(r) for r in s.execute(
            select(Enterprise.id, Enterprise.uscc, Enterprise.name, Enterprise.staff, Enterprise.grade)
            .order_by(Enterprise.id))]


def test_counts_and_validity(store: Store) -> None:
    summary = generate(store, enterprises=300, seed=5, today=TODAY)
    assert summary.enterprises == 300 and summary.inspections == 150 and summary.samplings == 15
    with store.session() as s:
        ents = s.scalars(select(Enterprise)).all()
        assert len(ents) == 300
        codes = [e.uscc for e in ents]
        assert len(set(codes)) == 300
        for e in ents:
            assert validate(e.uscc) == e.uscc  # check digit right
            assert (e.province, e.city, e.county) == ("山东省", "济南市", "历城区") and e.town.endswith("街道")
            assert e.address.endswith("号") and e.status in ("在产在营", "停业", "破产倒闭", "失联")
            assert e.grade == (g.value if (g := grade(e.unit_types.split(","), e.staff,
                                                        e.revenue_wan)) else None)
            if e.individual_business:
                assert e.uscc.startswith("92")
        assert s.scalar(select(func.count()).select_from(Product)) == summary.products >= 300
        assert {e.grade for e in ents} >= {"B", "C", "D"}  # A units are rare in a county
        # rows stamped as if written by this node, with distinct change numbers
        seqs = s.scalars(select(Enterprise.change_seq)).all()
        assert len(set(seqs)) == 300 and all(e.origin == store.origin and e.rev == 1 for e in ents)


def test_inspections_answer_every_item_of_their_form(store: Store) -> None:
    generate(store, enterprises=60, seed=2, today=TODAY)
    with store.session() as s:
        for insp in s.scalars(select(Inspection)):
            spec = load_form(insp.form_id)
            keys = [it.key for it in spec.items()]
            assert list(insp.answers) == keys
            for it in spec.items():
                assert insp.answers[it.key]["answer"] in it.answers
            problems = sum(1 for a in insp.answers.values() if a["answer"] == "发现问题")
            assert insp.problems_found == problems
            assert insp.inspected_on <= TODAY
            # the form's own fields are filled, so the record opens, validates and prints complete
            ent = s.get(Enterprise, insp.enterprise_id)
            assert insp.values["name"] == ent.name and insp.values["uscc"] == ent.uscc
            assert insp.values["result"] == insp.result and insp.values["opinion"] == insp.opinion
            assert insp.values["inspection_date"] == insp.inspected_on.isoformat()
            assert len(insp.values["inspectors"]) == 2
            if insp.status == "sealed":
                assert insp.record_no.startswith(f"{store.origin}-{insp.inspected_on.year}-")
                assert validate_values(spec, insp.values, insp.answers) == []


def test_failed_samplings_get_followups(store: Store) -> None:
    generate(store, enterprises=400, seed=3, samplings=200, today=TODAY)
    with store.session() as s:
        failed = s.scalars(select(Sampling.id).where(Sampling.result != "合格")).all()
        assert failed
        with_steps = set(s.scalars(select(FollowUpStep.sampling_id)))
        assert set(failed) == with_steps


def test_deterministic(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.services.node import init_node
    from qsdesk.store.db import open_store

    with store.session() as s:  # the same inspectors, so the same pairing
        names = [f"{i.name}:{i.phone}:{i.badge_no}" for i in s.scalars(select(Inspector).order_by(Inspector.name))]
    generate(store, enterprises=50, seed=9, today=TODAY)
    other = open_store(tmp_path / "other")
    from qsdesk.services.node import InspectorSpec

    init_node(other, kind="station", code="370112001", name="另一台电脑",
              inspectors=[InspectorSpec.parse(n) for n in names])
    try:
        generate(other, enterprises=50, seed=9, today=TODAY)
        assert _snapshot(store) == _snapshot(other)
        third = open_store(tmp_path / "third")
        init_node(third, kind="station", code="370112001", name="第三台电脑")
        generate(third, enterprises=50, seed=10, today=TODAY)
        assert _snapshot(third) != _snapshot(store)
        third.close()
    finally:
        other.close()


def test_cancel_rolls_back_everything(store: Store) -> None:
    with pytest.raises(Cancelled):
        generate(store, enterprises=12000, seed=1, today=TODAY, cancelled=lambda: True)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_organisation_code_check_character() -> None:
    import random

    # GB 11714 worked example: body D2143569 → check character X
    rng = random.Random(0)
    for _ in range(200):
        code = organisation_code(rng)
        body, check = code[:8], code[8]
        values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
        c9 = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        assert check == {10: "X", 11: "0"}.get(c9, str(c9))


def test_sealed_demo_records_verify(store: Store) -> None:
    from qsdesk.services.inspections import verify

    generate(store, enterprises=40, seed=4, today=TODAY)
    with store.session() as s:
        sealed = s.scalars(select(Inspection.id).where(Inspection.status == "sealed")).all()
    assert sealed
    assert all(verify(store, i) for i in sealed)
