"""The merchant's segments.

``GET /admin/api/segments``: each RFM segment and lifecycle stage with its size and revenue
(``?format=csv`` for a table). ``GET /admin/api/segments/<name>/customers``: its customers
with their scores (JSON, or CSV with ``?format=csv``). ``POST /admin/api/segments/sync``
``{"segments": [...]}`` (all by default): queues writing ``loyalty-segment:<name>`` tags at
Shopify; answers 202 with the segments queued.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from shopify_loyalty.admin.auth import require_shop
from shopify_loyalty.admin.downloads import csv_response, wants_csv
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.insights.formulas import rounded
from shopify_loyalty.segments.membership import Member, Segment, all_segments, find_segment
from shopify_loyalty.segments.tags import queue_segment_sync
from shopify_loyalty.services import request_session

blueprint = Blueprint("segments_api", __name__, url_prefix="/admin/api/segments")

CUSTOMER_COLUMNS = (
    "shopify_customer_id",
    "name",
    "email",
    "paid_orders",
    "revenue",
    "last_order_at",
    "recency",
    "frequency",
    "monetary",
    "rfm_segment",
    "lifecycle_stage",
)


@blueprint.get("")
@require_shop
def list_segments() -> Response:
    segments = all_segments(request_session(), g.shop, utcnow())
    rows = [segment_json(segment) for segment in segments]
    if wants_csv():
        columns = ("name", "kind", "tag", "size", "revenue")
        return csv_response(columns, [[row[c] for c in columns] for row in rows], "segments.csv")
    return jsonify({"currency": g.shop.currency, "segments": rows})


@blueprint.get("/<name>/customers")
@require_shop
def segment_customers(name: str) -> Response:
    segment = find_segment(request_session(), g.shop, name, utcnow())
    rows = [customer_json(member) for member in segment.members]
    if wants_csv():
        return csv_response(
            CUSTOMER_COLUMNS,
            [[row[c] for c in CUSTOMER_COLUMNS] for row in rows],
            f"segment-{name}.csv",
        )
    return jsonify({**segment_json(segment), "customers": rows})


@blueprint.post("/sync")
@require_shop
def sync_segments() -> tuple[Response, int]:
    body = request.get_json(silent=True) if request.data else {}
    if not isinstance(body, dict):
        raise InvalidInput('the body must be a JSON object like {"segments": ["champions"]}')
    names = body.get("segments")
    if names is not None and (
        not isinstance(names, list) or not all(isinstance(n, str) for n in names)
    ):
        raise InvalidInput("segments must be a list of segment names", field="segments")
    session = request_session()
    queued = queue_segment_sync(session, g.shop, names)
    session.commit()
    return jsonify({"queued": queued}), 202


def segment_json(segment: Segment) -> dict[str, Any]:
    return {
        "name": segment.name,
        "kind": segment.kind,
        "tag": segment.tag,
        "size": segment.size,
        "revenue": rounded(segment.revenue),
    }


def customer_json(member: Member) -> dict[str, Any]:
    profile, score = member.profile, member.score
    return {
        "shopify_customer_id": profile.shopify_customer_id,
        "name": profile.name,
        "email": profile.email,
        "paid_orders": profile.paid_orders,
        "revenue": rounded(profile.revenue),
        "last_order_at": profile.last_order_at.isoformat() if profile.last_order_at else None,
        "recency": score.recency if score else None,
        "frequency": score.frequency if score else None,
        "monetary": score.monetary if score else None,
        "rfm_segment": member.rfm_segment,
        "lifecycle_stage": member.lifecycle_stage,
    }
