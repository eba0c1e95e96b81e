"""``POST /flow/actions/adjust-points``: the runtime URL of the ``loyalty-adjust-points``
Flow action (``extensions/flow-adjust-points/``).

Flow signs the raw body like a webhook (``X-Shopify-Hmac-Sha256``, base64 HMAC-SHA256 with
the app's client secret); anything else is refused with 401. The body names the shop
(``shopify_domain``), the run (``action_run_id``) and the merchant's ``properties``:
``customer_id``, ``points`` (whole, non-zero, within the adjustment range) and ``reason``.
Flow repeats a request it got no 200 for with the same ``action_run_id``, so the run id is
the adjustment's ledger key: however often it arrives, the points change once.

Answers: 200 when the points changed (or had changed for this run before); a 4xx other than
429, which Flow records as a failed step without retrying, for a request that can never
succeed, with the reason in ``message`` and per property in ``errors`` (``id`` = property).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select

from shopify_loyalty.customers.records import CustomerDetails, find_customer, record_customer
from shopify_loyalty.errors import InvalidInput, LoyaltyError
from shopify_loyalty.plain_numbers import is_plain_number, plain_number
from shopify_loyalty.points.adjustments import adjust_points
from shopify_loyalty.points.ledger import balance_of
from shopify_loyalty.program_events import record_customer_events
from shopify_loyalty.services import current_services, request_session
from shopify_loyalty.shopify.signatures import verify_webhook
from shopify_loyalty.shops.models import Shop

HANDLE = "loyalty-adjust-points"
MAX_BODY_BYTES = 256 * 1024
MAX_RUN_ID = 150

blueprint = Blueprint("flow_actions", __name__)


@blueprint.post("/flow/actions/adjust-points")
def adjust_points_action() -> tuple[Response, int]:
    services = current_services()
    body = request.stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _refused("payload_too_large", "The body is over 256 KiB.", 413)
    if not verify_webhook(
        body, request.headers.get("X-Shopify-Hmac-Sha256"), services.settings.api_secret
    ):
        return _refused("invalid_hmac", "X-Shopify-Hmac-Sha256 is missing or wrong.", 401)
    try:
        run = _parse_run(body)
        session = request_session()
        shop = session.scalar(select(Shop).where(Shop.domain == run["shop"]))
        if shop is None or not shop.is_installed:
            return _refused("unknown_shop", "The app is not installed in this shop.", 404)
        customer = find_customer(session, shop, run["customer_id"]) or record_customer(
            session, shop, CustomerDetails(shopify_customer_id=run["customer_id"])
        )
        entry = adjust_points(
            session,
            shop,
            customer,
            run["points"],
            run["reason"],
            actor="shopify_flow",
            key=f"flow:{run['action_run_id']}",
        )
        record_customer_events(session, shop, customer)
        balance = balance_of(session, customer)
        session.commit()
    except LoyaltyError as error:
        request_session().rollback()
        return _refused(error.code, error.message, error.status, error.field)
    return jsonify(
        {
            "action_run_id": run["action_run_id"],
            "points": entry.points,
            "balance": balance.available,
            "pending": balance.pending,
        }
    ), 200


def _parse_run(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidInput("The body is not JSON.") from None
    if not isinstance(data, dict):
        raise InvalidInput("The body is not a JSON object.")
    if data.get("handle") not in (None, HANDLE):
        raise InvalidInput(f"This URL runs the {HANDLE} action only.", field="handle")
    run_id = data.get("action_run_id")
    if not isinstance(run_id, str) or not run_id.strip() or len(run_id) > MAX_RUN_ID:
        raise InvalidInput("action_run_id is required", field="action_run_id")
    shop = data.get("shopify_domain")
    if not isinstance(shop, str) or not shop:
        raise InvalidInput("shopify_domain is required", field="shopify_domain")
    properties = data.get("properties")
    if not isinstance(properties, dict):
        raise InvalidInput("properties is required", field="properties")
    return {
        "action_run_id": run_id.strip(),
        "shop": shop.strip().lower(),
        "customer_id": _customer_id(properties.get("customer_id")),
        "points": _points(properties.get("points")),
        "reason": properties.get("reason"),
    }


def _customer_id(value: Any) -> int:
    """Flow sends the customer reference as a number, a numeric string or a GID."""
    text = str(value).strip() if isinstance(value, int | str) else ""
    text = text.removeprefix("gid://shopify/Customer/")
    number = None if isinstance(value, bool) else plain_number(text)
    if number is None or number <= 0:
        raise InvalidInput("customer_id must be the id of a Shopify customer", field="customer_id")
    return number


def _points(value: Any) -> Any:
    """A whole number, also when Flow sends it as a string; the adjustment checks the range."""
    if isinstance(value, str) and is_plain_number(value.strip().removeprefix("-"), 9):
        return int(value.strip())
    return value


def _refused(
    code: str, message: str, status: int, field: str | None = None
) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": code, "message": message, "field": field}
    if field is not None:
        body["errors"] = [{"id": field, "message": message}]
    return jsonify(body), status
