"""When Shopify will not have a code: it is marked failed and its points come back."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.points.spending import restore_points
from shopify_loyalty.rewards.models import FAILED, PENDING, IssuedCode
from shopify_loyalty.shops.models import Shop

REDEMPTION_FAILED = "redemption_failed"


def fail_code(session: Session, issued: IssuedCode, error: str) -> None:
    """Mark a pending code failed and, if points were spent on it, give them back with a
    compensating ledger row, in the caller's transaction. A code already issued or used is
    left as it is."""
    if issued.status != PENDING:
        return
    issued.status = FAILED
    issued.error = error[:4000]
    if issued.points_debit_key is None:
        return
    shop = session.get(Shop, issued.shop_id)
    customer = session.get(Customer, issued.customer_id)
    assert shop is not None and customer is not None
    restore_points(session, shop, customer, issued.points_debit_key, reason=REDEMPTION_FAILED)
