"""Telling the Celery workers about new inbox events and queued jobs, by id only.

The database stays the source of truth: a message says no more than "event 42 is waiting",
and the task claims the row with the inbox's lease logic before doing anything. So a message
sent twice does nothing twice, and one that is lost is sent again by the sweeper.

The deliveries a web process stores together (``inbox/group_commit.py``) are announced
together, by one message naming all their ids (``loyalty.apply_events``): one message a
batch instead of one an event, and its task applies them as their own messages would. The
sweeper and deliveries stored one by one send one message per id (``loyalty.apply_event``,
which workers keep taking, as the messages queued before the batches were).

Jobs are enqueued inside the transaction of the change that calls for them; their ids are
collected on the session and sent only once that transaction commits (a rolled-back job
must not be announced, and a worker must not look for a row it cannot see yet).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from celery import Celery

    from shopify_loyalty.db import Database

log = logging.getLogger(__name__)

EVENT_TASK = "loyalty.apply_event"
EVENTS_TASK = "loyalty.apply_events"
JOB_TASK = "loyalty.run_job"
SWEEP_TASK = "loyalty.sweep"
PERIODIC_TASK = "loyalty.queue_periodic"
PRUNE_TASK = "loyalty.prune_finished"
QUEUED_JOBS = "loyalty.queued_jobs"


class Dispatcher(Protocol):
    def events_stored(self, event_ids: Sequence[int]) -> None: ...

    def events_stored_together(self, event_ids: Sequence[int]) -> None: ...

    def jobs_queued(self, job_ids: Sequence[int]) -> None: ...


def note_queued_job(session: Session, job_id: int) -> None:
    """Remember a job queued in this session's transaction, to announce after commit."""
    session.info.setdefault(QUEUED_JOBS, []).append(job_id)


class CeleryDispatcher:
    """Sends task messages to the Celery broker; a failed send is left to the sweeper."""

    def __init__(self, redis_url: str | None = None, *, celery: Celery | None = None) -> None:
        if celery is None:
            from shopify_loyalty.workers.celery_app import make_celery

            if redis_url is None:
                raise ValueError("a Redis URL or a Celery app is required")
            celery = make_celery(redis_url)
        self.celery = celery

    def watch(self, db: Database) -> None:
        """Announce the jobs queued in any of ``db``'s sessions when that session commits."""
        event.listen(db.sessions, "after_commit", self._after_commit)
        event.listen(db.sessions, "after_rollback", self._after_rollback)

    def events_stored(self, event_ids: Sequence[int]) -> None:
        """One message per event."""
        self._send(EVENT_TASK, [(int(event_id),) for event_id in event_ids])

    def events_stored_together(self, event_ids: Sequence[int]) -> None:
        """One message for all the events (a single one goes as its own message)."""
        if len(event_ids) == 1:
            self.events_stored(event_ids)
        elif event_ids:
            self._send(EVENTS_TASK, [([int(event_id) for event_id in event_ids],)])

    def jobs_queued(self, job_ids: Sequence[int]) -> None:
        self._send(JOB_TASK, [(int(job_id),) for job_id in job_ids])

    def _send(self, task: str, messages: Sequence[tuple[object, ...]]) -> None:
        """Send a ``task`` message with each of these arguments."""
        if not messages:
            return
        try:
            with self.celery.producer_or_acquire() as producer:
                for args in messages:
                    self.celery.send_task(task, args=args, producer=producer)
        except Exception as error:  # the broker is away: the sweeper sends them later
            log.warning("could not send %d %s messages: %s", len(messages), task, error)

    def _after_commit(self, session: Session) -> None:
        queued = session.info.pop(QUEUED_JOBS, None)
        if queued:
            self.jobs_queued(queued)

    @staticmethod
    def _after_rollback(session: Session) -> None:
        # A savepoint's rollback leaves the outer transaction (and its jobs) alive.
        if not session.in_transaction():
            session.info.pop(QUEUED_JOBS, None)
