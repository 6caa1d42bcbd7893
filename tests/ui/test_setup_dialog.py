"""First start: the set-up dialog makes this installation a node, or loads demo data."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from qsdesk.store.db import open_store
from qsdesk.store.models import Enterprise, Inspector
from qsdesk.ui.app import ensure_node
from qsdesk.ui.setup_dialog import SetupDialog


def test_setup_station(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "d")
    try:
        dlg = SetupDialog(store)
        qtbot.addWidget(dlg)
        dlg.code.setText("370112002")
        dlg.name.setText("历城区市场监管局港沟市场监管所")
        dlg.parent_code.setText("370112")
        dlg.inspectors.setPlainText("王强：13805310003\n刘洋:13805310004:37011200104\n")
        dlg.accept()
        assert dlg.result() == SetupDialog.DialogCode.Accepted
        node = store.self_node()
        assert node is not None and node.code == "370112002" and node.kind == "station"
        with store.session() as s:
            rows = s.execute(select(Inspector.name, Inspector.phone, Inspector.badge_no).order_by(Inspector.name)).all()
        assert [tuple(r) for r in rows] == [("刘洋", "13805310004", "37011200104"), ("王强", "13805310003", None)]
        assert ensure_node(store)  # set up: no dialog any more
    finally:
        store.close()


def test_setup_refuses_bad_input(tmp_path: Path, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: said.append(text))
    store = open_store(tmp_path / "d")
    try:
        dlg = SetupDialog(store)
        qtbot.addWidget(dlg)
        dlg.code.setText("3 7")
        dlg.name.setText("某所")
        dlg.inspectors.setPlainText("张伟")
        dlg.accept()
        assert said and "单位代码" in said[-1]
        dlg.code.setText("370112002")
        dlg.inspectors.setPlainText("")
        dlg.accept()
        assert "至少填写一名检查人员" in said[-1]
        assert store.self_node() is None
    finally:
        store.close()


def test_load_demo(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "d")
    try:
        dlg = SetupDialog(store)
        qtbot.addWidget(dlg)
        dlg.demo_count.setValue(150)
        dlg.load_demo()
        assert store.self_node() is not None
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(Enterprise)) == 150
    finally:
        store.close()
