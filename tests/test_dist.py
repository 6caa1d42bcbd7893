"""The frozen program and the .deb (issue 9, items 1 and 2).

``make test`` (and ``make dist-test``) build ``build/dist/qsdesk/`` and
``build/dist/qsdesk_<version>_amd64.deb`` first (``make dist``). Run by hand without them, these
tests skip; under CI (``CI=true``) a missing build fails instead, so CI can never pass without
having frozen, installed and run the program.

The .deb test installs the package on this machine with ``dpkg -i`` (root, or passwordless sudo),
runs ``/usr/bin/qsdesk`` from the installed path and removes the package again with ``dpkg -r``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import qsdesk

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "build" / "dist"
FROZEN = DIST / "qsdesk"
EXE = FROZEN / "qsdesk"
DEB = DIST / f"qsdesk_{qsdesk.__version__}_amd64.deb"
INTERNAL = FROZEN / "_internal"

INIT_ARGS = ["init", "--kind", "station", "--code", "370112001", "--name", "王舍人市场监管所",
             "--parent-code", "370112", "--inspector", "张伟:13805310001:37011200101"]
FORM_IDS = {"annex3_census", "annex4_producer", "annex5_seller", "annex6_risk", "task_producer",
            "task_seller"}


def form_titles() -> set[str]:
    """What ``selftest`` prints for each bundled form: its title (a person never reads the id)."""
    from qsdesk.domain.formspec import load_form

    return {f"{load_form(f).title}（第" for f in FORM_IDS}


def _need(path: Path, what: str) -> None:
    if path.exists():
        return
    msg = f"{what} {path} is missing: run `make dist`"
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture(scope="module")
def frozen() -> Path:
    if sys.platform != "linux":
        pytest.skip("the frozen-program tests run on Linux")
    _need(EXE, "frozen program")
    return EXE


@pytest.fixture(scope="module")
def deb() -> Path:
    _need(DEB, ".deb")
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb not available")
    return DEB


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    """An environment that keeps the program's log, settings and data inside ``tmp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QSDESK_", "PYTHON"))}
    env.update(QT_QPA_PLATFORM="offscreen", QSDESK_LOG_DIR=str(tmp / "log"), HOME=str(tmp / "home"),
               XDG_CONFIG_HOME=str(tmp / "config"), XDG_DATA_HOME=str(tmp / "share"),
               XDG_RUNTIME_DIR=str(tmp / "run"), LANG="C.UTF-8")
    (tmp / "run").mkdir(mode=0o700, exist_ok=True)
    env.update(extra)
    return env


CHIEF = "zhangwei"
PASSWORD = "Zhang-Secret-2026"


def _run(cmd: list[str], env: dict[str, str], timeout: float = 120,
         stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, input=stdin)


