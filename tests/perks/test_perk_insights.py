"""Insights: what customers with early access spent inside a window against every other
customer's spend in the same window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from shopify_loyalty.db import utcnow
from tests.conftest import new_id
from tests.engine.test_stamps_webhooks import paid_order, refund
from tests.perks.conftest import MerchantApi, window_body

Deliver = Callable[..., object]


def test_members_spend_in_the_window_is_set_against_other_customers(
    merchant: MerchantApi,
    deliver: Deliver,
    customer_with_spend: Callable[..., int],
    settle: Callable[..., None],
) -> None:
    long_ago = utcnow() - timedelta(days=30)
    gold_a = customer_with_spend("750.00", long_ago)
    gold_b = customer_with_spend("800.00", long_ago)
    regular = customer_with_spend("40.00", long_ago)
    window = merchant.post(
        "/early-access", window_body(starts_at=(utcnow() - timedelta(hours=2)).isoformat())
    ).json()
    settle()
    inside = utcnow() - timedelta(minutes=30)
    before = utcnow() - timedelta(hours=3)
    orders = [
        (gold_a, "120.00", inside),
        (gold_a, "30.00", inside),
        (gold_b, "99.99", inside),
        (regular, "45.50", inside),
        (regular, "500.00", before),
    ]
    for customer, subtotal, placed in orders:
        order = paid_order(customer, new_id(), subtotal=subtotal)
        order["created_at"] = order["processed_at"] = placed.isoformat()
        deliver("orders/paid", order)
        if subtotal == "30.00":
            deliver("refunds/create", refund(order["id"], subtotal="10.00"))

    response = merchant.get("/perks/insights")

    assert response.status_code == 200, response.text
    [row] = response.json()["windows"]
    assert row["window_id"] == window["id"]
    assert row["customers_with_access"] == 2
    assert row["members"] == {
        "customers": 2,
        "orders": 3,
        "spend": "239.99",
        "spend_per_customer": "120.00",
    }
    assert row["others"] == {
        "customers": 1,
        "orders": 1,
        "spend": "45.50",
        "spend_per_customer": "45.50",
    }
    assert "refunded" in response.json()["definitions"]["spend"]
