"""The Celery tasks. Each takes an id (``loyalty.apply_events`` a list of them), claims the
row with the inbox's or the job queue's lease, and does the work exactly as the in-process
worker would; a message for a row that is not due (already applied, held by another worker,
retried later) does nothing."""

from __future__ import annotations

import importlib
import logging
import os
import uuid

from celery import Celery
from celery.signals import worker_process_init

from shopify_loyalty.inbox.worker import InboxWorker, backoff_delay
from shopify_loyalty.jobs.periodic import queue_periodic_work
from shopify_loyalty.jobs.registry import load_job_modules
from shopify_loyalty.jobs.runner import claim_job, run_job
from shopify_loyalty.monitoring.heartbeats import beat
from shopify_loyalty.retention import prune_as_configured
from shopify_loyalty.services import Services
from shopify_loyalty.workers.dispatch import (
    EVENT_TASK,
    EVENTS_TASK,
    JOB_TASK,
    PERIODIC_TASK,
    PRUNE_TASK,
    SWEEP_TASK,
    CeleryDispatcher,
)
from shopify_loyalty.workers.sweeper import sweep

log = logging.getLogger(__name__)

# What applying an event imports on first use (to break import cycles), beyond the modules
# of the jobs.
IMPORTED_ON_FIRST_USE = ("shopify_loyalty.program_events.consumers",)


def load_task_modules() -> None:
    """Import everything the tasks run, which they would otherwise import on first use: a
    worker does it before forking, so that no child imports it again on its first task."""
    load_job_modules()
    for module in IMPORTED_ON_FIRST_USE:
        importlib.import_module(module)


class _ProcessWorker:
    """One lease owner per operating-system process: prefork children must not share one,
    or a child could take another's lapsed lease for its own."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._pid = -1
        self._inbox: InboxWorker | None = None
        self.owner = ""

    def inbox(self) -> InboxWorker:
        if self._inbox is None or self._pid != os.getpid():
            self._pid = os.getpid()
            self._inbox = InboxWorker(self.services)
            self.owner = f"{os.getpid()}:{uuid.uuid4().hex[:16]}"
            self._inbox.owner = self.owner
        return self._inbox


def register_tasks(app: Celery, services: Services) -> None:
    """Define the tasks on ``app``, each running with ``services``."""
    if not isinstance(services.dispatcher, CeleryDispatcher):
        raise ValueError("the worker's services need the Celery dispatcher (REDIS_URL)")
    dispatcher = services.dispatcher
    process = _ProcessWorker(services)

    @worker_process_init.connect(weak=False)
    def _after_fork(**_: object) -> None:
        # Connections opened before the fork belong to the parent.
        services.db.engine.dispose(close=False)
        services.reset_redis()

    @app.task(name=EVENT_TASK, ignore_result=True)
    def apply_event(event_id: int) -> str:
        return process.inbox().apply_one(event_id).value

    @app.task(name=EVENTS_TASK, ignore_result=True)
    def apply_events(event_ids: list[int]) -> list[str]:
        return [result.value for result in process.inbox().apply_each(event_ids)]

    @app.task(name=JOB_TASK, ignore_result=True)
    def run_queued_job(job_id: int) -> str:
        process.inbox()
        if not claim_job(services, job_id, process.owner):
            return "lost"
        return run_job(services, job_id, process.owner, backoff_delay)

    @app.task(name=SWEEP_TASK, ignore_result=True)
    def sweep_left_behind() -> dict[str, int]:
        process.inbox()
        # The sweep runs every few seconds on some worker: its heartbeat tells /healthz
        # that Celery workers are alive.
        beat(services.db, process.owner, None)
        report = sweep(services, dispatcher)
        if report.events or report.jobs:
            log.info("sent again: %d events, %d jobs", report.events, report.jobs)
        return {"events": report.events, "jobs": report.jobs}

    @app.task(name=PRUNE_TASK, ignore_result=True)
    def prune_finished() -> dict[str, int]:
        pruned = prune_as_configured(services)
        return {"events": pruned.events, "jobs": pruned.jobs}

    @app.task(name=PERIODIC_TASK, ignore_result=True)
    def queue_periodic(area: str) -> int:
        return queue_periodic_work(services, area=area)
