"""The paid orders the KPIs count, and who bought when.

A paid order is one with ``paid_at`` set that is neither a test nor cancelled, and that has
a customer: guest checkouts cannot be followed over time, so no customer figure counts them.
Revenue is the order's subtotal after discounts, less refunded goods, without shipping and
taxes, in the shop's currency (what points are earned on).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from shopify_loyalty.orders.models import Order
from shopify_loyalty.shops.models import Shop

# A customer counts as one of the shop's customers at a moment when they bought in the year
# before it; after a year without a paid order they have lapsed.
ACTIVE_WINDOW = timedelta(days=365)


def paid_order(shop: Shop) -> ColumnElement[bool]:
    return and_(
        Order.shop_id == shop.id,
        Order.paid_at.is_not(None),
        Order.test.is_(False),
        Order.cancelled_at.is_(None),
        Order.customer_id.is_not(None),
    )


@dataclass(frozen=True)
class CustomerSpend:
    """One customer's paid orders and revenue within a period."""

    customer_id: int
    orders: int
    revenue: Decimal


def spend_by_customer(
    session: Session, shop: Shop, start: datetime, end: datetime
) -> list[CustomerSpend]:
    """Each customer who bought in ``[start, end)``, with their orders and revenue."""
    orders: dict[int, int] = defaultdict(int)
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    rows = session.execute(
        select(Order.customer_id, Order.subtotal, Order.refunded_subtotal).where(
            paid_order(shop), Order.paid_at >= start, Order.paid_at < end
        )
    )
    # Summed here, not in SQL: SQLite sums NUMERIC as floats, and money stays exact.
    for customer_id, subtotal, refunded in rows:
        if customer_id is None:  # excluded by paid_order; the column itself is nullable
            continue
        orders[customer_id] += 1
        revenue[customer_id] += max(subtotal - (refunded or Decimal(0)), Decimal(0))
    return [
        CustomerSpend(customer_id, orders[customer_id], revenue[customer_id])
        for customer_id in sorted(orders)
    ]


def customers_at(session: Session, shop: Shop, moment: datetime) -> int:
    """The shop's customers at ``moment``: those who bought in the year before it."""
    count = session.scalar(
        select(func.count(func.distinct(Order.customer_id))).where(
            paid_order(shop), Order.paid_at >= moment - ACTIVE_WINDOW, Order.paid_at < moment
        )
    )
    return int(count or 0)


def new_customers(session: Session, shop: Shop, start: datetime, end: datetime) -> int:
    """Customers whose first paid order ever falls in ``[start, end)``."""
    first = (
        select(Order.customer_id, func.min(Order.paid_at).label("first_paid"))
        .where(paid_order(shop))
        .group_by(Order.customer_id)
        .subquery()
    )
    count = session.scalar(
        select(func.count()).where(first.c.first_paid >= start, first.c.first_paid < end)
    )
    return int(count or 0)
