"""What real Celery processes load as they start (Python's ``-X importtime`` in their logs):
a worker's main process imports, before it forks, all the code its tasks run, so no child
imports any of it again on its first events; beat sends tasks by name and loads none of it.
Neither loads the web framework or Celery's own command line."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.points.ledger import Balance
from shopify_loyalty.services import Services
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.conftest import new_id
from tests.engine.test_points_earning import paid_order, refund
from tests.workers.conftest import WorkerProcess

IMPORT_TIMES = {"PYTHONPROFILEIMPORTTIME": "1"}
NEVER_LOADED = ("flask", "werkzeug", "shopify_loyalty.app", "celery.bin", "click_repl")


def imported(log: str) -> list[str]:
    """The modules a ``-X importtime`` log names, in the order they finished loading."""
    return [line.rsplit("|", 1)[1].strip() for line in log.splitlines() if "import time:" in line]


def within(packages: tuple[str, ...], modules: list[str]) -> list[str]:
    return [
        name
        for name in modules
        if any(name == package or name.startswith(f"{package}.") for package in packages)
    ]


@pytest.fixture
def traced(
    worker_environ: dict[str, str], tmp_path: Path
) -> Iterator[Callable[..., WorkerProcess]]:
    """Start a command of ours with its imports timed into its log."""
    started: list[WorkerProcess] = []

    def start(command: str, *args: str) -> WorkerProcess:
        log = tmp_path / f"{command}-{len(started)}.log"
        process = WorkerProcess({**worker_environ, **IMPORT_TIMES}, log, *args, command=command)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def test_the_children_of_a_worker_import_nothing_of_the_app_to_apply_events(
    shop: str,
    celery_sender: WebhookSender,
    traced: Callable[..., WorkerProcess],
    applied: Callable[..., None],
    points_of: Callable[[int], Balance],
) -> None:
    customer = new_id()
    orders = [new_id() for _ in range(4)]
    for order in orders:
        celery_sender.deliver(shop, "orders/paid", paid_order(order, customer, "10.00"))
    celery_sender.deliver(shop, "refunds/create", refund(new_id(), orders[0], "10.00"))

    worker = traced("worker", "--concurrency", "2")
    worker.wait_ready()
    applied(5, timeout=90)
    worker.stop()

    assert points_of(customer) == Balance(available=0, pending=30)
    before_ready, after_ready = worker.log.read_text().split(" ready.", 1)
    assert "shopify_loyalty.workers.tasks" in imported(before_ready)
    assert within(("shopify_loyalty", "webhooks"), imported(after_ready)) == []
    assert within(NEVER_LOADED, imported(before_ready + after_ready)) == []


def test_a_beat_of_its_own_sends_the_sweep_and_loads_none_of_the_tasks_code(
    shop: str,
    celery_sender: WebhookSender,
    start_worker: Callable[..., WorkerProcess],
    traced: Callable[..., WorkerProcess],
    services: Services,
    broker,
    points_of: Callable[[int], Balance],
) -> None:
    customer = new_id()
    response = celery_sender.deliver(shop, "orders/paid", paid_order(new_id(), customer, "7.00"))
    broker.flushdb()  # the message is gone, as if Redis had lost it
    with services.db.transaction() as session:  # and it was sent long enough ago
        session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == response.json()["event"])
            .values(received_at=utcnow() - timedelta(minutes=5))
        )
    start_worker("--concurrency", "1")

    beat = traced("beat")
    deadline = time.monotonic() + 40
    while points_of(customer) != Balance(0, 7) and time.monotonic() < deadline:
        time.sleep(0.2)
    beat.stop()

    assert points_of(customer) == Balance(available=0, pending=7)
    modules = imported(beat.log.read_text())
    assert "shopify_loyalty.workers.schedule" in modules
    assert within(("webhooks", "shopify_loyalty.inbox", "shopify_loyalty.points"), modules) == []
    assert within(("shopify_loyalty.jobs.periodic", *NEVER_LOADED), modules) == []
