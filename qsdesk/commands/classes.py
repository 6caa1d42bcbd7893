"""Supervision class commands: ``qsdesk class show|decide|revoke|credit-risk|listing|list-listings``.

The same services as the registry's 监管类别 buttons (:mod:`qsdesk.services.classes`,
:mod:`qsdesk.services.listings`): a decision to raise an enterprise to 重点监管 is recorded with its
reason and who made it (鲁市监质监字〔2022〕233号 二（五））, 列异/列严 are dated facts with their
basis (沪市监产质〔2022〕251号). Like ``qsdesk sync --resolve``, the person acting is named with
``--by`` and recorded in the audit trail. Everything printed is Chinese: no stored key is shown.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from qsdesk.cli import CommandError, add_data_dir, add_user_args, identify, open_node_store

#: What a person types for a list → the stored kind.
LIST_KINDS = {"列异": "abnormal", "经营异常名录": "abnormal", "列严": "serious", "严重违法失信名单": "serious"}
CLI_ACTOR = "cli"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”格式应为 YYYY-MM-DD") from None


def _list_kind(text: str) -> str:
    kind = LIST_KINDS.get(text.strip())
    if kind is None:
        raise argparse.ArgumentTypeError(f"名单“{text}”应为 列异 或 列严")
    return kind


def _enterprise_arg(p: argparse.ArgumentParser, positional: bool = False) -> None:
    helptext = "企业：统一社会信用代码、企业全称或编号"
    if positional:
        p.add_argument("enterprise", metavar="企业", help=helptext)
    else:
        p.add_argument("--enterprise", required=True, metavar="企业", help=helptext)


def _by_arg(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--by", required=required, default=None, metavar="姓名",
                   help="作出决定或录入的人员（记入操作日志）")


def register(sub: Any) -> None:
    top = sub.add_parser("class", help="监管类别：查看、列入重点监管的决定、信用风险等级、列异列严名单")
    csub = top.add_subparsers(dest="class_command", metavar="操作", required=True)

    p = csub.add_parser("show", help="显示企业的监管类别、理由、决定和列异列严记录")
    add_data_dir(p)
    _enterprise_arg(p, positional=True)
    p.set_defaults(func=cmd_show)

    p = csub.add_parser("decide", help="决定将企业列为重点监管（须说明理由，记录决定人）")
    add_data_dir(p)
    _enterprise_arg(p)
    p.add_argument("--reason", required=True, metavar="理由")
    _by_arg(p, required=True)
    p.add_argument("--date", type=_day, default=None, metavar="YYYY-MM-DD", help="决定日期（默认今天）")
    add_user_args(p)
    p.set_defaults(func=cmd_decide)

    p = csub.add_parser("revoke", help="撤销企业现行的监管类别决定（保留记录）")
    add_data_dir(p)
    _enterprise_arg(p)
    p.add_argument("--reason", required=True, metavar="理由")
    _by_arg(p, required=True)
    p.add_argument("--date", type=_day, default=None, metavar="YYYY-MM-DD", help="撤销日期（默认今天）")
    add_user_args(p)
    p.set_defaults(func=cmd_revoke)

    p = csub.add_parser("credit-risk", help="录入企业信用风险分类结果（低、一般、较高、高或 A–D 类；“未评定”清除）")
    add_data_dir(p)
    _enterprise_arg(p)
    p.add_argument("--level", required=True, metavar="等级")
    p.add_argument("--basis", required=True, metavar="来源", help="信用风险分类结果的来源（通知及日期）")
    _by_arg(p, required=False)
    add_user_args(p)
    p.set_defaults(func=cmd_credit_risk)

    lp = csub.add_parser("listing", help="列异列严：add 列入、remove 移出")
    lsub = lp.add_subparsers(dest="listing_command", metavar="操作", required=True)
    p = lsub.add_parser("add", help="列入经营异常名录（列异）或严重违法失信名单（列严）")
    add_data_dir(p)
    _enterprise_arg(p)
    p.add_argument("--list", dest="kind", type=_list_kind, required=True, metavar="列异|列严")
    p.add_argument("--date", type=_day, required=True, metavar="YYYY-MM-DD", help="列入日期")
    p.add_argument("--basis", required=True, metavar="依据", help="决定书文号或原因")
    _by_arg(p, required=False)
    add_user_args(p)
    p.set_defaults(func=cmd_listing_add)

    p = lsub.add_parser("remove", help="将企业移出名单（保留记录）")
    add_data_dir(p)
    _enterprise_arg(p)
    p.add_argument("--list", dest="kind", type=_list_kind, required=True, metavar="列异|列严")
    p.add_argument("--date", type=_day, required=True, metavar="YYYY-MM-DD", help="移出日期")
    p.add_argument("--reason", required=True, metavar="原因")
    _by_arg(p, required=False)
    add_user_args(p)
    p.set_defaults(func=cmd_listing_remove)

    p = csub.add_parser("list-listings", help="导出或打印列异列严名单（.xlsx 或 .pdf）")
    add_data_dir(p)
    p.add_argument("--out", type=Path, required=True, metavar="文件", help="输出文件：.xlsx 或 .pdf")
    p.add_argument("--current", action="store_true", help="只列今天仍在名单上的企业")
    p.set_defaults(func=cmd_list_listings)


def _open(args: argparse.Namespace, write: bool = True) -> Any:
    """The store; for a change, the person at the keyboard logs in (:func:`qsdesk.cli.identify`) and
    the audit trail names them. ``--by`` names who decided (recorded in the decision); it is the
    audit's actor only on an installation that has no account yet."""
    store = open_node_store(args)
    if not write:
        store.set_actor(CLI_ACTOR)
        return store
    try:
        user = identify(store, args)
    except BaseException:
        store.close()
        raise
    if user is None:
        by = (getattr(args, "by", None) or "").strip()
        store.set_actor(by or CLI_ACTOR)
    return store


