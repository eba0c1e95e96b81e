"""The value a customer's tier is judged on: spend, paid orders or points earned in a window.

- spend: each order's subtotal (after discounts, before shipping and tax, in the shop's
  currency) less what was refunded of it, never below zero;
- orders: paid orders not refunded in full;
- points_earned: points credited for orders and given as bonuses (not the tiers' own entry
  rewards), less what refunds and cancellations took back.
Test and cancelled orders never count. The window is the ``window_months`` before the
moment of evaluation, or the whole history when it is 0.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.orders.models import Order
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.points.sources import Source
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.rules import TierConfig

ZERO = Decimal("0.00")

# Points earned: credited for orders and given as bonuses, less what refunds and
# cancellations took back. Spending, expiry and manual adjustments are not earning, and the
# tiers' own entry rewards are left out so that a tier can never lift itself.
EARNING_SOURCES = (Source.ORDER, Source.BONUS, Source.REFUND, Source.CANCELLATION)
TIER_ENTRY_BONUS = "tier_entry"


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (clamped to month end)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def window_start(config: TierConfig, now: datetime) -> datetime | None:
    """Where the window opens; None when the merchant counts the whole history."""
    if config.window_months == 0:
        return None
    return months_before(now, config.window_months)


def qualifying_value(
    session: Session, shop: Shop, customer: Customer, config: TierConfig, now: datetime
) -> Decimal:
    return qualifying_values(session, shop, config, now, [customer.id]).get(customer.id, ZERO)


def value_of_orders(
    config: TierConfig, customer: Customer, orders: Iterable[Order], now: datetime
) -> Decimal | None:
    """What :func:`qualifying_value` would read for the customer if ``orders`` were all of
    their orders, worked out from the rows in hand; None for the points basis (it reads
    the ledger) or when a moment is not known yet."""
    if config.basis == "points_earned":
        return None
    start = window_start(config, now)
    value = ZERO
    for order in orders:
        moment = order.paid_at or order.placed_at or order.created_at
        if moment is None:
            return None
        if (
            order.customer_id != customer.id
            or order.test
            or order.cancelled_at is not None
            or moment > now
            or (start is not None and moment <= start)
        ):
            continue
        net = order.subtotal - order.refunded_subtotal
        if config.basis == "spend":
            value += max(net, ZERO)
        elif order.refunded_subtotal <= 0 or order.refunded_subtotal < order.subtotal:
            value += 1
    return value.quantize(Decimal("0.01"))


def qualifying_values(
    session: Session,
    shop: Shop,
    config: TierConfig,
    now: datetime,
    customer_ids: Collection[int] | None = None,
    *,
    at_least: Decimal | None = None,
) -> dict[int, Decimal]:
    """Customer id -> qualifying value, for the given customers or for every customer
    whose value reaches ``at_least``; customers with nothing in the window are absent."""
    start = window_start(config, now)
    params: dict[str, Any] = {"shop_id": shop.id, "now": now}
    if start is not None:
        params["start"] = start
    if customer_ids is not None:
        params["customer_ids"] = list(customer_ids)
    windowed, chosen = start is not None, customer_ids is not None
    query: Select[int | None, Any]
    if config.basis == "points_earned":
        query = _points_earned(windowed, chosen)
    else:
        query = _orders(config.basis, windowed, chosen)
    rows = session.execute(query, params).all()
    values: dict[int, Decimal] = {}
    for customer_id, value in rows:
        amount = Decimal(value or 0).quantize(Decimal("0.01"))
        if customer_id is not None and (at_least is None or amount >= at_least):
            values[int(customer_id)] = amount
    return values


# The statements are built once for each shape (a window or not, some customers or all)
# with their values bound at execution: building them cost more than running them.


@cache
def _points_earned(windowed: bool, chosen: bool) -> Select[int | None, Any]:
    earned = LedgerEntry.source.in_(EARNING_SOURCES) & ~(
        (LedgerEntry.source == Source.BONUS) & (LedgerEntry.reason == TIER_ENTRY_BONUS)
    )
    created_at_type = LedgerEntry.created_at.type
    query = (
        select(LedgerEntry.customer_id, func.sum(LedgerEntry.points))
        .where(
            LedgerEntry.shop_id == bindparam("shop_id"),
            earned,
            LedgerEntry.created_at <= bindparam("now", type_=created_at_type),
        )
        .group_by(LedgerEntry.customer_id)
    )
    if windowed:
        query = query.where(LedgerEntry.created_at > bindparam("start", type_=created_at_type))
    if chosen:
        query = query.where(LedgerEntry.customer_id.in_(bindparam("customer_ids", expanding=True)))
    return query


@cache
def _orders(basis: str, windowed: bool, chosen: bool) -> Select[int | None, Any]:
    paid_at = func.coalesce(Order.paid_at, Order.placed_at, Order.created_at)
    net = Order.subtotal - Order.refunded_subtotal
    measure: ColumnElement[Any]
    if basis == "spend":
        measure = func.sum(case((net > 0, net), else_=ZERO))
    else:
        measure = func.count(Order.id)
    moment_type = Order.paid_at.type
    query = (
        select(Order.customer_id, measure)
        .where(
            Order.shop_id == bindparam("shop_id"),
            Order.customer_id.is_not(None),
            Order.test.is_(False),
            Order.cancelled_at.is_(None),
            paid_at <= bindparam("now", type_=moment_type),
        )
        .group_by(Order.customer_id)
    )
    if basis == "orders":
        query = query.where(
            or_(Order.refunded_subtotal <= 0, Order.refunded_subtotal < Order.subtotal)
        )
    if windowed:
        query = query.where(paid_at > bindparam("start", type_=moment_type))
    if chosen:
        query = query.where(Order.customer_id.in_(bindparam("customer_ids", expanding=True)))
    return query
