"""Recording what Shopify tells us about an order: paid, refunded, cancelled."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import created_in_this_transaction
from shopify_loyalty.orders.models import Order, Refund
from shopify_loyalty.rows_ahead import insert_ahead, take_ahead
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.transaction_memo import lasts_the_transaction, transaction_memo
from shopify_loyalty.unique_rows import insert_unless_present

# What a transaction has read of orders (``find_order``) and of their refunds
# (``points.order_facts.order_refunds``, read ahead for the paid orders of a batch; kept
# from one event to the next, as ``record_refund`` drops an order's copy when it adds one).
ORDERS_MEMO = "orders.found"
REFUNDS_MEMO = lasts_the_transaction("orders.refunds")
# The orders this transaction inserted, by (shop id, Shopify order id).
INSERTED_MEMO = "orders.inserted"
# The orders this transaction recorded paid for customers it created: customer id ->
# {Shopify order id: order}.
NEW_CUSTOMERS_ORDERS_MEMO = "orders.of_created_customers"
# Orders inserted ahead for the paid orders of a batch, by (shop id, Shopify order id): each
# with what it was recorded from, until its paid event takes it.
INSERTED_AHEAD_MEMO = lasts_the_transaction("orders.inserted_ahead")


@dataclass(frozen=True)
class PaidOrder:
    shopify_order_id: int
    customer: Customer | None
    name: str | None
    currency: str
    subtotal: Decimal
    total_price: Decimal
    discount_codes: tuple[str, ...] = field(default=())
    test: bool = False
    source_name: str | None = None
    placed_at: datetime | None = None
    paid_at: datetime | None = None


def find_order(session: Session, shop: Shop, shopify_order_id: int) -> Order | None:
    """The order's row; once found (orders are never deleted) it is kept for the
    transaction, as the session's identity map would return that same object anyway."""
    found: dict[tuple[int, int], Order] = transaction_memo(session, ORDERS_MEMO)
    key = (shop.id, shopify_order_id)
    if key in found:
        return found[key]
    order = session.scalar(
        select(Order).where(Order.shop_id == shop.id, Order.shopify_order_id == shopify_order_id)
    )
    if order is not None:
        found[key] = order
    return order


def find_orders(session: Session, shop: Shop, shopify_order_ids: Iterable[int]) -> dict[int, Order]:
    """The orders with these ids that exist, by id: those found before in the transaction
    from memory, the others in one query."""
    found: dict[tuple[int, int], Order] = transaction_memo(session, ORDERS_MEMO)
    wanted = set(shopify_order_ids)
    orders = {i: found[(shop.id, i)] for i in wanted if (shop.id, i) in found}
    missing = sorted(wanted - set(orders))
    # In chunks: a shop's hourly run can ask for many, and a statement's bound values are
    # limited.
    for start in range(0, len(missing), 1000):
        for order in session.scalars(
            _orders_query(), {"shop_id": shop.id, "ids": missing[start : start + 1000]}
        ):
            found[(shop.id, order.shopify_order_id)] = order
            orders[order.shopify_order_id] = order
    return orders


def inserted_in_this_transaction(session: Session, order: Order) -> bool:
    """True when this transaction's paid event inserted the order: no earlier paid event
    of it can have left rows behind (each stores the order first), and a concurrent one
    waits for this transaction at that insert."""
    return (order.shop_id, order.shopify_order_id) in transaction_memo(session, INSERTED_MEMO)


@cache
def _orders_query() -> Select[Order]:
    # Built once, values bound at execution: building it cost more than sending it.
    return select(Order).where(
        Order.shop_id == bindparam("shop_id"),
        Order.shopify_order_id.in_(bindparam("ids", expanding=True)),
    )


