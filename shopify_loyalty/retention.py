"""Forgetting finished work: applied webhook events and finished jobs, some days after.

Every delivery and every job leaves a row, and a busy shop leaves millions a month. Once an
event is applied its row only serves to spot a duplicate delivery, and Shopify retries a
delivery for at most four hours (8 times, with backoff); a replay after the row is gone is
still harmless, since the ledger's idempotency keys credit an order once. The payloads also
hold customers' names and addresses, which the app has no reason to keep. So applied and
ignored events, and jobs that are done, are deleted ``LOYALTY_RETENTION_DAYS`` (30) after
they ended. Failed events and jobs stay: they wait for a merchant's replay and are counted
by ``/healthz``; so does anything still waiting or running.

Both tables are walked along their primary key from the oldest row, a chunk at a time, each
chunk deleted in its own short transaction: ids grow with the time rows were written, so the
walk stops at the first chunk that reaches rows younger than the cutoff, and no index on a
time column is needed (each would cost every applied event an index entry). Any number of
workers may prune at once: a row deleted twice is deleted once. The newest row of a table
is always kept: SQLite hands out the highest id plus one, and must not give a deleted
event's id to a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from shopify_loyalty.db import Database, utcnow
from shopify_loyalty.inbox.models import DONE, IGNORED, WebhookEvent
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.services import Services

CHUNK = 2000


@dataclass(frozen=True)
class _Finished:
    """Which rows of a table are finished work, and when they were written and ended."""

    model: Any
    written: Any
    ended: Any
    statuses: tuple[str, ...]


_EVENTS = _Finished(
    WebhookEvent, WebhookEvent.received_at, WebhookEvent.processed_at, (DONE, IGNORED)
)
_JOBS = _Finished(Job, Job.created_at, Job.finished_at, ("done",))


@dataclass(frozen=True)
class Pruned:
    events: int
    jobs: int


def prune_finished_work(
    db: Database, now: datetime, keep: timedelta, *, chunk: int = CHUNK
) -> Pruned:
    """Delete the events applied or ignored, and the jobs done, more than ``keep`` before
    ``now``; how many of each."""
    cutoff = now - keep
    return Pruned(
        events=_prune(db, _EVENTS, cutoff, chunk),
        jobs=_prune(db, _JOBS, cutoff, chunk),
    )


def prune_as_configured(services: Services) -> Pruned:
    """Delete what ended more than ``LOYALTY_RETENTION_DAYS`` ago, now (what the workers do
    every hour and ``events prune`` does at once)."""
    keep = timedelta(days=services.settings.retention_days)
    return prune_finished_work(services.db, utcnow(), keep)


def _prune(db: Database, table: _Finished, cutoff: datetime, chunk: int) -> int:
    deleted = 0
    after = 0
    with db.sessions() as session:
        newest = session.scalar(select(func.max(table.model.id)))
    if newest is None:
        return 0
    while True:
        with db.transaction() as session:
            rows = session.execute(
                select(table.model.id, table.written)
                .where(table.model.id > after, table.model.id < newest)
                .order_by(table.model.id)
                .limit(chunk)
            ).all()
            if not rows:
                return deleted
            result = session.execute(
                delete(table.model)
                .where(
                    table.model.id.in_([row_id for row_id, _ in rows]),
                    table.model.status.in_(table.statuses),
                    table.ended < cutoff,
                )
                .execution_options(synchronize_session=False)
            )
            deleted += int(result.rowcount or 0)  # type: ignore[attr-defined]
        after, last_written = rows[-1]
        if len(rows) < chunk or last_written >= cutoff:
            return deleted
