"""Every entry point imports on its own, first thing in a fresh interpreter (the handlers in
``webhooks`` and the app package import each other, so an import at the wrong level turns
into a circular import only for whoever imports one of them first)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINTS = (
    "webhooks",
    "shopify_loyalty",
    "shopify_loyalty.app",
    "shopify_loyalty.cli",
    "shopify_loyalty.inbox.worker",
    "shopify_loyalty.workers.celery_app",
    "shopify_loyalty.workers.tasks",
    "shopify_loyalty.standin.app",
)


@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_the_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    finished = subprocess.run(  # noqa: S603 (our own interpreter and modules)
        [sys.executable, "-c", f"import {module}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
