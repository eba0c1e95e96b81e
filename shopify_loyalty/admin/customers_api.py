"""A customer's loyalty record for the merchant, and manual points adjustments.

``GET /admin/api/customers/<shopify_customer_id>``: balance, pending points, stamp card,
tier, lifecycle stage and the ledger (newest first, ``?limit=`` rows, 100 by default).
``POST /admin/api/customers/<shopify_customer_id>/adjustments`` ``{"points", "reason"}``:
adds or removes points; an ``Idempotency-Key`` header makes a retried request apply once.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy.orm import Session

from shopify_loyalty.admin.auth import require_shop, staff_actor
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.customers.search import find_customers
from shopify_loyalty.errors import InvalidInput, NotFound
from shopify_loyalty.plain_numbers import is_plain_number
from shopify_loyalty.points.adjustments import adjust_points
from shopify_loyalty.points.birthdays import find_birthday
from shopify_loyalty.points.expiry import upcoming_expiry
from shopify_loyalty.points.ledger import balance_of, recent_entries
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.program_events import record_customer_events
from shopify_loyalty.services import request_session

blueprint = Blueprint("customers_api", __name__, url_prefix="/admin/api/customers")

DEFAULT_LEDGER_ROWS = 100
MAX_LEDGER_ROWS = 1000
MAX_IDEMPOTENCY_KEY = 100
ADJUSTMENT_FIELDS = ("points", "reason")


SEARCH_LIMIT = 50
MAX_SEARCH_LIMIT = 200


@blueprint.get("")
@require_shop
def search_customers() -> Response:
    """The customers page as JSON: ``?q=`` searches name, email or Shopify id."""
    raw_limit = request.args.get("limit", str(SEARCH_LIMIT))
    if not is_plain_number(raw_limit, 4) or not 1 <= int(raw_limit) <= MAX_SEARCH_LIMIT:
        raise InvalidInput(
            f"limit must be a whole number from 1 to {MAX_SEARCH_LIMIT}", field="limit"
        )
    session = request_session()
    found = find_customers(session, g.shop, request.args.get("q", ""), int(raw_limit))
    rows = []
    for customer in found:
        balance = balance_of(session, customer)
        rows.append(
            {
                "shopify_customer_id": str(customer.shopify_customer_id),
                "email": customer.email,
                "first_name": customer.first_name,
                "last_name": customer.last_name,
                "points_balance": balance.available,
                "points_pending": balance.pending,
            }
        )
    return jsonify({"customers": rows})


@blueprint.get("/<int:shopify_customer_id>")
@require_shop
def show_customer(shopify_customer_id: int) -> Response:
    # Imported here: each area owns its summary, and the customer page shows them all.
    from shopify_loyalty.lifecycle.stages import lifecycle_stage
    from shopify_loyalty.paid_membership.views import membership_history_json
    from shopify_loyalty.stamps.cards import card_summary
    from shopify_loyalty.tiers.membership import tier_name

    session = request_session()
    shop = g.shop
    customer = _customer(session, shopify_customer_id)
    limit = _ledger_limit()
    balance = balance_of(session, customer)
    stamps = card_summary(session, shop, customer)
    birthday = find_birthday(session, customer)
    expiry = upcoming_expiry(session, customer)
    return jsonify(
        {
            "shopify_customer_id": customer.shopify_customer_id,
            "name": customer.display_name,
            "email": customer.email,
            "points_balance": balance.available,
            "points_pending": balance.pending,
            "stamps": {"collected": stamps.collected, "required": stamps.required},
            "tier": tier_name(session, shop, customer),
            "lifecycle_stage": lifecycle_stage(session, shop, customer),
            "membership": membership_history_json(session, shop, customer),
            "birthday": birthday.birthday.isoformat() if birthday else None,
            "points_expiry": (
                {"points": expiry.points, "expires_at": expiry.expires_at.isoformat()}
                if expiry
                else None
            ),
            "ledger": [
                entry_json(entry) for entry in recent_entries(session, customer, limit=limit)
            ],
        }
    )


@blueprint.post("/<int:shopify_customer_id>/adjustments")
@require_shop
def create_adjustment(shopify_customer_id: int) -> tuple[Response, int]:
    session = request_session()
    customer = _customer(session, shopify_customer_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput('the body must be a JSON object like {"points": 50, "reason": "..."}')
    for name in body:
        if name not in ADJUSTMENT_FIELDS:
            raise InvalidInput(f"{name} is not a field of an adjustment", field=name)
    if "points" not in body:
        raise InvalidInput("points is required", field="points")
    entry = adjust_points(
        session,
        g.shop,
        customer,
        body["points"],
        body.get("reason", ""),
        staff_actor(),
        _idempotency_key(),
    )
    record_customer_events(session, g.shop, customer)
    session.commit()
    balance = balance_of(session, customer)
    return (
        jsonify(
            {
                "entry": entry_json(entry),
                "points_balance": balance.available,
                "points_pending": balance.pending,
            }
        ),
        201,
    )


def entry_json(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "points": entry.points,
        "reason": entry.reason,
        "source": entry.source,
        "order_id": entry.shopify_order_id,
        "note": entry.note,
        "actor": entry.actor,
        "available_at": entry.available_at.isoformat(),
        "created_at": entry.created_at.isoformat(),
    }


def _customer(session: Session, shopify_customer_id: int) -> Customer:
    customer = find_customer(session, g.shop, shopify_customer_id)
    if customer is None:
        raise NotFound("This shop has no customer with that id.", field="shopify_customer_id")
    return customer


def _ledger_limit() -> int:
    raw = request.args.get("limit")
    if raw is None:
        return DEFAULT_LEDGER_ROWS
    if not is_plain_number(raw, 4) or not 1 <= int(raw) <= MAX_LEDGER_ROWS:
        raise InvalidInput(
            f"limit must be a whole number from 1 to {MAX_LEDGER_ROWS}", field="limit"
        )
    return int(raw)


def _idempotency_key() -> str:
    supplied = request.headers.get("Idempotency-Key", "").strip()
    if len(supplied) > MAX_IDEMPOTENCY_KEY:
        raise InvalidInput(
            f"Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} characters",
            field="Idempotency-Key",
        )
    return f"adjustment:{supplied or uuid.uuid4().hex}"
