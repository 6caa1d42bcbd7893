"""``qsdesk print``: PDFs of records and blank forms without the window.

    qsdesk print inspection <id> --out F.pdf     两联检查记录（含二维码、补打标记）
    qsdesk print enterprise <id> --out F.pdf     企业信息摸底排查表（附件3）
    qsdesk print risk <id> --out F.pdf           风险信息采集表（附件6）
    qsdesk print checklist <id> --out F.pdf      监管任务清单
    qsdesk print inspections <id>... --out F.pdf 多份检查记录，一个 PDF
    qsdesk print blank 附件4 --out F.pdf         空白表（附件3…附件6、生产者任务清单、销售者任务清单）

An unknown id or form exits with code 2 and one Chinese line; no file is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from qsdesk.cli import CommandError, add_data_dir

BLANK_CHOICES = ("附件3", "附件4", "附件5", "附件6", "生产者任务清单", "销售者任务清单")


def register(sub: Any) -> None:
    p = sub.add_parser("print", help="打印（生成 PDF）：检查记录、企业、风险信息、任务清单、空白表")
    psub = p.add_subparsers(dest="print_what", metavar="对象", parser_class=type(p))
    psub.required = True
    for name, help_text in (
        ("inspection", "监督检查记录（一式两联）"),
        ("enterprise", "企业信息摸底排查表（附件3）"),
        ("risk", "产品质量安全风险信息采集表（附件6）"),
        ("checklist", "监管任务清单"),
    ):
        q = psub.add_parser(name, help=help_text)
        add_data_dir(q)
        q.add_argument("record_id", metavar="ID", help="记录编号（ID）")
        q.add_argument("--out", type=Path, required=True, help="输出 PDF 文件")
        if name == "inspection":
            q.add_argument("--no-audit", action="store_true", help="不计入打印记录（仅预览用）")
        q.set_defaults(func=cmd_print_record, print_kind=name)
    q = psub.add_parser("inspections", help="批量打印多份检查记录到一个 PDF（每份两联）")
    add_data_dir(q)
    q.add_argument("record_ids", metavar="ID", nargs="+", help="检查记录编号（ID），可多个")
    q.add_argument("--out", type=Path, required=True, help="输出 PDF 文件")
    q.set_defaults(func=cmd_print_batch)
    q = psub.add_parser("blank", help="空白表（现场纸质备用）")
    add_data_dir(q)
    q.add_argument("form", help=f"表单：{'、'.join(BLANK_CHOICES)}")
    q.add_argument("--out", type=Path, required=True, help="输出 PDF 文件")
    q.set_defaults(func=cmd_print_blank)


def _out_ok(out: Path) -> None:
    if out.exists() and out.is_dir():
        raise CommandError(f"输出路径是一个文件夹：{out}")
    from qsdesk.services import printing

    printing.take_missing()  # report only what this print lacks


def _notice_missing() -> None:
    """Name the characters the font lacks: they print as empty boxes, to be written by hand."""
    from qsdesk.services import printing

    missing = printing.take_missing()
    if missing:
        print(f"注意：打印字体中没有以下字符，PDF 中为空白方框，请打印后手写补上：{missing}", file=sys.stderr)


def cmd_print_record(args: argparse.Namespace) -> int:
    from qsdesk.services import printing
    from qsdesk.store.db import open_store

    _out_ok(args.out)
    store = open_store(args.data_dir, url=args.database_url)
    try:
        if args.print_kind == "inspection":
            path = printing.render_inspection(store, args.record_id, args.out, record_print=not args.no_audit)
        elif args.print_kind == "enterprise":
            path = printing.render_enterprise(store, args.record_id, args.out)
        elif args.print_kind == "risk":
            path = printing.render_risk_report(store, args.record_id, args.out)
        else:
            path = printing.render_task_checklist(store, args.record_id, args.out)
    except printing.PrintError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
    print(f"已生成 {path}")
    _notice_missing()
    return 0


def cmd_print_batch(args: argparse.Namespace) -> int:
    from qsdesk.services import printing
    from qsdesk.store.db import open_store

    _out_ok(args.out)
    store = open_store(args.data_dir, url=args.database_url)
    try:
        path = printing.render_inspections(store, args.record_ids, args.out)
    except printing.PrintError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
    print(f"已生成 {path}（{len(args.record_ids)} 份）")
    _notice_missing()
    return 0


def cmd_print_blank(args: argparse.Namespace) -> int:
    from qsdesk.services import printing

    _out_ok(args.out)
    try:
        path = printing.render_blank(args.form, args.out)
    except printing.PrintError as exc:
        raise CommandError(str(exc)) from None
    print(f"已生成 {path}")
    return 0
