"""Registry service: search (index and LIKE fallback), filters, detail, timeline, assignment."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from qsdesk.domain.supervision import reassignment_deadline
from qsdesk.services import registry as reg
from qsdesk.store import search
from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry, Enterprise, Inspection, Inspector, Product, SupervisorAssignment
from tests.registry_data import fill_registry


def names(store: Store, flt: reg.RegistryFilter, *, use_index: bool | None = None) -> set[str]:
    """The names the registry list shows (``use_index``: force the index or the LIKE path)."""
    stmt = reg.list_statement(store.engine, flt, use_index=use_index)
    with store.session() as s:
        return {r.name for r in s.execute(stmt)}


@pytest.mark.parametrize("use_index", [True, False])
@pytest.mark.parametrize(("text", "expected"), [
    ("泰", {"济南泰和电线电缆有限公司", "历城区鲁泰五金门市部"}),          # one character
    ("泰和", {"济南泰和电线电缆有限公司"}),                              # two characters
    ("电线电缆", {"济南泰和电线电缆有限公司"}),                          # name and product
    ("张伟", {"济南华兴塑料制品厂"}),                                     # legal representative
    ("唐冶中路", {"济南明湖燃气具经营部"}),                               # address
    ("燃气灶", {"济南明湖燃气具经营部"}),                                 # product only
    ("插座", {"历城区鲁泰五金门市部"}),                                   # product, two characters
    ("9237", {"历城区鲁泰五金门市部", "济南明湖燃气具经营部"}),           # credit-code prefix
    ("92", {"历城区鲁泰五金门市部", "济南明湖燃气具经营部"}),
    ("91370112613", {"济南华兴塑料制品厂"}),
    ("ma3c4", {"济南泰和电线电缆有限公司"}),                               # lower case
    ("港沟 肥料", {"济南泉城化肥有限公司"}),                              # two terms, different fields
    ("港沟 插", {"历城区鲁泰五金门市部"}),
    ("不存在的企业", set()),
    ("%", set()),
])
def test_search(store: Store, text: str, expected: set[str], use_index: bool) -> None:
    fill_registry(store)
    assert names(store, reg.RegistryFilter(text=text), use_index=use_index) == expected


def test_list_query_reuses_statements_with_new_values(store: Store) -> None:
    """As the user types, the statement of a search shape is reused and only the bound values
    change: every search answers as the statement built for it alone would."""
    fill_registry(store)
    texts = ["泰", "泰和", "电线电缆", "张伟", "燃气灶", "插座", "9237", "92", "ma3c4", "港沟 肥料", "港沟 插",
             "肥料 港沟", "不存在的企业", "唐冶中路 明湖"]
    for text in texts * 2:  # the second round runs entirely on reused statements
        src = search.index_source(text, store.engine)
        assert src is not None and search.source_params(text) == src.params, text
        stmt, params = reg.list_query(store.engine, reg.RegistryFilter(text=text))
        with store.session() as s:
            got = {r.name for r in s.execute(stmt, params)}
        assert got == names(store, reg.RegistryFilter(text=text)), text


def test_index_exists_on_sqlite(store: Store) -> None:
    assert search.has_index(store.engine)


def test_search_index_follows_changes(store: Store) -> None:
    ids = fill_registry(store)
    eid = ids["济南华兴塑料制品厂"]
    with store.transaction() as s:
        s.execute(update(Enterprise).where(Enterprise.id == eid).values(name="济南金诺包装材料厂"))
        p = s.scalars(select(Product).where(Product.enterprise_id == eid)).one()
        p.name = "纸箱"
    assert names(store, reg.RegistryFilter(text="华兴")) == set()
    assert names(store, reg.RegistryFilter(text="金诺包装")) == {"济南金诺包装材料厂"}
    assert names(store, reg.RegistryFilter(text="纸箱")) == {"济南金诺包装材料厂"}
    assert names(store, reg.RegistryFilter(text="编织袋")) == set()
    with store.transaction() as s:
        p = s.scalars(select(Product).where(Product.enterprise_id == eid)).one()
        p.deleted = True
    assert names(store, reg.RegistryFilter(text="纸箱")) == set()
    # a soft-deleted enterprise is not listed
    with store.transaction() as s:
        s.get(Enterprise, eid).deleted = True  # type: ignore[union-attr]
    assert names(store, reg.RegistryFilter(text="金诺")) == set()


def test_filters(store: Store) -> None:
    fill_registry(store)
    with store.session() as s:
        zhang = s.scalars(select(Inspector.id).where(Inspector.name == "张伟")).one()
    assert names(store, reg.RegistryFilter(grade="A")) == {"济南泉城化肥有限公司"}
    assert names(store, reg.RegistryFilter(grade=reg.UNGRADED)) == {"济南明湖燃气具经营部"}
    assert names(store, reg.RegistryFilter(supervision_class="special")) == {"济南明湖燃气具经营部"}
    assert names(store, reg.RegistryFilter(status="停业")) == {"济南华兴塑料制品厂"}
    assert names(store, reg.RegistryFilter(domain="电商")) == {"济南明湖燃气具经营部"}
    assert names(store, reg.RegistryFilter(unit_type="wholesaler")) == {"济南明湖燃气具经营部"}
    assert len(names(store, reg.RegistryFilter(unit_type="producer"))) == 3
    assert names(store, reg.RegistryFilter(inspector_id=zhang)) == {"济南泰和电线电缆有限公司", "历城区鲁泰五金门市部"}
    assert len(names(store, reg.RegistryFilter(inspector_id=reg.NO_SUPERVISOR))) == 3
    assert names(store, reg.RegistryFilter(town="港沟街道", text="肥")) == {"济南泉城化肥有限公司"}
    assert names(store, reg.RegistryFilter(town="港沟街道", grade="A", text="插座")) == set()
    opts = reg.filter_options(store)
    assert opts.towns == sorted({"王舍人街道", "港沟街道", "唐冶街道"})
    assert "停业" in opts.statuses
    assert [n for _, n in opts.inspectors] == ["张伟", "李娜"]


def test_detail_and_timeline(store: Store) -> None:
    ids = fill_registry(store)
    eid = ids["济南泰和电线电缆有限公司"]
    with store.transaction() as s:
        s.add(Inspection(enterprise_id=eid, form_id="annex4_producer", form_version=1, record_no="2026-0000001",
                         inspected_on=date(2026, 3, 2), result="未发现问题", status="sealed"))
    d = reg.detail(store, eid)
    assert d is not None
    assert [p.name for p in d.products] == ["电源线", "电线电缆"]
    assert d.responsible == "张伟" and d.responsible_since == date(2026, 1, 5)
    assert "取较高等级" in d.grade_reason  # the grading rule's own explanation
    assert d.supervision_class == "重点监管"
    ev = reg.timeline(store, eid)
    assert [e.kind for e in ev] == ["监督检查"]
    assert "2026-0000001" in ev[0].text and ev[0].table == "inspection"
    special = reg.detail(store, ids["济南明湖燃气具经营部"])
    assert special is not None and special.supervision_class == "特别监管"
    assert special.class_reason.startswith("信用风险高（国市监质监发〔2023〕38号 三")
    assert reg.detail(store, "no-such-id") is None


def test_assignment_records_history_and_audit(store: Store) -> None:
    ids = fill_registry(store)
    eid = ids["济南华兴塑料制品厂"]
    with store.session() as s:
        li = s.scalars(select(Inspector.id).where(Inspector.name == "李娜")).one()
        zhang = s.scalars(select(Inspector.id).where(Inspector.name == "张伟")).one()
    first = reg.assign_supervisor(store, eid, li, assigned_on=date(2026, 9, 1), today=date(2026, 9, 1))
    assert not first.late
    # Changed on Friday 2026-09-25; National Day holidays follow. Five working days later is
    # past the holiday, so recording on 2026-10-08 is still in time.
    deadline = reassignment_deadline(date(2026, 9, 25))
    assert deadline > date(2026, 10, 2)
    second = reg.assign_supervisor(store, eid, zhang, assigned_on=date(2026, 9, 25), today=deadline)
    assert not second.late
    third = reg.assign_supervisor(store, eid, li, assigned_on=date(2026, 10, 9), today=date(2026, 10, 30),
                                  reason="人员调整")
    assert third.late and "5 个工作日" in third.message
    with store.session() as s:
        e = s.get(Enterprise, eid)
        assert e is not None and e.responsible_inspector_id == li and e.responsible_since == date(2026, 10, 9)
        # the half-year visits are still owed from the first supervisor's start
        assert e.visits_since == date(2026, 9, 1)
        rows = s.scalars(select(SupervisorAssignment).where(SupervisorAssignment.enterprise_id == eid)
                         .order_by(SupervisorAssignment.assigned_on)).all()
        assert [(r.assigned_on, r.recorded_on) for r in rows] == [
            (date(2026, 9, 1), date(2026, 9, 1)), (date(2026, 9, 25), deadline), (date(2026, 10, 9), date(2026, 10, 30))]
        audits = s.scalars(select(AuditEntry).where(AuditEntry.action == "assign", AuditEntry.record_id == eid)).all()
        assert len(audits) == 3
        assert [a.detail.get("late", False) for a in sorted(audits, key=lambda a: a.detail["recorded_on"])] == [
            False, False, True]
    kinds = [ev.kind for ev in reg.timeline(store, eid)]
    assert kinds.count("责任人") == 3


def test_assignment_refusals(store: Store) -> None:
    ids = fill_registry(store)
    eid = ids["济南泰和电线电缆有限公司"]
    with store.session() as s:
        zhang = s.scalars(select(Inspector.id).where(Inspector.name == "张伟")).one()
        li = s.scalars(select(Inspector.id).where(Inspector.name == "李娜")).one()
    with pytest.raises(reg.AssignmentError, match="已是"):
        reg.assign_supervisor(store, eid, zhang)
    with pytest.raises(reg.AssignmentError, match="不能晚于今天"):
        reg.assign_supervisor(store, eid, li, assigned_on=date(2030, 1, 1), today=date(2026, 1, 1))
    with store.transaction() as s:
        s.get(Inspector, li).active = False  # type: ignore[union-attr]
    with pytest.raises(reg.AssignmentError, match="停用"):
        reg.assign_supervisor(store, eid, li)
    with store.session() as s:
        assert s.scalar(select(SupervisorAssignment.id)) is None
