"""A customer's lifecycle stage, derived from their orders and referrals every time it is asked.

- prospect: has an account, no paid order yet
- first_time_buyer: one paid order
- repeat_buyer: two or more, fewer than ``regular_min_orders``
- regular: at least ``regular_min_orders`` paid orders
- recommender: a friend they referred placed a first order (the referral converted)
- fan: a regular who is also a recommender

Paid orders count when they are not tests and not cancelled. Nothing is cached: the two
counts behind a stage are indexed lookups, so the stage can never drift from the facts.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.lifecycle.rules import LifecycleConfig
from shopify_loyalty.orders.models import Order
from shopify_loyalty.programs.config import load
from shopify_loyalty.referrals.models import CONVERTED, Referral
from shopify_loyalty.shops.models import Shop

PROSPECT = "prospect"
FIRST_TIME_BUYER = "first_time_buyer"
REPEAT_BUYER = "repeat_buyer"
REGULAR = "regular"
RECOMMENDER = "recommender"
FAN = "fan"
STAGES = (PROSPECT, FIRST_TIME_BUYER, REPEAT_BUYER, REGULAR, RECOMMENDER, FAN)


def stage_for(paid_orders: int, converted_referrals: int, regular_min_orders: int) -> str:
    """The stage for these counts (the rule in the module docstring)."""
    regular = paid_orders >= regular_min_orders
    if converted_referrals > 0:
        return FAN if regular else RECOMMENDER
    if regular:
        return REGULAR
    if paid_orders >= 2:
        return REPEAT_BUYER
    if paid_orders == 1:
        return FIRST_TIME_BUYER
    return PROSPECT


def paid_order_count(session: Session, shop: Shop, customer: Customer) -> int:
    count = session.scalar(
        select(func.count(Order.id)).where(
            Order.shop_id == shop.id,
            Order.customer_id == customer.id,
            Order.test.is_(False),
            Order.cancelled_at.is_(None),
        )
    )
    return int(count or 0)


def converted_referral_count(session: Session, shop: Shop, customer: Customer) -> int:
    count = session.scalar(
        select(func.count(Referral.id)).where(
            Referral.shop_id == shop.id,
            Referral.referrer_customer_id == customer.id,
            Referral.status == CONVERTED,
        )
    )
    return int(count or 0)


def lifecycle_stage(session: Session, shop: Shop, customer: Customer) -> str:
    config = load(session, shop, LifecycleConfig)
    return stage_for(
        paid_order_count(session, shop, customer),
        converted_referral_count(session, shop, customer),
        config.regular_min_orders,
    )
