"""The health report: one entry per component, each saying whether and why it is degraded.

Components: the database (reachable?), the worker (the in-process thread, and heartbeats of
every worker process), the backlog (events waiting too long, failed events and jobs), the
Admin API (failed attempts per shop in the last 15 minutes) and, with ``REDIS_URL``, the
broker. Only an unreachable database makes the web process unfit to serve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.models import FAILED, PENDING, WebhookEvent
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.monitoring.admin_failures import RECENT, recent_failures
from shopify_loyalty.monitoring.broker import ping_broker
from shopify_loyalty.monitoring.heartbeats import age_seconds, latest_beats
from shopify_loyalty.services import Services

OK = "ok"
DEGRADED = "degraded"
UNAVAILABLE = "unavailable"
BACKLOG_WARNING = timedelta(minutes=5)
# A worker that has not beaten for this long is counted as gone.
HEARTBEAT_STALE = timedelta(seconds=60)


@dataclass
class HealthReport:
    components: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def degraded(self) -> list[str]:
        return [name for name, part in self.components.items() if part["status"] != OK]

    @property
    def database_down(self) -> bool:
        return self.components["database"]["status"] != OK

    def as_json(self) -> dict[str, Any]:
        return {"status": DEGRADED if self.degraded else OK, "degraded": self.degraded} | (
            self.components
        )


def health_report(services: Services) -> HealthReport:
    report = HealthReport()
    try:
        with services.db.sessions() as session:
            session.execute(text("SELECT 1"))
            report.components["database"] = {"status": OK}
            report.components["worker"] = _worker(services, session)
            report.components["backlog"] = _backlog(session)
            report.components["admin_api"] = _admin_api(session)
            session.rollback()
    except Exception as error:  # noqa: BLE001 - any failure here means the database is away
        report.components = {
            "database": {"status": UNAVAILABLE, "error": type(error).__name__},
            "worker": _worker(services, None),
        }
    if services.settings.redis_url:
        problem = ping_broker(services.settings.redis_url)
        report.components["broker"] = (
            {"status": OK} if problem is None else {"status": UNAVAILABLE, "error": problem}
        )
    return report


def _worker(services: Services, session: Session | None) -> dict[str, Any]:
    part: dict[str, Any] = {"status": OK}
    problems: list[str] = []
    worker = services.worker
    if services.settings.redis_url:
        part["in_process"] = "celery"
    elif services.settings.worker_mode == "off":
        part["in_process"] = "external"
    elif worker is None or not worker.alive:
        part["in_process"] = "stopped"
        problems.append("the in-process worker is not running")
    else:
        part["in_process"] = "running"
        if worker.last_error:
            problems.append(f"retrying after: {worker.last_error}")
    if session is not None:
        beats = latest_beats(session)
        live = [b for b in beats if utcnow() - b.beat_at <= HEARTBEAT_STALE]
        part["processes"] = [
            {
                "host": b.host,
                "pid": b.pid,
                "last_beat_seconds_ago": age_seconds(b.beat_at),
                "error": b.last_error,
            }
            for b in live
        ]
        if part["in_process"] in ("external", "celery") and not live:
            problems.append("no worker has reported in the last 60 seconds")
        problems += [
            f"worker {b.host}:{b.pid} is retrying after: {b.last_error}"
            for b in live
            if b.last_error and not (worker is not None and b.owner == worker.owner)
        ]
    if problems:
        part["status"] = DEGRADED
        part["problems"] = problems
    return part


def _backlog(session: Session) -> dict[str, Any]:
    pending, oldest = session.execute(
        select(func.count(), func.min(WebhookEvent.received_at)).where(
            WebhookEvent.status == PENDING
        )
    ).one()
    failed = session.scalar(select(func.count()).where(WebhookEvent.status == FAILED))
    jobs_pending = session.scalar(select(func.count()).where(Job.status == "pending"))
    jobs_failed = session.scalar(select(func.count()).where(Job.status == "failed"))
    part: dict[str, Any] = {
        "status": OK,
        "events_pending": pending,
        "events_failed": failed,
        "oldest_pending_seconds": age_seconds(oldest) if oldest is not None else None,
        "jobs_pending": jobs_pending,
        "jobs_failed": jobs_failed,
    }
    if oldest is not None and utcnow() - oldest > BACKLOG_WARNING:
        part["status"] = DEGRADED
        part["problems"] = ["events have waited more than 5 minutes"]
    return part


def _admin_api(session: Session) -> dict[str, Any]:
    failures = recent_failures(session)
    shops = {
        f.shop_domain: {
            "failures": f.count,
            "last_failure_seconds_ago": age_seconds(f.last_at),
            "last_kind": f.last_kind,
            "last_error": f.last_message,
        }
        for f in failures
    }
    return {
        "status": DEGRADED if shops else OK,
        "window_minutes": int(RECENT.total_seconds() // 60),
        "shops": shops,
    }
