"""Annex 3 (census) and annex 6 (risk report) filled entirely through the widgets."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox, QFileDialog, QLineEdit, QMessageBox
from sqlalchemy import select

from qsdesk.services import attachments
from qsdesk.store.models import Enterprise, Product, RiskReport, RiskReportLink
from qsdesk.ui.forms import dialogs
from qsdesk.ui.forms import editors as ed
from tests.services.inspection_helpers import VALID_USCC, make_enterprise
from tests.ui.form_helpers import choose, click, fill, pick_by_keyboard, type_text

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0f01f0005000201a5f6c6d80000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def no_modal(monkeypatch):
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, t, m, *a, **k: warned.append(f"{t}: {m}")))
    return warned


def _cell(table: ed.TableEditor, row: int, key: str):
    cols = [c.key for c in table.columns]
    return table.rows[row]["cells"][cols.index(key)][0]


def test_census_fill_save_reopen(qtbot, store, no_modal) -> None:
    dlg = dialogs.CensusDialog(store)
    qtbot.addWidget(dlg)
    dlg.show()
    form = dlg.form
    assert not dlg.save()  # empty: refused, listed
    assert "不能保存" in no_modal[-1]
    fill(qtbot, form, "name", "济南华鲁电器有限公司")
    fill(qtbot, form, "legal_representative", "王建国")
    fill(qtbot, form, "uscc", VALID_USCC.lower())  # typed in lower case: upper-cased as typed
    assert form.editors["uscc"].value() == VALID_USCC
    fill(qtbot, form, "registration_authority", "济南市历城区行政审批服务局")
    addr = form.editors["premises"]
    assert isinstance(addr, ed.AddressEditor)
    for part, text in (("province", "山东省"), ("city", "济南市"), ("county", "历城区"), ("town", "王舍人街道")):
        type_text(qtbot, addr.parts[part], text)
    type_text(qtbot, addr.detail, "工业北路88号")
    fill(qtbot, form, "jurisdiction", "王舍人市场监管所")
    fill(qtbot, form, "contact", "刘敏")
    fill(qtbot, form, "phone", "0531-88776655")
    choose(qtbot, form, "domain", "生产")
    choose(qtbot, form, "status", "其他")
    st = form.editors["status"]
    assert isinstance(st, ed.ChoiceEditor) and st.other_edit is not None and st.other_edit.isEnabled()
    type_text(qtbot, st.other_edit, "季节性生产")
    products = form.editors["products"]
    assert isinstance(products, ed.TableEditor)
    for key, text in (("name", "电热水壶"), ("category", "家用电器"), ("nominal_producer", "济南华鲁电器有限公司"),
                      ("standard", "GB 4706.19-2008"), ("certificate_no", "2021010719000001")):
        w = _cell(products, 0, key)
        assert isinstance(w, QLineEdit)
        type_text(qtbot, w, text)
    combo = _cell(products, 0, "licence_type")
    assert isinstance(combo, QComboBox)
    pick_by_keyboard(qtbot, combo, "CCC")
    click(qtbot, products.add_btn)
    assert len(products.rows) == 2
    type_text(qtbot, _cell(products, 1, "name"), "电暖器")
    pick_by_keyboard(qtbot, _cell(products, 1, "licence_type"), "其他")
    click(qtbot, products.add_btn)
    type_text(qtbot, _cell(products, 2, "name"), "临时行")
    click(qtbot, products.rows[2]["remove"])  # remove a row again
    assert len(products.rows) == 2
    assert form.refresh_problems() == []
    # A new enterprise needs its entry reason (国市监质监发〔2023〕38号 四（一）).
    click(qtbot, dlg.save_btn)
    assert "录入原因" in no_modal[-1]
    with store.session() as s:
        assert s.scalars(select(Enterprise)).first() is None
    assert dlg.entry_reason is not None
    pick_by_keyboard(qtbot, dlg.entry_reason, "实施监督抽查")
    click(qtbot, dlg.save_btn)
    with store.session() as s:
        ent = s.scalars(select(Enterprise)).one()
        assert ent.entry_reason == "实施监督抽查"
        assert (ent.name, ent.uscc, ent.legal_rep, ent.town, ent.address) == (
            "济南华鲁电器有限公司", VALID_USCC, "王建国", "王舍人街道", "工业北路88号")
        assert ent.status == "其他（季节性生产）" and ent.domain == "生产"
        assert ent.form_id == "annex3_census" and ent.form_version == 1
        prods = {p.name: p for p in s.scalars(select(Product).where(Product.deleted.is_(False)))}
        assert set(prods) == {"电热水壶", "电暖器"}
        assert prods["电热水壶"].licence_type == "CCC" and prods["电热水壶"].standard == "GB 4706.19-2008"
        assert prods["电暖器"].licence_type == "其他"
        eid = ent.id
    dlg.close()
    again = dialogs.CensusDialog(store, enterprise_id=eid)
    qtbot.addWidget(again)
    vals = again.form.values()
    assert vals["status"] == "其他" and vals["status_other"] == "季节性生产"
    assert [r["name"] for r in vals["products"]] == ["电暖器", "电热水壶"]
    assert vals["premises"]["county"] == "历城区"
    # an edit has no entry-reason row (a first entry's): it saves and keeps the recorded reason
    assert again.entry_reason is None
    fill(qtbot, again.form, "contact", "张丽")
    assert again.save()
    with store.session() as s:
        ent = s.get(Enterprise, eid)
        assert ent is not None and ent.contact == "张丽" and ent.entry_reason == "实施监督抽查"


def test_census_refuses_duplicate_credit_code(qtbot, store, no_modal) -> None:
    existing = make_enterprise(store)
    dlg = dialogs.CensusDialog(store)
    qtbot.addWidget(dlg)
    dlg.show()
    fill(qtbot, dlg.form, "name", "另一家公司")
    fill(qtbot, dlg.form, "uscc", VALID_USCC)
    type_text(qtbot, dlg.form.editors["premises"].detail, "某路1号")
    choose(qtbot, dlg.form, "domain", "流通")
    choose(qtbot, dlg.form, "status", "在产在营")
    assert dlg.form.refresh_problems() == []
    qtbot.waitUntil(lambda: "已登记为“济南华鲁电器有限公司”" in dlg.hint.text())  # said while typing
    dlg.entry_reason.setEditText("实施监督抽查")
    assert not dlg.save()  # refused; 是 in the question opens the registered enterprise instead
    assert not dlg.isVisible()
    qtbot.addWidget(dlg.existing_dialog)
    assert dlg.existing_dialog.record_id == existing and dlg.existing_dialog.isVisible()
    with store.session() as s:
        assert len(s.scalars(select(Enterprise)).all()) == 1


def test_risk_report_fill_attach_save(qtbot, store, tmp_path, monkeypatch) -> None:
    eid = make_enterprise(store)
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(PNG_1PX)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([str(photo)], "")))
    dlg = dialogs.RiskReportDialog(store)
    qtbot.addWidget(dlg)
    dlg.show()
    form = dlg.form
    choose(qtbot, form, "sources", "投诉、举报")
    choose(qtbot, form, "sources", "媒体网络信息")
    fill(qtbot, form, "product_name", "电热水壶")
    fill(qtbot, form, "trademark", "华鲁")
    fill(qtbot, form, "model", "HL-1715")
    fill(qtbot, form, "producer", "济南华鲁电器有限公司")
    fill(qtbot, form, "producer_uscc", VALID_USCC)
    type_text(qtbot, form.editors["description"].focus_widget(), "消费者投诉使用中底座发烫")
    att = form.editors["attachments"]
    click(qtbot, att.add_btn)
    assert att.list.count() == 1
    assert form.refresh_problems() == []
    click(qtbot, dlg.save_btn)
    with store.session() as s:
        row = s.scalars(select(RiskReport)).one()
        assert row.sources == ["投诉、举报", "媒体网络信息"]
        assert row.product_name == "电热水壶" and row.description == "消费者投诉使用中底座发烫"
        assert row.values["trademark"] == "华鲁"
        links = s.scalars(select(RiskReportLink).where(RiskReportLink.risk_report_id == row.id)).all()
        assert [(ln.enterprise_id, ln.role) for ln in links] == [(eid, "producer")]
        rid = row.id
    listed = attachments.list_attachments(store, "risk_report", rid)
    assert [a.filename for a in listed] == ["现场照片.png"]
    assert attachments.read_bytes(store, listed[0].sha256) == PNG_1PX
    dlg.close()
    again = dialogs.RiskReportDialog(store, report_id=rid)
    qtbot.addWidget(again)
    assert again.form.editors["attachments"].list.count() == 1
    assert again.form.values()["sources"] == ["投诉、举报", "媒体网络信息"]


def test_enter_in_a_cell_does_not_press_buttons(qtbot, store) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    dlg = dialogs.CensusDialog(store)
    qtbot.addWidget(dlg)
    dlg.show()
    products = dlg.form.editors["products"]
    click(qtbot, products.add_btn)
    cell = _cell(products, 1, "name")
    type_text(qtbot, cell, "abc")
    QTest.keyClick(cell, Qt.Key.Key_Return)
    assert len(products.rows) == 2 and dlg.isVisible()
