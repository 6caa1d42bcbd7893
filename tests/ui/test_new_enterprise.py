"""Issue 16 item 2 through the widgets: 新增企业 from the register, a near-duplicate name, and
新建检查 on a unit that is not registered yet."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox
from sqlalchemy import select

from qsdesk.store.models import Enterprise, Product
from qsdesk.ui.forms import dialogs
from qsdesk.ui.forms import editors as ed
from qsdesk.ui.pages.inspections import InspectionsPage, PickEnterpriseDialog
from qsdesk.ui.pages.registry import RegistryPage
from tests.services.inspection_helpers import make_enterprise
from tests.ui.form_helpers import choose, click, fill, pick_by_keyboard, type_text

OTHER_USCC = "91370100MA3C5W8N40"


@pytest.fixture(autouse=True)
def boxes(monkeypatch):
    """Record every question/warning; answer questions from ``replies`` (default 是)."""
    log: list[str] = []
    replies: list[QMessageBox.StandardButton] = []

    def question(_p, title, text, *a, **k):
        log.append(f"{title}: {text}")
        return replies.pop(0) if replies else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, t, m, *a, **k: log.append(f"{t}: {m}")))
    monkeypatch.setattr(QMessageBox, "information",
                        staticmethod(lambda _p, t, m, *a, **k: log.append(f"{t}: {m}")))
    return log, replies


def _fill_new(qtbot, dlg: dialogs.CensusDialog, name: str, uscc: str) -> None:
    form = dlg.form
    fill(qtbot, form, "name", name)
    fill(qtbot, form, "uscc", uscc)
    type_text(qtbot, form.editors["premises"].detail, "工业北路99号")
    choose(qtbot, form, "domain", "生产")
    choose(qtbot, form, "status", "在产在营")
    products = form.editors["products"]
    assert isinstance(products, ed.TableEditor)
    cols = [c.key for c in products.columns]
    type_text(qtbot, products.rows[0]["cells"][cols.index("name")][0], "电热水壶")
    pick_by_keyboard(qtbot, products.rows[0]["cells"][cols.index("licence_type")][0], "CCC")
    type_text(qtbot, products.rows[0]["cells"][cols.index("certificate_no")][0], "2021010719000009")
    assert dlg.entry_reason is not None
    pick_by_keyboard(qtbot, dlg.entry_reason, "实施监督抽查")


def test_registry_add_enterprise(qtbot, store, boxes) -> None:
    page = RegistryPage(store)
    qtbot.addWidget(page)
    page.show()
    click(qtbot, page.add_button)
    dlg = page.new_enterprise_dialog
    qtbot.addWidget(dlg)
    assert dlg.isVisible() and dlg.is_new and "新增企业" in dlg.windowTitle()
    assert dlg.form.values()["name"] in (None, "")  # annex 3 empty
    _fill_new(qtbot, dlg, "济南新华电器有限公司", OTHER_USCC)
    click(qtbot, dlg.save_btn)
    with store.session() as s:
        ent = s.scalars(select(Enterprise)).one()
        assert ent.entry_reason == "实施监督抽查" and ent.uscc == OTHER_USCC
        prod = s.scalars(select(Product).where(Product.enterprise_id == ent.id)).one()
        assert (prod.name, prod.licence_type, prod.certificate_no) == ("电热水壶", "CCC", "2021010719000009")
    assert page.detail.enterprise_id == ent.id  # shown in the register at once


def test_near_duplicate_name_warns(qtbot, store, boxes) -> None:
    log, replies = boxes
    make_enterprise(store)  # 济南华鲁电器有限公司
    dlg = dialogs.CensusDialog(store)
    qtbot.addWidget(dlg)
    dlg.show()
    _fill_new(qtbot, dlg, "济南华鲁电器有限责任公司", OTHER_USCC)
    qtbot.waitUntil(lambda: "名称相近" in dlg.hint.text())
    replies.append(QMessageBox.StandardButton.No)
    assert not dlg.save()
    assert "名称相近" in log[-1] and "济南华鲁电器有限公司" in log[-1]
    with store.session() as s:
        assert len(s.scalars(select(Enterprise)).all()) == 1
    replies.append(QMessageBox.StandardButton.Yes)  # 是另一家企业
    assert dlg.save()
    with store.session() as s:
        assert len(s.scalars(select(Enterprise)).all()) == 2


def _drive_pick(qtbot, text: str, press: str) -> None:
    """When the modal 选择被检查单位 dialog is up: type ``text`` and press OK or 新增企业."""
    def go() -> None:
        pick = QApplication.activeModalWidget()
        assert isinstance(pick, PickEnterpriseDialog)
        type_text(qtbot, pick.picker.search, text)
        pick.picker.reload()
        box = pick.findChild(QDialogButtonBox)
        if press == "ok":
            box.button(QDialogButtonBox.StandardButton.Ok).click()
        else:
            pick.add_button.click()
    QTimer.singleShot(0, go)


@pytest.mark.parametrize("press", ["ok", "add"])
def test_new_inspection_on_unknown_unit_adds_it_first(qtbot, store, boxes, press) -> None:
    log, _replies = boxes
    page = InspectionsPage(store)
    qtbot.addWidget(page)
    page.show()
    _drive_pick(qtbot, "城东五金商行", press)
    click(qtbot, page.new_button)
    if press == "ok":
        assert "没有找到“城东五金商行”" in log[-1]
    census_dlg = page.new_enterprise_dialog
    qtbot.addWidget(census_dlg)
    assert census_dlg.form.values()["name"] == "城东五金商行"  # typed name carried over
    opened: list[dialogs.InspectionDialog] = []
    orig = dialogs.open_inspection

    def spy(*a, **k):
        d = orig(*a, **k)
        opened.append(d)
        return d

    import qsdesk.ui.forms.dialogs as mod
    mod.open_inspection = spy
    try:
        _fill_new(qtbot, census_dlg, "城东五金商行", OTHER_USCC)
        click(qtbot, census_dlg.save_btn)
    finally:
        mod.open_inspection = orig
    assert not census_dlg.isVisible()
    assert len(opened) == 1 and opened[0] is not None
    qtbot.addWidget(opened[0])
    with store.session() as s:
        eid = s.scalars(select(Enterprise.id).where(Enterprise.name == "城东五金商行")).one()
    assert opened[0].enterprise_id == eid and opened[0].form.values()["name"] == "城东五金商行"


def test_new_inspection_duplicate_code_goes_on_with_the_registered_unit(qtbot, store, boxes) -> None:
    existing = make_enterprise(store)
    page = InspectionsPage(store)
    qtbot.addWidget(page)
    page.add_enterprise_then_inspect("华鲁电器")
    dlg = page.new_enterprise_dialog
    qtbot.addWidget(dlg)
    from tests.services.inspection_helpers import VALID_USCC

    _fill_new(qtbot, dlg, "华鲁电器", VALID_USCC)
    opened: list = []
    import qsdesk.ui.forms.dialogs as mod
    orig = mod.open_inspection
    mod.open_inspection = lambda *a, **k: opened.append(k.get("enterprise_id")) or None
    try:
        assert not dlg.save()
    finally:
        mod.open_inspection = orig
    assert opened == [existing] and not dlg.isVisible()
