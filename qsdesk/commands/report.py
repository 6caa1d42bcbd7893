"""``report monthly`` (002 annex 5) and ``report annual`` (重点/特别 lists, tracking list)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from qsdesk.cli import CommandError, add_data_dir, add_user_args, identify, open_as_user, open_node_store


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

    f = rsub.add_parser("file", help="生成本所月度统计表报送记录（随下一个同步包报送县局）")
    add_data_dir(f)
    f.add_argument("--month", required=True, help="统计月份，例如 2026-10")
    add_user_args(f)
    f.set_defaults(func=cmd_file)

    ms = rsub.add_parser("mark-sent", help="登记月度统计表已以其他方式报送（纸质等）")
    add_data_dir(ms)
    ms.add_argument("--month", required=True, help="统计月份，例如 2026-10")
    ms.add_argument("--on", type=date.fromisoformat, required=True, help="报送日期 YYYY-MM-DD")
    ms.add_argument("--note", help="报送方式")
    add_user_args(ms)
    ms.set_defaults(func=cmd_mark_sent)

    rc = rsub.add_parser("rectify", help="登记检查发现问题的后续整改（按整改日期计入当期“整改问题隐患”）")
    add_data_dir(rc)
    rc.add_argument("inspection_id", metavar="检查记录ID")
    rc.add_argument("--on", type=date.fromisoformat, required=True, help="整改日期 YYYY-MM-DD")
    rc.add_argument("--count", type=int, required=True, help="整改问题条数")
    rc.add_argument("--note", help="整改情况")
    add_user_args(rc)
    rc.set_defaults(func=cmd_rectify)

    st = rsub.add_parser("settings", help="县局设置（后处理期限、月报统计区间和报送截止日）：查看或设置")
    add_data_dir(st)
    st.add_argument("--set", metavar="项目=天数", action="append", default=[],
                    help="例如 --set 月报报送截止日=20；天数留空恢复默认（仅县级局）")
    add_user_args(st)
    st.set_defaults(func=cmd_settings)

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
    from qsdesk.services.monthly import CELLS, parse_month
    from qsdesk.services.monthly_export import export_monthly

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
    if total.period is not None:
        print(total.period.describe())
    for c in CELLS:
        print(f"  {c.group} / {c.label}：{total.value(c.key)}")
    return 0


def _month(args: argparse.Namespace) -> tuple[int, int]:
    from qsdesk.services.monthly import parse_month

    try:
        return parse_month(args.month)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def cmd_file(args: argparse.Namespace) -> int:
    from qsdesk.services import monthly_records

    year, month = _month(args)
    store = open_as_user(args)
    try:
        monthly_records.file_report(store, year, month)
        with store.session() as s:
            print(f"{year}年{month}月 统计表：{monthly_records.send_status(s, year, month).text}")
    except monthly_records.MonthlyError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
    return 0


def cmd_mark_sent(args: argparse.Namespace) -> int:
    from qsdesk.services import monthly_records

    year, month = _month(args)
    store = open_as_user(args)
    try:
        monthly_records.mark_sent(store, year, month, args.on, args.note)
        with store.session() as s:
            print(f"{year}年{month}月 统计表：{monthly_records.send_status(s, year, month).text}")
    except monthly_records.MonthlyError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
    return 0


def cmd_rectify(args: argparse.Namespace) -> int:
    from qsdesk.services import monthly_records

    store = open_as_user(args)
    try:
        monthly_records.record_rectification(store, args.inspection_id, args.on, args.count, args.note)
    except monthly_records.MonthlyError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
    print(f"已登记整改 {args.count} 条（{args.on.isoformat()}）")
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    from qsdesk.services import county_settings as cs

    by_label = {d.label: d for d in cs.DEFS}
    wanted: list[tuple[str, int | None]] = []
    for item in args.set:
        label, _, raw = item.partition("=")
        d = by_label.get(label.strip())
        if d is None:
            raise CommandError(f"没有“{label.strip()}”这项设置，可设置：{'、'.join(by_label)}")
        try:
            value = int(raw) if raw.strip() else None
        except ValueError:
            raise CommandError(f"{d.label}应为整数天数：{raw}") from None
        if value is not None and not d.minimum <= value <= d.maximum:
            raise CommandError(f"{d.label}应在 {d.minimum}–{d.maximum} 之间")
        wanted.append((d.key, value))
    store = open_node_store(args)
    try:
        if wanted:  # showing the settings writes nothing
            identify(store, args)
        for key, value in wanted:
            cs.set_value(store, key, value)
        with store.session() as s:
            for v in cs.all_values(s):
                print(f"{v.definition.label}：{v.shown}　依据：{v.definition.why}")
    except cs.SettingError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
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
