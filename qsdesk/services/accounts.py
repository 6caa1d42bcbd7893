"""Accounts: who may open the records on this PC, and in which role.

Passwords are stored as scrypt hashes (``hashlib.scrypt``: memory-hard, in the standard
library; n=2**14, r=8, p=1 → 16 MiB per try) with a random salt. Roles: ``chief`` (所长: assigns
supervisors, manages accounts, resolves sync conflicts) and ``inspector``.

Wrong passwords: after :data:`FREE_TRIES` wrong tries in a row each further try has to wait,
doubling from :data:`BASE_DELAY` seconds up to :data:`MAX_DELAY`; a correct password resets the
count. The wait is enforced here, from the time of the last failure stored in the database, so
restarting the program does not skip it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qsdesk.services import audit
from qsdesk.store.db import Store, utcnow
from qsdesk.store.models import Account

ROLES = {"chief": "所长", "inspector": "检查人员"}
FREE_TRIES = 5
BASE_DELAY = 5.0
MAX_DELAY = 300.0
MIN_PASSWORD = 8
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_USERNAME = re.compile(r"^[\w.\-]{2,32}$")


class AccountError(ValueError):
    """Bad input or a refused action; the message is for the user, in Chinese."""


class LoginThrottled(AccountError):
    def __init__(self, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        super().__init__(f"密码错误次数过多，请在 {int(wait_seconds + 0.999)} 秒后再试")


@dataclass(frozen=True)
class User:
    username: str
    role: str
    inspector_id: str | None

    @property
    def is_chief(self) -> bool:
        return self.role == "chief"


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, maxmem=64 * 1024 * 1024, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt_b64), n=int(n), r=int(r),
                                p=int(p), dklen=32, maxmem=64 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


#: Checked when the user name is unknown, so that an unknown name costs the same scrypt time as a
#: known one (the answer's timing does not tell which names exist).
_DUMMY_HASH = hash_password("qsdesk-no-such-user", b"\0" * 16)


def _require_chief(s: Session, store: Store, by: User | None, message: str) -> Account:
    """The acting chief as the store knows them: the account must exist, be active and hold the
    chief role *in the database* (the role in ``by`` is not trusted), and when someone is logged
    in on this store it must be that person."""
    if by is None:
        raise AccountError(message)
    acc = s.get(Account, by.username)
    if acc is None or not acc.active or acc.role != "chief":
        raise AccountError(message)
    if store.actor and store.actor != acc.username:
        raise AccountError(message)
    return acc


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位")
    if password.isdigit() or password.isalpha():
        raise AccountError("密码应同时包含字母和数字")


def has_accounts(store: Store) -> bool:
    with store.session() as s:
        return bool(s.scalar(select(func.count()).select_from(Account).where(Account.active.is_(True))))


def any_account(store: Store) -> bool:
    """Whether this installation has any account at all, active or not (before the first one, the
    command line runs without a password: see ``qsdesk.cli.identify``)."""
    with store.session() as s:
        return bool(s.scalar(select(func.count()).select_from(Account)))


def require_chief(store: Store, message: str = "只有所长可以进行此操作") -> None:
    """Refuse unless the user logged in on ``store`` is an active 所长 *in the database*."""
    with store.session() as s:
        acc = s.get(Account, store.actor) if store.actor else None
        if acc is None or not acc.active or acc.role != "chief":
            raise AccountError(message)


def create_account(store: Store, username: str, password: str, role: str = "inspector",
                   inspector_id: str | None = None, by: User | None = None) -> User:
    """Create an account. The first account on a PC must be the chief's; later ones need a chief."""
    username = username.strip()
    if not _USERNAME.match(username):
        raise AccountError("用户名应为 2–32 位字母、数字、汉字、点、下划线或短横线")
    if role not in ROLES:
        raise AccountError(f"未知角色：{role}")
    check_password_rules(password)
    with store.transaction() as s:
        first = not s.scalar(select(func.count()).select_from(Account))
        if first and role != "chief":
            raise AccountError("首个账号必须是所长账号")
        if not first:
            _require_chief(s, store, by, "只有所长可以添加账号")
        if s.get(Account, username) is not None:
            raise AccountError(f"用户名 {username} 已存在")
        s.add(Account(username=username, role=role, inspector_id=inspector_id,
                      password_hash=hash_password(password), failed_count=0, active=True))
        audit.record(s, "create", "account", username, actor=by.username if by else username, role=role)
    return User(username, role, inspector_id)


