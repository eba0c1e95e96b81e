"""A commit that does not wait for the disk, for writes that repeating the request remakes.

On PostgreSQL this is ``synchronous_commit = off`` for one transaction: its commit returns
before the commit record reaches the disk. A crash of the database server (not of the app)
within a fraction of a second afterwards (at most three times ``wal_writer_delay``) can lose
the whole transaction, never part of it; any later durable commit writes it to the disk
first. Other transactions and the server's settings are untouched. SQLite commits as before.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# A transaction gets its id with its first write (row locks included): without one, it has
# written nothing that a lost commit could take away.
_RELAX_IF_NOTHING_WRITTEN = text(
    "SELECT set_config('synchronous_commit', 'off', true) WHERE txid_current_if_assigned() IS NULL"
)


def relax_commit_if_nothing_written(session: Session) -> None:
    """Let this transaction commit without waiting for the disk, unless it has written
    already (those writes keep their durable commit). The caller vouches that everything it
    writes from here to the commit is made again, the same, when the request is repeated."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_RELAX_IF_NOTHING_WRITTEN)  # flushes pending writes first
