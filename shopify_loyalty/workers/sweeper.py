"""Sending again what a lost message or a killed worker left behind.

An event or job is swept when a worker could claim it now (pending and due, or held on a
lapsed lease) and no message has been sent for it since it became so: it was never sent
(the broker was away), it was retried with a delay since, its lease ran out since, or its
last message is older than ``REDISPATCH`` (lost, or held by a killed worker that had
prefetched it). While the broker's queue still holds messages, a pending row is more likely
waiting in it than lost, so the window grows to the broker's visibility timeout: sending a
duplicate for every row of a long backlog every minute would only lengthen the queue (a
duplicate is harmless, the claim lets one through, but it costs a worker a round trip).
Rows a worker has locked right now are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.claims import due_events
from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.jobs.runner import due_jobs
from shopify_loyalty.services import Services
from shopify_loyalty.workers.celery_app import QUEUE, VISIBILITY_TIMEOUT_SECONDS
from shopify_loyalty.workers.dispatch import Dispatcher

REDISPATCH = timedelta(seconds=60)
REDISPATCH_BEHIND_A_QUEUE = timedelta(seconds=VISIBILITY_TIMEOUT_SECONDS)
BATCH = 2000


@dataclass(frozen=True)
class SweepReport:
    events: int
    jobs: int


def sweep(services: Services, dispatcher: Dispatcher, now: datetime | None = None) -> SweepReport:
    """Send a message again for every event and job left behind (up to ``BATCH`` each)."""
    moment = now or utcnow()
    window = REDISPATCH if queued_messages(services) == 0 else REDISPATCH_BEHIND_A_QUEUE
    with services.db.transaction() as session:
        event_ids = _events_left_behind(session, moment, window)
        job_ids = _jobs_left_behind(session, moment, window)
    dispatcher.events_stored(event_ids)
    dispatcher.jobs_queued(job_ids)
    return SweepReport(events=len(event_ids), jobs=len(job_ids))


def queued_messages(services: Services) -> int:
    """Messages waiting in the broker's queue (0 when it cannot be asked)."""
    if services.redis is None:
        return 0
    try:
        return int(services.redis.llen(QUEUE))
    except RedisError:
        return 0


def _events_left_behind(session: Session, now: datetime, window: timedelta) -> list[int]:
    return _left_behind(
        session, WebhookEvent, due_events(now), WebhookEvent.received_at, now, window
    )


def _jobs_left_behind(session: Session, now: datetime, window: timedelta) -> list[int]:
    return _left_behind(session, Job, due_jobs(now), Job.created_at, now, window)


def _left_behind(
    session: Session,
    model: type[WebhookEvent] | type[Job],
    due: ColumnElement[bool],
    stored_at: InstrumentedAttribute[datetime],
    now: datetime,
    window: timedelta,
) -> list[int]:
    """Ids of ``model``'s rows left behind, marked as sent now (rows locked elsewhere skipped)."""
    sent = func.coalesce(model.dispatched_at, stored_at)
    ids = list(
        session.scalars(
            select(model.id)
            .where(
                due,
                or_(
                    sent < model.next_attempt_at,
                    sent < model.lease_until,
                    sent < now - window,
                ),
            )
            .order_by(model.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:
        session.execute(
            update(model)
            .where(model.id.in_(ids))
            .values(dispatched_at=now)
            .execution_options(synchronize_session=False)
        )
    return ids