def _enterprise(store: Any, key: str) -> tuple[str, str]:
    """(id, name) of the live enterprise named by USCC, full name or id."""
    from sqlalchemy import or_, select

    from qsdesk.domain.uscc import normalize
    from qsdesk.store.models import Enterprise

    text = key.strip()
    if not text:
        raise CommandError("请指定企业（统一社会信用代码、企业全称或编号）")
    with store.session() as s:
        rows = list(s.execute(select(Enterprise.id, Enterprise.name).where(
            Enterprise.deleted.is_(False),
            or_(Enterprise.uscc == normalize(text), Enterprise.name == text, Enterprise.id == text))))
    if not rows:
        raise CommandError(f"找不到企业：{text}（请用统一社会信用代码或企业全称）")
    if len(rows) > 1:
        raise CommandError(f"有 {len(rows)} 家企业名为“{text}”，请改用统一社会信用代码")
    return rows[0][0], rows[0][1]


def _checked_by(args: argparse.Namespace) -> str:
    by = (args.by or "").strip()
    if not by:
        raise CommandError("请用 --by 填写作出决定的人员姓名")
    return by


def cmd_show(args: argparse.Namespace) -> int:
    from qsdesk.services import classes

    store = open_node_store(args)
    try:
        eid, name = _enterprise(store, args.enterprise)
        with store.session() as s:
            cur = classes.current(s, eid)
    finally:
        store.close()
    print(f"{name}：{cur.label}" + ("（依决定）" if cur.overridden else ""))
    for r in cur.reasons:
        print(f"  理由：{r}")
    print(f"  信用风险等级：{cur.credit_risk or '未评定'}")
    if cur.interview:
        print(f"  约谈：{cur.interview}")
    if cur.decision is not None:
        d = cur.decision
        print(f"  现行决定：列为{d.label}，{d.decided_on.isoformat()} {d.decided_by} 决定，理由：{d.reason}")
    for x in cur.listings:
        end = f"，{x.removed_on.isoformat()} 移出" if x.removed_on else ""
        print(f"  {x.kind}：{x.listed_on.isoformat()} 列入{end}；依据：{x.basis or '—'}")
    if cur.as_of:
        print(f"  计算日期：{cur.as_of.isoformat()}")
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from qsdesk.services import class_decisions, classes

    by = _checked_by(args)
    store = _open(args)
    try:
        eid, name = _enterprise(store, args.enterprise)
        class_decisions.decide(store, eid, "key", args.reason, by, args.date)
        with store.session() as s:
            cur = classes.current(s, eid)
    finally:
        store.close()
    print(f"已记录决定：{name} 列为重点监管（决定人 {by}）；现监管类别：{cur.label}")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from qsdesk.services import class_decisions, classes

    by = _checked_by(args)
    store = _open(args)
    try:
        eid, name = _enterprise(store, args.enterprise)
        with store.session() as s:
            decision = classes.current(s, eid).decision
        if decision is None:
            raise CommandError(f"{name} 没有现行的监管类别决定")
        class_decisions.revoke(store, decision.id, by, args.reason, args.date)
        with store.session() as s:
            cur = classes.current(s, eid)
    finally:
        store.close()
    print(f"已撤销 {name} 的监管类别决定（撤销人 {by}）；现监管类别：{cur.label}")
    return 0


