"""Every entry point imports on its own, first thing in a fresh interpreter (the handlers in
``webhooks`` and the app package import each other, so an import at the wrong level turns
into a circular import only for whoever imports one of them first)."""

from __future__ import annotations

import pytest

from tests.fresh_interpreter import run_python

ENTRY_POINTS = (
    "webhooks",
    "shopify_loyalty",
    "shopify_loyalty.app",
    "shopify_loyalty.cli",
    "shopify_loyalty.inbox.worker",
    "shopify_loyalty.workers.celery_app",
    "shopify_loyalty.workers.commands",
    "shopify_loyalty.workers.tasks",
    "shopify_loyalty.standin.app",
)


@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_the_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    finished = run_python("-c", f"import {module}")
    assert finished.returncode == 0, finished.stderr
