"""What the segments are made of: each customer's paid orders, revenue and referrals.

Paid orders and revenue are counted as in the insights (insights/orders.py): paid, not a
test, not cancelled; revenue net of refunded goods. Deleted and redacted customers are left
out: nobody can be targeted who is gone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.insights.orders import paid_order
from shopify_loyalty.orders.models import Order
from shopify_loyalty.referrals.models import CONVERTED, Referral
from shopify_loyalty.shops.models import Shop


@dataclass(frozen=True)
class CustomerProfile:
    customer_id: int
    shopify_customer_id: int
    name: str
    email: str | None
    paid_orders: int
    revenue: Decimal
    first_order_at: datetime | None
    last_order_at: datetime | None
    converted_referrals: int


def customer_profiles(session: Session, shop: Shop) -> list[CustomerProfile]:
    """Every current customer of the shop, by our id."""
    orders: dict[int, int] = defaultdict(int)
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    first: dict[int, datetime] = {}
    last: dict[int, datetime] = {}
    rows = session.execute(
        select(Order.customer_id, Order.paid_at, Order.subtotal, Order.refunded_subtotal).where(
            paid_order(shop)
        )
    )
    for customer_id, paid_at, subtotal, refunded in rows:
        if customer_id is None or paid_at is None:
            continue
        orders[customer_id] += 1
        revenue[customer_id] += max(subtotal - (refunded or Decimal(0)), Decimal(0))
        first[customer_id] = min(first.get(customer_id, paid_at), paid_at)
        last[customer_id] = max(last.get(customer_id, paid_at), paid_at)
    referrals: dict[int, int] = {
        referrer: int(count)
        for referrer, count in session.execute(
            select(Referral.referrer_customer_id, func.count(Referral.id))
            .where(Referral.shop_id == shop.id, Referral.status == CONVERTED)
            .group_by(Referral.referrer_customer_id)
        )
    }
    customers = session.scalars(
        select(Customer)
        .where(
            Customer.shop_id == shop.id,
            Customer.deleted_at.is_(None),
            Customer.redacted_at.is_(None),
        )
        .order_by(Customer.id)
    )
    return [
        CustomerProfile(
            customer_id=customer.id,
            shopify_customer_id=customer.shopify_customer_id,
            name=customer.display_name,
            email=customer.email,
            paid_orders=orders.get(customer.id, 0),
            revenue=revenue.get(customer.id, Decimal(0)),
            first_order_at=first.get(customer.id),
            last_order_at=last.get(customer.id),
            converted_referrals=referrals.get(customer.id, 0),
        )
        for customer in customers
    ]
