"""Where an installation keeps its files.

One data directory holds one node: ``qsdesk.db`` (SQLite), ``attachments/<sha256>``, ``keys/``
(owner-only), ``backups/``. The default is the platformdirs user data directory; every CLI
command takes ``--data-dir`` and the environment variable ``QSDESK_DATA_DIR`` overrides it too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "qsdesk"

#: the node's private keys in ``<data dir>/keys/`` (written by :mod:`qsdesk.services.node`)
SIGNING_KEY_FILE = "signing_ed25519.pem"
ENCRYPTION_KEY_FILE = "encryption_x25519.pem"


def default_data_dir() -> Path:
    env = os.environ.get("QSDESK_DATA_DIR")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    env = os.environ.get("QSDESK_LOG_DIR")
    return Path(env) if env else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


_shared_cache: dict[Path, tuple[float, Path | None]] = {}


def shared_attachments(root: Path) -> Path | None:
    """The shared attachments folder recorded for the data directory ``root`` (None: its own).
    Read with ``json`` only: this module is on the start-up path."""
    settings = Path(root) / "database.json"
    try:
        mtime = settings.stat().st_mtime
    except OSError:
        return None
    hit = _shared_cache.get(settings)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    import json

    try:
        value = json.loads(settings.read_text(encoding="utf-8")).get("attachments")
    except (OSError, ValueError, AttributeError):
        value = None
    found = Path(value) if value else None
    _shared_cache[settings] = (mtime, found)
    return found


@dataclass(frozen=True)
class DataDir:
    root: Path

    @property
    def db_path(self) -> Path:
        return self.root / "qsdesk.db"

    @property
    def attachments(self) -> Path:
        """``attachments/``, or the folder every workstation of a county shares (recorded in
        ``database.json`` by ``qsdesk init/connect --attachments-dir``)."""
        return shared_attachments(self.root) or self.root / "attachments"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    def ensure(self) -> DataDir:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.attachments.mkdir(mode=0o700, exist_ok=True)
        self.keys.mkdir(mode=0o700, exist_ok=True)
        tighten_permissions(self.root)
        return self


def tighten_permissions(root: Path) -> None:
    """Owner-only access to everything in a data directory, at every start: folders 0700, files
    0600, including a folder made by an older version (0755) and files copied in with the umask
    (attachments, backups). Only what is looser is changed; links are left alone. POSIX only (on
    Windows the user profile's ACL protects the data directory)."""
    if os.name != "posix":
        return
    import contextlib
    import stat

    def fix(path: str, want: int, st: os.stat_result) -> None:
        if stat.S_IMODE(st.st_mode) & ~want:
            with contextlib.suppress(OSError):  # not ours to change (another owner)
                os.chmod(path, want)

    fix(str(root), 0o700, os.stat(root))
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if stat.S_ISDIR(st.st_mode):
                fix(p, 0o700, st)
        for name in filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                fix(p, 0o600, st)
