"""Crediting affiliates with the paid orders they brought, once per order.

An order names an affiliate through one of the affiliate's codes: a discount code used at
checkout (compared case-insensitively), the ``loyalty_ref`` note attribute that the
storefront keeps from a ``?ref=CODE`` link, or the ``ref`` parameter of the landing page, in
that order of trust. Member referral codes live in another table and are never read here.

The conversion is recorded once per order (unique per shop and order; the order's events
are serialized), pending until the points program's ``pending_days`` after payment, with
the commission terms the affiliate has then. Refunds and cancellations, in any order of
arrival, bring it in line with the order through :func:`settle_conversion`. Test orders
earn nothing; guest checkouts do (a guest counts as a new customer).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.codes import find_codes, look_up_codes, normalise_code
from shopify_loyalty.affiliates.commission import settle_conversion
from shopify_loyalty.affiliates.fraud import check_usage_spike, judge_order
from shopify_loyalty.affiliates.models import (
    ACTIVE,
    AFFILIATE_ARCHIVED,
    PENDING,
    REJECTED,
    Affiliate,
    AffiliateCode,
    AffiliateConversion,
)
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.orders.models import Order
from shopify_loyalty.orders.records import find_order, inserted_in_this_transaction
from shopify_loyalty.points.order_facts import sync_refunded_subtotal
from shopify_loyalty.points.rules import PointsConfig, available_from
from shopify_loyalty.programs.config import load
from shopify_loyalty.referrals.attribution import order_emails, referral_evidence
from shopify_loyalty.shops.models import Shop


def credit_affiliate(
    session: Session,
    shop: Shop,
    customer: Customer | None,
    order: Order,
    payload: dict[str, Any],
) -> AffiliateConversion | None:
    """Record the affiliate conversion the paid ``order`` carries, if any (see module)."""
    existing = (
        None
        if inserted_in_this_transaction(session, order)
        else conversion_for_order(session, shop, order.shopify_order_id)
    )
    if existing is not None:
        settle_conversion(existing, order)
        return existing
    if order.test:
        return None
    found = affiliate_code_in(session, shop, payload)
    if found is None:
        return None
    code, matched_by = found
    affiliate = session.get_one(Affiliate, code.affiliate_id)
    now = utcnow()
    reason: str | None = AFFILIATE_ARCHIVED
    limit: Decimal | None = None
    if affiliate.status == ACTIVE:
        verdict = judge_order(session, shop, affiliate, code, customer, order_emails(payload))
        reason, limit = verdict.reason, verdict.limit
    ordered_at = min(order.placed_at or order.paid_at or now, now)
    pending_days = load(session, shop, PointsConfig).pending_days
    conversion = AffiliateConversion(
        shop_id=shop.id,
        affiliate_id=affiliate.id,
        code_id=code.id,
        shopify_order_id=order.shopify_order_id,
        customer_id=customer.id if customer is not None else None,
        matched_by=matched_by,
        new_customer=customer is None or not _bought_before(session, shop, customer, order),
        currency=order.currency,
        order_subtotal=order.subtotal,
        commission_kind=affiliate.commission_kind,
        commission_value=affiliate.commission_value,
        commission_limit=limit,
        status=REJECTED if reason else PENDING,
        reason=reason,
        ordered_at=ordered_at,
        approve_at=available_from(order.paid_at, now, pending_days),
    )
    settle_conversion(conversion, order)
    try:
        with session.begin_nested():
            session.add(conversion)
    except IntegrityError:
        # A concurrent delivery of the same order recorded it first.
        raced = conversion_for_order(session, shop, order.shopify_order_id)
        if raced is not None:
            settle_conversion(raced, order)
        return raced
    check_usage_spike(session, shop, code, ordered_at)
    return conversion


def settle_affiliate_order(
    session: Session, shop: Shop, shopify_order_id: int
) -> AffiliateConversion | None:
    """A refund or cancellation arrived: bring the order's conversion in line with it.

    Before the paid event there is no conversion yet; the paid event then records it with
    the refunds and cancellation already known.
    """
    conversion = conversion_for_order(session, shop, shopify_order_id)
    order = find_order(session, shop, shopify_order_id)
    if conversion is None or order is None:
        return None
    sync_refunded_subtotal(session, shop, order)
    settle_conversion(conversion, order)
    return conversion


def affiliate_code_in(
    session: Session, shop: Shop, payload: dict[str, Any]
) -> tuple[AffiliateCode, str] | None:
    """The first affiliate code the order names, and how it named it.

    Every code the order names is looked up in one query, then taken in order of trust.
    """
    evidence = list(referral_evidence(payload))
    if not evidence:
        return None
    found = find_codes(session, shop, [item.value for item in evidence])
    for item in evidence:
        code = found.get(normalise_code(item.value))
        if code is not None:
            return code, item.matched_by
    return None


def look_up_affiliate_codes(
    session: Session, orders: Sequence[tuple[Shop, dict[str, Any]]]
) -> None:
    """Before several paid orders are applied in one transaction: read the affiliate codes
    they name, for all of them in one query."""
    look_up_codes(
        session,
        [(shop, item.value) for shop, payload in orders for item in referral_evidence(payload)],
    )


def conversion_for_order(
    session: Session, shop: Shop, shopify_order_id: int
) -> AffiliateConversion | None:
    return session.scalar(
        select(AffiliateConversion).where(
            AffiliateConversion.shop_id == shop.id,
            AffiliateConversion.shopify_order_id == shopify_order_id,
        )
    )


def _bought_before(session: Session, shop: Shop, customer: Customer, order: Order) -> bool:
    """Whether the customer has another paid, uncancelled, real order placed before."""
    placed = func.coalesce(Order.placed_at, Order.paid_at, Order.created_at)
    this_placed = order.placed_at or order.paid_at or order.created_at or utcnow()
    earlier = session.scalar(
        select(Order.id)
        .where(
            Order.shop_id == shop.id,
            Order.customer_id == customer.id,
            Order.id != order.id,
            Order.test.is_(False),
            Order.cancelled_at.is_(None),
            Order.paid_at.is_not(None),
            placed < this_placed,
        )
        .limit(1)
    )
    return earlier is not None
