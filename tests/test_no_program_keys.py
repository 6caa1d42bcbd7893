"""No program key and no seed file number reaches a person.

The project's rule (issue 13 item 7, issue 14 item 6): what a person reads — CLI output and help,
printed forms (their footer included), Excel exports, the audit log, the timeline and the
follow-up steps — cites the real documents (国市监质监发〔2023〕38号 三, never "001 三") and
shows no program key (``list_abnormal``, ``routine``, ``followup_step`` …).

The scan runs over real outputs of a demo station with a failed sampling, a class decision, a
列严 listing and a credit risk; :func:`test_the_scan_catches_an_injected_key` shows it fails
when a key is injected into a printed footer and into the CLI.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from qsdesk.cli import build_parser, main
from qsdesk.services import audit_text, field_labels
from qsdesk.services.demo import generate
from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry, Base, Enterprise, FollowUpStep, Inspection, Sampling

ROOT = Path(__file__).resolve().parents[1]

#: A seed file number used as a citation: "（001 三）", "003 七", "附件5（002）", "001、002 附件1".
SEED_CITATION = re.compile(
    r"(?<![0-9A-Za-z〔〕号._:/\\-])00[0-4](?=\s*(?:[一二三四五六七八九十]|附|、|，|（|）|\(|\)|$))", re.M)
#: snake_case identifiers (table, field, step and status keys).
SNAKE = re.compile(r"(?<![A-Za-z0-9_./\\-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_./\\-])")
#: Stored English status / class / kind words.
WORDS = re.compile(
    r"(?<![A-Za-z\-])(routine|trigger|special|key|objection|abnormal|serious|sealed|draft|collected|verified|"
    r"closed|producer|wholesaler|retailer|chief|inspector|pending)(?![A-Za-z\-])")


def offending(text: str) -> list[str]:
    return [m.group(0) for p in (SEED_CITATION, SNAKE, WORDS) for m in p.finditer(text)]


def assert_clean(texts: dict[str, str]) -> None:
    bad = {where: sorted(set(found)) for where, text in texts.items() if (found := offending(text))}
    assert not bad, bad


def test_the_patterns() -> None:
    for text in ("信用风险高（001 三）", "003 七：连续不合格", "附件5（002）", "（001、002 附件1）", "步骤 list_abnormal",
                 "类别：routine", "对象 followup_step", "异议 objection", "案件 case_filing"):
        assert offending(text), text
    for text in ("国市监质监发〔2023〕38号 三", "编号 370112001-2026-0001", "所代码 370112001", "2026-10-01 08:00:01",
                 "名单.xlsx", "qsdesk key-products", "--data-dir DATA_DIR", "晋市监发〔2023〕212号 七"):
        assert not offending(text), text


# ------------------------------------------------------------------------------ static checks


def _audit_calls() -> list[tuple[str, int, list[str], ast.expr | None]]:
    out = []
    for f in sorted((ROOT / "qsdesk").rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"):
                keys = [kw.arg for kw in node.keywords if kw.arg and kw.arg != "actor"]
                out.append((str(f.relative_to(ROOT)), node.lineno, keys, node.args[2] if len(node.args) > 2 else None))
    return out


def test_every_audit_detail_and_table_has_a_chinese_label() -> None:
    calls = _audit_calls()
    assert len(calls) > 50  # the walk found the services' calls
    missing = [f"{f}:{line} {k}" for f, line, keys, _ in calls for k in keys
               if k.isascii() and k not in audit_text.DETAIL_LABELS]
    assert not missing, missing
    tables = [f"{f}:{line} {t.value}" for f, line, _, t in calls
              if isinstance(t, ast.Constant) and t.value is not None and t.value not in audit_text.TABLE_TEXT]
    assert not tables, tables
    for name in Base.metadata.tables:
        assert name in audit_text.TABLE_TEXT, name


def test_every_synced_column_has_a_chinese_label() -> None:
    from qsdesk.services.sync.exchange import TABLES

    missing = [f"{t.name}.{c.name}" for t in Base.metadata.sorted_tables if t.name in TABLES for c in t.columns
               if field_labels.shown(c.name) and c.name not in field_labels.FIELD_LABELS]
    assert not missing, missing
    assert not field_labels.shown("supervision_class") and not field_labels.shown("class_reasons")


def _parsers(p: argparse.ArgumentParser, path: str = "qsdesk") -> list[tuple[str, argparse.ArgumentParser]]:
    out = [(path, p)]
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out.extend(_parsers(sub, f"{path} {name}"))
    return out


def test_cli_help_shows_no_keys() -> None:
    texts = {path: p.format_help() for path, p in _parsers(build_parser())}
    assert len(texts) > 40
    assert_clean(texts)


# ------------------------------------------------------------------------------ real outputs

USCC = "91370112MA3C0000XL"
NAME = "济南华光电器有限公司"


@pytest.fixture
def county_day(store: Store, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> Store:
    """A demo station with a failed sampling walked part way, a class decision, a 列严 listing."""
    generate(store, enterprises=60, seed=3, today=date.today())
    with store.transaction() as s:
        s.add(Enterprise(name=NAME, uscc=USCC, unit_types="producer"))
    dd = ["--data-dir", str(data_dir)]
    day = date.today() - timedelta(days=40)
    assert main(["sampling", "add", *dd, "--producer", USCC, "--product", "转换器", "--result", "不合格",
                 "--items", "插套温升", "--sampled-on", day.isoformat(),
                 "--received-on", (day + timedelta(days=3)).isoformat(),
                 "--delivered-on", (day + timedelta(days=4)).isoformat()]) == 0
    with store.session() as s:
        sid = s.scalars(select(Sampling.id).where(Sampling.product_name == "转换器")).one()
        steps = list(s.scalars(select(FollowUpStep).where(FollowUpStep.sampling_id == sid)))
    for st in steps[:3]:
        assert main(["sampling", "step-done", *dd, st.id, "--on", (day + timedelta(days=6)).isoformat(),
                     "--outcome", "不适用", "--note", "测试"]) == 0
    assert main(["class", "decide", *dd, "--enterprise", USCC, "--reason", "投诉举报多", "--by", "王站长"]) == 0
    assert main(["class", "credit-risk", *dd, "--enterprise", USCC, "--level", "较高", "--basis", "分类结果"]) == 0
    assert main(["class", "listing", "add", *dd, "--enterprise", USCC, "--list", "列严",
                 "--date", (day + timedelta(days=10)).isoformat(), "--basis", "决定书"]) == 0
    from qsdesk.services import risk

    with store.session() as s:
        eid = s.scalars(select(Enterprise.id).where(Enterprise.uscc == USCC)).one()
    rid = risk.create_report(store, reported_on=day, sources=["投诉、举报"], product_name="转换器",
                             description="消费者反映插座发烫", links=[risk.LinkSpec(eid, "producer")])
    risk.set_status(store, rid, "verified", investigation="现场核实属实", on=day + timedelta(days=2), founded=True)
    capsys.readouterr()
    return store


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


def _xlsx_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
                     if isinstance(c, str))


def _cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> str:
    assert main(list(args)) == 0, args
    cap = capsys.readouterr()
    return (cap.out + cap.err).replace(str(tmp_path), "目录")


def test_cli_outputs_show_no_keys(county_day: Store, data_dir: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    dd = ["--data-dir", str(data_dir)]
    with county_day.session() as s:
        sid = s.scalars(select(Sampling.id).where(Sampling.product_name == "转换器")).one()
    texts = {
        "class show": _cli(capsys, tmp_path, "class", "show", *dd, USCC),
        "sampling list": _cli(capsys, tmp_path, "sampling", "list", *dd),
        "sampling steps": _cli(capsys, tmp_path, "sampling", "steps", *dd, sid),
        "sampling overdue": _cli(capsys, tmp_path, "sampling", "overdue", *dd),
        "sampling tracking": _cli(capsys, tmp_path, "sampling", "tracking", *dd),
        "report settings": _cli(capsys, tmp_path, "report", "settings", *dd),
        "sampling add again": _cli(capsys, tmp_path, "sampling", "add", *dd, "--producer", USCC, "--product", "转换器",
                                   "--result", "不合格", "--items", "插套温升",
                                   "--sampled-on", (date.today() - timedelta(days=5)).isoformat()),
        "class decide": _cli(capsys, tmp_path, "class", "decide", *dd, "--enterprise", USCC, "--reason", "复查",
                             "--by", "王站长"),
        "account list": _cli(capsys, tmp_path, "account", "list", *dd),
        "selftest": _cli(capsys, tmp_path, "selftest", *dd),
        "audit": _cli(capsys, tmp_path, "audit", *dd, "--limit", "2000"),
    }
    assert "重复抽查" in texts["sampling add again"]
    assert "严重违法失信名单" in texts["class show"] and "不合格" in texts["sampling list"]
    assert "指定责任人" in texts["audit"] or "新建" in texts["audit"]
    assert_clean(texts)


def test_exports_and_prints_show_no_keys(county_day: Store, data_dir: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    dd = ["--data-dir", str(data_dir)]
    year = str(date.today().year)
    texts: dict[str, str] = {}
    for kind in ("企业档案", "检查台账", "风险信息", "抽查", "后处理"):
        out = tmp_path / f"{kind}.xlsx"
        _cli(capsys, tmp_path, "export-excel", kind, "--out", str(out), "--year", year, *dd)
        texts[f"export {kind}"] = _xlsx_text(out)
    out = tmp_path / "名单.xlsx"
    _cli(capsys, tmp_path, "report", "annual", "--year", year, "--out", str(out), *dd)
    texts["annual lists"] = _xlsx_text(out)
    for suffix in (".xlsx", ".pdf"):
        out = tmp_path / f"列异列严{suffix}"
        _cli(capsys, tmp_path, "class", "list-listings", "--out", str(out), *dd)
        texts[f"listings {suffix}"] = _xlsx_text(out) if suffix == ".xlsx" else _pdf_text(out)
    month = date.today().strftime("%Y-%m")
    for suffix in (".xlsx", ".pdf"):
        out = tmp_path / f"月报{suffix}"
        _cli(capsys, tmp_path, "report", "monthly", "--month", month, "--out", str(out), *dd)
        texts[f"monthly {suffix}"] = _xlsx_text(out) if suffix == ".xlsx" else _pdf_text(out)
    for form in ("附件3", "附件4", "附件5", "附件6", "生产者任务清单", "销售者任务清单"):
        out = tmp_path / f"空白{form}.pdf"
        _cli(capsys, tmp_path, "print", "blank", form, "--out", str(out), *dd)
        texts[f"blank {form}"] = _pdf_text(out)
    with county_day.session() as s:
        eid = s.scalars(select(Enterprise.id).where(Enterprise.uscc == USCC)).one()
        iid = s.scalars(select(Inspection.id).where(Inspection.status == "sealed")).first()
    out = tmp_path / "企业.pdf"
    _cli(capsys, tmp_path, "print", "enterprise", eid, "--out", str(out), *dd)
    texts["print enterprise"] = _pdf_text(out)
    if iid is not None:
        out = tmp_path / "检查.pdf"
        _cli(capsys, tmp_path, "print", "inspection", iid, "--out", str(out), *dd)
        texts["print inspection"] = _pdf_text(out)
    from qsdesk.store.models import RiskReport, TaskChecklist

    with county_day.session() as s:
        rid = s.scalars(select(RiskReport.id)).first()
        cid = s.scalars(select(TaskChecklist.id)).first()
    assert rid is not None
    for what, record_id in (("risk", rid), ("checklist", cid)):
        if record_id is not None:
            out = tmp_path / f"{what}.pdf"
            _cli(capsys, tmp_path, "print", what, record_id, "--out", str(out), *dd)
            texts[f"print {what}"] = _pdf_text(out)
    assert "鲁市监质监字〔2022〕233号 附件4" in texts["blank 附件4"]  # the footer cites the document
    assert "严重违法失信名单" in texts["listings .pdf"]
    assert_clean(texts)


def test_audit_log_timeline_and_detail_show_no_keys(county_day: Store, qapp) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.services import registry
    from qsdesk.ui import admin_panels

    texts: dict[str, str] = {}
    with county_day.session() as s:
        entries = list(s.scalars(select(AuditEntry)))
        ids = list(s.scalars(select(Enterprise.id).limit(25)))
        ids.append(s.scalars(select(Enterprise.id).where(Enterprise.uscc == USCC)).one())
    assert len(entries) > 5
    for e in entries:
        texts[f"audit {e.action} {e.table_name}"] = "，".join((
            audit_text.actor_text(e.actor), admin_panels._table_text(e.table_name), admin_panels._detail_text(e.detail)))
    for eid in ids:
        d = registry.detail(county_day, eid)
        assert d is not None
        shown = {k: v for k, v in vars(d).items() if k not in ("id", "class_key", "responsible_id", "uscc")}
        products = [str(v) for pr in d.products for v in vars(pr).values() if isinstance(v, str)]
        texts[f"detail {eid}"] = "\n".join([*(str(v) for v in shown.values() if isinstance(v, str)),
                                            *(x for v in shown.values() if isinstance(v, list) for x in v
                                              if isinstance(x, str)), *products])
        texts[f"timeline {eid}"] = "\n".join(f"{ev.kind} {ev.text}" for ev in registry.timeline(county_day, eid))
    assert any("列入" in t or "监管类别" in t for t in texts.values())
    assert_clean(texts)


def test_the_scan_catches_an_injected_key(county_day: Store, data_dir: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The scans above can fail: a key in the printed footer or the CLI is caught."""
    from qsdesk.services import classes
    from qsdesk.services.printing import records

    monkeypatch.setattr(records, "_footer", lambda spec: f"表单 {spec.id} 第 {spec.version} 版（001 三）")
    out = tmp_path / "空白.pdf"
    _cli(capsys, tmp_path, "print", "blank", "附件4", "--out", str(out), "--data-dir", str(data_dir))
    with pytest.raises(AssertionError, match="annex4_producer"):
        assert_clean({"footer": _pdf_text(out)})
    with pytest.raises(AssertionError, match="001"):
        assert_clean({"footer": _pdf_text(out)})
    monkeypatch.setattr(classes, "class_label", lambda key: key or "routine")
    text = _cli(capsys, tmp_path, "class", "show", "--data-dir", str(data_dir), USCC)
    with pytest.raises(AssertionError, match="key"):
        assert_clean({"class show": text})


