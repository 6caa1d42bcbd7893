"""Which database a data directory uses, and what to tell a person when it cannot be reached.

A station keeps its records in ``<data dir>/qsdesk.db`` (SQLite). A county bureau usually keeps
them in PostgreSQL: ``qsdesk init --database-url …`` records the URL once in
``<data dir>/database.json`` and every later command and the GUI open that database without
being told again (:func:`qsdesk.store.db.open_store` reads it).

The password is never written there and never logged: at ``init`` a password given in the URL
goes to the PostgreSQL password file (``PGPASSFILE`` or ``~/.pgpass``, owner-only), which libpq
reads by itself at each connection; the stored URL has none. Messages and logs show URLs through
:func:`describe`, which hides any password.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

SETTINGS_FILE = "database.json"
#: the driver the program ships (psycopg 3); ``postgres://`` and ``postgresql://`` mean it
PG_DRIVER = "postgresql+psycopg"
_PG_SCHEME = re.compile(r"^postgres(?:ql)?://", re.IGNORECASE)


class DatabaseUnavailable(ValueError):  # noqa: N818 - a ValueError the CLI prints as one line
    """The database cannot be opened for a reason the person can fix; the message is Chinese,
    one line, without a password."""


def normalize(url: str) -> str:
    """``postgres://…`` (Heroku, libpq docs) and ``postgresql://…`` use the shipped driver."""
    url = url.strip()
    return _PG_SCHEME.sub(f"{PG_DRIVER}://", url, count=1)


def describe(url: str | URL) -> str:
    """The URL for messages and logs: never the password."""
    try:
        u = make_url(url) if isinstance(url, str) else url
    except Exception:  # noqa: BLE001 - an unparsable URL is shown without anything after '@'
        return re.sub(r"//[^@/]*@", "//***@", str(url))
    return u.render_as_string(hide_password=True)


def settings_path(root: Path) -> Path:
    return Path(root) / SETTINGS_FILE


def saved_url(root: Path) -> str | None:
    """The database URL recorded for this data directory at ``init`` (None: its SQLite file)."""
    path = settings_path(root)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise DatabaseUnavailable(f"数据库设置文件 {path} 无法读取，请检查或删除后重新运行 qsdesk init") from None
    url = data.get("url") if isinstance(data, dict) else None
    return str(url) if url else None


def pgpass_path() -> Path:
    env = os.environ.get("PGPASSFILE")
    return Path(env) if env else Path.home() / ".pgpass"


def _pgpass_field(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def _pgpass_host(u: URL) -> str:
    host = u.host or (u.query.get("host") if u.query else None) or "localhost"
    if isinstance(host, tuple):
        host = host[0]
    # libpq matches the host parameter as given (a socket directory included)
    return str(host)


def remember_password(u: URL) -> None:
    """Add (or replace) this server/database/user's line in the password file, owner-only."""
    if not u.password or not u.username:
        return
    port = u.port or (u.query.get("port") if u.query else None) or 5432
    if isinstance(port, tuple):
        port = port[0]
    key = ":".join(_pgpass_field(str(v)) for v in (_pgpass_host(u), port, u.database or "*", u.username))
    line = f"{key}:{_pgpass_field(str(u.password))}"
    path = pgpass_path()
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    lines = [x for x in lines if not x.startswith(key + ":")] + [line]
    _atomic_write(path, "\n".join(lines) + "\n")


def save_url(root: Path, url: str, attachments: Path | None = None) -> str:
    """Record ``url`` as this data directory's database (and ``attachments``, the folder all
    workstations share); a password moves to the password file. Returns the URL as stored
    (without a password). SQLite URLs are not recorded."""
    u = make_url(normalize(url))
    if u.get_backend_name() == "sqlite":
        return describe(u)
    remember_password(u)
    stored = u._replace(password=None).render_as_string(hide_password=False)  # set() keeps a None
    data: dict[str, str] = {"url": stored}
    if attachments is not None:
        data["attachments"] = str(Path(attachments).resolve())
    _atomic_write(settings_path(root), json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return stored


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    os.chmod(path, 0o600)


def explain(exc: BaseException, url: str | URL) -> DatabaseUnavailable | None:
    """One Chinese line for a connection or permission failure (None: not one of those)."""
    orig: Any = getattr(exc, "orig", None) or exc
    text = str(orig)
    sqlstate = getattr(orig, "sqlstate", None)
    try:
        u = make_url(url) if isinstance(url, str) else url
    except Exception:  # noqa: BLE001
        u = None
    where = describe(url)
    user = (u.username if u is not None else None) or "（默认）"
    database = (u.database if u is not None else None) or "（默认）"
    if isinstance(exc, ModuleNotFoundError) or type(exc).__name__ == "NoSuchModuleError":
        return DatabaseUnavailable(f"缺少数据库驱动，无法连接 {where}：请重新安装本程序（PostgreSQL 需要 psycopg）")
    if "password authentication failed" in text or sqlstate == "28P01" or "no password supplied" in text:
        return DatabaseUnavailable(f"数据库拒绝登录：用户 {user} 的密码错误或未提供（{where}）")
    if re.search(r'role "[^"]*" does not exist', text):
        return DatabaseUnavailable(f"数据库中没有用户 {user}（{where}）：请先创建该角色")
    if re.search(r'database "[^"]*" does not exist', text) or sqlstate == "3D000":
        return DatabaseUnavailable(f"数据库 {database} 不存在（{where}）：请先创建，见 README“县级局”一节")
    if sqlstate == "42501" or "permission denied" in text:
        return DatabaseUnavailable(f"数据库用户 {user} 权限不足（{where}）：需要是数据库 {database} 的所有者")
    if "no pg_hba.conf entry" in text or sqlstate == "28000":
        return DatabaseUnavailable(f"数据库服务器不允许本机以用户 {user} 连接（{where}）：请检查 pg_hba.conf")
    if type(orig).__name__ in ("OperationalError", "InterfaceError") or type(exc).__name__ == "OperationalError":
        return DatabaseUnavailable(f"无法连接数据库服务器（{where}）：请确认服务器已启动、地址和端口正确")
    return None
