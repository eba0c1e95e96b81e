"""What affiliates bring: the merchant's return per affiliate and the portal's months.

Orders that count are those whose conversion is pending or approved (not rejected by a
fraud guard, not voided by a cancellation or full refund). Revenue is their subtotal after
discounts less refunded goods; commission owed is commission earned and not yet paid
(pending included; negative when a refund came after a payout); a customer is new when they
had no earlier paid order at the shop (guests count as new).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.models import (
    APPROVED,
    PENDING,
    ZERO,
    Affiliate,
    AffiliateClick,
    AffiliateConversion,
)
from shopify_loyalty.shops.models import Shop

COUNTING = (PENDING, APPROVED)


@dataclass(frozen=True)
class AffiliateReturn:
    affiliate_id: int
    name: str
    orders: int
    revenue: Decimal
    commission_owed: Decimal
    commission_paid: Decimal
    new_customers: int
    returning_customers: int


@dataclass(frozen=True)
class MonthFigures:
    month: str  # YYYY-MM
    clicks: int
    orders: int
    revenue: Decimal
    commission: Decimal


def affiliate_returns(
    session: Session, shop: Shop, start: date, end: date
) -> list[AffiliateReturn]:
    """Per affiliate of the shop, the orders placed from ``start`` to ``end`` (both days
    included, UTC) that they brought, and what those orders earned and cost."""
    lower = datetime.combine(start, time(0), tzinfo=UTC)
    upper = datetime.combine(end + timedelta(days=1), time(0), tzinfo=UTC)
    counted = AffiliateConversion.status.in_(COUNTING)
    rows = session.execute(
        select(
            AffiliateConversion.affiliate_id,
            func.sum(_when(counted, 1, 0)),
            func.sum(
                _when(
                    counted,
                    AffiliateConversion.order_subtotal - AffiliateConversion.refunded_subtotal,
                    ZERO,
                )
            ),
            func.sum(AffiliateConversion.commission - AffiliateConversion.paid_commission),
            func.sum(AffiliateConversion.paid_commission),
            func.sum(_when(counted & AffiliateConversion.new_customer.is_(True), 1, 0)),
            func.sum(_when(counted & AffiliateConversion.new_customer.is_(False), 1, 0)),
        )
        .where(
            AffiliateConversion.shop_id == shop.id,
            AffiliateConversion.ordered_at >= lower,
            AffiliateConversion.ordered_at < upper,
        )
        .group_by(AffiliateConversion.affiliate_id)
    ).all()
    figures = {row[0]: row[1:] for row in rows}
    affiliates = session.scalars(
        select(Affiliate).where(Affiliate.shop_id == shop.id).order_by(Affiliate.id)
    )
    result = []
    for affiliate in affiliates:
        orders, revenue, owed, paid, new, returning = figures.get(
            affiliate.id, (0, ZERO, ZERO, ZERO, 0, 0)
        )
        result.append(
            AffiliateReturn(
                affiliate_id=affiliate.id,
                name=affiliate.name,
                orders=int(orders or 0),
                revenue=_money(revenue),
                commission_owed=_money(owed),
                commission_paid=_money(paid),
                new_customers=int(new or 0),
                returning_customers=int(returning or 0),
            )
        )
    return result


def monthly_figures(session: Session, shop: Shop, affiliate: Affiliate) -> list[MonthFigures]:
    """The affiliate's clicks, orders, revenue and commission per calendar month (UTC),
    newest first; months with neither clicks nor orders are left out."""
    click_month = _month(session, AffiliateClick.clicked_at)
    clicks: dict[str, int] = dict(
        session.execute(
            select(click_month, func.count())
            .where(AffiliateClick.shop_id == shop.id, AffiliateClick.affiliate_id == affiliate.id)
            .group_by(click_month)
        ).all()
    )
    counted = AffiliateConversion.status.in_(COUNTING)
    order_month = _month(session, AffiliateConversion.ordered_at)
    orders = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                order_month,
                func.sum(_when(counted, 1, 0)),
                func.sum(
                    _when(
                        counted,
                        AffiliateConversion.order_subtotal - AffiliateConversion.refunded_subtotal,
                        ZERO,
                    )
                ),
                func.sum(AffiliateConversion.commission),
            )
            .where(
                AffiliateConversion.shop_id == shop.id,
                AffiliateConversion.affiliate_id == affiliate.id,
            )
            .group_by(order_month)
        ).all()
    }
    months = sorted(set(clicks) | set(orders), reverse=True)
    return [
        MonthFigures(
            month=str(month),
            clicks=int(clicks.get(month, 0)),
            orders=int(orders.get(month, (0, ZERO, ZERO))[0] or 0),
            revenue=_money(orders.get(month, (0, ZERO, ZERO))[1]),
            commission=_money(orders.get(month, (0, ZERO, ZERO))[2]),
        )
        for month in months
    ]


def _when(condition: ColumnElement[bool], then: Any, otherwise: Any) -> Any:
    return case((condition, then), else_=otherwise)


def _month(session: Session, column: Any) -> Any:
    """``YYYY-MM`` of a UTC timestamp column, in the database's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else "0")).quantize(Decimal("0.01"))
