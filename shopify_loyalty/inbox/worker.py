"""The worker: applies inbox events, then runs queued jobs.

A claim is a lease (owner and expiry) taken by a conditional UPDATE, so any number of
workers can run side by side and an event whose worker died is picked up again when its
lease runs out (``LOYALTY_WORKER_LEASE_SECONDS``). A worker whose pass failed (the database
away) backs off, then first takes back what it had leased itself. The event's effects and
its ``done`` mark commit together: an event is applied exactly once, and the ledger's
idempotency keys make a replay change nothing.

Paid orders waiting together are applied together: up to ``BATCH_SIZE`` of them in one
transaction, each as it would be alone (see ``batches``), which saves a claim, a commit and
the telling of facts per order. If such a transaction fails, its events are applied again
one at a time, so one bad event holds back no other.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.batch_lookups import look_up_for_batch, record_ahead_for_batch
from shopify_loyalty.inbox.batches import BATCH_SIZE, BATCHED_TOPIC, batch_customer, batch_order
from shopify_loyalty.inbox.claims import claim, claim_paid_orders, oldest_due
from shopify_loyalty.inbox.context import InvalidPayload, WebhookContext
from shopify_loyalty.inbox.dispatch import applies_after_uninstall, handler_for
from shopify_loyalty.inbox.models import DONE, FAILED, IGNORED, PENDING, PROCESSING, WebhookEvent
from shopify_loyalty.jobs.runner import claim_next_job, run_job
from shopify_loyalty.monitoring.heartbeats import beat, forget
from shopify_loyalty.points.locks import serialize_events_of_orders
from shopify_loyalty.program_events.telling import holding_back, tell_before_event_of
from shopify_loyalty.retention import prune_as_configured
from shopify_loyalty.services import Services
from shopify_loyalty.shops.installations import stale_reason
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.transaction_memo import forget_event_memos

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 3600.0
POLL_SECONDS = 1.0
PERIODIC_CHECK_SECONDS = 300.0
PRUNE_SECONDS = 3600.0
HEARTBEAT_SECONDS = 5.0
# After a failed pass the worker waits 1 s, 2 s, 4 s ... up to 30 s before the next.
PASS_BACKOFF_BASE_SECONDS = 1.0
PASS_BACKOFF_CAP_SECONDS = 30.0


class Result(StrEnum):
    DONE = DONE
    IGNORED = IGNORED
    RETRY = "retry"
    FAILED = FAILED
    LOST = "lost"  # another worker holds the event


_NOT_JSON = object()


def _parsed(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return _NOT_JSON


def backoff_delay(attempts: int) -> float:
    """Exponential backoff with jitter: about 2 s, 4 s, 8 s ... capped at an hour."""
    delay: float = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.8, 1.2)


class InboxWorker:
    def __init__(
        self,
        services: Services,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.services = services
        self.max_attempts = max_attempts
        self.batch_size = batch_size
        self.owner = uuid.uuid4().hex
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lease = timedelta(seconds=services.settings.worker_lease_seconds)
        self.last_error: str | None = None
        self.failed_passes = 0
        self._periodic_checked = 0.0
        self._pruned: float | None = None
        self._beaten = 0.0
        self._reported_error: str | None = None

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
            try:
                forget(self.services.db, self.owner)
            except Exception as error:  # noqa: BLE001 - the database may be away
                log.warning("could not remove the worker heartbeat: %s", error)

    def wake(self) -> None:
        self._wake.set()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.heartbeat()
                self.queue_periodic_work()
                self.prune_finished_work()
                self.run_until_idle()
                self.last_error = None
                self.failed_passes = 0
            except Exception as error:  # the database may be away for a while
                self.last_error = f"{type(error).__name__}: {error}"[:1000]
                self.failed_passes += 1
                log.warning("inbox worker pass %d failed: %s", self.failed_passes, self.last_error)
            self._wake.wait(self.pause_before_next_pass())
            self._wake.clear()

    def pause_before_next_pass(self) -> float:
        """The poll interval, or after failed passes a growing back-off (capped)."""
        if not self.failed_passes:
            return POLL_SECONDS
        return min(
            PASS_BACKOFF_CAP_SECONDS, PASS_BACKOFF_BASE_SECONDS * 2 ** (self.failed_passes - 1)
        )

    def heartbeat(self) -> None:
        """Tell ``/healthz`` (in any process) that this worker is alive, every few seconds
        and at once when its last pass failed or recovered."""
        changed = self.last_error != self._reported_error
        if changed or time.monotonic() - self._beaten >= HEARTBEAT_SECONDS:
            beat(self.services.db, self.owner, self.last_error)
            self._beaten = time.monotonic()
            self._reported_error = self.last_error

    def queue_periodic_work(self) -> None:
        """Every few minutes, make sure this hour's periodic jobs are queued (keyed, so
        several workers doing it at once queue each job once)."""
        if time.monotonic() - self._periodic_checked < PERIODIC_CHECK_SECONDS:
            return
        from shopify_loyalty.jobs.periodic import queue_periodic_work

        queue_periodic_work(self.services)
        self._periodic_checked = time.monotonic()

    def prune_finished_work(self) -> None:
        """Once an hour, delete the events and jobs that ended over the retention period
        ago (see ``retention``)."""
        if self._pruned is not None and time.monotonic() - self._pruned < PRUNE_SECONDS:
            return
        prune_as_configured(self.services)
        self._pruned = time.monotonic()

    def run_until_idle(self, limit: int | None = None) -> int:
        """Apply due events until none is left (or ``limit`` were handled); returns the count."""
        handled = 0
        while limit is None or handled < limit:
            claimed = self.claim_next()
            if claimed is not None:
                batch = self._with_more(*claimed)
                self.apply_batch(batch)
                handled += len(batch)
                continue
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
            event.lease_until = utcnow() + self.lease
            event.attempts = event.attempts + 1
        return self.apply(event_id)

    def apply_one(self, event_id: int) -> Result:
        """Claim and apply this event if it is due (a Celery message names it), with the paid
        orders due beside it; LOST when it is not due (already applied, held by another
        worker's batch, retried later). See ``apply_each``."""
        return self.apply_each([event_id])[0]

    def apply_each(self, event_ids: Sequence[int]) -> list[Result]:
        """Apply each of these events as a message of its own would (one Celery message
        names the events a web process stored together), oldest first; an event a batch of
        an earlier one applied is not claimed again. The results, one per id.

        A message none of whose events is due left this worker free while others may be
        busy: it takes the paid orders waiting instead (one more statement when there are
        none). Their own messages may sit behind a busy worker's batch, reserved by its
        node, and would wait for it otherwise.
        """
        results: dict[int, Result] = {}
        for event_id in sorted(set(event_ids)):
            if event_id not in results:
                results.update(self._apply_with_batch(event_id))
        if all(result is Result.LOST for result in results.values()):
            self.apply_batch(self._waiting_paid_orders())
        return [results[event_id] for event_id in event_ids]

    def _apply_with_batch(self, event_id: int) -> dict[int, Result]:
        """Claim the event (and, for a paid order, the paid orders due beside it) and apply
        them; the result of each. Just the event's, LOST, when it is not due."""
        topic = self._claim(event_id)
        if topic is None:
            return {event_id: Result.LOST}
        batch = self._with_more(event_id, topic)
        return dict(zip(batch, self.apply_batch(batch), strict=True))

    # -- claiming --------------------------------------------------------------------------
    # Each claim is a statement of its own, committed as it runs (see ``claims``).
    def claim_next(self) -> tuple[int, str] | None:
        """The oldest due event, claimed: its id and topic."""
        with self.services.db.single_statements() as connection:
            now = utcnow()
            for event_id in oldest_due(connection, self.owner, now):
                topic = claim(connection, event_id, self.owner, now, now + self.lease)
                if topic is not None:
                    return event_id, topic
        return None

    def _claim(self, event_id: int) -> str | None:
        """Claim the event if it is due; its topic, or None when it was not due."""
        now = utcnow()
        with self.services.db.single_statements() as connection:
            return claim(connection, event_id, self.owner, now, now + self.lease)

    def _with_more(self, event_id: int, topic: str) -> list[int]:
        """The claimed event and, when it is a paid order, more due paid orders claimed
        beside it, up to the batch size, oldest first; in the order they arrived."""
        if self.batch_size <= 1 or topic != BATCHED_TOPIC:
            return [event_id]
        return sorted([event_id, *self._claim_paid_orders(self.batch_size - 1, event_id)])

    def _waiting_paid_orders(self) -> list[int]:
        """Due paid orders claimed for a batch, up to its size, oldest first and none past an
        earlier due event of another topic."""
        if self.batch_size <= 1:
            return []
        return sorted(self._claim_paid_orders(self.batch_size))

    def _claim_paid_orders(self, size: int, besides: int = 0) -> list[int]:
        now = utcnow()
        with self.services.db.single_statements() as connection:
            return claim_paid_orders(
                connection, size, self.owner, now, now + self.lease, besides=besides
            )

    # -- applying --------------------------------------------------------------------------
    def apply_batch(self, event_ids: list[int]) -> list[Result]:
        """Apply claimed events in one transaction, in this order; if it fails, each again in
        its own. The results, one per event."""
        if len(event_ids) <= 1:
            return [self.apply(event_id) for event_id in event_ids]
        self._fault_pause("after_claim", event_ids[0])
        try:
            with self.services.db.transaction() as session:
                return self._apply_together(session, event_ids)
        except Exception as error:  # noqa: BLE001 - each event gets its own try below
            log.warning(
                "a batch of %d events failed (%s: %s); applying them one at a time",
                len(event_ids),
                type(error).__name__,
                error,
            )
        return [self.apply(event_id) for event_id in event_ids]

    def _apply_together(self, session: Session, event_ids: list[int]) -> list[Result]:
        found = {event.id: (event, shop) for event, shop in self._load(session, event_ids)}
        payloads = {event_id: _parsed(event.payload) for event_id, (event, _) in found.items()}
        # Every order's lock up front, in one round trip and in key order.
        serialize_events_of_orders(
            session,
            (
                (shop, order_id)
                for event_id, (event, shop) in found.items()
                if shop is not None
                and (order_id := batch_order(event.topic, payloads[event_id])) is not None
            ),
        )
        look_up_for_batch(session, [(e.topic, shop, payloads[e.id]) for e, shop in found.values()])
        record_ahead_for_batch(
            session,
            [
                (event.topic, shop, payloads[event.id])
                for event, shop in found.values()
                if self._will_apply(event, shop)
            ],
        )
        results: list[Result] = []
        # Marked done together at the end: one statement for the batch.
        applied: list[WebhookEvent] = []
        with holding_back(session):
            for event_id in event_ids:
                if results:
                    forget_event_memos(session)
                if event_id not in found:
                    results.append(Result.LOST)
                    continue
                event, shop = found[event_id]
                results.append(
                    self._apply_loaded(session, event, shop, payloads[event_id], applied)
                )
        for event in applied:
            self._finish(event, DONE, None)
        return results

    @staticmethod
    def _load(session: Session, event_ids: list[int]) -> list[tuple[WebhookEvent, Shop | None]]:
        """The events, locked, each with its shop, in one round trip."""
        rows = session.execute(
            select(WebhookEvent, Shop)
            .outerjoin(Shop, Shop.domain == WebhookEvent.shop_domain)
            .where(WebhookEvent.id.in_(event_ids))
            .order_by(WebhookEvent.id)
            .with_for_update(of=WebhookEvent)
        )
        return [(event, shop) for event, shop in rows]

    def apply(self, event_id: int) -> Result:
        self._fault_pause("after_claim", event_id)
        try:
            with self.services.db.transaction() as session:
                return self._apply_in(session, event_id)
        except InvalidPayload as error:
            return self._record_failure(event_id, f"invalid payload: {error}", retry=False)
        except Exception as error:
            log.exception("event %s failed", event_id)
            return self._record_failure(event_id, f"{type(error).__name__}: {error}", retry=True)

    def _apply_in(self, session: Session, event_id: int) -> Result:
        found = self._load(session, [event_id])
        if not found:
            return Result.LOST
        event, shop = found[0]
        return self._apply_loaded(session, event, shop)

    def _apply_loaded(
        self,
        session: Session,
        event: WebhookEvent,
        shop: Shop | None,
        payload: Any = None,
        batch: list[WebhookEvent] | None = None,
    ) -> Result:
        """Apply the event; in a batch (``batch`` given) it joins that list to be marked
        done with the others, and its customer is told first if the batch holds back
        telling them."""
        if event.status != PROCESSING or event.lease_owner != self.owner:
            return Result.LOST
        handler = handler_for(event.topic)
        skipped = self._skip_reason(event, shop)
        if skipped is not None:
            return self._finish(event, IGNORED, skipped)
        assert shop is not None and handler is not None
        if payload is None:
            payload = _parsed(event.payload)
        if payload is _NOT_JSON:
            raise InvalidPayload("body", "not JSON")
        if batch is not None:
            tell_before_event_of(session, shop, batch_customer(event.topic, payload))
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
        self._fault_pause("before_commit", event.id)
        if batch is not None:
            batch.append(event)
            return Result.DONE
        return self._finish(event, DONE, None)

    def _will_apply(self, event: WebhookEvent, shop: Shop | None) -> bool:
        """Whether ``_apply_loaded`` hands the event to its handler (unless it fails)."""
        return (
            event.status == PROCESSING
            and event.lease_owner == self.owner
            and self._skip_reason(event, shop) is None
        )

    @staticmethod
    def _skip_reason(event: WebhookEvent, shop: Shop | None) -> str | None:
        """Why the claimed event is ignored rather than applied, or None when it is applied
        (or was not this worker's to apply)."""
        if shop is None or handler_for(event.topic) is None:
            return "shop or topic unknown at processing time"
        if not shop.is_installed and not applies_after_uninstall(event.topic):
            return "shop has uninstalled the app"
        return stale_reason(shop, event.topic, event.triggered_at)

    def _fault_pause(self, point: str, event_id: int) -> None:
        """The ``LOYALTY_FAULT_PAUSE`` test hook: wait here so a test can cut the database
        or kill the process at this point of applying an event."""
        pause = self.services.settings.fault_pause
        if pause is not None and pause[0] == point:
            log.warning("fault pause: %s of event %s for %.1f s", point, event_id, pause[1])
            self._stop.wait(pause[1])

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
