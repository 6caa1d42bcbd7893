"""A private CUPS scheduler with a cups-pdf queue, for printing tests through a real print queue.

Debian's ``cups`` and ``printer-driver-cups-pdf`` (the Makefile installs them) start no
scheduler here; this starts ``cupsd -f`` with every file under one scratch folder, listening on
a Unix socket only, and adds a queue with the cups-pdf backend (``lpadmin``). Clients reach it
through ``CUPS_SERVER=<socket>`` (libcups reads it; so does Qt's CUPS print support, which reads
it once per process — print from a subprocess that has it in its environment).

cups-pdf writes each job to ``~/PDF`` of the submitting user (``Out`` in
/etc/cups/cups-pdf.conf), named after the job title: :meth:`CupsQueue.take_output` finds the file
by a unique title, moves it to the test's folder and leaves ``~/PDF`` as it was.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CUPSD = "/usr/sbin/cupsd"
CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"


class CupsUnavailable(RuntimeError):
    """cupsd or cups-pdf is not installed, or the scheduler cannot be run here."""


@dataclass
class CupsQueue:
    socket: Path
    name: str
    folder: Path
    process: subprocess.Popen[bytes]

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": str(self.socket)}

    def lp(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), env=self.env, capture_output=True, text=True, timeout=60)

    def output_dir(self) -> Path:
        return Path(pwd.getpwuid(os.getuid()).pw_dir) / "PDF"

    def take_output(self, title: str, dest: Path, timeout: float = 90.0) -> Path:
        """Wait for the job titled ``title`` to come out of cups-pdf; move it to ``dest``."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            hits = sorted(self.output_dir().glob(f"{title}*.pdf")) if self.output_dir().is_dir() else []
            # cups-pdf creates the file first and fills it while Ghostscript runs: take it once
            # the queue has no job left and the file stopped growing
            if hits and not self.lp("lpstat", "-o", self.name).stdout.strip():
                size = hits[0].stat().st_size
                time.sleep(0.5)
                if size > 0 and hits[0].stat().st_size == size:
                    shutil.move(hits[0], dest)
                    return dest
            time.sleep(0.3)
        log = (self.folder / "log" / "error_log")
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise AssertionError(f"no output for job {title!r} from cups-pdf within {timeout}s\n{tail}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_queue(name: str = "qsdesk_test") -> CupsQueue:
    """Start a private cupsd and add a cups-pdf queue ``name``; raise CupsUnavailable if impossible."""
    if not Path(CUPSD).exists() or not CUPS_PDF_BACKEND.exists() or not shutil.which("lpadmin"):
        raise CupsUnavailable("cupsd / cups-pdf not installed (apt install cups printer-driver-cups-pdf)")
    if os.getuid() != 0:
        raise CupsUnavailable("a private cupsd must be started as root (it then runs jobs as lp)")
    folder = Path(tempfile.mkdtemp(prefix="qsd-cups-", dir="/tmp"))  # short: a socket path is ≤ 107 bytes
    folder.chmod(0o755)
    for sub in ("etc/ppd", "spool", "cache", "state", "tmp", "log"):
        (folder / sub).mkdir(parents=True)
    sock = folder / "cups.sock"
    (folder / "etc" / "cupsd.conf").write_text(
        f"Listen {sock}\nLogLevel info\nWebInterface No\nBrowsing No\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n")
    (folder / "etc" / "cups-files.conf").write_text(
        "User lp\nGroup lp\nSystemGroup root\n"
        f"ServerRoot {folder}/etc\nRequestRoot {folder}/spool\nCacheDir {folder}/cache\n"
        f"StateDir {folder}/state\nTempDir {folder}/tmp\nAccessLog {folder}/log/access_log\n"
        f"ErrorLog {folder}/log/error_log\nPageLog {folder}/log/page_log\n")
    for sub in ("spool", "cache", "state", "tmp", "log"):  # cupsd refuses to run jobs as root
        shutil.chown(folder / sub, "lp", "lp")
    proc = subprocess.Popen([CUPSD, "-f", "-c", str(folder / "etc" / "cupsd.conf"),
                             "-s", str(folder / "etc" / "cups-files.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    queue = CupsQueue(sock, name, folder, proc)
    try:
        end = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise CupsUnavailable(f"cupsd exited with {proc.returncode}: {err}")
            if sock.exists() and queue.lp("lpstat", "-r").returncode == 0:
                break
            if time.monotonic() > end:
                raise CupsUnavailable("cupsd did not start within 30 s")
            time.sleep(0.2)
        made = queue.lp("lpadmin", "-p", name, "-E", "-v", "cups-pdf:/", "-m", PPD)
        if made.returncode != 0:
            raise CupsUnavailable(f"lpadmin failed: {made.stderr}")
    except BaseException:
        queue.stop()
        raise
    return queue
