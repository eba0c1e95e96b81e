"""Points expiry after a period without activity, announced ahead by a reminder.

Activity is earning or spending: order credits, bonuses, redemptions and manual
adjustments (take-backs and expiry are things that happen to a customer, not activity). A
period of inactivity starts at the latest activity, or when the latest points earned became
spendable if that is later, so points never expire before they could be used for
``expiry_months``.

``expiry_reminder_days`` before the end of the period a reminder is written
(``points_expiry_reminders``); expiry then waits for the date that reminder announced, so a
merchant turning expiry on never takes points from anyone without notice. Expiry writes one
negative row for the whole available balance, keyed on the period, so it happens once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import UTCDateTime, utcnow
from shopify_loyalty.points.ledger import append_entry, balance_of, find_entry
from shopify_loyalty.points.locks import lock_customer
from shopify_loyalty.points.models import ExpiryReminder, LedgerEntry
from shopify_loyalty.points.rules import PointsConfig, add_months
from shopify_loyalty.points.sources import ACTIVITY_SOURCES, EXPIRY_REASON, Source
from shopify_loyalty.shops.models import Shop


class ExpiryStep(StrEnum):
    NOTHING = "nothing"
    REMINDED = "reminded"
    EXPIRED = "expired"


@dataclass(frozen=True)
class ExpiryResult:
    step: ExpiryStep
    points: int = 0


def expiry_key(customer: Customer, last_activity_at: datetime) -> str:
    return f"expiry:{customer.id}:{last_activity_at.isoformat()}"


def customers_to_check(
    session: Session, shop: Shop, config: PointsConfig, now: datetime
) -> list[int]:
    """Ids of customers holding points whose period of inactivity is near its end or past it.

    A cheap first pass over the ledger; :func:`apply_expiry` decides each one exactly.
    """
    if config.expiry_months <= 0:
        return []
    horizon = now + timedelta(days=config.expiry_reminder_days + 1)
    cutoff = add_months(horizon, -config.expiry_months)
    is_activity = LedgerEntry.source.in_(ACTIVITY_SOURCES)
    last_created = func.max(case((is_activity, LedgerEntry.created_at)), type_=UTCDateTime)
    last_available = func.max(case((is_activity, LedgerEntry.available_at)), type_=UTCDateTime)
    return list(
        session.scalars(
            select(LedgerEntry.customer_id)
            .where(LedgerEntry.shop_id == shop.id)
            .group_by(LedgerEntry.customer_id)
            .having(
                func.sum(LedgerEntry.points) > 0,
                last_created <= cutoff,
                last_available <= cutoff,
            )
            .order_by(LedgerEntry.customer_id)
        )
    )


def last_activity(session: Session, customer: Customer) -> datetime | None:
    """Start of the customer's current period of inactivity (None: never active)."""
    created, available = session.execute(
        select(func.max(LedgerEntry.created_at), func.max(LedgerEntry.available_at)).where(
            LedgerEntry.shop_id == customer.shop_id,
            LedgerEntry.customer_id == customer.id,
            LedgerEntry.source.in_(ACTIVITY_SOURCES),
        )
    ).one()
    if created is None:
        return None
    return max(created, available)


def apply_expiry(
    session: Session, shop: Shop, customer: Customer, config: PointsConfig, now: datetime
) -> ExpiryResult:
    """Remind or expire, as the customer's inactivity calls for at ``now``; idempotent."""
    if config.expiry_months <= 0:
        return ExpiryResult(ExpiryStep.NOTHING)
    lock_customer(session, customer)
    anchor = last_activity(session, customer)
    if anchor is None:
        return ExpiryResult(ExpiryStep.NOTHING)
    ends = add_months(anchor, config.expiry_months)
    available = balance_of(session, customer, at=now).available
    if available <= 0:
        return ExpiryResult(ExpiryStep.NOTHING)
    if config.expiry_reminder_days > 0:
        notice = timedelta(days=config.expiry_reminder_days)
        reminder = _reminder(session, customer, anchor)
        if reminder is None:
            if now < ends - notice:
                return ExpiryResult(ExpiryStep.NOTHING)
            _remind(session, customer, anchor, available, max(ends, now + notice))
            return ExpiryResult(ExpiryStep.REMINDED, available)
        ends = reminder.expires_at
    if now < ends:
        return ExpiryResult(ExpiryStep.NOTHING)
    entry = append_entry(
        session,
        customer,
        points=-available,
        reason=EXPIRY_REASON,
        source=Source.EXPIRY,
        key=expiry_key(customer, anchor),
        available_at=now,
        note=f"No activity since {anchor.date().isoformat()}",
    )
    if entry is None:
        return ExpiryResult(ExpiryStep.NOTHING)
    return ExpiryResult(ExpiryStep.EXPIRED, available)


def _reminder(session: Session, customer: Customer, anchor: datetime) -> ExpiryReminder | None:
    return session.scalar(
        select(ExpiryReminder).where(
            ExpiryReminder.shop_id == customer.shop_id,
            ExpiryReminder.customer_id == customer.id,
            ExpiryReminder.last_activity_at == anchor,
        )
    )


def _remind(
    session: Session, customer: Customer, anchor: datetime, points: int, expires_at: datetime
) -> None:
    try:
        with session.begin_nested():
            session.add(
                ExpiryReminder(
                    shop_id=customer.shop_id,
                    customer_id=customer.id,
                    points=points,
                    last_activity_at=anchor,
                    expires_at=expires_at,
                    created_at=utcnow(),
                )
            )
    except IntegrityError:
        return


def upcoming_expiry(session: Session, customer: Customer) -> ExpiryReminder | None:
    """The reminder announcing the expiry of the customer's current period of inactivity,
    while that expiry is still to come."""
    anchor = last_activity(session, customer)
    if anchor is None:
        return None
    if find_entry(session, customer.shop_id, expiry_key(customer, anchor)) is not None:
        return None
    return _reminder(session, customer, anchor)
