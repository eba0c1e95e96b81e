"""Running due jobs: leased like inbox events, retried with backoff, failed when hopeless."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.jobs.queue import PermanentJobError, handler_for
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=300)
MAX_ATTEMPTS = 10


def due_jobs(now: datetime) -> ColumnElement[bool]:
    """Jobs some worker may claim at ``now``: pending and due, or running on a lapsed lease."""
    return or_(
        and_(Job.status == "pending", Job.next_attempt_at <= now),
        and_(Job.status == "running", Job.lease_until < now),
    )


def _due(now: datetime, owner: str) -> ColumnElement[bool]:
    """Due, abandoned by a worker whose lease ran out, or cut short in this very worker (it
    runs one job at a time, so a job still running under its name was interrupted)."""
    return or_(
        and_(Job.status == "pending", Job.next_attempt_at <= now),
        and_(Job.status == "running", Job.lease_until < now),
        and_(Job.status == "running", Job.lease_owner == owner),
    )


def claim_next_job(services: Services, owner: str) -> int | None:
    now = utcnow()
    with services.db.sessions() as session:
        candidates = session.scalars(
            select(Job.id).where(_due(now, owner)).order_by(Job.id).limit(20)
        ).all()
        session.rollback()
        for job_id in candidates:
            if _claim(session, job_id, owner):
                return job_id
    return None


def claim_job(services: Services, job_id: int, owner: str) -> bool:
    """Lease this job if it is due (a Celery message names it); False when it is not due,
    done, or held by another worker."""
    with services.db.sessions() as session:
        return _claim(session, job_id, owner)


def _claim(session: Session, job_id: int, owner: str) -> bool:
    with session.begin():
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, _due(utcnow(), owner))
            .values(
                status="running",
                lease_owner=owner,
                lease_until=utcnow() + LEASE,
                attempts=Job.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def run_job(services: Services, job_id: int, owner: str, backoff: object) -> str:
    """Run one claimed job outside any transaction, then record how it went."""
    with services.db.sessions() as session:
        job = session.get(Job, job_id)
        if job is None or job.lease_owner != owner:
            return "lost"
        shop = session.get(Shop, job.shop_id)
        kind, payload, attempts = job.kind, json.loads(job.payload), job.attempts
        shop_domain = shop.domain if shop is not None else None
        installed = shop is not None and shop.is_installed
        session.rollback()
    handler = handler_for(kind)
    error: str | None = None
    retry = True
    if handler is None:
        error, retry = f"no handler for job kind {kind}", False
    elif not installed or shop_domain is None:
        error, retry = "shop is not installed", False
    else:
        try:
            handler(services, shop_domain, payload)
        except PermanentJobError as failure:
            error, retry = f"{failure}", False
        except Exception as failure:
            retryable = getattr(failure, "retryable", True)
            error, retry = f"{type(failure).__name__}: {failure}", bool(retryable)
            log.warning("job %s (%s) failed: %s", job_id, kind, error)
    with services.db.transaction() as session:
        job = session.get(Job, job_id)
        if job is None or job.lease_owner != owner:
            return "lost"
        job.lease_owner = None
        job.lease_until = None
        if error is None:
            job.status, job.last_error, job.finished_at = "done", None, utcnow()
        elif retry and attempts < MAX_ATTEMPTS:
            job.status, job.last_error = "pending", error[:4000]
            job.next_attempt_at = utcnow() + timedelta(seconds=backoff(attempts))  # type: ignore[operator]
        else:
            job.status, job.last_error, job.finished_at = "failed", error[:4000], utcnow()
        return job.status
