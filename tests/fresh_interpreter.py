"""Running Python code of the project in a fresh interpreter, from the project folder (what
a command, an import or a process setting does on its own, apart from the test run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_python(*arguments: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python ARGUMENTS`` with this interpreter; its output captured as text."""
    return subprocess.run(  # noqa: S603 (our own interpreter and modules)
        [sys.executable, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