def _widget_texts(page) -> str:  # type: ignore[no-untyped-def]
    """Everything a person can read on a page: labels, buttons, tabs, combo items, list and table cells."""
    from PySide6.QtCore import QModelIndex, Qt
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QComboBox,
        QGroupBox,
        QLabel,
        QLineEdit,
        QPlainTextEdit,
        QTabWidget,
        QTextEdit,
        QWidget,
    )

    out: list[str] = []
    for w in [page, *page.findChildren(QWidget)]:
        out.append(w.toolTip())
        if isinstance(w, QLabel | QAbstractButton):
            out.append(w.text())
        elif isinstance(w, QGroupBox):
            out.append(w.title())
        elif isinstance(w, QTabWidget):
            out.extend(w.tabText(i) for i in range(w.count()))
        elif isinstance(w, QComboBox):
            out.extend(w.itemText(i) for i in range(w.count()))
        elif isinstance(w, QLineEdit):
            out.extend((w.text(), w.placeholderText()))
        elif isinstance(w, QPlainTextEdit | QTextEdit):
            out.append(w.toPlainText())
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            m = w.model()
            try:
                cols, rows = m.columnCount(QModelIndex()), m.rowCount(QModelIndex())
            except TypeError:  # a list model whose columnCount is private in the bindings
                cols, rows = 1, m.rowCount()
            for c in range(cols):
                out.append(str(m.headerData(c, Qt.Orientation.Horizontal) or ""))
            for r in range(min(rows, 60)):
                for c in range(cols):
                    v = m.data(m.index(r, c))
                    out.append("" if v is None else str(v))
    return "\n".join(t for t in out if t)


