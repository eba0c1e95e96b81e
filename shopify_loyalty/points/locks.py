"""Locks that keep concurrent workers from interleaving changes to the same points.

SQLite needs none of this: every write transaction there begins with ``BEGIN IMMEDIATE``,
so writers already run one at a time. On PostgreSQL (read committed) these locks make the
read-decide-write steps below them atomic; each statement after the lock sees what the
previous holder committed.
"""

from __future__ import annotations

import hashlib

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
    session.execute(
        select(Customer.id)
        .where(Customer.id == customer.id, Customer.shop_id == customer.shop_id)
        .with_for_update()
    )


def serialize_order_events(session: Session, shop: Shop, shopify_order_id: int) -> None:
    """Apply events about one order one at a time, until the transaction ends.

    A refund can be handled while the order's paid event is still uncommitted in another
    worker; without this each would miss the other and the refund would never be taken
    back. The lock is a transaction-scoped advisory lock, because the order row may not
    exist yet.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    # Held until the transaction ends: a second request for it in the same transaction
    # (the handler's, then the credit's) needs no round trip.
    held = transaction_memo(session, HELD_ORDER_LOCKS)
    if (shop.id, shopify_order_id) in held:
        return
    held[(shop.id, shopify_order_id)] = True
    digest = hashlib.blake2b(f"order:{shop.id}:{shopify_order_id}".encode(), digest_size=8)
    key = int.from_bytes(digest.digest(), "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
