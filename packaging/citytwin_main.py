"""Entry script of the frozen CityTwin (PyInstaller): the ``citytwin`` command's own ``main``.

The same executable is the desktop app (no argument, or files to open) and the headless commands
(``info``, ``render``, ``sensors``, ``scenario``, ``validate``).
"""

import multiprocessing
import os
import sys

if __name__ == "__main__":
    # First of all: a worker process started by multiprocessing in a frozen app re-runs this
    # executable, and must become the worker here instead of opening a second window.
    multiprocessing.freeze_support()
    # A Windows GUI executable (console=False) has no stdout/stderr; writes to None would raise.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            sink = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
            setattr(sys, name, sink)
            setattr(sys, f"__{name}__", sink)
    from viewer.app.cli import main

    sys.exit(main())
