"""A Celery worker, and a web process, freeze the application they loaded and collect less
often (in a fresh interpreter: freezing the test run's own objects would keep them all
alive)."""

from __future__ import annotations

import json

from shopify_loyalty.workers.collector import THRESHOLDS
from tests.fresh_interpreter import run_python

PROGRAM = """
import gc, json
import shopify_loyalty.workers.tasks
from shopify_loyalty.workers.collector import settle_collector
before = gc.get_freeze_count()
settle_collector()
print(json.dumps({"before": before, "frozen": gc.get_freeze_count(),
                  "thresholds": gc.get_threshold()}))
"""


def test_the_loaded_application_is_frozen_and_collections_are_spaced_out() -> None:
    finished = run_python("-c", PROGRAM)
    assert finished.returncode == 0, finished.stderr
    state = json.loads(finished.stdout)
    assert state["before"] == 0
    assert state["frozen"] > 10_000  # the imported application
    assert tuple(state["thresholds"]) == THRESHOLDS
    assert THRESHOLDS[0] > 700


WEB_PROCESS = """
import gc, json
from shopify_loyalty.serving.gunicorn_server import gunicorn_options
options = gunicorn_options(host="127.0.0.1", port=8000, workers=1, threads=1)
import shopify_loyalty.app  # what a web process has loaded when gunicorn calls the hook
options["post_worker_init"](None)
print(json.dumps({"frozen": gc.get_freeze_count(), "thresholds": gc.get_threshold()}))
"""


def test_a_web_process_settles_its_collector_once_the_app_is_loaded() -> None:
    finished = run_python("-c", WEB_PROCESS)
    assert finished.returncode == 0, finished.stderr
    state = json.loads(finished.stdout)
    assert state["frozen"] > 10_000
    assert tuple(state["thresholds"]) == THRESHOLDS