def _init_and_selftest(exe: list[str], tmp: Path, env: dict[str, str] | None = None) -> None:
    """``init``, the chief's account, ``selftest``: all must pass."""
    data = tmp / "data"
    env = env or _env(tmp)
    r = _run([*exe, *INIT_ARGS, "--data-dir", str(data)], env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (data / "qsdesk.db").is_file()
    r = _run([*exe, "account", "add", "--data-dir", str(data), "--username", CHIEF, "--role", "chief",
              "--password-stdin"], env, stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stdout + r.stderr
    r = _run([*exe, "selftest", "--data-dir", str(data)], env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "自检通过" in r.stdout
    assert f"qsdesk {qsdesk.__version__}" in r.stdout
    # every form spec and the font were found inside the bundle, and the schema is at head
    for title in form_titles():
        assert title in r.stdout, r.stdout
    assert "qsdesk-song.ttf" in r.stdout
    m = re.search(r"表结构版本：(\S+)（程序版本 (\S+)）", r.stdout)
    assert m and m.group(1) == m.group(2), r.stdout


def _smoke(exe: list[str], tmp: Path, env: dict[str, str] | None = None) -> list[str]:
    """Log in and open the main window offscreen through every page; the lines it prints."""
    data = tmp / "data"
    r = _run([*exe, "--data-dir", str(data)], {**(env or _env(tmp)), "QSDESK_EXIT_AFTER_SHOW": "1"},
             stdin=f"{CHIEF}\n{PASSWORD}\n")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("qsdesk-smoke:")]
    assert lines and "window visible=True" in lines[0], r.stdout + r.stderr
    assert "王舍人市场监管所" in lines[0]
    return lines


@pytest.fixture(scope="module")
def source_pages(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The same smoke run from the source tree: what the frozen program must match."""
    tmp = tmp_path_factory.mktemp("source")
    env = _env(tmp)
    env["PYTHONPATH"] = str(ROOT)
    _init_and_selftest([sys.executable, "-m", "qsdesk"], tmp, env)
    lines = _smoke([sys.executable, "-m", "qsdesk"], tmp, env)
    return [ln for ln in lines if ln.startswith("qsdesk-smoke: page ")]


# ------------------------------------------------------------------ frozen folder


def test_frozen_folder_has_data_files(frozen: Path) -> None:
    assert {p.stem for p in (INTERNAL / "forms").glob("*.toml")} >= FORM_IDS
    assert (INTERNAL / "resources" / "fonts" / "qsdesk-song.ttf").is_file()
    assert (INTERNAL / "resources" / "icons" / "qsdesk.png").is_file()
    mig = INTERNAL / "qsdesk" / "store" / "migrations"
    assert (mig / "env.py").is_file() and (mig / "script.py.mako").is_file()
    src_versions = {p.name for p in (ROOT / "qsdesk" / "store" / "migrations" / "versions").glob("*.py")}
    assert src_versions and {p.name for p in (mig / "versions").glob("*.py")} == src_versions


def test_frozen_folder_has_the_qt_parts_and_not_the_unused(frozen: Path) -> None:
    qt = INTERNAL / "PySide6" / "Qt"
    plugins = qt / "plugins"
    for rel in ("platforms/libqxcb.so", "platforms/libqoffscreen.so", "printsupport/libcupsprintersupport.so",
                "imageformats/libqjpeg.so", "imageformats/libqico.so", "imageformats/libqsvg.so",
                "xcbglintegrations/libqxcb-glx-integration.so"):
        assert (plugins / rel).is_file(), rel
    libs = {p.name for p in (qt / "lib").iterdir()}
    for needed in ("libQt6Widgets.so.6", "libQt6PrintSupport.so.6", "libQt6Charts.so.6", "libQt6XcbQpa.so.6"):
        assert needed in libs
    unused = [n for n in libs if re.match(r"libQt6(WebEngine|3D|Quick|Qml|Multimedia|VirtualKeyboard|Designer)", n)]
    assert unused == []
    translations = {p.name for p in (qt / "translations").glob("*.qm")}
    assert "qtbase_zh_CN.qm" in translations
    assert not any(n.endswith("_de.qm") for n in translations)


def test_frozen_libraries_resolve(frozen: Path) -> None:
    """Every bundled ELF file finds its libraries (bundle first, then this system)."""
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = f"{INTERNAL}:{INTERNAL / 'PySide6' / 'Qt' / 'lib'}"
    # the GTK platform theme is optional: Qt skips it where GTK 3 is not installed
    optional = {"libqgtk3.so"}
    problems = []
    for p in sorted(FROZEN.rglob("*")):
        if not p.is_file() or p.is_symlink() or p.name in optional:
            continue
        with p.open("rb") as f:
            if f.read(4) != b"\x7fELF":
                continue
        out = subprocess.run(["ldd", str(p)], capture_output=True, text=True, env=env).stdout
        problems += [f"{p.relative_to(FROZEN)}: {ln.strip()}" for ln in out.splitlines() if "not found" in ln]
    assert problems == []


def test_frozen_selftest(frozen: Path, tmp_path: Path) -> None:
    _init_and_selftest([str(frozen)], tmp_path)


def test_frozen_county_on_postgres(frozen: Path, tmp_path: Path, pg_server) -> None:  # type: ignore[no-untyped-def]
    """The installer's program runs a county on PostgreSQL: its driver is frozen in, ``init
    --kind county`` sets up a real server's database and saves the URL, ``selftest`` then finds it
    without the URL, a second ``init`` is refused with the node's keys untouched, and a second
    workstation gets the keys from the database with the key passphrase."""
    import psycopg

    name = pg_server.create_database("frozen_county")
    url = pg_server.url(name)
    data = tmp_path / "county"
    env = _env(tmp_path)
    passphrase = "县局的长口令-甲乙丙丁\n"
    r = _run([str(frozen), "init", "--kind", "county", "--code", "370112", "--name", "历城区市场监管局",
              "--data-dir", str(data), "--database-url", url, "--key-passphrase-stdin"], env, stdin=passphrase)
    assert r.returncode == 0, r.stdout + r.stderr
    r = _run([str(frozen), "selftest", "--data-dir", str(data)], env)
    assert r.returncode == 0 and "自检通过" in r.stdout, r.stdout + r.stderr
    keys = sorted((p.name, p.read_bytes()) for p in (data / "keys").iterdir())
    assert keys  # the signing and encryption keys
    r = _run([str(frozen), "init", "--kind", "county", "--code", "370112", "--name", "历城区市场监管局",
              "--data-dir", str(data), "--database-url", url, "--key-passphrase-stdin"], env, stdin=passphrase)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stdout + r.stderr
    assert "已完成初始化" in r.stderr or "已有本单位密钥" in r.stderr, r.stderr
    # a second workstation unseals the keys kept in the database (scrypt in the frozen build)
    second = tmp_path / "second"
    r = _run([str(frozen), "connect", "--data-dir", str(second), "--database-url", url, "--key-passphrase-stdin"],
             env, stdin=passphrase)
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted((p.name, p.read_bytes()) for p in (second / "keys").iterdir()) == keys
    assert sorted((p.name, p.read_bytes()) for p in (data / "keys").iterdir()) == keys
    with psycopg.connect(host=str(pg_server.socket_dir), port=5432, user="postgres", dbname=name) as conn:
        assert conn.execute("SELECT kind, code FROM node WHERE is_self").fetchall() == [("county", "370112")]
    pg_server.drop_database(name)


def test_frozen_bad_input_is_one_line_exit_2(frozen: Path, tmp_path: Path) -> None:
    r = _run([str(frozen), "selftest", "--no-such-option"], _env(tmp_path))
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "参数错误" in r.stderr


def test_frozen_main_window_opens_all_pages_like_source(frozen: Path, tmp_path: Path,
                                                         source_pages: list[str]) -> None:
    _init_and_selftest([str(frozen)], tmp_path)
    lines = _smoke([str(frozen)], tmp_path)
    pages = [ln for ln in lines if ln.startswith("qsdesk-smoke: page ")]
    # a module the freeze missed would show as a different class (a notice page) or an error
    assert pages == source_pages
    assert not any(" ERROR " in ln for ln in pages)


# ------------------------------------------------------------------ .deb


def _deb_field(deb: Path, field: str) -> str:
    return subprocess.run(["dpkg-deb", "--field", str(deb), field], capture_output=True, text=True,
                          check=True).stdout.strip()


def _depends_install_on_debian10(depends: str) -> None:
    """Every package of Depends exists in Debian 10 (UOS 20's base) at its declared minimum."""
    table = Path(__file__).parent / "data" / "debian10-versions.txt"
    buster = dict(ln.split() for ln in table.read_text(encoding="utf-8").splitlines()
                  if ln.strip() and not ln.startswith("#"))
    versioned = 0
    for item in (x.strip() for x in depends.split(",")):
        m = re.fullmatch(r"(\S+)(?: \(>= (\S+)\))?", item)
        assert m, item
        name, minimum = m.groups()
        assert name in buster, f"{name}: not in tests/data/debian10-versions.txt"
        if minimum:
            versioned += 1
            ok = subprocess.run(["dpkg", "--compare-versions", buster[name], "ge", minimum]).returncode == 0
            assert ok, f"{name} needs {minimum}, Debian 10 has {buster[name]}"
    assert versioned >= 5, depends  # dpkg-shlibdeps gave the minima (not only libc6)


def test_deb_metadata_and_layout(deb: Path, tmp_path: Path) -> None:
    assert _deb_field(deb, "Package") == "qsdesk"
    assert _deb_field(deb, "Version") == qsdesk.__version__
    assert _deb_field(deb, "Architecture") == "amd64"
    depends = _deb_field(deb, "Depends")
    for pkg in ("libxcb-cursor0", "libxkbcommon-x11-0", "libegl1", "libfontconfig1"):
        assert re.search(rf"(^|, ){re.escape(pkg)}(\s|,|$)", depends), depends
    assert re.search(r"libc6 \(>= 2\.\d+\)", depends)
    _depends_install_on_debian10(depends)

    listing = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    assert all(" root/root " in ln for ln in listing)
    names = {ln.split()[5] for ln in listing}
    assert "./opt/qsdesk/qsdesk" in names
    assert "./usr/share/applications/qsdesk.desktop" in names
    assert "./usr/share/icons/hicolor/48x48/apps/qsdesk.png" in names
    assert "./usr/share/icons/hicolor/256x256/apps/qsdesk.png" in names
    link = next(ln for ln in listing if " ./usr/bin/qsdesk " in ln)
    assert link.startswith("l") and link.endswith("-> /opt/qsdesk/qsdesk")
    assert not any(ln[5] == "w" or ln[8] == "w" for ln in listing if not ln.startswith("l"))

    subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp_path / "x")], check=True)
    desktop = (tmp_path / "x" / "usr" / "share" / "applications" / "qsdesk.desktop").read_text(encoding="utf-8")
    assert "\nName=质量安全监管工作台\n" in desktop
    assert "\nCategories=Office;\n" in desktop
    assert "\nIcon=qsdesk\n" in desktop and "\nExec=/usr/bin/qsdesk\n" in desktop
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(tmp_path / "x" / "usr/share/applications/qsdesk.desktop")],
                       check=True)


