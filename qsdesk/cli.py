"""The ``qsdesk`` command: no arguments opens the window; subcommands run the same services.

Every command takes ``--data-dir``. On bad input a command prints one clear line to stderr and
exits non-zero with nothing written. Commands of later features live in their own modules and
are registered through :data:`COMMAND_MODULES`; each has ``register(subparsers)`` that adds its
parsers with ``set_defaults(func=...)``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qsdesk import __version__

log = logging.getLogger("qsdesk")

# Modules that add subcommands: "module path" (each defines register(subparsers)).
COMMAND_MODULES: list[str] = [
    "qsdesk.commands.setup",
    "qsdesk.commands.admin",
    "qsdesk.commands.print",
    "qsdesk.commands.sync",
    "qsdesk.commands.excel",
    "qsdesk.commands.report",
    "qsdesk.commands.sampling",
    "qsdesk.commands.masterdata",
    "qsdesk.commands.records",
    "qsdesk.commands.classes",
]


class CommandError(Exception):
    """A failure the user can fix: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, not the usage block
        self.exit(2, f"qsdesk: 参数错误：{message}（用 -h 查看用法）\n")


def add_data_dir(p: argparse.ArgumentParser, top_level: bool = False) -> None:
    """``--data-dir`` and ``--database-url``, accepted before or after the subcommand.

    Subcommand parsers use SUPPRESS as default so they don't overwrite a value given before
    the subcommand name (``qsdesk --data-dir X init`` and ``qsdesk init --data-dir X`` agree).
    """
    default = None if top_level else argparse.SUPPRESS
    p.add_argument("--data-dir", type=Path, default=default, help="数据目录（默认：用户数据目录）")
    p.add_argument("--database-url", default=default, help="SQLAlchemy 数据库地址（县级可用 PostgreSQL）")


def open_node_store(args: argparse.Namespace) -> Any:
    """The store of ``--data-dir``/``--database-url``; refuses an installation not yet set up."""
    from qsdesk.store.db import open_store

    store = open_store(args.data_dir, url=args.database_url)
    if store.self_node() is None:
        store.close()
        raise CommandError("本机尚未初始化，请先运行 qsdesk init")
    return store


def add_user_args(p: argparse.ArgumentParser, *, chief: bool = False) -> None:
    """``--user`` and ``--password-stdin``: who runs a command that changes data (see :func:`identify`)."""
    who = "所长账号" if chief else "账号"
    p.add_argument("--user", "--as-user", dest="user", default=None, metavar="账号",
                   help=f"执行操作的{who}（本机已有账号时必须给出，并输入其密码；记入操作记录）")
    p.add_argument("--password-stdin", action="store_true",
                   help="从标准输入第一行读取密码（不给出时在终端提示输入，不回显）")


def read_password(from_stdin: bool, prompt: str) -> str:
    """One password: a line of standard input, or typed at a prompt that does not echo it."""
    import getpass

    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CommandError("标准输入中没有密码（--password-stdin 每行一个密码）")
        return line.rstrip("\r\n")
    try:
        return getpass.getpass(prompt)
    except (EOFError, KeyboardInterrupt):
        raise CommandError("未输入密码，已取消") from None


def identify(store: Any, args: argparse.Namespace, *, chief: str | None = None) -> Any:
    """The person at the command line, identified by password as the GUI's login does.

    Every command that changes data calls this before writing anything. The same login as the
    window (throttling after wrong tries, a ``login`` entry in the audit trail); the store then acts
    as that user, so services record them and apply their role. ``chief``: the refusal text when
    the action is for 所长 only; the role is read from the store, not from anything the caller says.

    An installation that has no account at all (right after ``init``: the GUI's first start asks
    for the chief's account before anything else) runs the command without a password and the
    audit trail names the command line. As soon as one account exists, active or not, a password
    is required: deactivating every account does not reopen that door. Returns the
    :class:`~qsdesk.services.accounts.User`, or None on an installation without accounts.
    """
    from qsdesk.services.accounts import AccountError, any_account, login, require_chief

    user_name = getattr(args, "user", None)
    if not any_account(store):
        if user_name:
            raise CommandError(f"本机还没有任何账号，没有 {user_name}：请先添加所长账号"
                               "（qsdesk account add --username 用户名 --role 所长）")
        return None
    if not user_name:
        raise CommandError("本机已有账号：请用 --user 指定执行操作的" + ("所长" if chief else "")
                           + "账号，并输入其密码")
    password = read_password(getattr(args, "password_stdin", False), f"{user_name} 的密码：")
    try:
        user = login(store, user_name, password)
        if chief:
            require_chief(store, chief)
    except AccountError as exc:
        store.set_actor("", "")
        raise CommandError(str(exc)) from None
    return user


def open_as_user(args: argparse.Namespace, *, chief: str | None = None) -> Any:
    """:func:`open_node_store`, then :func:`identify` the person running the command."""
    store = open_node_store(args)
    try:
        identify(store, args, chief=chief)
    except BaseException:
        store.close()
        raise
    return store


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qsdesk", description="质量安全监管工作台")
    parser.add_argument("--version", action="version", version=f"qsdesk {__version__}")
    add_data_dir(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="命令")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        from qsdesk.ui.app import run_gui

        return run_gui(data_dir=args.data_dir, database_url=args.database_url)
    try:
        return int(func(args) or 0)
    except CommandError as exc:
        print(f"qsdesk: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # domain/service validation errors carry Chinese messages
        print(f"qsdesk: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader of our output went away (`… | head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 2
    except OSError as exc:  # a full disk, a missing folder, an existing file: one line, no traceback
        print(f"qsdesk: {os_error_text(exc)}", file=sys.stderr)
        return 2


def os_error_text(exc: OSError) -> str:
    """One Chinese line for an operating-system error."""
    import errno

    where = f"：{exc.filename}" if exc.filename else ""
    known = {
        errno.ENOSPC: "磁盘已满，未能写完（没有留下不完整的文件时可直接重试）",
        errno.ENOENT: "找不到文件或文件夹",
        errno.EEXIST: "文件已存在，未覆盖",
        errno.EACCES: "没有权限",
        errno.EPERM: "没有权限",
        errno.EROFS: "磁盘为只读",
        errno.EIO: "读写设备出错（U盘是否已拔出？）",
        errno.ENOTDIR: "路径不是文件夹",
        errno.EISDIR: "路径是文件夹，不是文件",
    }
    text = known.get(exc.errno or 0, f"读写文件失败（{exc.strerror or exc}）")
    return text + where


if __name__ == "__main__":
    raise SystemExit(main())