def cmd_credit_risk(args: argparse.Namespace) -> int:
    from qsdesk.services import class_decisions, classes

    level = None if args.level.strip() in ("未评定", "清除") else args.level
    store = _open(args)
    try:
        eid, name = _enterprise(store, args.enterprise)
        stored = class_decisions.set_credit_risk(store, eid, level, args.basis)
        with store.session() as s:
            cur = classes.current(s, eid)
    finally:
        store.close()
    print(f"已录入 {name} 的信用风险等级：{stored or '未评定'}；现监管类别：{cur.label}")
    return 0


def cmd_listing_add(args: argparse.Namespace) -> int:
    from qsdesk.services import classes, listings

    store = _open(args)
    try:
        eid, name = _enterprise(store, args.enterprise)
        listings.add_listing(store, eid, args.kind, args.date, args.basis)
        with store.session() as s:
            cur = classes.current(s, eid)
    finally:
        store.close()
    print(f"已将 {name} 列入{listings.KIND_LABELS[args.kind]}（{args.date.isoformat()}）；现监管类别：{cur.label}")
    return 0


def cmd_listing_remove(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from qsdesk.services import classes, listings
    from qsdesk.store.models import EnterpriseListing

    store = _open(args)
    try:
        eid, name = _enterprise(store, args.enterprise)
        with store.session() as s:
            ids = list(s.scalars(select(EnterpriseListing.id).where(
                EnterpriseListing.enterprise_id == eid, EnterpriseListing.kind == args.kind,
                EnterpriseListing.deleted.is_(False), EnterpriseListing.removed_on.is_(None))))
        if not ids:
            raise CommandError(f"{name} 不在{listings.KIND_LABELS[args.kind]}上")
        for lid in ids:
            listings.remove_listing(store, lid, args.date, args.reason)
        with store.session() as s:
            cur = classes.current(s, eid)
    finally:
        store.close()
    print(f"已将 {name} 移出{listings.KIND_LABELS[args.kind]}（{args.date.isoformat()}）；现监管类别：{cur.label}")
    return 0


def cmd_list_listings(args: argparse.Namespace) -> int:
    from qsdesk.services import listings

    suffix = args.out.suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        raise CommandError("输出文件应以 .xlsx 或 .pdf 结尾")
    if not args.out.parent.exists():
        raise CommandError(f"文件夹不存在：{args.out.parent}")
    store = _open(args, write=False)
    try:
        if suffix == ".xlsx":
            n = listings.export_xlsx(store, args.out, current_only=args.current)
            print(f"已导出列异列严名单 {n} 条：{args.out}")
        else:
            listings.print_pdf(store, args.out, current_only=args.current)
            print(f"已生成列异列严名单：{args.out}")
    finally:
        store.close()
    return 0
