"""Spending points: debits that can never overdraw, and their compensation.

A debit locks the customer's row before it reads the balance, so two redemptions racing
for the same points are applied one after the other and the second sees what the first
left. Only available points can be spent; pending ones are still open to returns.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.errors import Conflict
from shopify_loyalty.points.ledger import append_entry, balance_of, find_entry
from shopify_loyalty.points.locks import lock_customer
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.points.sources import Source
from shopify_loyalty.shops.models import Shop

MAX_REASON_LENGTH = 32


class InsufficientPoints(Conflict):
    """The customer's available balance is smaller than the points asked for (409)."""

    code = "insufficient_points"

    def __init__(self, needed: int, available: int) -> None:
        super().__init__(
            f"{needed} points are needed but only {available} are available.", field="points"
        )
        self.needed = needed
        self.available = available


def debit_points(
    session: Session,
    shop: Shop,
    customer: Customer,
    points: int,
    *,
    reason: str,
    key: str,
    note: str | None = None,
) -> LedgerEntry:
    """Spend ``points`` of the customer's available balance, once per ``key``.

    Raises InsufficientPoints when the balance is short. Repeating a debit with the same key
    returns the first row and spends nothing more.
    """
    _check_customer(shop, customer)
    if points <= 0:
        raise ValueError("a debit spends a positive number of points")
    if not reason or len(reason) > MAX_REASON_LENGTH:
        raise ValueError(f"reason must be 1 to {MAX_REASON_LENGTH} characters")
    lock_customer(session, customer)
    existing = find_entry(session, shop.id, key)
    if existing is not None:
        return existing
    available = balance_of(session, customer).available
    if available < points:
        raise InsufficientPoints(points, max(available, 0))
    entry = append_entry(
        session,
        customer,
        points=-points,
        reason=reason,
        source=Source.REDEMPTION,
        key=key,
        note=note,
    )
    assert entry is not None  # the key was free and the customer row is locked
    return entry


def restore_key(debit_key: str) -> str:
    return f"{debit_key}:restore"


def restore_points(
    session: Session, shop: Shop, customer: Customer, debit_key: str, *, reason: str
) -> LedgerEntry | None:
    """Give back the points of the debit written under ``debit_key`` (a compensating row).

    Returns the new row; None when there is no such debit or it was restored before.
    """
    _check_customer(shop, customer)
    debit = find_entry(session, shop.id, debit_key)
    if debit is None or debit.points >= 0 or debit.customer_id != customer.id:
        return None
    return append_entry(
        session,
        customer,
        points=-debit.points,
        reason=reason[:MAX_REASON_LENGTH],
        source=debit.source,
        key=restore_key(debit_key),
        order_id=debit.shopify_order_id,
        note=f"Points given back for {debit.reason}",
    )


def _check_customer(shop: Shop, customer: Customer) -> None:
    if customer.shop_id != shop.id:
        raise ValueError("the customer belongs to another shop")
