"""Keeping, per order, what the stamp rule needs: paid, refunded lines, cancelled.

Every writer locks the order's row first, so a refund and a cancellation of the same order
handled side by side by two workers cannot lose one another's change.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.orders.models import Order
from shopify_loyalty.rows_ahead import insert_ahead, take_ahead
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.stamps.lines import OrderLine, RefundedItems
from shopify_loyalty.stamps.models import StampOrder
from shopify_loyalty.stamps.rules import OrderFacts, StampConfig
from shopify_loyalty.transaction_memo import lasts_the_transaction
from shopify_loyalty.unique_rows import insert_unless_present

# Rows inserted ahead for the paid orders of a batch, by (shop id, Shopify order id): each
# with what it was noted from, until the order's stamp takes it.
PAID_AHEAD_MEMO = lasts_the_transaction("stamps.paid_ahead")


def locked_order_facts(session: Session, shop: Shop, shopify_order_id: int) -> StampOrder:
    """The order's row, created empty when no event about the order was seen yet."""
    query = (
        select(StampOrder)
        .where(StampOrder.shop_id == shop.id, StampOrder.shopify_order_id == shopify_order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = session.scalar(query)
    if row is None:
        # The row just inserted is this transaction's until it commits: locked already.
        row = insert_unless_present(
            session, StampOrder(shop_id=shop.id, shopify_order_id=shopify_order_id)
        )
        if row is None:  # another event about this order created it first
            row = session.scalars(query).one()
    return row


def record_paid_ahead(
    session: Session,
    orders: Sequence[tuple[Shop, StampConfig, Order, Customer, Sequence[OrderLine]]],
) -> dict[tuple[int, int], StampOrder]:
    """:func:`record_paid` for several paid orders (each named once) in one statement,
    those with a row already left out; each order's :func:`record_paid` then takes its
    row when given the same facts. The rows inserted, by (shop id, Shopify order id)."""
    rows = []
    for shop, config, order, customer, lines in orders:
        row = StampOrder(shop_id=shop.id, shopify_order_id=order.shopify_order_id)
        _note_paid(row, config, order, customer, lines)
        rows.append(row)
    return insert_ahead(
        session,
        PAID_AHEAD_MEMO,
        rows,
        [
            _noted_from(config, order, customer, lines)
            for _, config, order, customer, lines in orders
        ],
        key=lambda row: (row.shop_id, row.shopify_order_id),
    )


def _noted_from(
    config: StampConfig, order: Order, customer: Customer, lines: Sequence[OrderLine]
) -> tuple[object, ...]:
    """What :func:`_note_paid` reads, to tell whether a row noted ahead still holds."""
    return (config, order, order.paid_at, order.subtotal, order.cancelled_at, customer, *lines)


def record_paid(
    session: Session,
    shop: Shop,
    config: StampConfig,
    order: Order,
    customer: Customer,
    lines: Sequence[OrderLine],
) -> StampOrder:
    """Note the paid order with the rule in force now; a repeated delivery changes nothing.

    A paid order usually comes first: its row is inserted filled in (and is this
    transaction's until it commits). A row that is there already, made by a refund or a
    cancellation that came first or by an earlier delivery, is locked and filled in.
    """
    noted: StampOrder | None = take_ahead(
        session,
        PAID_AHEAD_MEMO,
        (shop.id, order.shopify_order_id),
        _noted_from(config, order, customer, lines),
    )
    if noted is not None:
        return noted
    new = StampOrder(shop_id=shop.id, shopify_order_id=order.shopify_order_id)
    _note_paid(new, config, order, customer, lines)
    inserted = insert_unless_present(session, new)
    if inserted is not None:
        return inserted
    row = locked_order_facts(session, shop, order.shopify_order_id)
    if row.paid_at is not None:
        return row
    _note_paid(row, config, order, customer, lines)
    session.flush()
    return row


def _note_paid(
    row: StampOrder,
    config: StampConfig,
    order: Order,
    customer: Customer,
    lines: Sequence[OrderLine],
) -> None:
    row.customer_id = customer.id
    row.paid_at = order.paid_at or utcnow()
    row.subtotal = order.subtotal
    row.minimum_subtotal = config.minimum_order_subtotal
    if config.qualifying_product_ids:
        wanted = set(config.qualifying_product_ids)
        qualifying: dict[str, int] = {}
        for line in lines:
            if line.product_id in wanted:
                key = str(line.line_item_id)
                qualifying[key] = qualifying.get(key, 0) + line.quantity
        row.qualifying_lines = json.dumps(qualifying, sort_keys=True)
    else:
        row.qualifying_lines = None
    if order.cancelled_at is not None and row.cancelled_at is None:
        row.cancelled_at = order.cancelled_at


def record_refund(
    session: Session, shop: Shop, shopify_order_id: int, refund: RefundedItems
) -> StampOrder:
    """Add the refund once (keyed by its id), whether or not the paid order was seen yet."""
    row = locked_order_facts(session, shop, shopify_order_id)
    refunds = json.loads(row.refunds or "{}")
    key = str(refund.refund_id)
    if key not in refunds:
        refunds[key] = {
            "subtotal": str(refund.subtotal),
            "lines": {str(line): quantity for line, quantity in refund.lines.items()},
        }
        row.refunds = json.dumps(refunds, sort_keys=True)
        session.flush()
    return row


def record_cancellation(
    session: Session, shop: Shop, shopify_order_id: int, cancelled_at: datetime | None
) -> StampOrder:
    row = locked_order_facts(session, shop, shopify_order_id)
    if row.cancelled_at is None:
        row.cancelled_at = cancelled_at or utcnow()
        session.flush()
    return row


def facts_of(row: StampOrder) -> OrderFacts:
    refunded_subtotal = Decimal("0.00")
    refunded_lines: dict[int, int] = {}
    for refund in json.loads(row.refunds or "{}").values():
        refunded_subtotal += Decimal(refund["subtotal"])
        for line, quantity in refund["lines"].items():
            refunded_lines[int(line)] = refunded_lines.get(int(line), 0) + int(quantity)
    qualifying = (
        None
        if row.qualifying_lines is None
        else {int(line): int(q) for line, q in json.loads(row.qualifying_lines).items()}
    )
    return OrderFacts(
        paid=row.paid_at is not None,
        cancelled=row.cancelled_at is not None,
        subtotal=row.subtotal if row.subtotal is not None else Decimal("0.00"),
        refunded_subtotal=refunded_subtotal,
        minimum_subtotal=row.minimum_subtotal or Decimal("0.00"),
        qualifying_lines=qualifying,
        refunded_lines=refunded_lines,
    )
