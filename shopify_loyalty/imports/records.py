"""What a backfill reads, whatever the source: customers and their past orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class PastCustomer:
    shopify_customer_id: int
    email: str | None
    first_name: str | None
    last_name: str | None
    created_at: datetime | None


@dataclass(frozen=True)
class PastOrder:
    """A past order in the shop's currency; ``subtotal`` is after discounts and refunds
    (what is left of it), ``refunded`` the goods refunded."""

    shopify_order_id: int
    customer: PastCustomer
    name: str | None
    currency: str
    subtotal: Decimal
    refunded: Decimal
    total_price: Decimal
    paid_at: datetime
    test: bool


BackfillRecord = PastCustomer | PastOrder
