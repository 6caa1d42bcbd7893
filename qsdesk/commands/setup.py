"""Set-up commands: ``init`` (make this installation a node), ``demo`` (sample data), ``selftest``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from qsdesk.cli import CommandError, add_data_dir, add_user_args, identify, read_password


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="初始化本机为市场监管所或县级局节点")
    add_data_dir(p)
    p.add_argument("--kind", choices=("station", "county"), required=True,
                   help="station = 市场监管所，county = 县级局")
    p.add_argument("--code", required=True, help="单位代码，例如 370112001")
    p.add_argument("--name", required=True, help="单位名称")
    p.add_argument("--parent-code", default=None, help="上级县级局代码（市场监管所填写）")
    p.add_argument("--inspector", action="append", default=[], metavar="姓名:电话:执法证号",
                   help="检查人员，可重复")
    p.add_argument("--attachments-dir", type=Path, default=None,
                   help="各工作站共用的附件文件夹（县级局 PostgreSQL，例如网络共享目录）")
    _add_key_passphrase_arg(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("connect", help="把本机连接为县级局的另一台工作站（PostgreSQL 数据库已由 init 初始化）")
    add_data_dir(p)
    p.add_argument("--attachments-dir", type=Path, default=None, help="各工作站共用的附件文件夹（与第一台相同）")
    _add_key_passphrase_arg(p)
    p.set_defaults(func=cmd_connect)

    p = sub.add_parser("key-passphrase", help="修改县级局 PostgreSQL 数据库中单位密钥的口令（所长）")
    add_data_dir(p)
    p.add_argument("--key-passphrase-stdin", action="store_true",
                   help="从标准输入读取原口令和新口令（各一行，在 --password-stdin 的密码之后）")
    add_user_args(p, chief=True)
    p.set_defaults(func=cmd_key_passphrase)

    p = sub.add_parser("demo", help="生成演示数据（同一种子结果相同）")
    add_data_dir(p)
    p.add_argument("--enterprises", type=_non_negative, default=500, help="企业数量（默认 500）")
    p.add_argument("--inspections", type=_non_negative, default=None, help="检查记录数量（默认企业数的一半）")
    p.add_argument("--samplings", type=_non_negative, default=None, help="抽查记录数量（默认企业数的二十分之一）")
    p.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
    add_user_args(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("selftest", help="检查数据库、表结构、完整性、表单和字体")
    add_data_dir(p)
    p.set_defaults(func=cmd_selftest)


def _add_key_passphrase_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--key-passphrase-stdin", action="store_true",
                   help="县级局 PostgreSQL：从标准输入第一行读取密钥口令（不给出时在终端提示输入，不回显）")


def _key_passphrase(args: argparse.Namespace, *, new: bool) -> str:
    """The county's key passphrase (PostgreSQL): a line of standard input, or typed at a prompt
    that does not echo it — twice when it is being set, so a typing slip does not lock the keys."""
    from qsdesk.services.node import SetupError, check_key_passphrase

    prompt = "设置密钥口令（其他工作站连接时需要，至少 10 个字符）：" if new else "密钥口令："
    passphrase = read_password(args.key_passphrase_stdin, prompt)
    if new and not args.key_passphrase_stdin and read_password(False, "再次输入密钥口令：") != passphrase:
        raise CommandError("两次输入的密钥口令不一致")
    if new:
        try:
            check_key_passphrase(passphrase)
        except SetupError as exc:
            raise CommandError(str(exc)) from None
    return passphrase


def _shared_database(args: argparse.Namespace) -> bool:
    """A database URL that is not a SQLite file: a county's shared PostgreSQL."""
    from qsdesk.store.dburl import normalize

    url = getattr(args, "database_url", None)
    return bool(url) and not normalize(str(url)).startswith("sqlite")


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为整数：{text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"不能为负数：{text}")
    return value


def cmd_init(args: argparse.Namespace) -> int:
    from qsdesk.services.node import InspectorSpec, SetupError, init_node, validate_setup
    from qsdesk.services.sync.identity import node_fingerprint
    from qsdesk.store.db import open_store
    from qsdesk.store.dburl import describe, save_url

    try:  # everything is checked before the data directory is touched
        validate_setup(args.kind, args.code, args.name, args.parent_code)
        inspectors = [InspectorSpec.parse(text) for text in args.inspector]
    except SetupError as exc:
        raise CommandError(str(exc)) from None
    _check_shared_attachments(args)
    if args.key_passphrase_stdin and not _shared_database(args):
        raise CommandError("密钥口令只用于县级局的 PostgreSQL 共享数据库（--database-url）")
    passphrase = _key_passphrase(args, new=True) if _shared_database(args) else None
    store = open_store(args.data_dir, url=args.database_url)
    try:
        node = init_node(store, kind=args.kind, code=args.code, name=args.name,
                         parent_code=args.parent_code, inspectors=inspectors, key_passphrase=passphrase)
        if args.database_url and store.data_dir is not None:
            # set once here: every later command and the GUI open this database by themselves
            save_url(store.data_dir.root, args.database_url, args.attachments_dir)
    except SetupError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
    kind = "市场监管所" if node.kind == "station" else "县级局"
    print(f"已初始化：{kind} {node.name}（{node.code}），检查人员 {len(inspectors)} 名")
    print(f"数据目录：{store.data_dir.root if store.data_dir else '-'}")
    if store.engine.dialect.name != "sqlite":
        kept = "；密码已存入 PostgreSQL 密码文件" if store.engine.url.password else ""
        print(f"数据库：{describe(store.engine.url)}（已记入数据目录，以后无需再指定{kept}）")
    print(f"公钥指纹：{node_fingerprint(node)}（与对方登记时核对）")
    return 0


