"""``import-excel`` and ``export-excel``: the Excel services without a window."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from qsdesk.cli import CommandError, add_data_dir, add_user_args, identify, open_node_store

EXPORT_KINDS = {
    "registry": "企业档案",
    "ledger": "监督检查台账",
    "risks": "风险信息",
    "samplings": "监督抽查结果及后处理",
    "followups": "不合格后处理",
    "lists": "重点/特别监管年度名单及跟踪抽查名单",
}
#: Short Chinese names accepted for the export kinds.
EXPORT_SHORT = {"档案": "registry", "台账": "ledger", "检查台账": "ledger", "抽查": "samplings",
                "后处理": "followups", "名单": "lists", "年度名单": "lists"}
MAX_SHOWN_ERRORS = 20
#: What a person types for ``--class`` → the stored class key (never shown).
CLASS_CHOICES = {"日常": "routine", "日常监管": "routine", "重点": "key", "重点监管": "key",
                 "特别": "special", "特别监管": "special"}


def register(sub: Any) -> None:
    p = sub.add_parser("import-excel", help="从 Excel（.xlsx）导入企业名单（产品放在名为“产品”的工作表，每个产品一行）")
    add_data_dir(p)
    p.add_argument("file", type=Path, help="Excel 文件（.xlsx）")
    p.add_argument("--only-valid", action="store_true", help="有错误时仅导入无误的行")
    p.add_argument("--dry-run", action="store_true", help="只检查并显示新增/变更/未变，不写入")
    p.add_argument("--sheet", default=None, help="工作表名称（默认自动选择）")
    p.add_argument("--entry-reason", default=None, metavar="录入原因",
                   help="新录入单位的录入原因（表中未填时统一使用；国市监质监发〔2023〕38号 四（一）要求首次录入注明）")
    p.add_argument("--errors", type=Path, default=None, metavar="OUT.xlsx", help="把错误报告保存为 Excel")
    p.add_argument("--map", action="append", default=[], metavar="列号=字段",
                   help="更正列对应，例如 --map 3=统一社会信用代码 或 --map 5=（不导入第5列）；列号从 1 开始")
    add_user_args(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export-excel", help="导出 Excel：" + "、".join(EXPORT_KINDS.values()))
    add_data_dir(p)
    p.add_argument("kind", type=_export_kind, metavar="内容", help="导出内容：" + "、".join(EXPORT_KINDS.values()))
    p.add_argument("--out", type=Path, required=True, help="输出文件 .xlsx")
    p.add_argument("--from", dest="start", type=_date, default=None, help="起始日期 YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=_date, default=None, help="截止日期 YYYY-MM-DD")
    p.add_argument("--year", type=int, default=None, help="年度（名单；或代替 --from/--to）")
    p.add_argument("--search", default=None, help="企业档案：名称或信用代码包含")
    p.add_argument("--town", default=None, help="企业档案：乡镇（街道）")
    p.add_argument("--grade", choices=("A", "B", "C", "D"), default=None, help="企业档案：分级")
    p.add_argument("--class", dest="supervision_class", default=None, type=_class_key, metavar="日常|重点|特别",
                   help="企业档案：监管类别（日常、重点、特别）")
    p.set_defaults(func=cmd_export)


def _export_kind(text: str) -> str:
    """An export kind from its Chinese name (or the short key scripts already use)."""
    by_label = {v: k for k, v in EXPORT_KINDS.items()} | EXPORT_SHORT
    kind = by_label.get(text.strip(), text.strip())
    if kind not in EXPORT_KINDS:
        raise argparse.ArgumentTypeError(f"导出内容“{text}”应为：{'、'.join(EXPORT_KINDS.values())}")
    return kind


def _class_key(text: str) -> str:
    """A supervision class from its Chinese name (or the stored key scripts already use)."""
    key = CLASS_CHOICES.get(text.strip(), text.strip())
    if key not in CLASS_CHOICES.values():
        raise argparse.ArgumentTypeError(f"监管类别“{text}”应为 日常、重点 或 特别")
    return key


def _date(text: str) -> date:
    from qsdesk.services.excel.normalize import parse_date

    try:
        d = parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text}：{exc}") from None
    if d is None:
        raise argparse.ArgumentTypeError("日期不能为空")
    return d


def _mapping(items: list[str]) -> dict[int, str | None]:
    from qsdesk.services.excel.fields import ENTERPRISE_FIELDS, FIELDS_BY_KEY

    by_header = {f.header: f.key for f in ENTERPRISE_FIELDS if f.importable}

    out: dict[int, str | None] = {}
    for item in items:
        col, _, key = item.partition("=")
        if not col.strip().isdigit() or int(col) < 1:
            raise CommandError(f"--map 的列号应为从 1 开始的数字：{item}")
        key = by_header.get(key.strip(), key.strip())
        if key and key not in FIELDS_BY_KEY:
            raise CommandError(f"--map 的字段“{key}”未知，可用：{'、'.join(by_header)}")
        out[int(col) - 1] = key or None
    return out


def cmd_import(args: argparse.Namespace) -> int:
    from qsdesk.services.excel.exporter import export_errors
    from qsdesk.services.excel.importer import analyse, apply
    from qsdesk.services.excel.reader import ExcelFileError

    mapping = _mapping(args.map)
    store = open_node_store(args)
    try:
        if not args.dry_run:  # a dry run writes nothing
            identify(store, args)
        try:
            plan = analyse(store, args.file, mapping=mapping or None, sheet=args.sheet,
                           default_entry_reason=args.entry_reason)
        except ExcelFileError as exc:
            raise CommandError(str(exc)) from None
        for n in plan.notices:
            print(f"提示：{n}")
        mapped = [f"{c.letter}“{c.header}”→{c.field.header}" for c in plan.layout.columns if c.field]
        print(f"工作表“{plan.layout.sheet}”，表头在第 {plan.layout.header_row} 行；列对应：" + "；".join(mapped))
        print(plan.summary())
        for e in plan.all_errors[:MAX_SHOWN_ERRORS]:
            print(f"  第 {e.row} 行 [{e.column}] “{e.value}”：{e.reason}", file=sys.stderr)
        if len(plan.all_errors) > MAX_SHOWN_ERRORS:
            print(f"  …… 另有 {len(plan.all_errors) - MAX_SHOWN_ERRORS} 处错误", file=sys.stderr)
        if args.errors and plan.all_errors:
            export_errors(plan, args.errors)
            print(f"错误报告已保存：{args.errors}")
        if _no_data(plan):
            raise CommandError(f"工作表“{plan.layout.sheet}”在表头（第 {plan.layout.header_row} 行）下没有数据行，"
                               "未导入任何数据")
        bad_rows = len(plan.error_rows) + (len(plan.products.error_rows) if plan.products is not None else 0)
        if args.dry_run:
            if plan.all_errors:
                raise CommandError(f"试运行：有 {bad_rows} 行数据有错误（见上），未写入任何数据")
            print("试运行：未写入任何数据。")
            return 0
        if plan.all_errors and not args.only_valid:
            raise CommandError(f"有 {bad_rows} 行数据有错误，未导入任何数据；"
                               "请修改后重新导入，或加 --only-valid 仅导入无误的行")
        res = apply(store, plan, only_valid=args.only_valid)
        print(f"已导入：新增 {res.inserted}，更新 {res.updated}，未变 {res.unchanged}"
              + (f"，未导入的错误行 {res.rejected_rows}" if res.rejected_rows else "")
              + (f"；产品：新增 {res.products_inserted}，更新 {res.products_updated}"
                 if plan.products is not None else ""))
        return 0
    finally:
        store.close()


def _no_data(plan: Any) -> bool:
    """The enterprise sheet has no record below its header (only blank, total or footer rows)
    and there is no product row either: nothing to import is a mistake, not a success."""
    products = plan.products
    return plan.rows_read == 0 and (products is None or not (products.rows or products.errors))


def _period(args: argparse.Namespace) -> tuple[date, date]:
    if args.year is not None:
        start, end = date(args.year, 1, 1), date(args.year, 12, 31)
    else:
        start, end = date(1900, 1, 1), date(9999, 12, 31)
    start = args.start or start
    end = args.end or end
    if start > end:
        raise CommandError("起始日期晚于截止日期")
    return start, end


def cmd_export(args: argparse.Namespace) -> int:
    from qsdesk.services.annual_lists import export_lists
    from qsdesk.services.excel import exporter

    if args.out.suffix.lower() != ".xlsx":
        raise CommandError("输出文件应以 .xlsx 结尾")
    if args.kind == "lists" and args.year is None:
        raise CommandError("导出名单需要 --year")
    store = open_node_store(args)
    try:
        if args.kind == "registry":
            from qsdesk.services.registry import RegistryFilter

            flt = RegistryFilter(text=args.search or "", town=args.town, grade=args.grade,
                                 supervision_class=args.supervision_class)
            n = exporter.export_registry(store, args.out, flt)
        elif args.kind == "lists":
            counts = export_lists(store, args.year, args.out, as_of=args.end)
            n = sum(counts.values())
        else:
            start, end = _period(args)
            fn = {"ledger": exporter.export_ledger, "risks": exporter.export_risks,
                  "samplings": exporter.export_samplings, "followups": exporter.export_followups}[args.kind]
            n = fn(store, args.out, start, end)
        print(f"已导出{EXPORT_KINDS[args.kind]} {n} 行：{args.out}")
        return 0
    finally:
        store.close()
