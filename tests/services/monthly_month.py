"""A month of records built by hand for the monthly 两个规定 table (宝山区实施方案 附件5): two
stations' surveys, checklists, work records, inspections (one amended, problems fixed later) and
cases, October 2026, with every figure worked out by hand (shared by the SQLite, PostgreSQL and
GUI tests)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from qsdesk.services import monthly, monthly_records
from qsdesk.services.activities import unit_kind_of
from qsdesk.store.db import Store
from qsdesk.store.models import (
    Activity,
    AuditEntry,
    EnforcementCase,
    Enterprise,
    Inspection,
    Inspector,
    Node,
    TaskChecklist,
)
from tests.conftest import STATION_CODE, STATION_NAME

A, B = STATION_CODE, "370112002"
B_NAME = "历城区市场监管局华山市场监管所"
Y, M = 2026, 10


def _ent(s, name: str, types: str, origin: str, **kw) -> str:
    e = Enterprise(name=name, unit_types=types, origin=origin, **kw)
    s.add(e)
    s.flush()
    return e.id


def _audit(s, eid: str, at: datetime, origin: str, *, census: bool = True, action: str = "update") -> None:
    s.add(AuditEntry(at=at, actor="张伟", action=action, table_name="enterprise", record_id=eid, origin=origin,
                     detail={"form_id": "annex3_census"} if census else {}))


def _checklist(s, eid: str, form_id: str, on: date, answers: dict[str, str], origin: str) -> None:
    s.add(TaskChecklist(enterprise_id=eid, form_id=form_id, form_version=1, period=str(on.year), filled_on=on,
                        answers={k: {"answer": v} for k, v in answers.items()}, origin=origin))


def _insp(s, eid: str, form: str, on: date, inspectors: list[str | None], found: int, fixed: int, origin: str,
          *, status: str = "sealed", amends: str | None = None, no: str = "") -> str:
    i = Inspection(enterprise_id=eid, form_id=form, form_version=1, inspected_on=on, status=status,
                   inspector1_id=inspectors[0], inspector2_id=inspectors[1] if len(inspectors) > 1 else None,
                   problems_found=found, problems_fixed=fixed, origin=origin, amends_id=amends, record_no=no or None)
    s.add(i)
    s.flush()
    return i.id


def build_month(store: Store, *, rectification_origin: str | None = None) -> dict[str, str]:
    """The month's records; returns the ids the tests name.

    ``rectification_origin``: write the two later rectifications as station A's work records
    directly (as a county receives them in A's bundle) instead of through the service, which
    stamps them with the writing node's code."""
    ids: dict[str, str] = {}
    with store.transaction() as s:
        if s.get(Node, A) is None:  # a county database: station A is known from its bundles
            s.add(Node(code=A, name=STATION_NAME, kind="station", parent_code="370112"))
        if not s.scalars(select(Inspector)).first():
            s.add_all([Inspector(name="张伟"), Inspector(name="李娜")])
            s.flush()
        s.add(Node(code=B, name=B_NAME, kind="station", parent_code="370112"))
        i1, i2 = sorted(x.id for x in s.scalars(select(Inspector)))
        # ---- station A: enterprises and how they were surveyed
        ids["PA1"] = pa1 = _ent(s, "济南华鲁电器有限公司", "producer", A)
        _audit(s, pa1, datetime(2026, 9, 10, 2, 0), A)  # census saved in September: counts (cumulative)
        ids["PA2"] = pa2 = _ent(s, "济南鑫源线缆有限公司", "producer", A)
        _audit(s, pa2, datetime(2026, 10, 31, 16, 30), A)  # 11-01 00:30 in China: November, not counted
        ids["PA3"] = pa3 = _ent(s, "济南齐鲁五金制品厂", "producer,retailer", A, entry_reason="摸底排查")
        _audit(s, pa3, datetime(2026, 10, 5, 1, 0), A, census=False, action="create")  # entered 10-05
        ids["SA1"] = sa1 = _ent(s, "王舍人百货商店", "retailer", A)
        _audit(s, sa1, datetime(2026, 10, 20, 3, 0), A)
        ids["SA2"] = sa2 = _ent(s, "历城五金批发部", "wholesaler", A)
        ids["SA3"] = sa3 = _ent(s, "华山电器经营部", "retailer", A)  # inspected, never surveyed
        pa4 = _ent(s, "已注销电器厂", "producer", A, deleted=True)
        _audit(s, pa4, datetime(2026, 10, 2, 1, 0), A)  # deleted enterprise: not counted
        # checklists (国市监质监发〔2023〕38号 附件2): 1.2 managers, 1.3 + 1.5 responsibility system
        _checklist(s, pa1, "task_producer", date(2026, 8, 1), {"1.2": "√", "1.3": "√", "1.5": "√"}, A)
        _checklist(s, pa1, "task_producer", date(2026, 11, 5), {"1.2": "×", "1.3": "×", "1.5": "×"}, A)  # later
        _checklist(s, pa3, "task_producer", date(2026, 10, 15), {"1.2": "√", "1.3": "×", "1.5": "√"}, A)
        _checklist(s, sa1, "task_seller", date(2026, 10, 25), {"1.2": "×", "1.3": "√", "1.5": "√"}, A)
        # ---- station A: work records
        for kind, on, eid, staff, qty, extra in (
            ("survey", date(2026, 10, 12), sa2, 0, 1, {"managers_in_place": True, "responsibility_system": False}),
            ("publicity", date(2026, 10, 8), None, 3, 12, {}),
            ("publicity", date(2026, 9, 30), None, 5, 9, {}),  # September
            ("publicity", date(2026, 10, 31), None, 2, 4, {}),
            ("publicity", date(2026, 10, 10), None, 9, 9, {"deleted": True}),
            ("self_fix", date(2026, 10, 9), pa1, 0, 3, {}),
            ("self_fix", date(2026, 10, 11), sa1, 0, 2, {}),
            ("assessment", date(2026, 10, 14), pa1, 0, 4, {}),
            ("assessment_followup", date(2026, 10, 16), sa2, 0, 1, {}),
            ("enforcement_turnout", date(2026, 10, 21), None, 4, 1, {}),
        ):
            s.add(Activity(kind=kind, on_date=on, enterprise_id=eid, staff_count=staff, quantity=qty, origin=A,
                           **extra))
        # ---- station A: inspections
        ids["I1"] = _insp(s, pa1, "annex4_producer", date(2026, 10, 6), [i1, i2], 3, 1, A, no="A-001")
        ids["I2"] = _insp(s, sa3, "annex5_seller", date(2026, 10, 13), [i1], 2, 0, A, no="A-002")
        ids["I3"] = _insp(s, pa3, "annex4_producer", date(2026, 10, 20), [i1, i2], 4, 4, A, no="A-003")
        ids["I3b"] = _insp(s, pa3, "annex4_producer", date(2026, 10, 20), [i1], 2, 2, A, amends=ids["I3"],
                           no="A-003-1")  # the amendment replaces I3 in every figure
        _insp(s, pa1, "annex4_producer", date(2026, 10, 7), [i1, i2], 5, 0, A, status="draft")
        _insp(s, pa1, "annex4_producer", date(2026, 9, 29), [i1, i2], 5, 0, A)  # September
        _insp(s, pa1, "task_producer", date(2026, 10, 8), [i1, i2], 1, 0, A)  # not an annex 4/5 record
        ids["I8"] = _insp(s, sa1, "annex5_seller", date(2026, 9, 28), [i1, i2], 1, 0, A)
        ids["I8b"] = _insp(s, sa1, "annex5_seller", date(2026, 10, 2), [i1, i2], 1, 1, A, amends=ids["I8"])
        # ---- station A: cases
        for filed, decided, kind, penalty, fine in (
            (date(2026, 10, 5), date(2026, 10, 25), "two_rules", "warning", None),
            (date(2026, 9, 20), date(2026, 10, 10), "two_rules", "fine", Decimal("5000.50")),
            (date(2026, 10, 7), date(2026, 10, 7), "quality", "warning", None),  # not a two-rules case
            (date(2026, 10, 30), None, "two_rules", None, None),
        ):
            s.add(EnforcementCase(enterprise_id=pa1, filed_on=filed, decided_on=decided, kind=kind, penalty=penalty,
                                  fine_yuan=fine, origin=A))
        # ---- station B
        ids["PB1"] = pb1 = _ent(s, "华山机械厂", "producer", B)
        _audit(s, pb1, datetime(2026, 10, 3, 1, 0), B)
        _checklist(s, pb1, "task_producer", date(2026, 10, 4), {"1.2": "√", "1.3": "√", "1.5": "√"}, B)
        _insp(s, pb1, "annex4_producer", date(2026, 10, 9), [i1, i2], 1, 0, B)
        s.add(Activity(kind="publicity", on_date=date(2026, 10, 19), staff_count=2, quantity=5, origin=B))
        s.add(EnforcementCase(enterprise_id=pb1, filed_on=date(2026, 10, 22), decided_on=date(2026, 10, 22),
                              kind="two_rules", penalty="warning", fine_yuan=Decimal("200"), origin=B))
    # Problems of I1 fixed after the inspection day (10-27: October); of I2 in November.
    if rectification_origin is None:
        monthly_records.record_rectification(store, ids["I1"], date(2026, 10, 27), 2, "更换标签")
        monthly_records.record_rectification(store, ids["I2"], date(2026, 11, 3), 2)
        return ids
    with store.transaction() as s:
        for iid, on, count, note in ((ids["I1"], date(2026, 10, 27), 2, "更换标签"), (ids["I2"], date(2026, 11, 3), 2, None)):
            insp = s.get(Inspection, iid)
            ent = s.get(Enterprise, insp.enterprise_id)
            s.add(Activity(kind="rectification", on_date=on, enterprise_id=insp.enterprise_id, quantity=count,
                           note=note, inspection_id=iid, origin=rectification_origin,
                           unit_kind=unit_kind_of(ent.unit_types)))
    return ids


ZERO = {c.key: 0 for c in monthly.CELLS} | {"fines": Decimal("0")}

#: Station A, worked out from the records above.
EXPECTED_A = ZERO | {
    "publicity_staff": 3 + 2,  # 10-08 and 10-31; 09-30 outside, the deleted one not
    "publicity_units": 12 + 4,
    "producer_surveyed": 2,  # PA1 (census 09-10), PA3 (摸底排查 10-05); PA2 is November, PA4 deleted
    "producer_managers": 2,  # PA1 (checklist 08-01 √; the 11-05 one is after the month), PA3
    "producer_responsibility": 1,  # PA1; PA3 has 1.3 ×
    "producer_self_fix": 3,
    "seller_surveyed": 2,  # SA1 (census 10-20), SA2 (survey record 10-12); SA3 never surveyed
    "seller_managers": 1,  # SA2 (survey record); SA1 has 1.2 ×
    "seller_responsibility": 1,  # SA1
    "seller_self_fix": 2,
    "enforcement_staff": 2 + 1 + 1 + 2 + 4,  # I1, I2, I3b (not I3), I8b, turnout without a record
    "inspected_producers": 2,  # I1, I3b
    "inspected_sellers": 2,  # I2, I8b (amended into October)
    "problems_found": 3 + 2 + 2 + 1,
    "problems_fixed": 1 + 2 + 1 + 2,  # on the spot: I1, I3b, I8b; later: I1's 2 on 10-27
    "cases": 2,  # filed 10-05 and 10-30
    "warnings": 1,  # decided 10-25
    "fines": Decimal("5000.50"),  # filed in September, decided 10-10
    "producer_assessed": 4,
    "seller_assessment_followup": 1,
}
EXPECTED_B = ZERO | {
    "publicity_staff": 2, "publicity_units": 5, "producer_surveyed": 1, "producer_managers": 1,
    "producer_responsibility": 1, "enforcement_staff": 2, "inspected_producers": 1, "problems_found": 1,
    "cases": 1, "warnings": 1, "fines": Decimal("200"),
}


