"""Worker heartbeats: each worker touches its row on every pass of its loop, so any web
process can tell whether some worker is alive and how long ago it last worked."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shopify_loyalty.db import Database, utcnow
from shopify_loyalty.monitoring.models import WorkerHeartbeat

# A worker that has not beaten for this long is taken for dead and its row is dropped.
FORGET_AFTER = timedelta(hours=1)


def beat(db: Database, owner: str, error: str | None) -> None:
    """Record that the worker ``owner`` is alive now, with the error of its last pass."""
    with db.transaction() as session:
        row = session.scalar(select(WorkerHeartbeat).where(WorkerHeartbeat.owner == owner))
        if row is None:
            session.add(
                WorkerHeartbeat(
                    owner=owner,
                    host=socket.gethostname()[:255],
                    pid=os.getpid(),
                    beat_at=utcnow(),
                    last_error=error,
                )
            )
            session.execute(
                delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < utcnow() - FORGET_AFTER)
            )
        else:
            row.beat_at = utcnow()
            row.last_error = error


def forget(db: Database, owner: str) -> None:
    """A worker stopping cleanly removes its heartbeat."""
    with db.transaction() as session:
        session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.owner == owner))


def latest_beats(session: Session) -> list[WorkerHeartbeat]:
    return list(session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.beat_at.desc())))


def age_seconds(moment: datetime) -> float:
    return round(max(0.0, (utcnow() - moment).total_seconds()), 1)
