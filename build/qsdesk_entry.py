"""Entry point of the frozen program: the same ``qsdesk`` command as ``qsdesk.cli:main``.

PyInstaller needs a script file; this one only calls the CLI. No arguments opens the window;
with arguments it runs a command (``qsdesk selftest``, ``qsdesk init ...``).
"""

import multiprocessing
import sys

from qsdesk.cli import main

# Alembic imports the migration scripts from files; never write __pycache__ next to them (the
# installed folder belongs to the package, and root would leave files dpkg -r cannot remove).
sys.dont_write_bytecode = True

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
