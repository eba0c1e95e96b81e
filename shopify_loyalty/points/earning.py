"""Points from orders: credited when an order is paid, taken back by refunds and cancellation.

Whatever order the events arrive in, and however often each is repeated, an order ends up
holding its earned points minus the take-back its refunds and cancellation call for (see
points.rules). Each change is computed as *target minus already taken*, under a lock on the
order's events, so a refund that arrives before its paid event is netted out when the paid
event arrives, and a repeated event takes nothing more.

A take-back never makes a balance negative: while the order's points are pending it comes
out of them; once they are spendable it comes out of the available balance, as far as that
goes, and the ledger row notes any points that could not be taken back.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.orders.models import Order, Refund
from shopify_loyalty.points.ledger import append_entry, balance_of, find_entry
from shopify_loyalty.points.locks import lock_customer, serialize_order_events
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.points.order_facts import sync_refunded_subtotal
from shopify_loyalty.points.rules import (
    PointsConfig,
    available_from,
    order_points,
    refund_take_back,
)
from shopify_loyalty.points.sources import (
    CANCELLATION_REASON,
    ORDER_REASON,
    REFUND_REASON,
    Source,
)
from shopify_loyalty.programs.config import load
from shopify_loyalty.shops.models import Shop

TAKE_BACK_SOURCES = (Source.REFUND, Source.CANCELLATION)


def earn_key(shopify_order_id: int) -> str:
    return f"order:{shopify_order_id}:earn"


def refund_key(shopify_refund_id: int) -> str:
    return f"refund:{shopify_refund_id}:take-back"


def cancellation_key(shopify_order_id: int) -> str:
    return f"order:{shopify_order_id}:cancel"


def credit_order(
    session: Session,
    shop: Shop,
    customer: Customer,
    order: Order,
    *,
    multiplier: Decimal = Decimal(1),
) -> LedgerEntry | None:
    """Credit what a paid order earns, once per order; returns the new row, or None.

    Test orders earn nothing. Refunds and a cancellation recorded before the payment are
    taken back right after the credit.
    """
    serialize_order_events(session, shop, order.shopify_order_id)
    if order.test:
        return None
    config = load(session, shop, PointsConfig)
    points = order_points(order.subtotal, config, multiplier)
    entry = None
    if points > 0:
        entry = append_entry(
            session,
            customer,
            points=points,
            reason=ORDER_REASON,
            source=Source.ORDER,
            key=earn_key(order.shopify_order_id),
            order_id=order.shopify_order_id,
            available_at=available_from(order.paid_at, utcnow(), config.pending_days),
            note=f"Points for {_order_label(order)}",
        )
    settle_take_backs(session, shop, order)
    return entry


def take_back_refund(
    session: Session, shop: Shop, order: Order, refund: Refund
) -> LedgerEntry | None:
    """Take back the points a recorded refund calls for; returns its row if one was written."""
    serialize_order_events(session, shop, order.shopify_order_id)
    written = settle_take_backs(session, shop, order)
    key = refund_key(refund.shopify_refund_id)
    return next((entry for entry in written if entry.idempotency_key == key), None)


def take_back_cancellation(session: Session, shop: Shop, order: Order) -> LedgerEntry | None:
    """Mark the order cancelled and take back everything it still holds."""
    serialize_order_events(session, shop, order.shopify_order_id)
    if order.cancelled_at is None:
        order.cancelled_at = utcnow()
    written = settle_take_backs(session, shop, order)
    key = cancellation_key(order.shopify_order_id)
    return next((entry for entry in written if entry.idempotency_key == key), None)


def settle_take_backs(session: Session, shop: Shop, order: Order) -> list[LedgerEntry]:
    """Bring the order's take-backs up to what its refunds and cancellation call for.

    Each refund gets its own row: refunds are walked in Shopify's order, and each takes the
    target for the refunds so far minus what is already taken, so the rows always add up to
    the target for all of them, whichever arrived first. A cancellation then takes the rest.
    Returns the rows written now.
    """
    refunds = sync_refunded_subtotal(session, shop, order)
    if not refunds and order.cancelled_at is None:
        return []  # nothing calls for a take-back
    earned = find_entry(session, shop.id, earn_key(order.shopify_order_id))
    if earned is None or earned.points <= 0:
        return []
    customer = session.get(Customer, earned.customer_id)
    assert customer is not None
    lock_customer(session, customer)
    taken = _taken_back(session, shop, order)
    keys = set(
        session.scalars(
            select(LedgerEntry.idempotency_key).where(
                LedgerEntry.shop_id == shop.id,
                LedgerEntry.shopify_order_id == order.shopify_order_id,
                LedgerEntry.source == Source.REFUND,
            )
        )
    )
    covered = sum(
        (refund.subtotal for refund in refunds if refund_key(refund.shopify_refund_id) in keys),
        Decimal("0.00"),
    )
    written: list[LedgerEntry] = []
    for refund in refunds:
        key = refund_key(refund.shopify_refund_id)
        if key in keys:
            continue
        covered += refund.subtotal
        due = refund_take_back(earned.points, order.subtotal, covered) - taken
        entry = _take_back(
            session,
            customer,
            earned,
            due,
            source=Source.REFUND,
            reason=REFUND_REASON,
            key=key,
            note=f"Refund {refund.shopify_refund_id} of {_order_label(order)}",
        )
        if entry is not None:
            taken -= entry.points
            written.append(entry)
    if order.cancelled_at is not None:
        entry = _take_back(
            session,
            customer,
            earned,
            earned.points - taken,
            source=Source.CANCELLATION,
            reason=CANCELLATION_REASON,
            key=cancellation_key(order.shopify_order_id),
            note=f"Cancellation of {_order_label(order)}",
        )
        if entry is not None:
            written.append(entry)
    return written


def _taken_back(session: Session, shop: Shop, order: Order) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
            LedgerEntry.shop_id == shop.id,
            LedgerEntry.shopify_order_id == order.shopify_order_id,
            LedgerEntry.source.in_(TAKE_BACK_SOURCES),
        )
    )
    return -int(total or 0)


def _take_back(
    session: Session,
    customer: Customer,
    earned: LedgerEntry,
    due: int,
    *,
    source: str,
    reason: str,
    key: str,
    note: str,
) -> LedgerEntry | None:
    """Write a take-back of ``due`` points (none when ``due`` is not positive)."""
    if due <= 0:
        return None
    now = utcnow()
    if earned.available_at > now:
        # Still pending: the take-back leaves the pending points with the order's own date.
        amount, available_at = due, earned.available_at
    else:
        spendable = max(balance_of(session, customer, at=now).available, 0)
        amount, available_at = min(due, spendable), now
        if amount < due:
            note = f"{note}; {due - amount} points could not be taken back (balance too low)"
    if amount <= 0:
        return None
    return append_entry(
        session,
        customer,
        points=-amount,
        reason=reason,
        source=source,
        key=key,
        order_id=earned.shopify_order_id,
        available_at=available_at,
        note=note,
    )


def _order_label(order: Order) -> str:
    return f"order {order.name}" if order.name else f"order {order.shopify_order_id}"