def _check_shared_attachments(args: argparse.Namespace) -> None:
    folder = getattr(args, "attachments_dir", None)
    if folder is None:
        return
    if not getattr(args, "database_url", None):
        raise CommandError("共用附件文件夹只用于县级局的 PostgreSQL 数据库：请同时指定 --database-url")
    if not Path(folder).is_dir() or not os.access(folder, os.W_OK):
        raise CommandError(f"附件文件夹 {folder} 不存在或没有写入权限")


def cmd_connect(args: argparse.Namespace) -> int:
    """A second (third…) workstation of a county whose PostgreSQL database is set up: the keys
    come from the database, the URL (and the shared attachments folder) are recorded here."""
    from qsdesk.services.node import NOT_INITIALISED, SetupError, connect_workstation
    from qsdesk.services.sync.identity import node_fingerprint
    from qsdesk.store.db import open_store
    from qsdesk.store.dburl import describe, save_url

    if not getattr(args, "database_url", None):
        raise CommandError("请用 --database-url 指定县级局的 PostgreSQL 数据库")
    _check_shared_attachments(args)
    if not _shared_database(args):
        raise CommandError("connect 只用于县级局的 PostgreSQL 数据库")
    store = open_store(args.data_dir, url=args.database_url)
    try:
        if store.self_node() is None:  # said before a passphrase is asked for
            raise SetupError(NOT_INITIALISED)
        node = connect_workstation(store, _key_passphrase(args, new=False))
        assert store.data_dir is not None
        save_url(store.data_dir.root, args.database_url, args.attachments_dir)
    except SetupError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
    print(f"已连接：县级局 {node.name}（{node.code}）的数据库 {describe(store.engine.url)}")
    print(f"数据目录：{store.data_dir.root if store.data_dir else '-'}")
    print(f"公钥指纹：{node_fingerprint(node)}（应与第一台工作站显示的一致）")
    return 0


def cmd_key_passphrase(args: argparse.Namespace) -> int:
    """A new key passphrase for the county's keys in its database (所长 only)."""
    from qsdesk.services.node import NOT_INITIALISED, SetupError, change_key_passphrase
    from qsdesk.store.db import open_store

    store = open_store(args.data_dir, url=args.database_url)
    try:
        if store.self_node() is None:
            raise CommandError(NOT_INITIALISED)
        identify(store, args, chief="只有所长可以修改密钥口令")
        if store.engine.dialect.name == "sqlite":
            raise CommandError("密钥口令只用于县级局的 PostgreSQL 共享数据库")
        old = read_password(args.key_passphrase_stdin, "原密钥口令：")
        change_key_passphrase(store, old, _key_passphrase(args, new=True))
    except SetupError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
    print("密钥口令已修改：已连接的工作站不受影响，以后连接新的工作站请使用新口令")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from qsdesk.services.demo import generate
    from qsdesk.store.db import open_store

    store = open_store(args.data_dir, url=args.database_url)
    try:
        if store.self_node() is None:
            raise CommandError("数据目录尚未初始化：请先运行 qsdesk init")
        identify(store, args)
        started = time.perf_counter()
        last = [0.0]

        def progress(done: int, total: int, what: str) -> None:
            now = time.perf_counter()
            if sys.stderr.isatty() and now - last[0] > 0.5:
                last[0] = now
                print(f"\r{what} {done}/{total}", end="", file=sys.stderr, flush=True)

        summary = generate(store, enterprises=args.enterprises, seed=args.seed,
                           inspections=args.inspections, samplings=args.samplings, progress=progress)
    finally:
        store.close()
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"已生成演示数据（种子 {args.seed}，用时 {time.perf_counter() - started:.1f} 秒）："
          f"企业 {summary.enterprises}，产品 {summary.products}，检查记录 {summary.inspections}，"
          f"抽查 {summary.samplings}，后处理步骤 {summary.followups}")
    return 0


def cmd_selftest(args: argparse.Namespace) -> int:
    from qsdesk.services.selftest import run_selftest

    report = run_selftest(args.data_dir, args.database_url)
    for line in report.lines:
        print(line)
    if report.problems:
        for p in report.problems:
            print(f"问题：{p}", file=sys.stderr)
        print("自检未通过", file=sys.stderr)
        return 1
    print("自检通过")
    return 0

