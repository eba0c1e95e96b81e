"""The shop's recent messages with their status, for the admin's outbox list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.notifications.models import QUEUED, SENT, SKIPPED, NotificationMessage
from shopify_loyalty.plain_numbers import is_plain_number
from shopify_loyalty.shops.models import Shop

STATUSES = (QUEUED, SENT, SKIPPED)
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not is_plain_number(raw, 4) or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_LIMIT}", field="limit")
    return int(raw)


def parse_status(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    if raw not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field="status")
    return raw


def recent_messages(
    session: Session, shop: Shop, limit: int = DEFAULT_LIMIT, status: str | None = None
) -> list[dict[str, Any]]:
    """Newest first: what was sent, is waiting, or was skipped and why."""
    query = (
        select(NotificationMessage, Customer.shopify_customer_id)
        .outerjoin(Customer, Customer.id == NotificationMessage.customer_id)
        .where(NotificationMessage.shop_id == shop.id)
        .order_by(NotificationMessage.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(NotificationMessage.status == status)
    return [
        {
            "id": message.id,
            "kind": message.kind,
            "status": message.status,
            "skip_reason": message.skip_reason,
            "recipient": message.recipient,
            "customer_id": shopify_customer_id,
            "affiliate_id": message.affiliate_id,
            "locale": message.locale,
            "attempts": message.attempts,
            "error": message.error,
            "created_at": message.created_at.isoformat(),
            "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        }
        for message, shopify_customer_id in session.execute(query)
    ]
