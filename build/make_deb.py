"""Build ``build/dist/qsdesk_<version>_amd64.deb`` from the frozen folder ``build/dist/qsdesk``.

Layout of the package:

* ``/opt/qsdesk/``                          the PyInstaller folder (``qsdesk`` + ``_internal/``)
* ``/usr/bin/qsdesk``                       symlink to ``/opt/qsdesk/qsdesk`` (the bootloader
  resolves its real path, so ``_internal`` is found)
* ``/usr/share/applications/qsdesk.desktop``  menu entry, Chinese name, ``Categories=Office;``
* ``/usr/share/icons/hicolor/<n>x<n>/apps/qsdesk.png``  icon in every size (dpkg triggers of
  the icon theme and desktop database update the caches; no maintainer scripts needed)
* ``/usr/share/doc/qsdesk/copyright``

``Depends`` is worked out from the bundle itself: every shared library the frozen files load
from the system (``ldd`` with the bundle's own folders first) is mapped to its Debian package
with ``dpkg -S``, together with a fixed base list of the libraries Qt opens at run time
(``dlopen``: xcb-cursor, xkbcommon-x11, EGL/GL, fontconfig). Minimum versions come from
``dpkg-shlibdeps`` (dpkg-dev), which reads the packages' ``symbols`` files: the oldest version
of each package that has every symbol the bundle uses. ``libc6 (>= x.y)`` is also checked against
the newest ``GLIBC_x.y`` symbol version any file needs, which tells on which distribution
releases the package can run. Built with ``dpkg-deb --root-owner-group``, gzip by default (xz takes
minutes on two cores for ~10 % less; ``DEB_COMPRESS=xz`` for a release).

    python3 build/make_deb.py [--dist build/dist] [--version 0.1.0]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEB_DIR = ROOT / "build" / "deb"
ICONS = ROOT / "resources" / "icons"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)

#: Qt loads these with dlopen (or through plugins that ldd sees only when the plugin is linked),
#: so they are always declared; all are in Debian >= 10, UOS 20 and Kylin V10.
BASE_DEPENDS = ("libxcb-cursor0", "libxkbcommon-x11-0", "libxkbcommon0", "libegl1", "libgl1",
                "libfontconfig1", "libfreetype6", "libdbus-1-3", "libxcb-icccm4", "libxcb-keysyms1",
                "libxcb-shape0", "libxcb-randr0", "libxcb-render-util0", "libxcb-image0",
                "libxcb-xinerama0")
#: Packages every Debian system has (Essential/required): not worth a Depends line.
IMPLICIT = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libselinux1", "libpcre2-8-0"}


def project_version() -> str:
    text = (ROOT / "qsdesk" / "__init__.py").read_text(encoding="utf-8")
    m = re.search(r'__version__\s*=\s*"([^"]+)"', text)
    if not m:
        raise SystemExit("make_deb: no __version__ in qsdesk/__init__.py")
    return m.group(1)


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def elf_files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink() and is_elf(p)]


def system_libraries(folder: Path, files: list[Path]) -> tuple[set[str], list[str]]:
    """System paths of the libraries the bundle's ELF files resolve outside the bundle.

    Also returns the ``not found`` lines of files that are not optional plugins (a library
    missing on the build machine is worth a look, e.g. gtk3 for the gtk platform theme).
    """
    internal = folder / "_internal"
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.pathsep.join([str(internal), str(internal / "PySide6" / "Qt" / "lib")])
    found: set[str] = set()
    missing: list[str] = []
    bundle = str(folder.resolve())
    for f in files:
        out = subprocess.run(["ldd", str(f)], capture_output=True, text=True, env=env).stdout
        for line in out.splitlines():
            line = line.strip()
            if "=> not found" in line:
                missing.append(f"{f.relative_to(folder)}: {line}")
                continue
            m = re.match(r"\S+ => (/\S+) \(", line) or re.match(r"(/\S+) \(", line)
            if m:
                path = os.path.realpath(m.group(1))
                if not path.startswith(bundle):
                    found.add(m.group(1))
    return found, missing


def owning_packages(paths: set[str]) -> set[str]:
    """Debian packages owning ``paths`` (tries the path, its /usr form and its real path)."""
    pkgs: set[str] = set()
    for p in sorted(paths):
        candidates = [p, os.path.realpath(p)]
        if p.startswith("/lib"):
            candidates.append("/usr" + p)
        if p.startswith("/usr/lib"):
            candidates.append(p[len("/usr"):])
        for c in candidates:
            r = subprocess.run(["dpkg", "-S", c], capture_output=True, text=True)
            if r.returncode == 0:
                for line in r.stdout.splitlines():
                    pkg = line.split(":", 1)[0].strip()
                    pkgs.update(x.strip() for x in pkg.split(","))
                break
        else:
            print(f"make_deb: warning: no Debian package owns {p}", file=sys.stderr)
    return {p.split(":")[0] for p in pkgs}  # drop the :amd64 qualifier


def newest_glibc(files: list[Path]) -> str | None:
    best: tuple[int, ...] = ()
    for f in files:
        out = subprocess.run(["objdump", "-T", str(f)], capture_output=True, text=True).stdout
        for v in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", out):
            t = tuple(int(x) for x in v.split("."))
            best = max(best, t)
    return ".".join(map(str, best)) if best else None


def installed(pkg: str) -> bool:
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
    return r.returncode == 0 and "install ok installed" in r.stdout


#: Qt plugins loaded only where their libraries exist (the GTK 3 platform theme: GNOME-like
#: desktops, which have GTK 3): not a reason for a dependency.
OPTIONAL_PLUGINS = {"libqgtk3.so"}


def minimum_versions(folder: Path, files: list[Path]) -> dict[str, str]:
    """``{package: ">= version"}`` from ``dpkg-shlibdeps`` over ``files``.

    dpkg-shlibdeps needs a ``debian/control`` naming the package; the bundle's own folders are
    passed with ``-l`` so its private libraries resolve there (they belong to no package, hence
    ``--ignore-missing-info``). Files with a library missing on the build machine are left out
    (dpkg-shlibdeps stops on them); their system libraries are still named by ``dpkg -S``.
    """
    tool = shutil.which("dpkg-shlibdeps")
    if tool is None:
        raise SystemExit("make_deb: dpkg-shlibdeps missing (package dpkg-dev): run inside the build root")
    internal = folder / "_internal"
    work = ROOT / "build" / "work" / "shlibdeps"
    shutil.rmtree(work, ignore_errors=True)
    (work / "debian").mkdir(parents=True)
    (work / "debian" / "control").write_text(
        "Source: qsdesk\n\nPackage: qsdesk\nArchitecture: amd64\n", encoding="utf-8")
    cmd = [tool, "-O", "--ignore-missing-info", "--warnings=0",
           f"-l{internal}", f"-l{internal / 'PySide6' / 'Qt' / 'lib'}", *map(str, files)]
    r = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    shutil.rmtree(work, ignore_errors=True)
    if r.returncode != 0:
        raise SystemExit(f"make_deb: dpkg-shlibdeps failed:\n{r.stderr.strip()}")
    line = r.stdout.strip().removeprefix("shlibs:Depends=")
    versions: dict[str, str] = {}
    for item in filter(None, (x.strip() for x in line.split(","))):
        m = re.fullmatch(r"([a-z0-9][a-z0-9+.-]*)(?::\S+)?(?:\s*\((>=\s*[^)]+)\))?", item)
        if m and m.group(2):
            versions[m.group(1)] = m.group(2).replace(">=", ">= ").replace(">=  ", ">= ")
    return versions


def depends_line(folder: Path, files: list[Path]) -> str:
    files = [f for f in files if f.name not in OPTIONAL_PLUGINS]
    libs, missing = system_libraries(folder, files)
    for line in missing:
        print(f"make_deb: note: {line}", file=sys.stderr)
    pkgs = owning_packages(libs) | set(BASE_DEPENDS)
    pkgs -= IMPLICIT
    not_here = sorted(p for p in pkgs if not installed(p))
    if not_here:
        print(f"make_deb: warning: dependencies not installed on this machine: {' '.join(not_here)}",
              file=sys.stderr)
    incomplete = {m.split(":", 1)[0] for m in missing}
    versions = minimum_versions(folder, [f for f in files if str(f.relative_to(folder)) not in incomplete])
    glibc = newest_glibc(files)
    libc = versions.get("libc6")
    if glibc and libc and _version_key(libc) < _version_key(glibc):
        libc = None  # a symbol versioned GLIBC_x.y without a symbols entry: the scan is stricter
    items = [f"libc6 ({libc or '>= ' + glibc})"] if (libc or glibc) else ["libc6"]
    items += [f"{p} ({versions[p]})" if p in versions else p for p in sorted(pkgs)]
    return ", ".join(items)


def _version_key(text: str) -> tuple[int, ...]:
    """``">= 2.28"`` or ``"2.28"`` → ``(2, 28)`` (upstream part only, enough for glibc)."""
    digits = re.match(r"(?:>=\s*)?(\d+(?:\.\d+)*)", text.strip())
    return tuple(int(x) for x in digits.group(1).split(".")) if digits else ()


def tree_size_kib(folder: Path) -> int:
    total = 0
    for p in folder.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
    return (total + 1023) // 1024


def normalise_modes(root: Path) -> None:
    """0755 for folders and executables, 0644 for the rest; nothing group/world-writable."""
    for p in [root, *root.rglob("*")]:
        if p.is_symlink():
            continue
        if p.is_dir():
            p.chmod(0o755)
        else:
            executable = p.stat().st_mode & 0o111 or is_elf(p) and p.suffix != ".o"
            p.chmod(0o755 if executable else 0o644)


def build(dist: Path, version: str) -> Path:
    frozen = dist / "qsdesk"
    if not (frozen / "qsdesk").is_file():
        raise SystemExit(f"make_deb: {frozen}/qsdesk missing: run PyInstaller first (make dist)")
    stage = ROOT / "build" / "work" / "deb-root"
    if stage.exists():
        shutil.rmtree(stage)
    opt = stage / "opt" / "qsdesk"
    shutil.copytree(frozen, opt, symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    os.symlink("/opt/qsdesk/qsdesk", stage / "usr" / "bin" / "qsdesk")
    apps = stage / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    shutil.copy(DEB_DIR / "qsdesk.desktop", apps / "qsdesk.desktop")
    for n in ICON_SIZES:
        d = stage / "usr" / "share" / "icons" / "hicolor" / f"{n}x{n}" / "apps"
        d.mkdir(parents=True)
        shutil.copy(ICONS / f"qsdesk-{n}.png", d / "qsdesk.png")
    doc = stage / "usr" / "share" / "doc" / "qsdesk"
    doc.mkdir(parents=True)
    shutil.copy(DEB_DIR / "copyright", doc / "copyright")

    validator = shutil.which("desktop-file-validate")
    if validator:
        subprocess.run([validator, str(apps / "qsdesk.desktop")], check=True)

    files = elf_files(opt)
    control = (DEB_DIR / "control.in").read_text(encoding="utf-8")
    control = (control.replace("@VERSION@", version)
               .replace("@INSTALLED_SIZE@", str(tree_size_kib(stage)))
               .replace("@DEPENDS@", depends_line(opt, files)))
    debian = stage / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text(control, encoding="utf-8")
    normalise_modes(stage)

    out = dist / f"qsdesk_{version}_amd64.deb"
    if out.exists():
        out.unlink()
    compress = os.environ.get("DEB_COMPRESS", "gzip")
    subprocess.run(["dpkg-deb", "--root-owner-group", f"-Z{compress}", "--build", str(stage), str(out)],
                   check=True)
    shutil.rmtree(stage)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dist", type=Path, default=ROOT / "build" / "dist")
    ap.add_argument("--version", default=None)
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    out = build(args.dist.resolve(), args.version or project_version())
    info = subprocess.run(["dpkg-deb", "--field", str(out), "Depends"], capture_output=True, text=True).stdout
    print(f"make_deb: {out} ({out.stat().st_size / 1e6:.1f} MB, {time.monotonic() - t0:.0f} s)")
    print(f"make_deb: Depends: {info.strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
