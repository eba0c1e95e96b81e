"""``GET /healthz``: is the database reachable, is the worker running, is the inbox flowing."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, jsonify
from sqlalchemy import func, select, text

from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.models import FAILED, PENDING, WebhookEvent
from shopify_loyalty.services import current_services

blueprint = Blueprint("health", __name__)

BACKLOG_WARNING = timedelta(minutes=5)


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    services = current_services()
    report: dict[str, object] = {"status": "ok"}
    try:
        with services.db.sessions() as session:
            session.execute(text("SELECT 1"))
            pending, oldest = session.execute(
                select(func.count(), func.min(WebhookEvent.received_at)).where(
                    WebhookEvent.status == PENDING
                )
            ).one()
            failed = session.scalar(select(func.count()).where(WebhookEvent.status == FAILED))
            session.rollback()
        report["database"] = "ok"
        report["inbox"] = {"pending": pending, "failed": failed}
        if oldest is not None and utcnow() - oldest > BACKLOG_WARNING:
            report["status"] = "degraded"
            report["backlog"] = "events have waited more than 5 minutes"
    except Exception as error:
        report["database"] = f"unavailable: {type(error).__name__}"
        report["status"] = "degraded"
    worker = services.worker
    if services.settings.worker_mode == "off":
        report["worker"] = "external"
    elif worker is None or not worker.alive:
        report["worker"] = "stopped"
        report["status"] = "degraded"
    elif worker.last_error:
        report["worker"] = f"retrying: {worker.last_error}"
        report["status"] = "degraded"
    else:
        report["worker"] = "running"
    return jsonify(report), 200 if report["status"] == "ok" else 503
