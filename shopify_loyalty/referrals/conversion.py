"""Turning a friend's first paid order into the referrer's reward, once per friend.

The order names a referrer through the friend's discount code, the ``loyalty_ref`` note
attribute or the landing page's ``ref`` parameter (see attribution). The referral is then
recorded once for the friend, whatever the deliveries, as converted or rejected:

- ``self_referral``: the friend is the referrer, or shares the referrer's email address
  (compared case-insensitively, including the order's contact email);
- ``existing_customer``: the referral is for people new to the shop. The friend is not new
  if they have another paid order (not a test, not cancelled) placed before this one, or if
  their Shopify account was created before the referrer's code existed, that is before the
  referrer could have invited them;
- ``referrer_gone``: the referrer's account was deleted or redacted;
- ``order_cancelled``: the friend's order was cancelled before its paid event was applied.

A converted referral gives the referrer ``referrer_points`` (key ``referral:<order id>``),
pending for the points program's ``pending_days`` like points earned on an order. When the
friend's order is cancelled or refunded in full, the referral is voided and the reward taken
back (key ``referral:<order id>:void``): out of the pending points while they are pending,
and never below a zero balance once they were spendable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.orders.models import Order
from shopify_loyalty.points.bonuses import award_bonus
from shopify_loyalty.points.ledger import append_entry, balance_of, find_entry
from shopify_loyalty.points.rules import PointsConfig
from shopify_loyalty.points.sources import Source
from shopify_loyalty.programs.config import load
from shopify_loyalty.referrals.attribution import (
    DISCOUNT_CODE,
    Evidence,
    customer_created_at,
    order_emails,
    referral_evidence,
)
from shopify_loyalty.referrals.codes import (
    find_codes_named,
    look_up_codes_named,
    normalise_code,
)
from shopify_loyalty.referrals.models import (
    CONVERTED,
    EXISTING_CUSTOMER,
    ORDER_CANCELLED,
    REFERRER_GONE,
    REJECTED,
    SELF_REFERRAL,
    VOIDED,
    Referral,
    ReferralCode,
)
from shopify_loyalty.referrals.rules import ReferralConfig
from shopify_loyalty.shops.models import Shop

REFERRAL_BONUS = "referral"


def referral_key(shopify_order_id: int) -> str:
    return f"referral:{shopify_order_id}"


def convert_referral(
    session: Session, shop: Shop, customer: Customer, order: Order, payload: dict[str, Any]
) -> Referral | None:
    """Record the referral the paid ``order`` carries, if any, and reward the referrer.

    Returns the friend's referral (new or recorded before), or None when the order names no
    referrer or referrals are off. Runs in the order's transaction.
    """
    config = load(session, shop, ReferralConfig)
    if not config.enabled or order.test:
        return None
    found = _referral_code_in(session, shop, payload)
    if found is None:
        return None
    code, matched_by = found
    recorded = referral_of(session, shop, customer)
    if recorded is not None:
        return recorded
    referrer = session.get(Customer, code.customer_id)
    reason = rejection_reason(session, shop, code, referrer, customer, order, payload)
    points = config.referrer_points if reason is None else 0
    referral = Referral(
        shop_id=shop.id,
        referral_code_id=code.id,
        referrer_customer_id=code.customer_id,
        friend_customer_id=customer.id,
        shopify_order_id=order.shopify_order_id,
        matched_by=matched_by,
        status=CONVERTED if reason is None else REJECTED,
        reason=reason,
        referrer_points=points,
    )
    try:
        with session.begin_nested():
            session.add(referral)
    except IntegrityError:
        # A concurrent delivery of the friend's order recorded the referral first.
        return referral_of(session, shop, customer)
    if referrer is not None and points > 0:
        pending_days = load(session, shop, PointsConfig).pending_days
        award_bonus(
            session,
            shop,
            referrer,
            REFERRAL_BONUS,
            points,
            referral_key(order.shopify_order_id),
            note="A friend you referred placed their first order",
            available_at=utcnow() + timedelta(days=pending_days),
        )
    return referral


def void_referral(session: Session, shop: Shop, order: Order, reason: str) -> Referral | None:
    """The friend's order was cancelled or refunded in full: void the referral it converted
    and take the referrer's reward back, once."""
    referral = session.scalar(
        select(Referral).where(
            Referral.shop_id == shop.id,
            Referral.shopify_order_id == order.shopify_order_id,
            Referral.status == CONVERTED,
        )
    )
    if referral is None:
        return None
    referral.status = VOIDED
    referral.reason = reason
    reward = find_entry(session, shop.id, referral_key(order.shopify_order_id))
    referrer = session.get(Customer, referral.referrer_customer_id)
    if reward is None or referrer is None:
        return referral
    now = utcnow()
    if reward.available_at > now:
        # Still pending: the take-back nets against it before it ever becomes spendable.
        points, available_at = reward.points, reward.available_at
    else:
        points, available_at = (
            min(reward.points, max(0, balance_of(session, referrer).available)),
            now,
        )
    if points > 0:
        append_entry(
            session,
            referrer,
            points=-points,
            reason=REFERRAL_BONUS,
            source=Source.BONUS,
            key=f"{referral_key(order.shopify_order_id)}:void",
            order_id=order.shopify_order_id,
            available_at=available_at,
            note="The referred friend's order was cancelled or refunded",
        )
    return referral


