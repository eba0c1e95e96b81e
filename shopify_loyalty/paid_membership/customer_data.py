"""What the paid membership keeps about a customer, for data requests: the membership
lines bought and their periods. They hold no personal data beyond the pseudonymous
customer and stay, like the ledger, when a customer is redacted."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.paid_membership.periods import customer_periods
from shopify_loyalty.privacy.requests import register_customer_data
from shopify_loyalty.shops.models import Shop


def export_membership(session: Session, shop: Shop, customer: Customer) -> dict[str, Any]:
    return {
        "paid_membership": [
            {
                "order_id": period.shopify_order_id,
                "periods_bought": period.bought,
                "periods_refunded": period.refunded,
                "cancelled": period.cancelled_at is not None,
                "starts_at": period.starts_at.isoformat() if period.starts_at else None,
                "ends_at": period.ends_at.isoformat() if period.ends_at else None,
            }
            for period in customer_periods(session, shop.id, customer.id)
        ]
    }


register_customer_data(exporter=export_membership)
