"""A command loads what it runs and no more (in a fresh interpreter, apart from the test
run): a worker starts in a second, not after loading the web app, the Shopify stand-in,
gunicorn and Celery's own command line that it never uses."""

from __future__ import annotations

import json

from tests.fresh_interpreter import run_python

# Serving the web app, faking Shopify, and Celery's command line with its interactive shell.
NOT_FOR_WORKERS = (
    "flask",
    "werkzeug",
    "gunicorn",
    "graphql",
    "jwt",
    "shopify_loyalty.app",
    "shopify_loyalty.standin",
    "celery.bin",
    "click_repl",
    "prompt_toolkit",
)
# What only some commands need: the Admin API client and HTTP, the templates, Celery.
NOT_FOR_EVERY_COMMAND = ("requests", "shopify", "pyactiveresource", "jinja2", "celery")

LOADED = """
import json, sys
{imports}
print(json.dumps(sorted(sys.modules)))
"""


def loaded_after(*imports: str) -> set[str]:
    """The modules loaded by a fresh interpreter that runs these lines."""
    finished = run_python("-c", LOADED.format(imports="\n".join(imports)))
    assert finished.returncode == 0, finished.stderr
    return set(json.loads(finished.stdout))


def of(packages: tuple[str, ...], modules: set[str]) -> list[str]:
    return sorted(
        name
        for name in modules
        if any(name == package or name.startswith(f"{package}.") for package in packages)
    )


def test_the_command_line_loads_no_command_before_it_runs() -> None:
    modules = loaded_after("import shopify_loyalty.cli")

    assert of(NOT_FOR_WORKERS + NOT_FOR_EVERY_COMMAND, modules) == []


def test_a_worker_loads_everything_its_tasks_run_and_nothing_of_the_web_app() -> None:
    modules = loaded_after(
        "import shopify_loyalty.cli",
        "from shopify_loyalty.inbox.worker import InboxWorker",
        "from shopify_loyalty.workers.commands import run_celery_worker",
        "from shopify_loyalty.workers.tasks import load_task_modules",
        "load_task_modules()",
    )

    assert of(NOT_FOR_WORKERS, modules) == []
    assert "shopify_loyalty.program_events.consumers" in modules
    assert "shopify_loyalty.outbound_webhooks.deliveries" in modules
    assert "shopify_loyalty.workers.sweeper" in modules


def test_beat_loads_none_of_the_code_its_tasks_run() -> None:
    modules = loaded_after(
        "import shopify_loyalty.cli",
        "from shopify_loyalty.workers.commands import run_celery_beat",
        "from shopify_loyalty.workers.celery_app import make_celery",
        "make_celery('redis://127.0.0.1:6379/0')",
    )

    assert of(NOT_FOR_WORKERS, modules) == []
    assert of(("shopify_loyalty.inbox.worker", "shopify_loyalty.jobs.periodic"), modules) == []
    assert of(("webhooks", "shopify_loyalty.points"), modules) == []


def test_the_wsgi_app_loads_from_the_package_only_when_asked_for() -> None:
    modules = loaded_after(
        "import shopify_loyalty",
        "assert 'flask' not in sys.modules",
        "from shopify_loyalty import create_app",
        "import shopify_loyalty.app",
        "assert create_app is shopify_loyalty.app.create_app",
        "assert shopify_loyalty.create_app is create_app",
    )

    assert "flask" in modules
