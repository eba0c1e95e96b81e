"""``GET /healthz``: what is degraded, per component; 503 only when the database is down."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from shopify_loyalty.errors import DATABASE_RETRY_AFTER_SECONDS
from shopify_loyalty.monitoring.health_report import health_report
from shopify_loyalty.services import current_services

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> Response:
    report = health_report(current_services())
    response = jsonify(report.as_json())
    if report.database_down:
        response.status_code = 503
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response
