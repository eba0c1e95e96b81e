"""Manual adjustments: the merchant adds or removes points, always saying why.

The merchant's explanation is kept on the row (``note``) with who made the change
(``actor``). Removing points follows the rule of every debit: the available balance may not
go below zero.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.points.ledger import append_entry, balance_of, find_entry
from shopify_loyalty.points.locks import lock_customer
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.points.sources import ADJUSTMENT_REASON, Source
from shopify_loyalty.points.spending import InsufficientPoints
from shopify_loyalty.shops.models import Shop

MAX_ADJUSTMENT = 1_000_000
MAX_REASON_TEXT = 500
MAX_ACTOR = 255


def adjust_points(
    session: Session,
    shop: Shop,
    customer: Customer,
    points: int,
    reason_text: str,
    actor: str,
    key: str,
) -> LedgerEntry:
    """Add (positive) or remove (negative) points by hand, once per ``key``.

    Raises InvalidInput naming ``points`` or ``reason`` for unusable input, and
    InsufficientPoints when a removal is more than the available balance. Repeating the
    same key returns the first row.
    """
    if customer.shop_id != shop.id:
        raise ValueError("the customer belongs to another shop")
    if isinstance(points, bool) or not isinstance(points, int):
        raise InvalidInput("points must be a whole number", field="points")
    if points == 0 or abs(points) > MAX_ADJUSTMENT:
        raise InvalidInput(
            f"points must be a whole number from -{MAX_ADJUSTMENT} to {MAX_ADJUSTMENT}, not 0",
            field="points",
        )
    if not isinstance(reason_text, str) or not reason_text.strip():
        raise InvalidInput("reason is required: say why the points change", field="reason")
    reason_text = reason_text.strip()
    if len(reason_text) > MAX_REASON_TEXT:
        raise InvalidInput(f"reason must be at most {MAX_REASON_TEXT} characters", field="reason")
    lock_customer(session, customer)
    existing = find_entry(session, shop.id, key)
    if existing is not None:
        return existing
    if points < 0:
        available = balance_of(session, customer).available
        if available < -points:
            raise InsufficientPoints(-points, max(available, 0))
    entry = append_entry(
        session,
        customer,
        points=points,
        reason=ADJUSTMENT_REASON,
        source=Source.ADJUSTMENT,
        key=key,
        note=reason_text,
        actor=actor[:MAX_ACTOR] or None,
    )
    assert entry is not None  # the key was free and the customer row is locked
    return entry
