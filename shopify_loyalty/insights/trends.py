"""Trends over a period: revenue, paid orders and new members per day, week or month.

Buckets are days for periods up to 62 days, ISO weeks (from Monday) up to 366 days, and
calendar months beyond, so a chart never has more than about 60 bars.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.insights.orders import paid_order
from shopify_loyalty.insights.periods import Period
from shopify_loyalty.orders.models import Order
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.shops.models import Shop


@dataclass(frozen=True)
class TrendPoint:
    starts: date
    revenue: Decimal
    orders: int
    new_members: int


def bucket_of(day: date, period: Period) -> date:
    if period.days <= 62:
        return day
    if period.days <= 366:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def buckets(period: Period) -> list[date]:
    seen: list[date] = []
    day = period.first
    while day <= period.last:
        start = max(bucket_of(day, period), period.first)
        if not seen or seen[-1] != start:
            seen.append(start)
        day += timedelta(days=1)
    return seen


def trend(session: Session, shop: Shop, period: Period) -> list[TrendPoint]:
    revenue: dict[date, Decimal] = defaultdict(Decimal)
    orders: dict[date, int] = defaultdict(int)
    members: dict[date, int] = defaultdict(int)
    for paid_at, subtotal, refunded in session.execute(
        select(Order.paid_at, Order.subtotal, Order.refunded_subtotal).where(
            paid_order(shop), Order.paid_at >= period.start, Order.paid_at < period.end
        )
    ):
        if paid_at is None:  # excluded by the query; the column itself is nullable
            continue
        key = max(bucket_of(paid_at.date(), period), period.first)
        revenue[key] += max(subtotal - (refunded or Decimal(0)), Decimal(0))
        orders[key] += 1
    joined = (
        select(func.min(LedgerEntry.created_at).label("joined_at"))
        .where(LedgerEntry.shop_id == shop.id)
        .group_by(LedgerEntry.customer_id)
        .subquery()
    )
    for (joined_at,) in session.execute(
        select(joined.c.joined_at).where(
            joined.c.joined_at >= period.start, joined.c.joined_at < period.end
        )
    ):
        members[max(bucket_of(joined_at.date(), period), period.first)] += 1
    return [
        TrendPoint(start, revenue[start], orders[start], members[start])
        for start in buckets(period)
    ]