def insert_paid_orders_ahead(
    session: Session, orders: Sequence[tuple[Shop, PaidOrder]]
) -> dict[tuple[int, int], Order]:
    """Insert, in one statement, those of these orders (each named once, and each paid
    order of a customer already stored or created ahead) that are not stored yet, for
    :func:`record_paid_order` to take when it is given the same facts. The orders
    inserted, by (shop id, Shopify order id)."""
    rows = []
    for shop, paid in orders:
        row = Order(shop_id=shop.id, shopify_order_id=paid.shopify_order_id)
        _fill(row, paid)
        rows.append(row)
    return insert_ahead(
        session,
        INSERTED_AHEAD_MEMO,
        rows,
        [paid for _, paid in orders],
        key=lambda row: (row.shop_id, row.shopify_order_id),
    )


def record_paid_order(session: Session, shop: Shop, paid: PaidOrder) -> Order:
    """The order row, created on its first paid delivery; later copies change nothing."""
    inserted: Order | None = take_ahead(
        session, INSERTED_AHEAD_MEMO, (shop.id, paid.shopify_order_id), paid
    )
    if inserted is None:
        # Usually the first event about the order: inserting first saves a lookup.
        new = Order(shop_id=shop.id, shopify_order_id=paid.shopify_order_id)
        _fill(new, paid)
        inserted = insert_unless_present(session, new)
    if inserted is not None:
        transaction_memo(session, ORDERS_MEMO)[(shop.id, paid.shopify_order_id)] = inserted
        transaction_memo(session, INSERTED_MEMO)[(shop.id, paid.shopify_order_id)] = True
        order = inserted
    else:
        found = find_order(session, shop, paid.shopify_order_id)
        assert found is not None
        order = found
        if order.paid_at is None:
            _fill(order, paid)
    customer = paid.customer
    if (
        customer is not None
        and order.customer_id == customer.id
        and created_in_this_transaction(session, customer)
    ):
        recorded = transaction_memo(session, NEW_CUSTOMERS_ORDERS_MEMO)
        recorded.setdefault(customer.id, {})[order.shopify_order_id] = order
    return order


def orders_of_created_customer(session: Session, customer: Customer) -> list[Order] | None:
    """The orders this transaction recorded paid for a customer it created, as they stand
    in the session; None for any other customer. No other transaction can point an order at
    that customer yet, so in a paid order's event these are all of the customer's orders
    (a cancellation, the only other writer of an order's customer, is an event of its own)."""
    if not created_in_this_transaction(session, customer):
        return None
    recorded = transaction_memo(session, NEW_CUSTOMERS_ORDERS_MEMO).get(customer.id, {})
    return list(recorded.values())


def _fill(order: Order, paid: PaidOrder) -> None:
    order.customer_id = paid.customer.id if paid.customer else None
    order.name = paid.name
    order.currency = paid.currency
    order.subtotal = paid.subtotal
    order.total_price = paid.total_price
    order.discount_codes = json.dumps(list(paid.discount_codes))
    order.test = paid.test
    order.source_name = paid.source_name
    order.placed_at = paid.placed_at
    order.paid_at = paid.paid_at or paid.placed_at


def record_refund(
    session: Session,
    shop: Shop,
    shopify_refund_id: int,
    shopify_order_id: int,
    subtotal: Decimal,
    refunded_at: datetime | None,
) -> Refund | None:
    """Store the refund once; returns None when this refund was already recorded."""
    existing = session.scalar(
        select(Refund).where(
            Refund.shop_id == shop.id, Refund.shopify_refund_id == shopify_refund_id
        )
    )
    if existing is not None:
        return None
    refund = Refund(
        shop_id=shop.id,
        shopify_refund_id=shopify_refund_id,
        shopify_order_id=shopify_order_id,
        subtotal=subtotal,
        refunded_at=refunded_at,
    )
    session.add(refund)
    session.flush()
    transaction_memo(session, REFUNDS_MEMO).pop((shop.id, shopify_order_id), None)
    return refund


def refunded_subtotal(session: Session, shop: Shop, shopify_order_id: int) -> Decimal:
    total = Decimal("0.00")
    for amount in session.scalars(
        select(Refund.subtotal).where(
            Refund.shop_id == shop.id, Refund.shopify_order_id == shopify_order_id
        )
    ):
        total += amount
    return total
