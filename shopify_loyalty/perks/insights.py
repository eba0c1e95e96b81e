"""Early access in numbers: what the customers with access spent during each window,
against what every other customer spent in the same window.

Spend is the subtotal after discounts of paid orders placed inside the window, net of
refunded goods, test and cancelled orders left out, in the shop's currency. Per customer
averages divide by the customers who ordered; money is rounded half-even to cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.orders.models import Order
from shopify_loyalty.perks.early_access import list_windows, window_status
from shopify_loyalty.perks.models import EarlyAccessGrant, EarlyAccessWindow
from shopify_loyalty.shops.models import Shop

CENT = Decimal("0.01")

DEFINITIONS = {
    "spend": "Subtotal after discounts of paid orders placed inside the window, net of "
    "refunded goods; test and cancelled orders are left out.",
    "members": "Customers who had early access to the window while it was open.",
    "others": "Every other customer who ordered inside the window.",
    "spend_per_customer": "Spend divided by the customers of the group who ordered in the window.",
}


@dataclass(frozen=True)
class GroupSpend:
    customers: int
    orders: int
    spend: Decimal

    @property
    def per_customer(self) -> Decimal:
        if not self.customers:
            return Decimal("0.00")
        return (self.spend / self.customers).quantize(CENT, rounding=ROUND_HALF_EVEN)

    def json(self) -> dict[str, Any]:
        return {
            "customers": self.customers,
            "orders": self.orders,
            "spend": str(self.spend.quantize(CENT, rounding=ROUND_HALF_EVEN)),
            "spend_per_customer": str(self.per_customer),
        }


@dataclass(frozen=True)
class WindowSpend:
    window: EarlyAccessWindow
    members_with_access: int
    members: GroupSpend
    others: GroupSpend


def window_spend(session: Session, shop: Shop, window: EarlyAccessWindow) -> WindowSpend:
    granted = set(
        session.scalars(
            select(EarlyAccessGrant.customer_id).where(
                EarlyAccessGrant.shop_id == shop.id, EarlyAccessGrant.window_id == window.id
            )
        )
    )
    until = min(window.ends_at, window.ended_at) if window.ended_at else window.ends_at
    placed = func.coalesce(Order.placed_at, Order.paid_at, Order.created_at)
    orders = session.scalars(
        select(Order).where(
            Order.shop_id == shop.id,
            Order.paid_at.is_not(None),
            Order.cancelled_at.is_(None),
            Order.test.is_(False),
            Order.customer_id.is_not(None),
            placed >= window.starts_at,
            placed < until,
        )
    )
    spend: dict[bool, dict[int, Decimal]] = {True: {}, False: {}}
    counts = {True: 0, False: 0}
    for order in orders:
        assert order.customer_id is not None
        member = order.customer_id in granted
        net = order.subtotal - order.refunded_subtotal
        spend[member][order.customer_id] = spend[member].get(order.customer_id, Decimal(0)) + net
        counts[member] += 1

    def group(member: bool) -> GroupSpend:
        return GroupSpend(
            customers=len(spend[member]),
            orders=counts[member],
            spend=sum(spend[member].values(), Decimal("0.00")),
        )

    return WindowSpend(window, len(granted), group(True), group(False))


def early_access_insights(session: Session, shop: Shop, now: datetime) -> dict[str, Any]:
    windows = [w for w in list_windows(session, shop) if w.starts_at <= now]
    rows = []
    for window in windows:
        figures = window_spend(session, shop, window)
        rows.append(
            {
                "window_id": window.id,
                "title": window.title,
                "starts_at": window.starts_at.isoformat(),
                "ends_at": window.ends_at.isoformat(),
                "status": window_status(window, now),
                "customers_with_access": figures.members_with_access,
                "members": figures.members.json(),
                "others": figures.others.json(),
            }
        )
    return {"currency": shop.currency, "windows": rows, "definitions": DEFINITIONS}
