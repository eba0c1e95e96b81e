"""Group commit: the deliveries that reach one web process at the same moment are stored
together, with one statement and one commit, and each is answered only once it is stored.

A commit waits for PostgreSQL to flush its log to disk, and every statement costs a round
trip and its own planning: at a few thousand deliveries a second that cost, not the request
handling, is what an inbox write spends. So the first request thread to arrive stores the
batch for everyone who arrives while its statement is running (the leader); the others wait
for their own result (followers). A leader whose own delivery is stored hands the next
batch to one of the waiting threads, so no request waits longer than for the batch before
its own. Nothing is acknowledged before its commit: a failure reaches every request of the
batch as its own error (the receiver answers 503, and Shopify delivers again).

With Celery workers the batch's accepted events are announced by one message naming them
all, sent by the leader after it has handed the lead on (the next batch is not held up by
the broker) and before its followers are answered, as a delivery stored alone is announced
before its answer. A broker that is away fails no delivery: the sweeper sends the message
later.

Batches are written on a connection of the process's own
(:class:`~shopify_loyalty.inbox.batch_connection.BatchConnection`). A batch that fails for
anything but an unreachable database is stored again one delivery at a time, so one
delivery the database refuses cannot fail the others. SQLite, which has one writer at a
time, and deliveries without ids (they cannot be told apart in a batch) are stored one by
one as before. A delivery stored by a statement of its own gets a message of its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shopify_loyalty.db import Database
from shopify_loyalty.errors import DATABASE_UNAVAILABLE
from shopify_loyalty.inbox.batch_connection import BatchConnection
from shopify_loyalty.inbox.batch_store import Stored, is_batchable, store_deliveries
from shopify_loyalty.inbox.store import Delivery, Outcome, store_delivery

if TYPE_CHECKING:
    from shopify_loyalty.workers.dispatch import Dispatcher

log = logging.getLogger(__name__)

MAX_BATCH = 64


def _taken_lock() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass(eq=False)
class _Waiting:
    """One request's delivery; its thread blocks on ``_wake`` until it is answered or made
    the leader (a bare lock, taken at creation: releasing it costs far less than an Event)."""

    delivery: Delivery
    result: Stored | None = None
    error: BaseException | None = None
    lead_next: bool = False
    _wake: threading.Lock = field(default_factory=_taken_lock)

    def wait(self) -> None:
        self._wake.acquire()

    def wake(self) -> None:
        self._wake.release()


class GroupCommit:
    """Stores deliveries for the request threads of one process, batched while they wait."""

    def __init__(
        self, db: Database, *, max_batch: int = MAX_BATCH, dispatcher: Dispatcher | None = None
    ) -> None:
        self.db = db
        self.max_batch = max_batch
        self.dispatcher = dispatcher
        self._batches_on_postgresql = db.engine.dialect.name == "postgresql"
        self._connection = BatchConnection(db.engine)
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._leading = False
        self.batches = 0
        self.batched = 0

    def store(self, delivery: Delivery) -> Stored:
        if not self._batches_on_postgresql or not is_batchable(delivery):
            stored = _store_one(self.db, delivery)
            self._announce([stored], together=False)
            return stored
        waiting = _Waiting(delivery)
        with self._lock:
            self._queue.append(waiting)
            lead = not self._leading
            self._leading = True
        if not lead:
            waiting.wait()
        if lead or waiting.lead_next:
            self._lead(waiting)
        return _outcome(waiting)

    def _lead(self, own: _Waiting) -> None:
        """Store batches until ``own`` is stored, pass the lead on (or give it up), then
        announce the stored events and answer their requests."""
        led: list[_Waiting] = []
        announcements: list[tuple[list[Stored | None], bool]] = []
        try:
            while own.result is None and own.error is None:
                with self._lock:
                    batch = self._queue[: self.max_batch]
                    del self._queue[: self.max_batch]
                led.extend(batch)
                together = self._store_batch(batch)
                announcements.append(([waiting.result for waiting in batch], together))
        finally:
            self._pass_lead()
            try:
                for results, together in announcements:
                    self._announce(results, together=together)
            finally:
                for waiting in led:
                    if waiting is not own:
                        waiting.wake()

    def _pass_lead(self) -> None:
        with self._lock:
            if not self._queue:
                self._leading = False
                return
            successor = self._queue[0]
            successor.lead_next = True
        successor.wake()

    def _store_batch(self, batch: list[_Waiting]) -> bool:
        """Store the batch and note each request's result (or error), answering none yet;
        whether the batch was stored by one statement (not one delivery at a time)."""
        self.batches += 1
        self.batched += len(batch)
        try:
            deliveries = [waiting.delivery for waiting in batch]
            results = self._connection.run(
                lambda connection: store_deliveries(connection, deliveries)
            )
        except DATABASE_UNAVAILABLE as error:  # storing one by one would not help
            for waiting in batch:
                waiting.error = error
        except Exception:
            for waiting in batch:
                try:
                    waiting.result = _store_one(self.db, waiting.delivery)
                except Exception as error:
                    waiting.error = error
        except BaseException as error:
            for waiting in batch:
                waiting.error = error
            raise
        else:
            for waiting, result in zip(batch, results, strict=True):
                waiting.result = result
            return True
        return False

    def _announce(self, results: Sequence[Stored | None], *, together: bool) -> None:
        """Tell the workers about the accepted events: one message for those stored
        together, one each for those stored one by one."""
        if self.dispatcher is None:
            return
        event_ids = [
            result[1]
            for result in results
            if result is not None and result[0] is Outcome.ACCEPTED and result[1] is not None
        ]
        if not event_ids:
            return
        try:
            if together:
                self.dispatcher.events_stored_together(event_ids)
            else:
                self.dispatcher.events_stored(event_ids)
        except Exception as error:  # noqa: BLE001 - the sweeper sends them later
            log.warning("could not announce %d events: %s", len(event_ids), error)

    def close(self) -> None:
        """Close the batches' connection (a later batch opens it again)."""
        self._connection.close()


def _store_one(db: Database, delivery: Delivery) -> Stored:
    with db.single_statements() as connection:
        return store_delivery(connection, delivery)


def _outcome(waiting: _Waiting) -> Stored:
    if waiting.error is not None:
        raise waiting.error
    if waiting.result is None:
        raise RuntimeError("a delivery was left without a result")
    return waiting.result
