"""A job cut short in its own worker (the database went away while it ran) is taken back by
that worker at once, not after its five-minute lease."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from tests.faults.conftest import wait_until
from tests.test_job_retries import flaky  # noqa: F401  (registers the job kind)


def test_a_job_left_running_under_the_workers_own_name_is_run_again_at_once(
    shop: str, services: Services, stop_in_process_worker: Callable[[], None]
) -> None:
    worker = services.worker
    assert worker is not None
    stop_in_process_worker()
    with services.db.transaction() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        enqueue(session, shop_row, "tests.flaky", {"name": "cut-short"}, key="cut-short")
    with services.db.transaction() as session:
        job = session.scalars(select(Job).where(Job.key == "cut-short")).one()
        job.status, job.attempts = "running", 1
        job.lease_owner, job.lease_until = worker.owner, utcnow() + timedelta(minutes=5)
    worker.start()

    def done() -> bool:
        with services.db.sessions() as session:
            job = session.scalars(select(Job).where(Job.key == "cut-short")).one()
            return (job.status, job.attempts) == ("done", 2)

    wait_until(done, 10, "the worker to run its interrupted job again")
