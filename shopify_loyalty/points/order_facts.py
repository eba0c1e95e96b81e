"""Order facts the points depend on beyond the paid order itself.

A cancellation can reach us before the order's paid event (deliveries arrive out of
order), so it is remembered on an order row of its own, without a payment; the paid event
fills that row in later and the points it earns are taken back at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.orders.models import Order, Refund
from shopify_loyalty.orders.records import REFUNDS_MEMO, find_order
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.transaction_memo import transaction_memo


@dataclass(frozen=True)
class CancelledOrder:
    shopify_order_id: int
    cancelled_at: datetime
    customer: Customer | None
    name: str | None
    currency: str
    subtotal: Decimal
    total_price: Decimal
    test: bool = False
    placed_at: datetime | None = None


def record_cancellation(session: Session, shop: Shop, cancelled: CancelledOrder) -> Order:
    """Mark the order cancelled (the first cancellation time stays); an order we have not
    seen paid yet is recorded unpaid, so its paid event finds the cancellation."""
    order = find_order(session, shop, cancelled.shopify_order_id)
    if order is None:
        order = Order(
            shop_id=shop.id,
            shopify_order_id=cancelled.shopify_order_id,
            customer_id=cancelled.customer.id if cancelled.customer else None,
            name=cancelled.name,
            currency=cancelled.currency,
            subtotal=cancelled.subtotal,
            total_price=cancelled.total_price,
            test=cancelled.test,
            placed_at=cancelled.placed_at,
            cancelled_at=cancelled.cancelled_at,
        )
        try:
            with session.begin_nested():
                session.add(order)
        except IntegrityError:
            # The paid event recorded the order meanwhile.
            order = find_order(session, shop, cancelled.shopify_order_id)
            assert order is not None
    if order.cancelled_at is None:
        order.cancelled_at = cancelled.cancelled_at
    session.flush()
    return order


def recorded_refund(session: Session, shop: Shop, shopify_refund_id: int) -> Refund | None:
    return session.scalar(
        select(Refund).where(
            Refund.shop_id == shop.id, Refund.shopify_refund_id == shopify_refund_id
        )
    )


def order_refunds(session: Session, shop: Shop, shopify_order_id: int) -> list[Refund]:
    """The order's recorded refunds, in the order Shopify made them.

    Kept for the transaction (a paid order reads them for its refunded subtotal and again
    for its take-backs); ``record_refund`` drops the copy when it adds one.
    """
    known: dict[tuple[int, int], list[Refund]] = transaction_memo(session, REFUNDS_MEMO)
    key = (shop.id, shopify_order_id)
    if key not in known:
        known[key] = list(
            session.scalars(
                _refunds_of_order(), {"shop_id": shop.id, "shopify_order_id": shopify_order_id}
            )
        )
    return list(known[key])


def look_up_refunds(session: Session, orders: Iterable[tuple[Shop, int]]) -> None:
    """Read in one query the recorded refunds of several orders (each with its shop), so
    ``order_refunds`` answers them from memory, orders without refunds too."""
    known: dict[tuple[int, int], list[Refund]] = transaction_memo(session, REFUNDS_MEMO)
    keys = {(shop.id, shopify_order_id) for shop, shopify_order_id in orders} - set(known)
    if not keys:
        return
    found: dict[tuple[int, int], list[Refund]] = {key: [] for key in keys}
    for refund in session.scalars(
        _refunds_of_orders(),
        {
            "shop_ids": sorted({shop_id for shop_id, _ in keys}),
            "ids": sorted({order_id for _, order_id in keys}),
        },
    ):
        found.get((refund.shop_id, refund.shopify_order_id), []).append(refund)
    known.update(found)


@cache
def _refunds_of_orders() -> Select[Refund]:
    return (
        select(Refund)
        .where(
            Refund.shop_id.in_(bindparam("shop_ids", expanding=True)),
            Refund.shopify_order_id.in_(bindparam("ids", expanding=True)),
        )
        .order_by(Refund.shopify_refund_id)
    )


@cache
def _refunds_of_order() -> Select[Refund]:
    # Built once, values bound at execution: building it cost more than sending it.
    return (
        select(Refund)
        .where(
            Refund.shop_id == bindparam("shop_id"),
            Refund.shopify_order_id == bindparam("shopify_order_id"),
        )
        .order_by(Refund.shopify_refund_id)
    )


def sync_refunded_subtotal(session: Session, shop: Shop, order: Order) -> list[Refund]:
    """Bring the order's refunded subtotal up to its recorded refunds; returns them."""
    refunds = order_refunds(session, shop, order.shopify_order_id)
    refunded = sum((refund.subtotal for refund in refunds), Decimal("0.00"))
    # Set only when it differs: an order set to what it holds is still flushed, for nothing.
    if order.refunded_subtotal != refunded:
        order.refunded_subtotal = refunded
    return refunds
