"""Helpers for the Excel tests: valid credit codes, workbooks with chosen defects, DB snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select, text

from qsdesk.domain.uscc import check_digit
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise

HEADERS = ["序号", "单位名称", "信用代码", "法人", "乡镇", "地址", "联系电话", "单位类型", "从业人数",
           "营业收入（万元）", "包保日期", "质量安全员", "录入原因"]


def code(n: int, region: str = "370112") -> str:
    """A valid 统一社会信用代码 for company number ``n``."""
    body = f"91{region}{n:09d}"
    return body + check_digit(body)


def bad_code(n: int) -> str:
    good = code(n)
    wrong = "0" if good[-1] != "0" else "1"
    return good[:17] + wrong


def row(n: int, **over: Any) -> list[Any]:
    base = {
        "序号": n, "单位名称": f"济南第{n}机械有限公司", "信用代码": code(n), "法人": f"王{n}",
        "乡镇": "王舍人街道", "地址": f"历城区工业北路{n}号", "联系电话": f"1380531{n:04d}",
        "单位类型": "生产", "从业人数": 20 + n, "营业收入（万元）": 150.5 + n, "包保日期": "2024-03-05",
        "质量安全员": f"赵{n}", "录入原因": "摸底排查",
    }
    base.update(over)
    return [base[h] for h in HEADERS]


def save(wb: Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def simple_book(path: Path, rows: list[list[Any]], *, title: str | None = "历城区工业产品生产单位名录") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "企业名单"
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
        ws.append(["填报单位：王舍人所"])
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    return save(wb, path)


def snapshot(store: Store) -> dict[str, Any]:
    """Everything an import could touch: enterprise rows, audit count, change counter."""
    with store.session() as s:
        ents = [tuple(r) for r in s.execute(select(Enterprise.__table__).order_by(Enterprise.id))]
        audits = s.execute(text("select count(*) from audit_entry")).scalar_one()
        seq = s.execute(text("select value from counter where name='change_seq'")).scalar()
    return {"enterprises": ents, "audits": audits, "seq": seq}
