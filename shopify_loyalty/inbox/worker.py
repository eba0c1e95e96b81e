"""The worker: applies inbox events, each in one transaction, then runs queued jobs.

A claim is a lease (owner and expiry) taken by a conditional UPDATE, so any number of
workers can run side by side and an event whose worker died is picked up again when its
lease runs out. The event's effects and its ``done`` mark commit together: an event is
applied exactly once, and the ledger's idempotency keys make a replay change nothing.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.context import InvalidPayload, WebhookContext
from shopify_loyalty.inbox.dispatch import applies_after_uninstall, handler_for
from shopify_loyalty.inbox.models import DONE, FAILED, IGNORED, PENDING, PROCESSING, WebhookEvent
from shopify_loyalty.jobs.runner import claim_next_job, run_job
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 3600.0
POLL_SECONDS = 1.0
PERIODIC_CHECK_SECONDS = 300.0


class Result(StrEnum):
    DONE = DONE
    IGNORED = IGNORED
    RETRY = "retry"
    FAILED = FAILED
    LOST = "lost"  # another worker holds the event


def backoff_delay(attempts: int) -> float:
    """Exponential backoff with jitter: about 2 s, 4 s, 8 s ... capped at an hour."""
    delay: float = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.8, 1.2)


class InboxWorker:
    def __init__(self, services: Services, *, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.services = services
        self.max_attempts = max_attempts
        self.owner = uuid.uuid4().hex
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self._periodic_checked = 0.0

    # -- running ---------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="inbox-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.queue_periodic_work()
                self.run_until_idle()
                self.last_error = None
            except Exception as error:  # the database may be away for a while
                self.last_error = f"{type(error).__name__}: {error}"
                log.warning("inbox worker pass failed: %s", self.last_error)
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def queue_periodic_work(self) -> None:
        """Every few minutes, make sure this hour's periodic jobs are queued (keyed, so
        several workers doing it at once queue each job once)."""
        if time.monotonic() - self._periodic_checked < PERIODIC_CHECK_SECONDS:
            return
        from shopify_loyalty.jobs.periodic import queue_periodic_work

        queue_periodic_work(self.services)
        self._periodic_checked = time.monotonic()

    def run_until_idle(self, limit: int | None = None) -> int:
        """Apply due events until none is left (or ``limit`` were handled); returns the count."""
        handled = 0
        while limit is None or handled < limit:
            event_id = self.claim_next()
            if event_id is not None:
                self.apply(event_id)
            else:
                # Outbound work queued by the events just applied runs once the inbox is empty.
                job_id = claim_next_job(self.services, self.owner)
                if job_id is None:
                    return handled
                run_job(self.services, job_id, self.owner, backoff_delay)
            handled += 1
        return handled

    def replay(self, event_id: int) -> Result:
        """Apply one event again now, whatever its state; idempotency keys make it safe."""
        with self.services.db.transaction() as session:
            event = session.get(WebhookEvent, event_id)
            if event is None:
                raise LookupError(f"no event {event_id}")
            event.status = PROCESSING
            event.lease_owner = self.owner
            event.lease_until = utcnow() + LEASE
            event.attempts = event.attempts + 1
        return self.apply(event_id)

    # -- claiming --------------------------------------------------------------------------
    def claim_next(self) -> int | None:
        now = utcnow()
        due = or_(
            and_(WebhookEvent.status == PENDING, WebhookEvent.next_attempt_at <= now),
            and_(WebhookEvent.status == PROCESSING, WebhookEvent.lease_until < now),
        )
        with self.services.db.sessions() as session:
            candidates = session.scalars(
                select(WebhookEvent.id).where(due).order_by(WebhookEvent.id).limit(20)
            ).all()
            session.rollback()
            for event_id in candidates:
                if self._claim(session, event_id):
                    return event_id
        return None

    def _claim(self, session: Session, event_id: int) -> bool:
        now = utcnow()
        with session.begin():
            claimed = session.execute(
                update(WebhookEvent)
                .where(
                    WebhookEvent.id == event_id,
                    or_(
                        and_(WebhookEvent.status == PENDING, WebhookEvent.next_attempt_at <= now),
                        and_(WebhookEvent.status == PROCESSING, WebhookEvent.lease_until < now),
                    ),
                )
                .values(
                    status=PROCESSING,
                    lease_owner=self.owner,
                    lease_until=now + LEASE,
                    attempts=WebhookEvent.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
        return bool(claimed.rowcount)  # type: ignore[attr-defined]

    # -- applying --------------------------------------------------------------------------
    def apply(self, event_id: int) -> Result:
        try:
            with self.services.db.transaction() as session:
                return self._apply_in(session, event_id)
        except InvalidPayload as error:
            return self._record_failure(event_id, f"invalid payload: {error}", retry=False)
        except Exception as error:
            log.exception("event %s failed", event_id)
            return self._record_failure(event_id, f"{type(error).__name__}: {error}", retry=True)

    def _apply_in(self, session: Session, event_id: int) -> Result:
        event = session.scalar(
            select(WebhookEvent).where(WebhookEvent.id == event_id).with_for_update()
        )
        if event is None or event.status != PROCESSING or event.lease_owner != self.owner:
            return Result.LOST
        shop = session.scalar(select(Shop).where(Shop.domain == event.shop_domain))
        handler = handler_for(event.topic)
        if shop is None or handler is None:
            return self._finish(event, IGNORED, "shop or topic unknown at processing time")
        if not shop.is_installed and not applies_after_uninstall(event.topic):
            return self._finish(event, IGNORED, "shop has uninstalled the app")
        try:
            payload = json.loads(event.payload)
        except ValueError as error:
            raise InvalidPayload("body", "not JSON") from error
        handler(
            WebhookContext(
                session=session,
                shop=shop,
                topic=event.topic,
                payload=payload,
                event=event,
                services=self.services,
            )
        )
        return self._finish(event, DONE, None)

    @staticmethod
    def _finish(event: WebhookEvent, status: str, note: str | None) -> Result:
        event.status = status
        event.last_error = note
        event.lease_owner = None
        event.lease_until = None
        event.processed_at = utcnow()
        return Result(status)

    def _record_failure(self, event_id: int, error: str, *, retry: bool) -> Result:
        with self.services.db.transaction() as session:
            event = session.get(WebhookEvent, event_id)
            if event is None or event.lease_owner != self.owner:
                return Result.LOST
            event.last_error = error[:4000]
            event.lease_owner = None
            event.lease_until = None
            if retry and event.attempts < self.max_attempts:
                event.status = PENDING
                event.next_attempt_at = utcnow() + timedelta(seconds=backoff_delay(event.attempts))
                return Result.RETRY
            event.status = FAILED
            event.processed_at = utcnow()
            return Result.FAILED
