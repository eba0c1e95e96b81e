"""Fraud guards on affiliate orders.

- Own orders: no commission when the buyer is the affiliate, that is the order's customer is
  the affiliate's linked Shopify customer, or any address the order was placed with equals
  the affiliate's email (compared case-insensitively). Recorded as rejected, ``own_order``.
- Caps per code: once a code has brought ``max_orders`` orders that count (pending or
  approved), further orders are rejected (``code_order_cap``); once its commission reaches
  ``max_commission``, further orders are rejected (``code_commission_cap``) and the order
  that crosses the cap earns only what is left of it.
- Unusual use (a code leaked to a coupon site): a code is flagged when its uses on one UTC
  day exceed ``max(10, 5 x its average daily uses over the 28 days before)``. A use is any
  paid order carrying the code, whatever became of it. The flag is shown to the merchant,
  who can pause the code; nothing is paused automatically, because a real campaign can
  spike too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.models import (
    APPROVED,
    CODE_COMMISSION_CAP,
    CODE_ORDER_CAP,
    OWN_ORDER,
    PENDING,
    ZERO,
    Affiliate,
    AffiliateCode,
    AffiliateConversion,
)
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.shops.models import Shop

SPIKE_FLOOR = 10
SPIKE_FACTOR = 5
TRAILING_DAYS = 28
COUNTING = (PENDING, APPROVED)


@dataclass(frozen=True)
class Verdict:
    """Whether an order may earn commission, and at most how much."""

    reason: str | None = None
    limit: Decimal | None = None


def is_own_order(affiliate: Affiliate, customer: Customer | None, emails: set[str]) -> bool:
    if (
        customer is not None
        and affiliate.shopify_customer_id is not None
        and customer.shopify_customer_id == affiliate.shopify_customer_id
    ):
        return True
    own = affiliate.email.strip().casefold()
    found = {email.strip().casefold() for email in emails if email}
    if customer is not None and customer.email:
        found.add(customer.email.strip().casefold())
    return bool(own) and own in found


def judge_order(
    session: Session,
    shop: Shop,
    affiliate: Affiliate,
    code: AffiliateCode,
    customer: Customer | None,
    emails: set[str],
) -> Verdict:
    """Why the order earns nothing, or the commission it may earn at most."""
    if is_own_order(affiliate, customer, emails):
        return Verdict(OWN_ORDER)
    counted = session.execute(
        select(func.count(), func.coalesce(func.sum(AffiliateConversion.commission), ZERO)).where(
            AffiliateConversion.shop_id == shop.id,
            AffiliateConversion.code_id == code.id,
            AffiliateConversion.status.in_(COUNTING),
        )
    ).one()
    orders, commission = int(counted[0]), Decimal(counted[1])
    if code.max_orders is not None and orders >= code.max_orders:
        return Verdict(CODE_ORDER_CAP)
    if code.max_commission is None:
        return Verdict()
    left = code.max_commission - commission
    if left <= ZERO:
        return Verdict(CODE_COMMISSION_CAP)
    return Verdict(limit=left)


def spike_threshold(trailing_uses: int) -> Decimal:
    """More uses than this in a day is unusual: ``max(10, 5 x trailing daily average)``."""
    average = Decimal(trailing_uses) / TRAILING_DAYS
    return max(Decimal(SPIKE_FLOOR), SPIKE_FACTOR * average)


def check_usage_spike(session: Session, shop: Shop, code: AffiliateCode, moment: datetime) -> bool:
    """Flag the code when its uses on ``moment``'s UTC day are unusually high; True if so."""
    day_start = datetime.combine(moment.date(), time(0), tzinfo=moment.tzinfo)
    day_end = day_start + timedelta(days=1)
    trailing_start = day_start - timedelta(days=TRAILING_DAYS)
    today = _uses(session, shop, code, day_start, day_end)
    trailing = _uses(session, shop, code, trailing_start, day_start)
    threshold = spike_threshold(trailing)
    if today <= threshold:
        return False
    if code.flagged_at is None:
        code.flagged_at = utcnow()
        code.flag_note = (
            f"{today} orders on {day_start.date().isoformat()}, above the usual "
            f"{threshold.quantize(Decimal('0.1'))} a day"
        )[:255]
    return True


def _uses(session: Session, shop: Shop, code: AffiliateCode, start: datetime, end: datetime) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                AffiliateConversion.shop_id == shop.id,
                AffiliateConversion.code_id == code.id,
                AffiliateConversion.ordered_at >= start,
                AffiliateConversion.ordered_at < end,
            )
        )
        or 0
    )
