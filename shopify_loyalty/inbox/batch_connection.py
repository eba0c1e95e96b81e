"""The PostgreSQL connection a web process stores its inbox batches on, kept for that alone.

Only the group commit's leader writes batches, one at a time, so one connection is enough,
and holding it saves every batch a checkout from the pool, a return to it and SQLAlchemy's
execution and result objects around a statement that needs none of them. It is opened from
the engine (the same URL and connect arguments), taken out of the pool (which opens another
in its place when it needs one), and put in autocommit mode: each batch statement is its own
transaction, committed before it returns.

psycopg's errors are raised as SQLAlchemy's, so callers tell an unreachable database
(``DATABASE_UNAVAILABLE``, answered 503) from a refused batch exactly as before. After a
failure the connection is kept only if it is still idle and open; otherwise it is closed.
A connection held from before that turns out closed (the server restarted or ended the
session while it was idle) is replaced and the batch sent once more at once: the batch
statement stores each delivery once whatever was sent before, so the requests are answered
instead of turned away with a 503.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")
IDLE = TransactionStatus.IDLE


class BatchConnection:
    """One autocommit psycopg connection, opened on first use and again after it breaks."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()  # run() is the leader's; close() may come from elsewhere

    def run(self, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        """``work`` on the connection; psycopg's errors come out as SQLAlchemy's. ``work``
        must be safe to run twice: it is run again on a new connection when the one held
        from before was found closed."""
        with self._lock:
            try:
                held = self._connection
                try:
                    return self._run_once(work)
                except psycopg.OperationalError:
                    if held is None or not held.closed:
                        raise
                return self._run_once(work)  # the held connection had gone: once more
            except psycopg.Error as error:
                raise DBAPIError.instance(None, None, error, psycopg.Error) from error

    def _run_once(self, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        connection = self._connection or self._open()
        try:
            return work(connection)
        except BaseException:
            if connection.closed or connection.info.transaction_status != IDLE:
                self._discard()
            raise

    def close(self) -> None:
        with self._lock:
            self._discard()

    def _open(self) -> psycopg.Connection[Any]:
        pooled = self.engine.raw_connection()
        connection = pooled.driver_connection
        if not isinstance(connection, psycopg.Connection):
            raise TypeError("inbox batches need a PostgreSQL engine on psycopg")
        pooled.detach()  # it lives as long as this object, not as long as a checkout
        connection.autocommit = True
        self._connection = connection
        return connection

    def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
