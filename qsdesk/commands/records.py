"""``qsdesk check-records``: records whose answers contradict each other (the forms' rules)."""

from __future__ import annotations

import argparse
from typing import Any

from qsdesk.cli import add_data_dir


def register(sub: Any) -> None:
    p = sub.add_parser("check-records",
                       help="检查记录自相矛盾的情况（如检查项“发现问题”而检查结果为“未发现问题”）")
    add_data_dir(p)
    p.add_argument("--drafts", action="store_true", help="也检查未封存的草稿")
    p.set_defaults(func=cmd_check_records)


def cmd_check_records(args: argparse.Namespace) -> int:
    """Exit 0 when every record is consistent, 1 when some are not (each listed)."""
    from qsdesk.cli import open_node_store
    from qsdesk.services.record_checks import inconsistent_form_records, inconsistent_inspections

    store = open_node_store(args)
    n = 0
    try:
        issues = list(inconsistent_inspections(store, include_drafts=args.drafts))
        others = list(inconsistent_form_records(store))
    finally:
        store.close()
    for issue in issues:
        n += 1
        state = "已封存" if issue.sealed else "草稿"
        print(f"{issue.record_no or '（未编号）'}  {issue.enterprise}  {state}")
        for m in issue.messages:
            print(f"    {m}")
    for other in others:
        print(f"{other.kind}  {other.number}  {other.subject}")
        for m in other.messages:
            print(f"    {m}")
    if n:
        print(f"共 {n} 份检查记录自相矛盾。已封存的记录请用“更正”另建更正记录。")
    if others:
        print(f"共 {len(others)} 份风险信息采集表、监管任务清单或督查清单自相矛盾，请打开修改。")
    if n or others:
        return 1
    print("未发现自相矛盾的记录。")
    return 0