def wait_needed(failed_count: int, last_failed_at: datetime | None, now: datetime) -> float:
    """Seconds the next try must still wait (0 when it may go ahead)."""
    if failed_count < FREE_TRIES or last_failed_at is None:
        return 0.0
    delay = min(MAX_DELAY, BASE_DELAY * 2 ** (failed_count - FREE_TRIES))
    if last_failed_at.tzinfo is None:  # SQLite hands back naive UTC
        last_failed_at = last_failed_at.replace(tzinfo=now.tzinfo)
    return max(0.0, (last_failed_at + timedelta(seconds=delay) - now).total_seconds())


def login(store: Store, username: str, password: str, now: datetime | None = None) -> User:
    """Check a password. Raises AccountError (wrong) or LoginThrottled (must wait)."""
    now = now or utcnow()
    with store.transaction() as s:
        acc = s.get(Account, username.strip())
        if acc is None or not acc.active:
            verify_password(password, _DUMMY_HASH)  # the same work as for a real account
            raise AccountError("用户名或密码错误")
        wait = wait_needed(acc.failed_count, acc.last_failed_at, now)
        if wait > 0:
            raise LoginThrottled(wait)
        ok = verify_password(password, acc.password_hash)
        if ok:
            acc.failed_count = 0
            acc.last_failed_at = None
            audit.record(s, "login", "account", acc.username, actor=acc.username)
            user = User(acc.username, acc.role, acc.inspector_id)
        else:
            acc.failed_count += 1
            acc.last_failed_at = now
            left = FREE_TRIES - acc.failed_count
    if not ok:
        msg = "用户名或密码错误"
        if left > 0:
            msg += f"（再错 {left} 次后需等待）"
        raise AccountError(msg)
    store.set_actor(user.username, user.role)
    return user


def change_password(store: Store, username: str, old: str, new: str) -> None:
    check_password_rules(new)
    with store.transaction() as s:
        acc = s.get(Account, username)
        if acc is None or not verify_password(old, acc.password_hash):
            raise AccountError("原密码不正确")
        acc.password_hash = hash_password(new)
        audit.record(s, "update", "account", username, actor=username, field="password")


def reset_password(store: Store, by: User, username: str, new: str) -> None:
    """A chief sets a new password for someone who forgot theirs."""
    check_password_rules(new)
    with store.transaction() as s:
        _require_chief(s, store, by, "只有所长可以重置密码")
        acc = s.get(Account, username)
        if acc is None:
            raise AccountError(f"没有账号 {username}")
        acc.password_hash = hash_password(new)
        acc.failed_count = 0
        acc.last_failed_at = None
        audit.record(s, "update", "account", username, actor=by.username, field="password_reset")


def set_active(store: Store, by: User, username: str, active: bool) -> None:
    if username == by.username and not active:
        raise AccountError("不能停用自己的账号")
    with store.transaction() as s:
        _require_chief(s, store, by, "只有所长可以停用或启用账号")
        acc = s.get(Account, username)
        if acc is None:
            raise AccountError(f"没有账号 {username}")
        acc.active = active
        audit.record(s, "update", "account", username, actor=by.username, active=active)


def list_accounts(store: Store) -> list[Account]:
    with store.session() as s:
        return list(s.scalars(select(Account).order_by(Account.role, Account.username)))


def current_user(store: Store) -> User | None:
    """The user logged in on this store (None before login, e.g. in the CLI)."""
    if not store.actor:
        return None
    with store.session() as s:
        acc = s.get(Account, store.actor)
        return User(acc.username, acc.role, acc.inspector_id) if acc is not None and acc.active else None


def acting_without_chief_rights(store: Store) -> bool:
    """True when a logged-in user who is not the station chief is at the keyboard.

    Chief-only services (assigning supervisors, resolving sync conflicts) refuse then. With
    nobody logged in (the CLI) the machine's administrator is acting and they proceed.
    """
    return bool(store.actor) and store.role != "chief"
