"""``GET /admin/api/jobs?status=failed`` (the default): the shop's background work in one
state, newest first, with the reason of the last failure; ``&limit=`` rows, 50 by default."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from shopify_loyalty.admin.auth import require_shop
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.jobs.history import JOB_STATUSES, shop_jobs
from shopify_loyalty.services import request_session

blueprint = Blueprint("jobs_api", __name__, url_prefix="/admin/api/jobs")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@blueprint.get("")
@require_shop
def list_jobs() -> Response:
    status = request.args.get("status", "failed")
    if status not in JOB_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(JOB_STATUSES)}", field="status")
    raw_limit = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_LIMIT}", field="limit")
    jobs = shop_jobs(request_session(), g.shop, status, int(raw_limit))
    return jsonify({"status": status, "jobs": [job.as_json() for job in jobs]})
