"""``POST /webhooks``: verify, store, answer. Applying the event is the worker's job.

A body shorter than its ``Content-Length`` (the connection dropped) is refused with 400 and
nothing is stored; while the database cannot be reached the answer is 503 with
``Retry-After``, so Shopify delivers the event again later.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Blueprint, request
from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Response
from werkzeug.wsgi import get_content_length, get_input_stream

from shopify_loyalty.error_responses import json_response
from shopify_loyalty.errors import error_body
from shopify_loyalty.inbox.store import Delivery, parse_json_object
from shopify_loyalty.services import Services, current_services
from shopify_loyalty.shopify.signatures import is_valid_shop_domain, verify_webhook

MAX_BODY_BYTES = 2 * 1024 * 1024
# The inbox's column widths: longer header values are cut (no topic the app knows is longer,
# so a cut topic is simply ignored).
TOPIC_MAX_LENGTH = 64
API_VERSION_MAX_LENGTH = 16

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

WEBHOOK_PATHS = frozenset({"/webhooks", "/webhooks/compliance"})
# The delivery's headers as the WSGI environment names them: read straight from it, a
# header object would cost more than the rest of reading a delivery.
HMAC_HEADER = "HTTP_X_SHOPIFY_HMAC_SHA256"
TOPIC_HEADER = "HTTP_X_SHOPIFY_TOPIC"
SHOP_HEADER = "HTTP_X_SHOPIFY_SHOP_DOMAIN"
EVENT_ID_HEADER = "HTTP_X_SHOPIFY_EVENT_ID"
WEBHOOK_ID_HEADER = "HTTP_X_SHOPIFY_WEBHOOK_ID"
API_VERSION_HEADER = "HTTP_X_SHOPIFY_API_VERSION"
TRIGGERED_AT_HEADER = "HTTP_X_SHOPIFY_TRIGGERED_AT"
# What the receiver answers: the status and the JSON body.
Answer = tuple[int, dict[str, Any]]

blueprint = Blueprint("webhooks", __name__)


@blueprint.post("/webhooks")
@blueprint.post("/webhooks/compliance")
def receive() -> Response:
    status, body = receive_delivery(request.environ, current_services())
    return json_response(body, status)


def receive_delivery(environ: WSGIEnvironment, services: Services) -> Answer:
    """Verify one delivery, store it once, and say what to answer (status and JSON body).

    It needs no more than the WSGI environment, so the fast path in front of Flask and the
    Flask route both call it.
    """
    content_length = get_content_length(environ)
    if content_length is not None and content_length > MAX_BODY_BYTES:
        return _error("payload_too_large", "Body is over 2 MiB.", 413)
    try:
        body = get_input_stream(environ).read(MAX_BODY_BYTES + 1)
    except ClientDisconnected:
        return _truncated()
    if len(body) > MAX_BODY_BYTES:
        return _error("payload_too_large", "Body is over 2 MiB.", 413)
    if content_length is not None and len(body) < content_length:
        return _truncated()
    if not verify_webhook(body, environ.get(HMAC_HEADER), services.settings.api_secret):
        return _error("invalid_hmac", "X-Shopify-Hmac-Sha256 is missing or wrong.", 401)
    if parse_json_object(body) is None:
        return _error("invalid_json", "Body is not a JSON object.", 400)
    topic = environ.get(TOPIC_HEADER, "").strip()
    shop = environ.get(SHOP_HEADER, "").strip()
    if not topic:
        return _error("missing_topic", "X-Shopify-Topic is required.", 400, "X-Shopify-Topic")
    if not is_valid_shop_domain(shop):
        return _error(
            "invalid_shop",
            "X-Shopify-Shop-Domain is not a myshopify.com domain.",
            400,
            "X-Shopify-Shop-Domain",
        )
    delivery = Delivery(
        shop_domain=shop.lower(),
        topic=topic[:TOPIC_MAX_LENGTH],
        event_id=_header(environ, EVENT_ID_HEADER),
        webhook_id=_header(environ, WEBHOOK_ID_HEADER),
        api_version=_header(environ, API_VERSION_HEADER, API_VERSION_MAX_LENGTH),
        triggered_at=_timestamp(environ.get(TRIGGERED_AT_HEADER)),
        body=body,
    )
    # Stored and, with Celery workers, announced to them (with the deliveries stored beside it).
    outcome, event_id = services.inbox.store(delivery)
    if services.worker is not None:
        services.worker.wake()
    return 200, {"status": outcome.value, "event": event_id}


def _truncated() -> Answer:
    return _error(
        "truncated_body",
        "The body ended before Content-Length bytes arrived.",
        400,
        "Content-Length",
    )


def _header(environ: WSGIEnvironment, key: str, limit: int = 128) -> str | None:
    value: str = environ.get(key, "").strip()
    return value[:limit] or None


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _error(code: str, message: str, status: int, field: str | None = None) -> Answer:
    return status, error_body(code, message, field)
