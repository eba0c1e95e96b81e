"""How the membership lines a customer bought add up to the periods they are a member.

The rule, applied to the purchases in the order they were paid: a line of quantity ``n``
buys ``n`` periods, which start at the later of its payment and the end of the periods
bought before it (a renewal before the end extends, one after a lapse starts afresh).
Refunded periods (per line, summed over refunds) and cancelled lines buy nothing, so a
refund shortens the run by the periods it gave back, and the periods paid after it move
up. Because the periods are derived from the stored lines every time, duplicates and any
order of arrival (a refund before its order's paid event) give the same result.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.paid_membership.models import MembershipPurchase, MembershipRefundLine

ACTIVE = "active"
UPCOMING = "upcoming"
EXPIRED = "expired"
REFUNDED = "refunded"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class Period:
    """One purchase's share of the membership: ``starts_at`` up to (not including) ``ends_at``."""

    purchase_id: int
    shopify_order_id: int
    bought: int
    refunded: int
    amount: Decimal
    paid_at: datetime | None
    cancelled_at: datetime | None
    starts_at: datetime | None
    ends_at: datetime | None

    @property
    def periods(self) -> int:
        if self.cancelled_at is not None:
            return 0
        return max(self.bought - self.refunded, 0)

    def status(self, at: datetime) -> str:
        if self.cancelled_at is not None:
            return CANCELLED
        if self.starts_at is None or self.ends_at is None:
            return REFUNDED
        if at < self.starts_at:
            return UPCOMING
        return ACTIVE if at < self.ends_at else EXPIRED

    def covers(self, at: datetime) -> bool:
        return (
            self.starts_at is not None
            and self.ends_at is not None
            and (self.starts_at <= at < self.ends_at)
        )


def add_periods(start: datetime, length: int, unit: str, count: int) -> datetime:
    """``start`` plus ``count`` periods; months and years end on the same day of the month
    (or the month's last day: 31 January plus a month is 28 or 29 February)."""
    if unit == "days":
        return start + timedelta(days=length * count)
    months = length * count * (12 if unit == "years" else 1)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def customer_periods(session: Session, shop_id: int, customer_id: int) -> list[Period]:
    """Every membership line of the customer, paid first first, with the dates it covers."""
    purchases = session.scalars(
        select(MembershipPurchase)
        .where(
            MembershipPurchase.shop_id == shop_id,
            MembershipPurchase.customer_id == customer_id,
            MembershipPurchase.paid_at.is_not(None),
        )
        .order_by(MembershipPurchase.paid_at, MembershipPurchase.id)
    ).all()
    refunded = refunded_quantities(session, shop_id, [p.shopify_order_id for p in purchases])
    return chain(purchases, refunded)


def refunded_quantities(
    session: Session, shop_id: int, order_ids: Sequence[int]
) -> dict[tuple[int, int], int]:
    """Periods given back per (order, line), over all refunds of them."""
    if not order_ids:
        return {}
    rows = session.execute(
        select(
            MembershipRefundLine.shopify_order_id,
            MembershipRefundLine.line_item_id,
            func.sum(MembershipRefundLine.quantity),
        )
        .where(
            MembershipRefundLine.shop_id == shop_id,
            MembershipRefundLine.shopify_order_id.in_(set(order_ids)),
        )
        .group_by(MembershipRefundLine.shopify_order_id, MembershipRefundLine.line_item_id)
    )
    return {(order, line): int(quantity or 0) for order, line, quantity in rows}


def chain(
    purchases: Sequence[MembershipPurchase], refunded: dict[tuple[int, int], int]
) -> list[Period]:
    """Lay the purchases (sorted by payment) end to end, skipping what bought nothing."""
    periods: list[Period] = []
    end: datetime | None = None
    for purchase in purchases:
        given_back = refunded.get((purchase.shopify_order_id, purchase.line_item_id), 0)
        period = Period(
            purchase_id=purchase.id,
            shopify_order_id=purchase.shopify_order_id,
            bought=purchase.quantity,
            refunded=min(given_back, purchase.quantity),
            amount=purchase.amount,
            paid_at=purchase.paid_at,
            cancelled_at=purchase.cancelled_at,
            starts_at=None,
            ends_at=None,
        )
        if period.periods > 0 and purchase.paid_at is not None:
            start = max(purchase.paid_at, end) if end is not None else purchase.paid_at
            end = add_periods(start, purchase.period_length, purchase.period_unit, period.periods)
            period = Period(**{**period.__dict__, "starts_at": start, "ends_at": end})
        periods.append(period)
    return periods


def run_at(periods: Sequence[Period], at: datetime) -> tuple[datetime, datetime] | None:
    """The unbroken run of periods covering ``at``: its start and its end; None if none."""
    covering = [p for p in periods if p.covers(at)]
    if not covering:
        return None
    counted = [p for p in periods if p.starts_at is not None and p.ends_at is not None]
    start, end = covering[0].starts_at, covering[0].ends_at
    assert start is not None and end is not None
    for period in reversed(counted):
        assert period.starts_at is not None and period.ends_at is not None
        if period.ends_at == start:
            start = period.starts_at
    for period in counted:
        assert period.starts_at is not None and period.ends_at is not None
        if period.starts_at == end:
            end = period.ends_at
    return start, end
