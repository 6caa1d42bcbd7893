"""Sync commands: ``enrol``, ``export-bundle``, ``import-bundle``, ``receipt``, ``sync-status``,
``conflicts``. The same services as the 数据同步 page."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from qsdesk.cli import CommandError, add_data_dir, add_user_args, identify, open_as_user, open_node_store

#: What a person types for --choose → the stored choice.
CHOOSE = {"保留": "kept", "保留当前版本": "kept", "改用": "other", "改用另一版本": "other"}


def _choice(text: str) -> str:
    choice = CHOOSE.get(text.strip(), text.strip())
    if choice not in CHOOSE.values():
        raise argparse.ArgumentTypeError(f"“{text}”应为 保留 或 改用")
    return choice


def register(sub: Any) -> None:
    p = sub.add_parser("enrol", help="单位登记：导出本单位登记文件 / 导入对方登记文件，并显示指纹")
    add_data_dir(p)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--export", type=Path, metavar="文件夹", help="把本单位登记文件写到该文件夹（如U盘）")
    g.add_argument("--import", dest="import_file", type=Path, metavar="文件", help="导入对方的登记文件（.qsid）")
    p.add_argument("--replace", action="store_true",
                   help="对方换电脑或重装后密钥变了：替换原登记并作废旧密钥（仅所长）")
    add_user_args(p)
    p.set_defaults(func=cmd_enrol)

    p = sub.add_parser("export-bundle", help="导出同步数据包（.qsb）")
    add_data_dir(p)
    p.add_argument("--to", required=True, metavar="单位代码", help="接收单位代码")
    p.add_argument("--out", required=True, type=Path, metavar="文件夹", help="写到该文件夹（如U盘）")
    p.add_argument("--since", type=int, default=None, metavar="N",
                   help="重发：导出本机第 N 号变更之后的全部变更（默认：对方最后确认之后）")
    p.add_argument("--range", dest="range_", default=None, metavar="A:B", help="重发：导出第 A 号之后到第 B 号的变更")
    p.add_argument("--all", dest="full", action="store_true",
                   help="县级局：把该所的全部记录发回该所（该所换电脑或重装后恢复用；仅所长）")
    add_user_args(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import-bundle", help="导入同步数据包（.qsb）")
    add_data_dir(p)
    p.add_argument("file", type=Path, metavar="文件")
    p.add_argument("--preview", action="store_true", help="只检查并显示将导入的内容，不写入")
    p.add_argument("--allow-gap", action="store_true", help="缺少更早的数据包时仍然导入（不推荐）")
    p.add_argument("--receipt-out", type=Path, default=None, metavar="文件夹", help="导入后把回执写到该文件夹")
    add_user_args(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("receipt", help="写回执：确认已收到对方的全部数据包")
    add_data_dir(p)
    p.add_argument("--to", required=True, metavar="单位代码")
    p.add_argument("--out", required=True, type=Path, metavar="文件夹")
    add_user_args(p)
    p.set_defaults(func=cmd_receipt)

    p = sub.add_parser("sync-status", help="显示已登记单位、同步序号、待发变更和未处理冲突")
    add_data_dir(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("conflicts", help="列出或处理同步冲突")
    add_data_dir(p)
    p.add_argument("--resolve", default=None, metavar="冲突编号")
    p.add_argument("--choose", type=_choice, default=None, metavar="保留|改用",
                   help="保留 = 保留当前版本，改用 = 改用另一版本")
    add_user_args(p, chief=True)
    p.set_defaults(func=cmd_conflicts)


def cmd_enrol(args: argparse.Namespace) -> int:
    from qsdesk.services.sync.identity import (
        enrol_peer,
        export_identity,
        node_fingerprint,
        own_identity,
        peers,
    )

    store = open_node_store(args)
    try:
        me = own_identity(store)
        if args.export:
            path = export_identity(store, args.export)
            print(f"已写出登记文件 {path}")
        elif args.import_file:
            identify(store, args, chief="只有所长可以替换已登记单位的密钥" if args.replace else None)
            ident, changed = enrol_peer(store, args.import_file, replace=args.replace)
            print(f"{'已登记' if changed else '已登记过（无变化）'}：{ident.name}（{ident.code}），指纹 {ident.fingerprint}")
            print("请与对方电话或当面核对指纹，一致才可信任")
        print(f"本单位：{me.name}（{me.code}），指纹 {me.fingerprint}")
        for n in peers(store):
            print(f"  已登记：{n.code}  {n.name}  指纹 {node_fingerprint(n)}")
    finally:
        store.close()
    return 0


def _parse_range(text: str) -> tuple[int, int]:
    try:
        a, b = (int(x) for x in text.split(":", 1))
    except ValueError:
        raise CommandError(f"范围格式应为 A:B（两个整数），而不是 {text!r}") from None
    if a < 0 or b < a:
        raise CommandError(f"范围 {text} 无效")
    return a, b


def cmd_export(args: argparse.Namespace) -> int:
    from qsdesk.services.sync.exchange import export_bundle

    since, upto = args.since, None
    if args.range_:
        if since is not None:
            raise CommandError("--since 和 --range 只能用一个")
        since, upto = _parse_range(args.range_)
    store = open_as_user(args, chief="只有所长可以把一个所的全部记录发回该所" if args.full else None)
    try:
        res = export_bundle(store, args.to, args.out, since=since, upto=upto, full=args.full)
    finally:
        store.close()
    print(res.summary())
    print(str(res.path))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from qsdesk.services.sync.exchange import import_bundle, preview_bundle, write_receipt

    store = open_node_store(args)
    try:
        if not args.preview:  # a preview writes nothing
            identify(store, args)
        if args.preview:
            rep = preview_bundle(store, args.file)
        else:
            rep = import_bundle(store, args.file, allow_gap=args.allow_gap)
        print(rep.summary())
        for line in rep.rejected_reasons():
            print("  " + line)
        if rep.status == "applied" and rep.conflicts:
            print(f"  有 {len(rep.conflicts)} 条冲突待处理：qsdesk conflicts")
        if args.receipt_out and not args.preview and rep.kind == "data":
            res = write_receipt(store, rep.from_code, args.receipt_out)
            print(f"已写回执 {res.path}")
    finally:
        store.close()
    return 0


def cmd_receipt(args: argparse.Namespace) -> int:
    from qsdesk.services.sync.exchange import write_receipt

    store = open_as_user(args)
    try:
        res = write_receipt(store, args.to, args.out)
    finally:
        store.close()
    print(f"已写回执 {res.path}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from qsdesk.services.sync import conflicts as cf
    from qsdesk.services.sync.exchange import peer_states, pending_change_count
    from qsdesk.services.sync.identity import node_fingerprint, own_identity, peers

    store = open_node_store(args)
    try:
        me = own_identity(store)
        print(f"本单位：{me.name}（{me.code}），指纹 {me.fingerprint}")
        states = {st.peer_code: st for st in peer_states(store)}
        for n in peers(store):
            st = states.get(n.code)
            sent, recv, acked = (st.last_seq_sent, st.last_seq_received, st.acked_change_seq) if st else (0, 0, 0)
            print(f"  {n.code} {n.name} 指纹 {node_fingerprint(n)}：已发 {sent} 号，已收 {recv} 号，"
                  f"对方已确认到第 {acked} 号变更，待发变更 {pending_change_count(store, n.code)} 条")
        print(f"未处理冲突：{cf.open_count(store)} 条")
    finally:
        store.close()
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    from qsdesk.services.field_labels import field_label, shown
    from qsdesk.services.sync import conflicts as cf
    from qsdesk.services.sync.exchange import TABLE_LABELS

    store = open_node_store(args)
    try:
        if args.resolve:
            if not args.choose:
                raise CommandError("处理冲突时须用 --choose 保留 或 --choose 改用 说明选择")
            from qsdesk.services.accounts import any_account

            if not any_account(store):
                raise CommandError("本机还没有账号：处理冲突须由所长登录，请先添加所长账号"
                                   "（qsdesk account add --username 用户名 --role 所长）")
            user = identify(store, args, chief="只有所长可以处理同步冲突")
            try:
                c = cf.resolve(store, args.resolve, args.choose, actor=user.username if user else None)
            except cf.ConflictError as exc:
                raise CommandError(str(exc)) from None
            print(f"已处理：{TABLE_LABELS.get(c.table_name, '记录')} {c.record_id} → {cf.CHOICES[args.choose]}"
                  f"（{c.resolved_by}）")
            return 0
        items = cf.open_conflicts(store)
        if not items:
            print("没有未处理的冲突")
        for c in items:
            reason = cf.REASONS.get(str(c.kept.get("_reason")), "")
            fields = "、".join(field_label(d.column) for d in cf.differences(c) if shown(d.column))
            print(f"{c.id}  {TABLE_LABELS.get(c.table_name, '记录')} {c.record_id}  {reason}；不同之处：{fields}")
    finally:
        store.close()
    return 0