def _as_root() -> list[str]:
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    pytest.skip("installing the .deb needs root or passwordless sudo")


@pytest.fixture
def installed(deb: Path) -> Iterator[Path]:
    """The .deb installed with dpkg -i; removed with dpkg -r afterwards."""
    sudo = _as_root()
    r = subprocess.run([*sudo, "dpkg", "-i", str(deb)], capture_output=True, text=True, timeout=600)
    try:
        assert r.returncode == 0, r.stdout + r.stderr
        yield Path("/usr/bin/qsdesk")
    finally:
        subprocess.run([*sudo, "dpkg", "-r", "qsdesk"], capture_output=True, text=True, timeout=600)


def test_deb_installs_runs_and_removes(installed: Path, tmp_path: Path, source_pages: list[str]) -> None:
    assert installed.is_symlink() and os.path.realpath(installed) == "/opt/qsdesk/qsdesk"
    assert Path("/usr/share/applications/qsdesk.desktop").is_file()
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", "qsdesk"], capture_output=True,
                            text=True).stdout
    assert status == f"install ok installed {qsdesk.__version__}"
    _init_and_selftest([str(installed)], tmp_path)
    lines = _smoke([str(installed)], tmp_path)
    assert [ln for ln in lines if ln.startswith("qsdesk-smoke: page ")] == source_pages
    # the data directory belongs to the user, not to the package
    assert (tmp_path / "data" / "qsdesk.db").is_file()
    # running as root wrote nothing into the installation (dpkg -r would leave it behind)
    assert list(Path("/opt/qsdesk").rglob("__pycache__")) == []


def test_deb_removal_leaves_nothing_of_the_program(deb: Path) -> None:
    """After the install test's ``dpkg -r``: program files gone (data dirs are per user)."""
    sudo = _as_root()
    subprocess.run([*sudo, "dpkg", "-i", str(deb)], capture_output=True, check=True, timeout=600)
    subprocess.run([*sudo, "dpkg", "-r", "qsdesk"], capture_output=True, check=True, timeout=600)
    assert not Path("/usr/bin/qsdesk").exists()
    assert not Path("/opt/qsdesk").exists()
    assert not Path("/usr/share/applications/qsdesk.desktop").exists()
