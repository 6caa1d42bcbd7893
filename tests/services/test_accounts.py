"""Accounts: scrypt hashes, first account is the chief, roles, throttling after five wrong tries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from qsdesk.services.accounts import (
    AccountError,
    LoginThrottled,
    create_account,
    has_accounts,
    hash_password,
    login,
    reset_password,
    set_active,
    verify_password,
    wait_needed,
)
from qsdesk.services.audit import entries_for
from qsdesk.store.db import Store, utcnow


def test_hash_roundtrip() -> None:
    h = hash_password("abc12345")
    assert h.startswith("scrypt$16384$8$1$") and "abc12345" not in h
    assert verify_password("abc12345", h)
    assert not verify_password("abc12346", h)
    assert hash_password("abc12345") != h  # salted
    assert not verify_password("x", "garbage")


def test_first_account_must_be_chief(store: Store) -> None:
    assert not has_accounts(store)
    with pytest.raises(AccountError, match="首个账号"):
        create_account(store, "zhangwei", "abc12345", "inspector")
    chief = create_account(store, "zhangwei", "abc12345", "chief")
    assert chief.is_chief and has_accounts(store)
    with pytest.raises(AccountError, match="只有所长"):
        create_account(store, "lina", "abc12345", "inspector")
    inspector = create_account(store, "lina", "def12345", "inspector", by=chief)
    with pytest.raises(AccountError, match="只有所长"):
        create_account(store, "wangqiang", "abc12345", "inspector", by=inspector)
    with pytest.raises(AccountError, match="已存在"):
        create_account(store, "lina", "abc12345", "inspector", by=chief)


@pytest.mark.parametrize("pw, msg", [("abc123", "至少"), ("12345678", "字母和数字"), ("abcdefgh", "字母和数字")])
def test_password_rules(store: Store, pw: str, msg: str) -> None:
    with pytest.raises(AccountError, match=msg):
        create_account(store, "zhangwei", pw, "chief")


def test_login_and_throttle(store: Store) -> None:
    create_account(store, "zhangwei", "abc12345", "chief")
    t0 = utcnow()
    for i in range(5):
        with pytest.raises(AccountError) as exc:
            login(store, "zhangwei", "wrong", now=t0 + timedelta(seconds=i))
        assert not isinstance(exc.value, LoginThrottled)
    # sixth try within the wait: refused without even checking the password (also the right one)
    with pytest.raises(LoginThrottled) as exc:
        login(store, "zhangwei", "abc12345", now=t0 + timedelta(seconds=5))
    assert 0 < exc.value.wait_seconds <= 5
    # after the wait a wrong try doubles the next wait
    with pytest.raises(AccountError):
        login(store, "zhangwei", "wrong", now=t0 + timedelta(seconds=10))
    with pytest.raises(LoginThrottled) as exc:
        login(store, "zhangwei", "abc12345", now=t0 + timedelta(seconds=15))
    assert 4 < exc.value.wait_seconds <= 5
    user = login(store, "zhangwei", "abc12345", now=t0 + timedelta(seconds=21))
    assert user.is_chief and store.actor == "zhangwei"
    login(store, "zhangwei", "abc12345", now=t0 + timedelta(seconds=22))  # count was reset
    with store.session() as s:
        actions = [e.action for e in entries_for(s, "zhangwei")]
    assert actions == ["create", "login", "login"]


def test_wait_needed_doubles_and_caps() -> None:
    t = utcnow()
    assert wait_needed(4, t, t) == 0
    assert wait_needed(5, t, t) == 5
    assert wait_needed(6, t, t) == 10
    assert wait_needed(30, t, t) == 300


def test_deactivated_and_reset(store: Store) -> None:
    chief = create_account(store, "zhangwei", "abc12345", "chief")
    create_account(store, "lina", "def12345", "inspector", by=chief)
    set_active(store, chief, "lina", False)
    with pytest.raises(AccountError, match="用户名或密码错误"):
        login(store, "lina", "def12345")
    set_active(store, chief, "lina", True)
    reset_password(store, chief, "lina", "new12345")
    assert login(store, "lina", "new12345").username == "lina"
    with pytest.raises(AccountError, match="不能停用自己"):
        set_active(store, chief, "zhangwei", False)
