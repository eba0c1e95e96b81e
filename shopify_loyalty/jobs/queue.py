"""Enqueueing outbound work, and the registry of what runs each kind of job.

Work that talks to Shopify is enqueued in the same transaction as the change that calls for
it, so it happens if and only if that change commits; the worker runs it afterwards with
retries. A job key is unique per shop, so enqueueing the same work twice queues it once.
With Redis, the job's id is sent to the Celery workers once the transaction commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.unique_rows import insert_unless_present
from shopify_loyalty.workers.dispatch import note_queued_job

JobHandler = Callable[[Services, str, dict[str, Any]], None]

_HANDLERS: dict[str, JobHandler] = {}


class PermanentJobError(Exception):
    """The job can never succeed (bad data, a refusal that retrying will not change)."""


def job(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Register ``handler(services, shop_domain, payload)`` as the runner of ``kind``."""

    def register(handler: JobHandler) -> JobHandler:
        if kind in _HANDLERS and _HANDLERS[kind] is not handler:
            raise ValueError(f"job kind {kind} is registered twice")
        _HANDLERS[kind] = handler
        return handler

    return register


def handler_for(kind: str) -> JobHandler | None:
    from shopify_loyalty.jobs.registry import load_job_modules

    load_job_modules()
    return _HANDLERS.get(kind)


def enqueue(
    session: Session,
    shop: Shop,
    kind: str,
    payload: dict[str, Any],
    key: str,
    run_at: datetime | None = None,
) -> None:
    """Queue the job in the caller's transaction; a second job with the same key is dropped."""
    queued = insert_unless_present(
        session,
        Job(
            shop_id=shop.id,
            kind=kind,
            key=key,
            payload=json.dumps(payload, default=str),
            next_attempt_at=run_at or utcnow(),
        ),
    )
    if queued is None:
        return
    if run_at is None or run_at <= utcnow():
        note_queued_job(session, queued.id)
