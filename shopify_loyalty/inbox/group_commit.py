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

Batches are written on a connection of the process's own
(:class:`~shopify_loyalty.inbox.batch_connection.BatchConnection`). A batch that fails for
anything but an unreachable database is stored again one delivery at a time, so one
delivery the database refuses cannot fail the others. SQLite, which has one writer at a
time, and deliveries without ids (they cannot be told apart in a batch) are stored one by
one as before.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from shopify_loyalty.db import Database
from shopify_loyalty.errors import DATABASE_UNAVAILABLE
from shopify_loyalty.inbox.batch_connection import BatchConnection
from shopify_loyalty.inbox.batch_store import Stored, is_batchable, store_deliveries
from shopify_loyalty.inbox.store import Delivery, store_delivery

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

    def finish(self, result: Stored | None, error: BaseException | None = None) -> None:
        self.result, self.error = result, error
        self.wake()


class GroupCommit:
    """Stores deliveries for the request threads of one process, batched while they wait."""

    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.max_batch = max_batch
        self._batches_on_postgresql = db.engine.dialect.name == "postgresql"
        self._connection = BatchConnection(db.engine)
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._leading = False
        self.batches = 0
        self.batched = 0

    def store(self, delivery: Delivery) -> Stored:
        if not self._batches_on_postgresql or not is_batchable(delivery):
            return _store_one(self.db, delivery)
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
        """Store batches until ``own`` is stored, then pass the lead on (or give it up)."""
        try:
            while own.result is None and own.error is None:
                with self._lock:
                    batch = self._queue[: self.max_batch]
                    del self._queue[: self.max_batch]
                self._store_batch(batch)
        finally:
            self._pass_lead()

    def _pass_lead(self) -> None:
        with self._lock:
            if not self._queue:
                self._leading = False
                return
            successor = self._queue[0]
            successor.lead_next = True
        successor.wake()

    def _store_batch(self, batch: list[_Waiting]) -> None:
        self.batches += 1
        self.batched += len(batch)
        try:
            deliveries = [waiting.delivery for waiting in batch]
            results = self._connection.run(
                lambda connection: store_deliveries(connection, deliveries)
            )
        except DATABASE_UNAVAILABLE as error:  # storing one by one would not help
            for waiting in batch:
                waiting.finish(None, error)
        except Exception:
            for waiting in batch:
                try:
                    waiting.finish(_store_one(self.db, waiting.delivery))
                except Exception as error:
                    waiting.finish(None, error)
        except BaseException as error:
            for waiting in batch:
                waiting.finish(None, error)
            raise
        else:
            for waiting, result in zip(batch, results, strict=True):
                waiting.finish(result)

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
