"""County master data commands: ``publish-form``, ``form-versions``, ``notices``, ``key-products``,
``holidays``.

A county publishes; stations receive the rows in the county's bundle and list them here."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from qsdesk.cli import CommandError, add_data_dir, add_user_args, identify, open_as_user, open_node_store


def register(sub: Any) -> None:
    p = sub.add_parser("publish-form", help="县级局：发布表单新版本（TOML 文件），随下发数据包送到各所")
    add_data_dir(p)
    p.add_argument("file", type=Path, metavar="文件")
    add_user_args(p)
    p.set_defaults(func=cmd_publish_form)

    p = sub.add_parser("form-versions", help="列出县级局发布的表单版本，并重新安装到数据目录")
    add_data_dir(p)
    p.set_defaults(func=cmd_form_versions)

    p = sub.add_parser("notices", help="列出通知；县级局可用 --add 发布通知")
    add_data_dir(p)
    p.add_argument("--add", default=None, metavar="标题", help="发布一条通知（县级局）")
    p.add_argument("--body", default="", metavar="正文")
    p.add_argument("--date", default=None, metavar="YYYY-MM-DD", help="发文日期（默认今天）")
    add_user_args(p)
    p.set_defaults(func=cmd_notices)

    p = sub.add_parser("key-products", help="重点产品目录：list 列出；add 新增、import 从 Excel 导入（县级局）")
    add_data_dir(p)
    p.add_argument("action", choices=("list", "add", "import"))
    p.add_argument("name", nargs="?", default=None, metavar="产品名称|文件",
                   help="add：产品名称；import：Excel 文件（首行含“产品名称”，可有类别、许可类型、备注）")
    p.add_argument("--category", default=None, metavar="类别")
    p.add_argument("--licence-type", default=None, metavar="许可类型")
    p.add_argument("--note", default=None, metavar="备注")
    add_user_args(p)
    p.set_defaults(func=cmd_key_products)

    p = sub.add_parser("holidays", help="节假日安排：list 列出各年份是否已有安排；set 从通知正文文件录入（县级局）")
    add_data_dir(p)
    p.add_argument("action", choices=("list", "set"))
    p.add_argument("file", nargs="?", type=Path, default=None, metavar="文件",
                   help="set：国务院办公厅节假日安排通知正文（UTF-8 文本），或每行“日期 放假”“日期 上班”")
    p.add_argument("--year", type=int, default=None, metavar="年份", help="年份（默认从通知标题读取）")
    add_user_args(p)
    p.set_defaults(func=cmd_holidays)


def cmd_publish_form(args: argparse.Namespace) -> int:
    from qsdesk.services.form_versions import publish_form

    store = open_as_user(args)
    try:
        pub = publish_form(store, args.file)
    finally:
        store.close()
    extra = f"；新增检查项 {'、'.join(pub.new_items)}" if pub.new_items else ""
    print(f"已发布表单“{pub.title}”第 {pub.version} 版，校验值 {pub.sha256[:12]}…{extra}")
    print("导出下发数据包（qsdesk export-bundle --to 所代码 --out 文件夹）后各所即可使用")
    return 0


def cmd_form_versions(args: argparse.Namespace) -> int:
    from qsdesk.services.field_labels import form_name
    from qsdesk.services.form_versions import install_forms, list_versions

    store = open_node_store(args)
    try:
        problems = install_forms(store)
        rows = list_versions(store)
    finally:
        store.close()
    for r in rows:
        print(f"{form_name(r.form_id)}  第 {r.version} 版  发布单位 {r.issued_by}  校验值 {r.sha256[:12]}…")
    if not rows:
        print("没有县级局发布的表单版本（使用程序自带的表单）")
    for msg in problems:
        print(f"未安装：{msg}")
    return 1 if problems else 0


def cmd_notices(args: argparse.Namespace) -> int:
    from qsdesk.services.master_data import add_notice, list_notices

    store = open_node_store(args)
    try:
        if args.add is not None:
            identify(store, args)  # publishing writes; listing does not
            try:
                issued = date.fromisoformat(args.date) if args.date else None
            except ValueError as exc:
                raise CommandError(f"日期格式应为 YYYY-MM-DD：{args.date}") from exc
            add_notice(store, args.add, args.body, issued)
            print(f"已发布通知：{args.add.strip()}")
        rows = list_notices(store)
    finally:
        store.close()
    for n in rows:
        print(f"{n.issued_on.isoformat()}  {n.title}")
        if n.body:
            print(f"    {n.body}")
    if not rows:
        print("没有通知")
    return 0


def cmd_key_products(args: argparse.Namespace) -> int:
    from qsdesk.services.master_data import add_key_product, import_key_products, list_key_products

    store = open_node_store(args)
    try:
        if args.action in ("add", "import"):
            identify(store, args)
        if args.action == "add":
            if not args.name:
                raise CommandError("请给出产品名称：qsdesk key-products add 产品名称 [--category 类别]")
            add_key_product(store, args.name, args.category, args.licence_type, args.note)
            print(f"已加入重点产品目录：{args.name.strip()}")
        elif args.action == "import":
            if not args.name:
                raise CommandError("请给出 Excel 文件：qsdesk key-products import 文件.xlsx")
            added, skipped = import_key_products(store, Path(args.name))
            print(f"已导入 {added} 个产品，{skipped} 个已在目录中而跳过")
        rows = list_key_products(store)
    finally:
        store.close()
    for k in rows:
        parts = [k.name, k.category or "", k.licence_type or "", k.note or ""]
        print("  ".join(p for p in parts if p))
    if not rows:
        print("重点产品目录为空")
    return 0


def cmd_holidays(args: argparse.Namespace) -> int:
    from qsdesk.domain.workdays import BUNDLED_2026_SOURCE, bundled_covers
    from qsdesk.services.master_data import import_holiday_schedule, list_holiday_schedules, schedule_summary

    store = open_node_store(args)
    try:
        if args.action == "set":
            identify(store, args)
            if args.file is None:
                raise CommandError("请给出通知正文文件：qsdesk holidays set 文件.txt [--year 年份]")
            year, _ = import_holiday_schedule(store, args.file, args.year)
            print(f"已录入 {year} 年节假日安排，导出下发数据包后各所即按此计算工作日")
        rows = list_holiday_schedules(store)
    finally:
        store.close()
    print(f"程序自带：2026 年及以前（2026 年依据{BUNDLED_2026_SOURCE}）")
    for r in rows:
        print(schedule_summary(r))
    this = date.today().year
    entered = {r.year for r in rows}
    for y in (this, this + 1):
        if not bundled_covers(y) and y not in entered:
            print(f"提示：{y}年的节假日安排尚未录入，该年的工作日期限暂按周一至周五计算；"
                  "请县级局在国务院办公厅通知公布后录入（qsdesk holidays set 文件.txt）")
    return 0
