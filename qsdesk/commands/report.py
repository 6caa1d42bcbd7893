"""``report monthly`` (002 annex 5) and ``report annual`` (重点/特别 lists, tracking list)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from qsdesk.cli import CommandError, add_data_dir, open_node_store


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="统计报表：monthly 月度统计表，annual 年度名单")
    rsub = p.add_subparsers(dest="report", metavar="报表", required=True)

    m = rsub.add_parser("monthly", help="落实工业产品“两个规定”情况统计表（月报）")
    add_data_dir(m)
    m.add_argument("--month", required=True, help="统计月份，例如 2026-10")
    m.add_argument("--out", type=Path, required=True, help="输出文件：.xlsx（附件格式）或 .pdf（打印）")
    m.add_argument("--county", action="store_true", default=None,
                   help="按所汇总（县级局默认如此）")
    m.set_defaults(func=cmd_monthly)

    a = rsub.add_parser("annual", help="重点监管、特别监管年度名单及跟踪抽查名单")
    add_data_dir(a)
    a.add_argument("--year", type=int, required=True, help="年度，例如 2026")
    a.add_argument("--out", type=Path, required=True, help="输出文件 .xlsx")
    a.add_argument("--as-of", type=date.fromisoformat, default=None, help="截至日期 YYYY-MM-DD（默认今天）")
    a.set_defaults(func=cmd_annual)


def _open(args: argparse.Namespace, suffixes: tuple[str, ...] = (".xlsx",)) -> Any:
    if args.out.suffix.lower() not in suffixes:
        raise CommandError("输出文件应以 " + " 或 ".join(suffixes) + " 结尾")
    return open_node_store(args)


def cmd_monthly(args: argparse.Namespace) -> int:
    from qsdesk.services.monthly import CELLS, export_monthly, parse_month

    try:
        year, month = parse_month(args.month)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    store = _open(args, (".xlsx", ".pdf"))
    try:
        tables = export_monthly(store, year, month, args.out, county=args.county)
    finally:
        store.close()
    total = tables[-1]
    print(f"{year}年{month}月 统计表已导出：{args.out}（{len(tables)} 行）")
    for c in CELLS:
        print(f"  {c.group} / {c.label}：{total.value(c.key)}")
    return 0


def cmd_annual(args: argparse.Namespace) -> int:
    from qsdesk.services.annual_lists import export_lists

    store = _open(args)
    try:
        counts = export_lists(store, args.year, args.out, as_of=args.as_of)
    finally:
        store.close()
    print(f"{args.year} 年度名单已导出：{args.out}")
    for title, n in counts.items():
        print(f"  {title}：{n} 家")
    return 0
