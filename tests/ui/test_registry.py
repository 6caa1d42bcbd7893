"""Registry page: search as you type, filters, lazy fetching, detail and assignment."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView
from sqlalchemy import select

from qsdesk.services import registry as reg
from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry, Enterprise, Inspector
from qsdesk.ui.pages.registry import RegistryPage
from tests.registry_data import fill_registry


def shown_names(page: RegistryPage) -> set[str]:
    m = page.model
    while m.canFetchMore():
        m.fetchMore()
    return {m.data(m.index(r, 0)) for r in range(m.rowCount())}


def type_text(page: RegistryPage, text: str) -> None:
    """What an input method does when a Chinese character is committed (QTest cannot type
    non-ASCII keys): insert at the cursor, one character at a time."""
    for ch in text:
        page.search.insert(ch)


def make_page(store: Store, qtbot) -> RegistryPage:  # type: ignore[no-untyped-def]
    page = RegistryPage(store)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_search_as_you_type(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    fill_registry(store)
    page = make_page(store, qtbot)
    assert page.model.rowCount() == 5
    type_text(page, "泰")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    assert shown_names(page) == {"济南泰和电线电缆有限公司", "历城区鲁泰五金门市部"}
    type_text(page, "和")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert page.count_label.text() == "共 1 家"
    page.search.setText("9237")  # credit-code prefix
    qtbot.waitUntil(lambda: shown_names(page) == {"历城区鲁泰五金门市部", "济南明湖燃气具经营部"})
    page.search.setText("燃气灶")  # a product
    qtbot.waitUntil(lambda: shown_names(page) == {"济南明湖燃气具经营部"})
    # the first hit is selected and its detail shown
    qtbot.waitUntil(lambda: page.detail.title.text() == "济南明湖燃气具经营部")
    page.search.clear()
    qtbot.waitUntil(lambda: page.model.rowCount() == 5)


def test_filters(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    fill_registry(store)
    page = make_page(store, qtbot)
    page.set_filter("grade", "A")
    assert shown_names(page) == {"济南泉城化肥有限公司"}
    page.clear_filters()
    page.set_filter("town", "港沟街道")
    assert shown_names(page) == {"历城区鲁泰五金门市部", "济南泉城化肥有限公司"}
    page.set_filter("unit_type", "retailer")
    assert shown_names(page) == {"历城区鲁泰五金门市部"}
    page.clear_filters()
    page.set_filter("inspector_id", reg.NO_SUPERVISOR)
    assert len(shown_names(page)) == 3
    page.clear_filters()
    page.set_filter("supervision_class", "special")
    assert shown_names(page) == {"济南明湖燃气具经营部"}
    page.clear_filters()
    page.set_filter("status", "停业")
    assert shown_names(page) == {"济南华兴塑料制品厂"}
    page.clear_filters()
    page.set_filter("domain", "电商")
    assert shown_names(page) == {"济南明湖燃气具经营部"}
    page.search.setText("泰")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)  # 电商 and 泰: none
    page.clear_filters()
    assert page.model.rowCount() == 5
    # the filter offers what the data holds
    box = page.filters["town"]
    assert [box.itemText(i) for i in range(box.count())] == ["全部", "唐冶街道", "港沟街道", "王舍人街道"]


def test_lazy_fetching_grows_as_view_scrolls(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    with store.transaction() as s:
        for i in range(450):
            s.add(Enterprise(name=f"济南测试企业{i:04d}有限公司", town="港沟街道"))
    page = make_page(store, qtbot)
    view: QTableView = page.view
    assert page.model.rowCount() == 100  # one page, not the table
    qtbot.waitUntil(lambda: page.count_label.text() == "共 450 家")  # counted off the GUI thread
    assert page.model.rowCount() == 100
    bar = view.verticalScrollBar()
    seen = [page.model.rowCount()]
    while page.model.canFetchMore():
        bar.setValue(bar.maximum())
        qtbot.wait(5)
        seen.append(page.model.rowCount())
        assert len(seen) < 50
    assert seen[0] == 100 and seen[-1] == 450
    assert sorted(set(seen)) == [100, 200, 300, 400, 450]


def test_sort_by_header(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    fill_registry(store)
    page = make_page(store, qtbot)
    page.view.sortByColumn(5, Qt.SortOrder.AscendingOrder)  # 分级
    m = page.model
    assert [m.data(m.index(r, 5)) for r in range(m.rowCount())] == ["", "A", "B", "C", "D"]
    page.view.sortByColumn(5, Qt.SortOrder.DescendingOrder)
    assert [m.data(m.index(r, 5)) for r in range(m.rowCount())] == ["D", "C", "B", "A", ""]


def test_detail_and_assignment(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    ids = fill_registry(store)
    page = make_page(store, qtbot)
    page.open_record(ids["济南华兴塑料制品厂"])
    d = page.detail
    assert d.title.text() == "济南华兴塑料制品厂"
    assert d.fields["responsible"].text() == "未指定"
    assert "C" in d.fields["grade"].text() and "取较高等级" in d.fields["grade"].text()
    assert "&lt;" in d.fields["grade"].text()  # "X < 50" shown, not taken for a tag
    assert d.products.rowCount() == 1 and d.products.item(0, 0).text() == "塑料编织袋"
    with store.session() as s:
        li = s.scalars(select(Inspector.id).where(Inspector.name == "李娜")).one()
    result = page.assign(li, date.today(), "辖区调整")
    assert not result.late
    assert d.fields["responsible"].text().startswith("李娜")
    assert any("责任监管人员：李娜" in d.timeline.item(i).text() for i in range(d.timeline.count()))
    row = page.model.find_row(ids["济南华兴塑料制品厂"])
    assert page.model.data(page.model.index(row, 8)) == "李娜"
    with store.session() as s:
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.record_id == ids["济南华兴塑料制品厂"])) == "assign"
    # the filter by supervisor now finds it
    page.set_filter("inspector_id", li)
    assert shown_names(page) == {"济南华兴塑料制品厂"}


def test_detail_pane_shows_class_decision_and_listing_and_the_list_exports(store: Store, qtbot,  # type: ignore[no-untyped-def]
                                                                            tmp_path) -> None:
    from datetime import timedelta

    from qsdesk.services import class_decisions, listings

    ids = fill_registry(store)
    eid = ids["济南泉城化肥有限公司"]  # 日常 by its records
    listings.add_listing(store, eid, "abnormal", date.today() - timedelta(days=3), "住所无法联系")
    class_decisions.decide(store, eid, "key", "投诉举报多", "王科长")
    page = make_page(store, qtbot)
    page.show_enterprise(eid)
    text = page.detail.fields["klass"].text()
    assert "重点监管" in text and "人工决定" in text and "投诉举报多" in text
    assert "鲁市监质监字〔2022〕233号 二（五）" in text and "key" not in text and "abnormal" not in text
    assert page.detail.fields["listed"].text().startswith("列入经营异常名录（")
    # sorted and filtered by the stored class
    page.set_filter("supervision_class", "key")
    qtbot.waitUntil(lambda: "济南泉城化肥有限公司" in shown_names(page))
    dlg = page.listings_dialog()
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.model.rowCount() == 1)
    assert dlg.model.data(dlg.model.index(0, 2)) == "经营异常名录"
    out = tmp_path / "名单.xlsx"
    dlg.export(str(out))
    assert out.exists()
    dlg.close()


def test_credit_risk_and_decision_dialogs_move_the_class(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.test_sampling_page import run_modal

    ids = fill_registry(store)
    eid = ids["济南泉城化肥有限公司"]
    page = make_page(store, qtbot)
    page.show_enterprise(eid)
    assert page.detail.fields["klass"].text().startswith("<b>日常监管</b>")

    def credit(dlg) -> None:  # type: ignore[no-untyped-def]
        dlg.level.setCurrentIndex(dlg.level.findData("较高"))
        dlg.basis.setText("2026年信用风险分类结果")
        dlg.accept()

    run_modal(page.credit_dialog, credit)
    assert page.detail.fields["klass"].text().startswith("<b>重点监管</b>")

    def lower(dlg) -> None:  # type: ignore[no-untyped-def]
        dlg.level.setCurrentIndex(dlg.level.findData("低"))
        dlg.basis.setText("复评")
        dlg.accept()

    run_modal(page.credit_dialog, lower)
    assert page.detail.fields["klass"].text().startswith("<b>日常监管</b>")

    def decide(dlg) -> None:  # type: ignore[no-untyped-def]
        dlg.reason.setText("生产销售高风险产品")
        dlg.decided_by.setText("王科长")
        dlg.accept()

    run_modal(page.decision_dialog, decide)
    assert "人工决定" in page.detail.fields["klass"].text()

    def revoke(dlg) -> None:  # type: ignore[no-untyped-def]
        dlg.reason.setText("已查清")
        dlg.decided_by.setText("王科长")
        dlg.accept()

    run_modal(page.decision_dialog, revoke)
    assert page.detail.fields["klass"].text().startswith("<b>日常监管</b>")


def test_rebuilt_filters_leave_no_old_widget_on_screen(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Filters are rebuilt when the data changes; the replaced labels and boxes are deleted by the
    event loop later and must not stay drawn over the search box until then."""
    page = make_page(store, qtbot)
    old = [page.filter_row.itemAt(i).widget() for i in range(page.filter_row.count())]
    old = [w for w in old if w is not None and w.isVisible()]
    assert len(old) >= 2 * len(page.filters)  # each box and its label
    page._build_filters()
    assert not any(w.isVisible() for w in old)
    qtbot.waitUntil(lambda: all(b.isVisible() for b in page.filters.values()))
