"""The paid orders the KPIs count, and who bought when, in one aggregate query.

A paid order is one with ``paid_at`` set that is neither a test nor cancelled, and that has
a customer: guest checkouts cannot be followed over time, so no customer figure counts them.
Revenue is the order's subtotal after discounts, less refunded goods, without shipping and
taxes, in the shop's currency (what points are earned on).

Every customer figure of a period comes from one pass over the shop's paid orders: an inner
query folds each customer's orders into a row (first payment ever, bought in the year before
the start, in the year before the end, orders and revenue in the period, member or not), and
an outer query counts those rows per group. PostgreSQL sums money as exact NUMERIC; SQLite
(which sums NUMERIC as floats) sums whole cents as integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, case, cast, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from shopify_loyalty.orders.models import Order
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.shops.models import Shop

# A customer counts as one of the shop's customers at a moment when they bought in the year
# before it; after a year without a paid order they have lapsed.
ACTIVE_WINDOW = timedelta(days=365)
CENTS = Decimal(100)


def paid_order(shop: Shop) -> ColumnElement[bool]:
    return and_(
        Order.shop_id == shop.id,
        Order.paid_at.is_not(None),
        Order.test.is_(False),
        Order.cancelled_at.is_(None),
        Order.customer_id.is_not(None),
    )


@dataclass(frozen=True)
class BuyerGroup:
    """Customers of one group (members or not) who bought in the period."""

    customers: int
    orders: int
    revenue: Decimal
    repeat_customers: int


@dataclass(frozen=True)
class CustomerFigures:
    customers_at_start: int
    customers_at_end: int
    new_customers: int
    members: BuyerGroup
    non_members: BuyerGroup

    @property
    def buyers(self) -> BuyerGroup:
        """Both groups together: every customer who bought in the period."""
        return BuyerGroup(
            customers=self.members.customers + self.non_members.customers,
            orders=self.members.orders + self.non_members.orders,
            revenue=self.members.revenue + self.non_members.revenue,
            repeat_customers=self.members.repeat_customers + self.non_members.repeat_customers,
        )


def customer_figures(
    session: Session, shop: Shop, start: datetime, end: datetime
) -> CustomerFigures:
    """Customers at the start and end, new customers, and the period's buyers split into
    members (anyone with a points ledger row) and non-members."""
    in_period = and_(Order.paid_at >= start, Order.paid_at < end)
    exact = session.get_bind().dialect.name == "postgresql"
    # Revenue is the subtotals less the refunds, each summed alone: arithmetic on every one
    # of a million NUMERIC values is what costs; the refunds are summed only where there are
    # any, never more than their order's subtotal.
    refunded = and_(in_period, Order.refunded_subtotal > 0)
    refund = case(
        (Order.refunded_subtotal > Order.subtotal, Order.subtotal), else_=Order.refunded_subtotal
    )
    member = exists().where(
        LedgerEntry.shop_id == shop.id, LedgerEntry.customer_id == Order.customer_id
    )
    per_customer = (
        select(
            func.min(Order.paid_at).label("first_paid"),
            func.max(_flag(Order.paid_at >= start - ACTIVE_WINDOW, Order.paid_at < start)).label(
                "at_start"
            ),
            func.max(_flag(Order.paid_at >= end - ACTIVE_WINDOW)).label("at_end"),
            func.sum(_flag(in_period)).label("orders"),
            func.sum(case((in_period, _money(Order.subtotal, exact)), else_=0)).label("sales"),
            func.sum(case((refunded, _money(refund, exact)), else_=0)).label("refunds"),
            case((member, 1), else_=0).label("member"),
        )
        .where(paid_order(shop), Order.paid_at < end)
        .group_by(Order.customer_id)
        .subquery()
    )
    c = per_customer.c
    rows = session.execute(
        select(
            c.member,
            func.sum(c.at_start),
            func.sum(c.at_end),
            func.sum(_flag(c.first_paid >= start)),
            func.sum(_flag(c.orders > 0)),
            func.sum(c.orders),
            func.sum(c.sales),
            func.sum(c.refunds),
            func.sum(_flag(c.orders >= 2)),
        ).group_by(c.member)
    ).all()
    at_start = at_end = new = 0
    groups = {0: BuyerGroup(0, 0, Decimal(0), 0), 1: BuyerGroup(0, 0, Decimal(0), 0)}
    for is_member, starts, ends, news, buyers, orders, sales, refunds, repeat in rows:
        at_start += int(starts or 0)
        at_end += int(ends or 0)
        new += int(news or 0)
        groups[int(is_member)] = BuyerGroup(
            customers=int(buyers or 0),
            orders=int(orders or 0),
            revenue=_amount(sales, exact) - _amount(refunds, exact),
            repeat_customers=int(repeat or 0),
        )
    return CustomerFigures(at_start, at_end, new, members=groups[1], non_members=groups[0])


def _money(amount: ColumnElement[Any] | InstrumentedAttribute[Any], exact: bool) -> Any:
    """PostgreSQL sums NUMERIC exactly; elsewhere amounts are summed as whole cents."""
    return amount if exact else cast(func.round(amount * 100), BigInteger)


def _amount(total: Any, exact: bool) -> Decimal:
    if total is None:
        return Decimal(0)
    return Decimal(total) if exact else Decimal(int(total)) / CENTS


def _flag(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
    return case((and_(*conditions), 1), else_=0)
