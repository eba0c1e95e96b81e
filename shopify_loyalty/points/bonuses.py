"""Bonus points: sign-up, birthday, account anniversary, feedback, and those other parts of
the program give (referrals, tier entry). Bonuses are spendable at once: nothing can be
returned."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.points.ledger import append_entry
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.points.rules import PointsConfig
from shopify_loyalty.points.sources import SIGNUP_BONUS, Source
from shopify_loyalty.programs.config import load
from shopify_loyalty.shops.models import Shop

MAX_KIND_LENGTH = 32


def award_bonus(
    session: Session,
    shop: Shop,
    customer: Customer,
    kind: str,
    points: int,
    key: str,
    note: str | None = None,
    available_at: datetime | None = None,
) -> LedgerEntry | None:
    """Credit a bonus of ``kind`` once per ``key``; returns the row, or None when ``points``
    is not positive (the merchant turned the bonus off) or the key was used before.

    ``available_at`` holds a bonus back (a referral reward waits out the friend's returns
    window); by default it is spendable at once."""
    if customer.shop_id != shop.id:
        raise ValueError("the customer belongs to another shop")
    if not kind or len(kind) > MAX_KIND_LENGTH:
        raise ValueError(f"a bonus kind is 1 to {MAX_KIND_LENGTH} characters")
    if points <= 0:
        return None
    return append_entry(
        session,
        customer,
        points=points,
        reason=kind,
        source=Source.BONUS,
        key=key,
        note=note,
        available_at=available_at,
    )


def signup_key(customer: Customer) -> str:
    return f"bonus:signup:{customer.shopify_customer_id}"


def award_signup_bonus(session: Session, shop: Shop, customer: Customer) -> LedgerEntry | None:
    """The welcome bonus for a new customer account, once per customer."""
    if customer.redacted_at is not None:
        return None
    config = load(session, shop, PointsConfig)
    return award_bonus(
        session,
        shop,
        customer,
        SIGNUP_BONUS,
        config.signup_bonus,
        signup_key(customer),
        note="Welcome bonus",
    )
