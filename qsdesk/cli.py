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
