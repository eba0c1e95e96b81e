"""The tier value of a member the paid event just created is worked out from the orders it
recorded for them, without a query: it must equal what the query reads, whatever the orders
(test, cancelled, refunded, outside the window, in the future, with no payment time)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from shopify_loyalty.customers.records import CustomerDetails, record_customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.orders.records import PaidOrder, orders_of_created_customer, record_paid_order
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.qualifying import qualifying_value, value_of_orders
from shopify_loyalty.tiers.rules import TierConfig


@pytest.mark.parametrize("basis", ["spend", "orders"])
@pytest.mark.parametrize("window_months", [12, 0])
def test_the_value_of_a_new_members_recorded_orders_is_what_the_query_reads(
    shop: str, services: Services, basis: str, window_months: int
) -> None:
    now = utcnow()
    config = TierConfig(basis=basis, window_months=window_months)
    with services.db.transaction() as session:
        found = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        regular = record_customer(session, found, CustomerDetails(shopify_customer_id=1))
    with services.db.transaction() as session:
        found = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        member = record_customer(session, found, CustomerDetails(shopify_customer_id=2))
        regular = session.get_one(type(member), regular.id)

        def order(number: int, subtotal: str, paid_days_ago: int | None, **changes: object):
            paid_at = None if paid_days_ago is None else now - timedelta(days=paid_days_ago)
            recorded = record_paid_order(
                session,
                found,
                PaidOrder(
                    shopify_order_id=9_000_000_000_000 + number,
                    customer=member,
                    name=f"#{number}",
                    currency="EUR",
                    subtotal=Decimal(subtotal),
                    total_price=Decimal(subtotal),
                    test=bool(changes.pop("test", False)),
                    placed_at=paid_at,
                    paid_at=paid_at,
                ),
            )
            for name, value in changes.items():
                setattr(recorded, name, value)
            return recorded

        order(1, "40.00", 2)
        order(2, "25.00", 2, refunded_subtotal=Decimal("25.00"))
        order(3, "30.00", 3, refunded_subtotal=Decimal("40.00"))
        order(4, "15.00", 3, refunded_subtotal=Decimal("5.00"))
        order(5, "100.00", 1, test=True)
        order(6, "50.00", 1, cancelled_at=now)
        order(7, "70.00", 400)
        order(8, "12.00", None)
        order(9, "5.00", -1)
        orders = orders_of_created_customer(session, member)
        assert orders is not None and len(orders) == 9
        assert orders_of_created_customer(session, regular) is None

        known = value_of_orders(config, member, orders, now)
        read = qualifying_value(session, found, member, config, now)
    assert known == read
    assert known is not None and known > 0
