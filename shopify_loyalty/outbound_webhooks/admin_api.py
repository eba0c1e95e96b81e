"""The merchant's JSON API for webhook endpoints (App Bridge session token).

- ``GET /admin/api/webhook-endpoints``: the endpoints and the topics there are;
- ``POST /admin/api/webhook-endpoints`` ``{"url", "topics": [...], "description"}``: 201
  with the endpoint and its signing ``secret``, shown this once;
- ``GET/PUT/DELETE /admin/api/webhook-endpoints/<id>``: read (with the delivery log),
  change ``url``, ``topics``, ``description`` or ``status`` (``active`` resumes a paused
  endpoint and sends what it held back), delete;
- ``POST /admin/api/webhook-endpoints/<id>/rotate-secret``: a new secret, shown once;
- ``GET /admin/api/webhook-endpoints/<id>/deliveries``: the delivery log, newest first;
- ``POST /admin/api/webhook-endpoints/<id>/deliveries/<delivery_id>/redeliver``: 202.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from shopify_loyalty.admin.auth import require_shop
from shopify_loyalty.errors import InvalidInput, NotFound
from shopify_loyalty.outbound_webhooks.deliveries import find_delivery, redeliver
from shopify_loyalty.outbound_webhooks.delivery_log import LoggedDelivery, delivery_log
from shopify_loyalty.outbound_webhooks.endpoints import (
    create_endpoint,
    delete_endpoint,
    find_endpoint,
    rotate_secret,
    shop_endpoints,
    update_endpoint,
)
from shopify_loyalty.outbound_webhooks.models import WebhookEndpoint
from shopify_loyalty.program_events.topics import ALL_TOPICS
from shopify_loyalty.services import current_services, request_session

blueprint = Blueprint("webhook_endpoints_api", __name__, url_prefix="/admin/api/webhook-endpoints")


@blueprint.get("")
@require_shop
def list_endpoints() -> Response:
    endpoints = shop_endpoints(request_session(), g.shop)
    return jsonify({"endpoints": [endpoint_json(e) for e in endpoints], "topics": list(ALL_TOPICS)})


@blueprint.post("")
@require_shop
def add_endpoint() -> tuple[Response, int]:
    session = request_session()
    made = create_endpoint(session, g.shop, current_services().cipher, json_object())
    body = {**endpoint_json(made.endpoint), "secret": made.secret}
    session.commit()
    return jsonify(body), 201


@blueprint.get("/<int:endpoint_id>")
@require_shop
def show_endpoint(endpoint_id: int) -> Response:
    session = request_session()
    endpoint = find_endpoint(session, g.shop, endpoint_id)
    log = [logged_json(entry) for entry in delivery_log(session, endpoint)]
    return jsonify({**endpoint_json(endpoint), "deliveries": log})


@blueprint.put("/<int:endpoint_id>")
@require_shop
def change_endpoint(endpoint_id: int) -> Response:
    session = request_session()
    endpoint = update_endpoint(session, g.shop, endpoint_id, json_object())
    session.commit()
    return jsonify(endpoint_json(endpoint))


@blueprint.delete("/<int:endpoint_id>")
@require_shop
def remove_endpoint(endpoint_id: int) -> tuple[str, int]:
    session = request_session()
    delete_endpoint(session, g.shop, endpoint_id)
    session.commit()
    return "", 204


@blueprint.post("/<int:endpoint_id>/rotate-secret")
@require_shop
def new_secret(endpoint_id: int) -> Response:
    session = request_session()
    made = rotate_secret(session, g.shop, current_services().cipher, endpoint_id)
    body = {**endpoint_json(made.endpoint), "secret": made.secret}
    session.commit()
    return jsonify(body)


@blueprint.get("/<int:endpoint_id>/deliveries")
@require_shop
def deliveries(endpoint_id: int) -> Response:
    session = request_session()
    endpoint = find_endpoint(session, g.shop, endpoint_id)
    return jsonify(
        {"deliveries": [logged_json(entry) for entry in delivery_log(session, endpoint)]}
    )


@blueprint.post("/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver")
@require_shop
def redeliver_delivery(endpoint_id: int, delivery_id: int) -> tuple[Response, int]:
    session = request_session()
    endpoint = find_endpoint(session, g.shop, endpoint_id)
    delivery = find_delivery(session, g.shop, delivery_id)
    if delivery.endpoint_id != endpoint.id:
        raise NotFound(f"No webhook delivery {delivery_id} for endpoint {endpoint_id}.")
    delivery = redeliver(session, g.shop, delivery_id)
    body = {"id": delivery.id, "status": delivery.status}
    session.commit()
    worker = current_services().worker
    if worker is not None:
        worker.wake()
    return jsonify(body), 202


def json_object() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.")
    return data


def endpoint_json(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "topics": endpoint.topic_list,
        "status": endpoint.status,
        "paused_reason": endpoint.paused_reason,
        "consecutive_failures": endpoint.consecutive_failures,
        "created_at": endpoint.created_at.isoformat(),
        "secret_rotated_at": (
            endpoint.secret_rotated_at.isoformat() if endpoint.secret_rotated_at else None
        ),
    }


def logged_json(entry: LoggedDelivery) -> dict[str, Any]:
    delivery = entry.delivery
    return {
        "id": delivery.id,
        "event_id": entry.event.uid,
        "topic": entry.event.topic,
        "status": delivery.status,
        "attempts": [
            {
                "number": attempt.number,
                "succeeded": attempt.succeeded,
                "status_code": attempt.status_code,
                "latency_ms": attempt.latency_ms,
                "response_excerpt": attempt.response_excerpt,
                "error": attempt.error,
                "attempted_at": attempt.attempted_at.isoformat(),
            }
            for attempt in entry.attempts
        ],
        "next_attempt_at": (
            delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else None
        ),
        "created_at": delivery.created_at.isoformat(),
        "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
    }
