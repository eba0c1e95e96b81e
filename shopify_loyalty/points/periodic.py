"""The points program's periodic work for one shop: expiry and its reminders, birthday
and anniversary bonuses.

Safe to run as often as wanted and for any moment: every effect is keyed (the expiry on
the period of inactivity, a reminder on the same, a birthday on the year, an anniversary on
the account's age), so a second run for the same or another moment repeats nothing. Each
customer's expiry commits in a transaction of its own, so a long run holds no lock for long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.points.anniversaries import anniversaries_due
from shopify_loyalty.points.birthdays import YearlyOccasion, birthdays_due
from shopify_loyalty.points.bonuses import award_bonus
from shopify_loyalty.points.expiry import ExpiryStep, apply_expiry, customers_to_check
from shopify_loyalty.points.rules import PointsConfig
from shopify_loyalty.points.sources import ANNIVERSARY_BONUS, BIRTHDAY_BONUS
from shopify_loyalty.programs.config import load
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop


@dataclass(frozen=True)
class PeriodicReport:
    reminded: int = 0
    expired: int = 0
    points_expired: int = 0
    birthdays: int = 0
    anniversaries: int = 0


def run_periodic(services: Services, shop_domain: str, now: datetime) -> PeriodicReport:
    """Do the points work due at ``now`` (aware UTC) for the shop; returns what was done."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    with services.db.transaction() as session:
        shop = session.scalar(select(Shop).where(Shop.domain == shop_domain))
        if shop is None or not shop.is_installed:
            return PeriodicReport()
        config = load(session, shop, PointsConfig)
        shop_id = shop.id
        to_check = customers_to_check(session, shop, config, now)
    reminded = expired = points_expired = 0
    for customer_id in to_check:
        with services.db.transaction() as session:
            shop = session.get(Shop, shop_id)
            customer = session.get(Customer, customer_id)
            if shop is None or customer is None:
                continue
            result = apply_expiry(session, shop, customer, config, now)
        if result.step is ExpiryStep.REMINDED:
            reminded += 1
        elif result.step is ExpiryStep.EXPIRED:
            expired += 1
            points_expired += result.points
    with services.db.transaction() as session:
        shop = session.get(Shop, shop_id)
        assert shop is not None
        birthdays = _award(
            session,
            shop,
            birthdays_due(session, shop, config, now),
            BIRTHDAY_BONUS,
            config.birthday_bonus,
            "Happy birthday",
        )
        anniversaries = _award(
            session,
            shop,
            anniversaries_due(session, shop, now),
            ANNIVERSARY_BONUS,
            config.anniversary_bonus,
            "Account anniversary",
        )
    return PeriodicReport(
        reminded=reminded,
        expired=expired,
        points_expired=points_expired,
        birthdays=birthdays,
        anniversaries=anniversaries,
    )


def _award(
    session: Session,
    shop: Shop,
    occasions: list[YearlyOccasion],
    kind: str,
    points: int,
    note: str,
) -> int:
    if points <= 0:
        return 0
    awarded = 0
    for occasion in occasions:
        key = f"bonus:{kind}:{occasion.customer.id}:{occasion.number}"
        entry = award_bonus(
            session,
            shop,
            occasion.customer,
            kind,
            points,
            key,
            note=f"{note} ({occasion.day.isoformat()})",
        )
        if entry is not None:
            awarded += 1
    return awarded