def rejection_reason(
    session: Session,
    shop: Shop,
    code: ReferralCode,
    referrer: Customer | None,
    friend: Customer,
    order: Order,
    payload: dict[str, Any],
) -> str | None:
    """Why this referral earns nothing (the rules in the module docstring), or None."""
    if referrer is None or referrer.deleted_at is not None or referrer.redacted_at is not None:
        return REFERRER_GONE
    if referrer.id == friend.id:
        return SELF_REFERRAL
    referrer_email = (referrer.email or "").strip().casefold()
    friend_emails = order_emails(payload)
    if friend.email:
        friend_emails.add(friend.email.strip().casefold())
    if referrer_email and referrer_email in friend_emails:
        return SELF_REFERRAL
    if order.cancelled_at is not None:
        return ORDER_CANCELLED
    if _bought_before(session, shop, friend, order):
        return EXISTING_CUSTOMER
    account_created = customer_created_at(payload) or friend.shopify_created_at
    if account_created is not None and account_created < code.created_at:
        return EXISTING_CUSTOMER
    return None


def referral_of(session: Session, shop: Shop, friend: Customer) -> Referral | None:
    """The referral recorded for this friend, converted or rejected."""
    return session.scalar(
        select(Referral).where(
            Referral.shop_id == shop.id, Referral.friend_customer_id == friend.id
        )
    )


def look_up_referral_codes(session: Session, orders: Sequence[tuple[Shop, dict[str, Any]]]) -> None:
    """Before several paid orders are applied in one transaction: read the member codes
    they name, for all of them in one query (shops whose referrals are off look none up)."""
    friend_codes: list[tuple[Shop, str]] = []
    link_codes: list[tuple[Shop, str]] = []
    for shop, payload in orders:
        if not load(session, shop, ReferralConfig).enabled:
            continue
        discount, link = _split(list(referral_evidence(payload)))
        friend_codes.extend((shop, code) for code in discount)
        link_codes.extend((shop, code) for code in link)
    look_up_codes_named(session, friend_codes, link_codes)


def _split(evidence: list[Evidence]) -> tuple[list[str], list[str]]:
    """The friend discount codes and the link codes among what the order names."""
    discount = [item.value for item in evidence if item.matched_by == DISCOUNT_CODE]
    link = [item.value for item in evidence if item.matched_by != DISCOUNT_CODE]
    return discount, link


def _referral_code_in(
    session: Session, shop: Shop, payload: dict[str, Any]
) -> tuple[ReferralCode, str] | None:
    """The first member code the order names (a friend's discount code, or the referrer's
    link code), and how it named it; every code looked up in one query."""
    evidence = list(referral_evidence(payload))
    if not evidence:
        return None
    discount, link = _split(evidence)
    by_friend_code, by_code = find_codes_named(session, shop, discount, link)
    for item in evidence:
        table = by_friend_code if item.matched_by == DISCOUNT_CODE else by_code
        code = table.get(normalise_code(item.value))
        if code is not None:
            return code, item.matched_by
    return None


def _bought_before(session: Session, shop: Shop, friend: Customer, order: Order) -> bool:
    placed = func.coalesce(Order.placed_at, Order.paid_at, Order.created_at)
    this_placed = order.placed_at or order.paid_at or order.created_at
    earlier = session.scalar(
        select(Order.id)
        .where(
            Order.shop_id == shop.id,
            Order.customer_id == friend.id,
            Order.id != order.id,
            Order.test.is_(False),
            Order.cancelled_at.is_(None),
            placed < this_placed,
        )
        .limit(1)
    )
    return earlier is not None
