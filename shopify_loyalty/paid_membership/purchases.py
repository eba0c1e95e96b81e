"""Joining, renewing and giving back a paid membership, as the order webhooks tell it.

- ``orders/paid``: each line of the membership product or variant buys ``quantity``
  periods for the order's customer (guests cannot join: there is nobody to tag).
- ``refunds/create``: the refunded quantity of a membership line gives those periods back;
  kept even when it arrives before the order's paid event.
- ``orders/cancelled``: every membership line of the order stops counting.
Every line and refund line is stored once (unique per order and line, per refund and
line), so a repeated delivery changes nothing; the membership is then rebuilt from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.paid_membership.discounts import queue_membership_discounts_sync
from shopify_loyalty.paid_membership.models import MembershipPurchase, MembershipRefundLine
from shopify_loyalty.paid_membership.rules import MembershipConfig
from shopify_loyalty.paid_membership.status import rebuild_membership
from shopify_loyalty.programs.config import load
from shopify_loyalty.shops.models import Shop


@dataclass(frozen=True)
class MembershipLine:
    """An order line of the membership product: periods bought and what was paid for them."""

    line_item_id: int
    quantity: int
    amount: Decimal


@dataclass(frozen=True)
class RefundedLine:
    line_item_id: int
    quantity: int
    amount: Decimal
    product_id: int | None
    variant_id: int | None


def record_membership_purchase(
    session: Session,
    shop: Shop,
    customer: Customer,
    shopify_order_id: int,
    lines: Sequence[MembershipLine],
    paid_at: datetime,
    now: datetime,
) -> None:
    """The customer bought the membership on this order: join or renew."""
    if not lines:
        return
    config = load(session, shop, MembershipConfig)
    _lock_customer(session, customer)
    for line in lines:
        purchase = _purchase(session, shop, shopify_order_id, line.line_item_id)
        if purchase is not None and purchase.paid_at is not None:
            continue  # a repeated paid event
        if purchase is None:
            purchase = MembershipPurchase(
                shop_id=shop.id, shopify_order_id=shopify_order_id, line_item_id=line.line_item_id
            )
            _fill(purchase, customer, line, config, paid_at)
            _insert(session, purchase)
        else:
            # Its cancellation came first: the line is stored cancelled and stays so.
            _fill(purchase, customer, line, config, paid_at)
    session.flush()
    if rebuild_membership(session, shop, customer.id, now) == "active":
        # The paid members' segment and discounts must exist at Shopify for them.
        queue_membership_discounts_sync(session, shop)


def _fill(
    purchase: MembershipPurchase,
    customer: Customer,
    line: MembershipLine,
    config: MembershipConfig,
    paid_at: datetime,
) -> None:
    purchase.customer_id = customer.id
    purchase.quantity = line.quantity
    purchase.amount = line.amount
    purchase.period_length = config.period_length
    purchase.period_unit = config.period_unit
    purchase.paid_at = paid_at


def record_membership_refund(
    session: Session,
    shop: Shop,
    shopify_order_id: int,
    shopify_refund_id: int,
    lines: Sequence[RefundedLine],
    refunded_at: datetime,
    now: datetime,
) -> None:
    """Give back the refunded periods of the order's membership lines."""
    config = load(session, shop, MembershipConfig)
    known = {
        purchase.line_item_id: purchase
        for purchase in session.scalars(
            select(MembershipPurchase).where(
                MembershipPurchase.shop_id == shop.id,
                MembershipPurchase.shopify_order_id == shopify_order_id,
            )
        )
    }
    recorded = False
    for line in lines:
        is_membership = line.line_item_id in known or config.sells_membership(
            line.product_id, line.variant_id
        )
        if not is_membership or line.quantity <= 0:
            continue
        recorded |= _insert(
            session,
            MembershipRefundLine(
                shop_id=shop.id,
                shopify_refund_id=shopify_refund_id,
                shopify_order_id=shopify_order_id,
                line_item_id=line.line_item_id,
                quantity=line.quantity,
                amount=line.amount,
                refunded_at=refunded_at,
            ),
        )
    if recorded:
        _rebuild_buyers(session, shop, known.values(), now)


def cancel_membership_lines(
    session: Session,
    shop: Shop,
    customer: Customer | None,
    shopify_order_id: int,
    line_item_ids: Sequence[int],
    cancelled_at: datetime,
    now: datetime,
) -> None:
    """The order was cancelled: none of its membership lines count any more. Lines not
    paid yet as far as we know are stored cancelled, so a late paid event cannot revive
    them."""
    purchases = {
        purchase.line_item_id: purchase
        for purchase in session.scalars(
            select(MembershipPurchase).where(
                MembershipPurchase.shop_id == shop.id,
                MembershipPurchase.shopify_order_id == shopify_order_id,
            )
        )
    }
    for line_item_id in line_item_ids:
        if line_item_id not in purchases:
            purchase = MembershipPurchase(
                shop_id=shop.id,
                customer_id=customer.id if customer is not None else None,
                shopify_order_id=shopify_order_id,
                line_item_id=line_item_id,
                quantity=0,
                amount=Decimal("0.00"),
                period_length=0,
                period_unit="months",
                cancelled_at=cancelled_at,
            )
            if _insert(session, purchase):
                purchases[line_item_id] = purchase
    changed = [p for p in purchases.values() if p.cancelled_at is None]
    for purchase in changed:
        purchase.cancelled_at = cancelled_at
    session.flush()
    if changed:
        _rebuild_buyers(session, shop, changed, now)


def _rebuild_buyers(
    session: Session, shop: Shop, purchases: Iterable[MembershipPurchase], now: datetime
) -> None:
    for customer_id in sorted({p.customer_id for p in purchases if p.customer_id is not None}):
        customer = session.get(Customer, customer_id)
        if customer is not None:
            _lock_customer(session, customer)
            rebuild_membership(session, shop, customer_id, now)


def _purchase(
    session: Session, shop: Shop, shopify_order_id: int, line_item_id: int
) -> MembershipPurchase | None:
    return session.scalar(
        select(MembershipPurchase).where(
            MembershipPurchase.shop_id == shop.id,
            MembershipPurchase.shopify_order_id == shopify_order_id,
            MembershipPurchase.line_item_id == line_item_id,
        )
    )


def _insert(session: Session, row: Any) -> bool:
    """Add the row; False when an equal one (same unique key) is already stored."""
    try:
        with session.begin_nested():
            session.add(row)
        return True
    except IntegrityError:
        return False


def _lock_customer(session: Session, customer: Customer) -> None:
    """One membership change per customer at a time: two orders of the same buyer paid at
    once must not both build the membership row."""
    session.execute(select(Customer.id).where(Customer.id == customer.id).with_for_update())