def test_gui_pages_show_no_keys(county_day: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    import importlib

    from qsdesk.ui.main_window import NAVIGATION

    county_day.set_actor("王站长", "chief")
    texts: dict[str, str] = {}
    for entry in NAVIGATION:
        cls = getattr(importlib.import_module(f"qsdesk.ui.pages.{entry.module}"), entry.cls)
        page = cls(county_day)
        qtbot.addWidget(page)
        if hasattr(page, "refresh"):
            page.refresh()
        texts[entry.title] = _widget_texts(page)
        if entry.module == "registry":  # the detail pane of the enterprise with a decision and a listing
            with county_day.session() as s:
                eid = s.scalars(select(Enterprise.id).where(Enterprise.uscc == USCC)).one()
            page.show_enterprise(eid)
            texts["企业档案 详情"] = _widget_texts(page)
            assert "重点监管" in texts["企业档案 详情"]
            dlg = page.listings_dialog()
            texts["列异列严名单"] = _widget_texts(dlg)
            assert "严重违法失信名单" in texts["列异列严名单"]
            dlg.close()
        if entry.module == "sampling":  # the failed sampling with its follow-up steps
            with county_day.session() as s:
                sid = s.scalars(select(Sampling.id).where(Sampling.product_name == "转换器")).one()
            page.open_record(sid)
            texts["监督抽查 后处理"] = _widget_texts(page)
            assert "异议处理" in texts["监督抽查 后处理"]
    assert "有限公司" in texts["企业档案"] and "不合格" in texts["监督抽查"]  # the lists' cells were read
    from qsdesk.ui.admin_panels import AuditPanel, RecordHistoryDialog

    panel = AuditPanel(county_day)
    qtbot.addWidget(panel)
    texts["操作日志"] = _widget_texts(panel)
    assert "后处理" in texts["操作日志"] and "完成日期" in texts["操作日志"]
    with county_day.session() as s:
        step_ids = list(s.scalars(select(FollowUpStep.id)))
    dlg = RecordHistoryDialog(county_day, step_ids)
    qtbot.addWidget(dlg)
    texts["操作记录"] = "\n".join(dlg.table.item(r, c).text() for r in range(dlg.table.rowCount())
                                   for c in range(dlg.table.columnCount()) if dlg.table.item(r, c))
    assert "步骤" in texts["操作记录"]
    assert_clean(texts)
