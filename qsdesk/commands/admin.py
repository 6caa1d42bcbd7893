"""Administration commands: ``backup``, ``restore``, ``account``, ``audit``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qsdesk.cli import CommandError, add_data_dir, add_user_args, identify

if TYPE_CHECKING:
    from qsdesk.paths import DataDir


def register(sub: Any) -> None:
    p = sub.add_parser("backup", help="备份数据库（联机备份；自动备份保留最近 10 份，手动备份不删除）")
    add_data_dir(p)
    p.add_argument("--list", action="store_true", help="列出已有备份")
    p.add_argument("--out", type=Path, default=None, help="另存一份到指定文件或文件夹（例如U盘；不覆盖已有文件）")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="从备份文件恢复数据库（恢复前自动备份当前数据库）")
    add_data_dir(p)
    p.add_argument("file", type=Path, help="备份文件 (.db)")
    p.add_argument("--new-pc", action="store_true",
                   help="换新电脑：把本单位的备份恢复到已用同一单位代码初始化的新电脑（沿用新电脑的密钥）")
    add_user_args(p, chief=True)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("account", help="账号管理：add 添加账号（首个须为所长）")
    add_data_dir(p)
    p.add_argument("action", choices=("add", "list"))
    p.add_argument("--username", default=None)
    p.add_argument("--role", type=_role, default="inspector", metavar="所长|检查人员", help="身份：所长 或 检查人员")
    add_user_args(p, chief=True)
    p.epilog = ("添加首个账号（所长）时不需要 --user；以后添加账号须由所长用 --user 登录。"
                "与 --password-stdin 同用时，标准输入第一行为所长的密码，第二行为新账号的密码"
                "（添加首个账号时只有一行：新账号的密码）。")
    p.set_defaults(func=cmd_account)

    p = sub.add_parser("audit", help="查看操作记录（审计日志）")
    add_data_dir(p)
    p.add_argument("--search", default=None, help="按用户、记录号或内容查找")
    p.add_argument("--action", default=None, help="只看某类操作，例如 封存、打印、导入")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_audit)


ROLE_KEYS = {"所长": "chief", "检查人员": "inspector"}
ROLE_TEXT = {v: k for k, v in ROLE_KEYS.items()}


def _role(text: str) -> str:
    """所长 / 检查人员 (or the stored key scripts already pass) → the stored role."""
    role = ROLE_KEYS.get(text.strip(), text.strip())
    if role not in ROLE_TEXT:
        raise argparse.ArgumentTypeError(f"身份“{text}”应为 所长 或 检查人员")
    return role


def _data_dir(args: argparse.Namespace) -> DataDir:
    from qsdesk.paths import DataDir, default_data_dir
    from qsdesk.store.dburl import saved_url

    dd = DataDir(Path(args.data_dir) if getattr(args, "data_dir", None) else default_data_dir())
    if getattr(args, "database_url", None) or (dd.root.is_dir() and saved_url(dd.root)):
        raise CommandError("PostgreSQL 数据库的恢复请用 pg_restore（见 README“县级局”一节）；"
                           "qsdesk restore 只恢复本机 SQLite 数据库")
    return dd


def _postgres_backup(args: argparse.Namespace) -> int | None:
    """A county on PostgreSQL (given or recorded at init) is backed up with pg_dump."""
    from qsdesk.paths import DataDir, default_data_dir
    from qsdesk.store import dburl

    dd = DataDir(Path(args.data_dir) if getattr(args, "data_dir", None) else default_data_dir())
    url = getattr(args, "database_url", None) or (dburl.saved_url(dd.root) if dd.root.is_dir() else None)
    if not url or dburl.normalize(url).startswith("sqlite"):
        return None
    from qsdesk.store.pg_backup import PgBackupError, backup_postgres

    if args.list:
        for b in sorted(dd.backups.glob("qsdesk-pg-*")):
            print(b)
        return 0
    try:
        made = backup_postgres(url, dd.ensure())
    except PgBackupError as exc:
        raise CommandError(str(exc)) from None
    from qsdesk.services import audit
    from qsdesk.store.db import open_store

    store = open_store(dd.root, url=url)
    try:
        with store.transaction() as s:
            audit.record(s, "backup", None, None, actor="cli", file=made.name)
    finally:
        store.close()
    if args.out:
        import shutil

        shutil.copytree(made, args.out)
        print(f"已备份（pg_dump）：{made}，并另存到 {args.out}")
    else:
        print(f"已备份（pg_dump）：{made}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from qsdesk.store.backup import BackupError, backup_data_dir, list_backups

    done = _postgres_backup(args)
    if done is not None:
        return done
    dd = _data_dir(args)
    if args.list:
        for b in list_backups(dd.backups):
            print(f"{b.taken_at:%Y-%m-%d %H:%M:%S}  {b.reason_text:<10}  {b.size / 1e6:8.1f} MB  {b.path}")
        return 0
    if not dd.db_path.is_file():
        raise CommandError(f"数据目录 {dd.root} 中没有数据库")
    try:
        made = backup_data_dir(dd, "manual")
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    _audit(dd, "backup", file=made.name)
    if args.out:
        from qsdesk.store.backup import copy_out

        try:
            copied = copy_out(made, args.out)
        except BackupError as exc:
            raise CommandError(f"已备份：{made}；但{exc}") from None
        print(f"已备份：{made}，并另存到 {copied}")
    else:
        print(f"已备份：{made}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from qsdesk.store.backup import BackupError, restore

    dd = _data_dir(args)
    dd.ensure()
    actor = _restore_actor(dd, args)
    try:
        safety = restore(dd, args.file, new_pc=args.new_pc)
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    _audit(dd, "restore", actor=actor, file=Path(args.file).name, safety_backup=safety.name)
    print(f"已从 {args.file} 恢复；恢复前的数据库已备份为 {safety}")
    return 0


def _restore_actor(dd: Any, args: argparse.Namespace) -> str:
    """Restoring discards every later change, so it is for 所长 (as on the settings page): the
    chief of the *live* database logs in. A new PC just set up with ``init`` has no account yet
    and restores without one; so does a database that no longer opens at all (restore is how it
    is repaired; it holds nothing a password would still protect)."""
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError

    from qsdesk.store.db import open_store

    if not dd.db_path.is_file():
        return "cli"
    try:
        store = open_store(dd.root)
    except (SQLAlchemyError, sqlite3.Error):
        return "cli"
    try:
        user = identify(store, args, chief="只有所长可以恢复数据库")
    finally:
        store.close()
    return user.username if user is not None else "cli"


def _audit(dd: Any, action: str, actor: str = "cli", **detail: Any) -> None:
    from qsdesk.services import audit
    from qsdesk.store.db import open_store

    store = open_store(dd.root)
    try:
        with store.transaction() as s:
            audit.record(s, action, None, None, actor=actor, **detail)
    finally:
        store.close()


def cmd_account(args: argparse.Namespace) -> int:
    from qsdesk.cli import read_password
    from qsdesk.services.accounts import AccountError, create_account, list_accounts
    from qsdesk.store.db import open_store

    store = open_store(args.data_dir, url=args.database_url if "database_url" in args else None)
    try:
        if args.action == "list":
            for acc in list_accounts(store):
                print(f"{acc.username}\t{ROLE_TEXT.get(acc.role, acc.role)}\t{'启用' if acc.active else '停用'}")
            return 0
        if not args.username:
            raise CommandError("请用 --username 指定用户名")
        by = identify(store, args, chief="只有所长可以添加账号")
        password = read_password(args.password_stdin, "新账号的密码：")
        try:
            user = create_account(store, args.username, password, args.role, by=by)
        except AccountError as exc:
            raise CommandError(str(exc)) from None
        print(f"已添加账号 {user.username}（{'所长' if user.is_chief else '检查人员'}）")
        return 0
    finally:
        store.close()


def cmd_audit(args: argparse.Namespace) -> int:
    from qsdesk.services.audit import ACTION_TEXT, audit_query
    from qsdesk.services.audit_text import actor_text, detail_text, table_text
    from qsdesk.store.db import open_store

    store = open_store(args.data_dir, url=args.database_url if "database_url" in args else None)
    try:
        with store.session() as s:
            action = {v: k for k, v in ACTION_TEXT.items()}.get(args.action or "", args.action)
            for e in s.scalars(audit_query(args.search, action).limit(args.limit)):
                print(f"{e.at:%Y-%m-%d %H:%M:%S}  {actor_text(e.actor):<10} {ACTION_TEXT.get(e.action, e.action):<6} "
                      f"{table_text(e.table_name) or '-'} {e.record_id or ''} {detail_text(e.detail)}")
    finally:
        store.close()
    return 0
