"""Locks that keep concurrent workers from interleaving changes to the same points.

SQLite needs none of this: every write transaction there begins with ``BEGIN IMMEDIATE``,
so writers already run one at a time. On PostgreSQL (read committed) these locks make the
read-decide-write steps below them atomic; each statement after the lock sees what the
previous holder committed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.transaction_memo import lasts_the_transaction, transaction_memo

HELD_ORDER_LOCKS = lasts_the_transaction("points.held_order_locks")


def lock_customer(session: Session, customer: Customer) -> None:
    """Hold the customer's row until the transaction ends (``SELECT ... FOR UPDATE``).

    Every write that could take points away (a redemption, a debit adjustment, a take-back,
    expiry) takes this lock before reading the balance, so two of them can never both spend
    the same points.
    """
    lock_customer_id(session, customer.shop_id, customer.id)


def lock_customer_id(session: Session, shop_id: int, customer_id: int) -> None:
    """:func:`lock_customer` for a customer known by id."""
    session.execute(
        select(Customer.id)
        .where(Customer.id == customer_id, Customer.shop_id == shop_id)
        .with_for_update()
    )


def serialize_order_events(session: Session, shop: Shop, shopify_order_id: int) -> None:
    """Apply events about one order one at a time, until the transaction ends.

    A refund can be handled while the order's paid event is still uncommitted in another
    worker; without this each would miss the other and the refund would never be taken
    back. The lock is a transaction-scoped advisory lock, because the order row may not
    exist yet.
    """
    serialize_events_of_orders(session, [(shop, shopify_order_id)])


def serialize_events_of_orders(session: Session, orders: Iterable[tuple[Shop, int]]) -> None:
    """``serialize_order_events`` for several orders in one round trip (a batch of paid
    orders takes them all before its first event). The locks are taken in the order of
    their keys, so two transactions taking overlapping sets cannot deadlock on them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # Held until the transaction ends: a second request for it in the same transaction
    # (the handler's, then the credit's) needs no round trip.
    held = transaction_memo(session, HELD_ORDER_LOCKS)
    keys = []
    for shop, shopify_order_id in orders:
        if (shop.id, shopify_order_id) not in held:
            held[(shop.id, shopify_order_id)] = True
            keys.append(_order_key(shop.id, shopify_order_id))
    if len(keys) == 1:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": keys[0]})
    elif keys:
        # unnest yields the array in its order, and each row's lock is taken as it comes.
        session.execute(
            text("SELECT pg_advisory_xact_lock(key) FROM unnest(CAST(:keys AS bigint[])) AS key"),
            {"keys": sorted(set(keys))},
        )


def _order_key(shop_id: int, shopify_order_id: int) -> int:
    digest = hashlib.blake2b(f"order:{shop_id}:{shopify_order_id}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)
