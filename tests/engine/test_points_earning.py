"""Orders earn points when paid; refunds and cancellations take them back, in any order of
arrival and however often Shopify repeats a delivery. Everything goes through /webhooks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import requests
from sqlalchemy import select

from shopify_loyalty.db import utcnow
from shopify_loyalty.orders.models import Order
from shopify_loyalty.points.ledger import Balance
from shopify_loyalty.services import Services
from tests.conftest import new_id, sample

Deliver = Callable[..., requests.Response]


def paid_order(
    order_id: int,
    customer_id: int | None,
    subtotal: str = "84.50",
    *,
    paid_at: datetime | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """A paid order whose subtotal is ``subtotal`` in the shop's currency (EUR) and a much
    larger amount in the shopper's currency (CHF), which must never count."""
    payload = sample("orders/paid", id=order_id, **changes)
    if customer_id is None:
        payload["customer"] = None
    else:
        payload["customer"]["id"] = customer_id
    payload["subtotal_price"] = payload["current_subtotal_price"] = subtotal
    payload["subtotal_price_set"] = {
        "shop_money": {"amount": subtotal, "currency_code": "EUR"},
        "presentment_money": {"amount": "9999.00", "currency_code": "CHF"},
    }
    payload["processed_at"] = (paid_at or utcnow()).isoformat()
    return payload


def refund(refund_id: int, order_id: int, amount: str, **changes: Any) -> dict[str, Any]:
    """A refund of one line item worth ``amount`` in the shop's currency."""
    payload = sample("refunds/create", id=refund_id, order_id=order_id)
    line = payload["refund_line_items"][0]
    line["subtotal"] = amount
    line["subtotal_set"]["shop_money"]["amount"] = amount
    line["subtotal_set"]["presentment_money"]["amount"] = "8888.00"
    payload.update(changes)
    return payload


def cancelled_order(order_id: int, customer_id: int) -> dict[str, Any]:
    payload = sample("orders/cancelled", id=order_id)
    payload["customer"]["id"] = customer_id
    return payload


def ledger_of(view: dict[str, Any]) -> list[tuple[int, str, int | None]]:
    return [(row["points"], row["reason"], row["order_id"]) for row in view["ledger"]]


def test_a_paid_order_earns_its_shop_currency_subtotal_as_pending_points(
    deliver: Deliver, customer_view: Callable[[int], dict[str, Any]]
) -> None:
    customer, order = new_id(), new_id()
    paid_at = utcnow().replace(microsecond=0) - timedelta(days=1)

    deliver("orders/paid", paid_order(order, customer, "84.50", paid_at=paid_at))

    view = customer_view(customer)
    assert (view["points_balance"], view["points_pending"]) == (0, 84)
    [row] = view["ledger"]
    assert (row["points"], row["reason"], row["source"], row["order_id"]) == (
        84,
        "order",
        "order",
        order,
    )
    assert datetime.fromisoformat(row["available_at"]) == paid_at + timedelta(days=14)


def test_an_order_paid_longer_ago_than_the_pending_period_is_spendable_at_once(
    deliver: Deliver, points_of: Callable[[int], Balance]
) -> None:
    customer = new_id()
    deliver(
        "orders/paid",
        paid_order(new_id(), customer, "20.00", paid_at=utcnow() - timedelta(days=15)),
    )
    assert points_of(customer) == Balance(available=20, pending=0)


def test_test_orders_and_guest_orders_earn_nothing_but_are_recorded(
    deliver: Deliver, points_of: Callable[[int], Balance], services: Services
) -> None:
    customer, test_order, guest_order = new_id(), new_id(), new_id()

    deliver("orders/paid", paid_order(test_order, customer, "50.00", test=True))
    deliver("orders/paid", paid_order(guest_order, None, "70.00"))

    assert points_of(customer) == Balance(0, 0)
    with services.db.sessions() as session:
        recorded = session.execute(
            select(Order.shopify_order_id, Order.test, Order.customer_id)
            .where(Order.shopify_order_id.in_((test_order, guest_order)))
            .order_by(Order.test)
        ).all()
    assert [(row[0], row[1], row[2] is None) for row in recorded] == [
        (guest_order, False, True),
        (test_order, True, False),
    ]


def test_a_partial_refund_takes_back_its_share_of_the_pending_points(
    deliver: Deliver, customer_view: Callable[[int], dict[str, Any]]
) -> None:
    customer, order, refund_id = new_id(), new_id(), new_id()
    deliver("orders/paid", paid_order(order, customer, "84.50"))

    deliver("refunds/create", refund(refund_id, order, "26.96"))

    view = customer_view(customer)
    assert (view["points_balance"], view["points_pending"]) == (0, 58)
    assert ledger_of(view) == [(-26, "refund", order), (84, "order", order)]


def test_a_refund_before_its_paid_nets_out_when_the_paid_arrives(
    deliver: Deliver,
    customer_view: Callable[[int], dict[str, Any]],
    points_of: Callable[[int], Balance],
) -> None:
    customer, order = new_id(), new_id()
    deliver("refunds/create", refund(new_id(), order, "26.96"))
    assert points_of(customer) == Balance(0, 0)

    deliver("orders/paid", paid_order(order, customer, "84.50"))

    view = customer_view(customer)
    assert view["points_pending"] == 58
    assert sorted(ledger_of(view)) == [(-26, "refund", order), (84, "order", order)]


def test_a_cancellation_takes_back_what_refunds_left(
    deliver: Deliver, customer_view: Callable[[int], dict[str, Any]]
) -> None:
    customer, order = new_id(), new_id()
    deliver("orders/paid", paid_order(order, customer, "84.50"))
    deliver("refunds/create", refund(new_id(), order, "26.96"))

    deliver("orders/cancelled", cancelled_order(order, customer))

    view = customer_view(customer)
    assert (view["points_balance"], view["points_pending"]) == (0, 0)
    assert ledger_of(view) == [
        (-58, "cancellation", order),
        (-26, "refund", order),
        (84, "order", order),
    ]


def test_a_cancellation_before_the_paid_event_leaves_nothing_and_keeps_the_order(
    deliver: Deliver, points_of: Callable[[int], Balance], services: Services
) -> None:
    customer, order = new_id(), new_id()
    deliver("orders/cancelled", cancelled_order(order, customer))

    deliver("orders/paid", paid_order(order, customer, "84.50"))
    deliver("orders/paid", paid_order(order, customer, "84.50"))

    assert points_of(customer) == Balance(0, 0)
    with services.db.sessions() as session:
        row = session.scalars(select(Order).where(Order.shopify_order_id == order)).one()
        assert (row.paid_at is not None, row.cancelled_at is not None) == (True, True)


def test_repeated_deliveries_take_effect_once(
    deliver: Deliver,
    sender: Any,
    shop: str,
    settle: Callable[[], None],
    points_of: Callable[[int], Balance],
) -> None:
    customer, order, refund_id = new_id(), new_id(), new_id()
    paid, refunded = paid_order(order, customer, "84.50"), refund(refund_id, order, "42.25")

    for _ in range(2):
        # Shopify's own retry (same ids), then the same fact under new ids.
        sender.deliver(shop, "orders/paid", paid, event_id="paid-1", webhook_id="w-paid-1")
        deliver("orders/paid", paid)
        sender.deliver(shop, "refunds/create", refunded, event_id="ref-1", webhook_id="w-ref-1")
        deliver("refunds/create", refunded)
    settle()

    assert points_of(customer) == Balance(available=0, pending=42)


def test_shipping_refunds_take_nothing_and_money_refunded_beyond_the_items_counts(
    deliver: Deliver, points_of: Callable[[int], Balance]
) -> None:
    customer, order = new_id(), new_id()
    deliver("orders/paid", paid_order(order, customer, "84.00"))
    shipping = refund(new_id(), order, "0.00", refund_line_items=[])
    shipping["order_adjustments"] = [
        {
            "kind": "shipping_refund",
            "amount": "-3.78",
            "amount_set": {"shop_money": {"amount": "-3.78", "currency_code": "EUR"}},
        }
    ]
    deliver("refunds/create", shipping)
    assert points_of(customer) == Balance(available=0, pending=84)

    goodwill = refund(new_id(), order, "0.00", refund_line_items=[])
    goodwill["order_adjustments"] = [
        {
            "kind": "refund_discrepancy",
            "amount": "-21.00",
            "amount_set": {"shop_money": {"amount": "-21.00", "currency_code": "EUR"}},
        }
    ]
    deliver("refunds/create", goodwill)

    assert points_of(customer) == Balance(available=0, pending=63)


def test_a_take_back_of_spent_points_stops_at_zero_and_says_so(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    customer, order = new_id(), new_id()
    deliver(
        "orders/paid", paid_order(order, customer, "84.50", paid_at=utcnow() - timedelta(days=20))
    )
    spent = http.post(
        f"/admin/api/customers/{customer}/adjustments",
        json={"points": -80, "reason": "Redeemed in store"},
        headers=admin_headers,
    )
    assert spent.status_code == 201, spent.text

    deliver("orders/cancelled", cancelled_order(order, customer))

    view = customer_view(customer)
    assert (view["points_balance"], view["points_pending"]) == (0, 0)
    latest = view["ledger"][0]
    assert (latest["points"], latest["reason"]) == (-4, "cancellation")
    assert latest["note"].endswith("80 points could not be taken back (balance too low)")


def test_the_merchants_rate_per_order_points_and_pending_days_apply(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    points_of: Callable[[int], Balance],
) -> None:
    changed = http.put(
        "/admin/api/settings/points",
        json={"points_per_currency_unit": "2", "points_per_order": 5, "pending_days": 0},
        headers=admin_headers,
    )
    assert changed.status_code == 200, changed.text
    customer = new_id()

    deliver("orders/paid", paid_order(new_id(), customer, "84.50"))

    assert points_of(customer) == Balance(available=174, pending=0)


def test_a_new_customer_account_earns_the_signup_bonus_once(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    customer_view: Callable[[int], dict[str, Any]],
    points_of: Callable[[int], Balance],
) -> None:
    customer = new_id()
    deliver("customers/create", sample("customers/create", id=customer))
    deliver("customers/create", sample("customers/create", id=customer))

    view = customer_view(customer)
    assert (view["points_balance"], view["points_pending"]) == (100, 0)
    assert [(row["points"], row["reason"], row["source"]) for row in view["ledger"]] == [
        (100, "signup", "bonus")
    ]

    turned_off = http.put(
        "/admin/api/settings/points", json={"signup_bonus": 0}, headers=admin_headers
    )
    assert turned_off.status_code == 200, turned_off.text
    later = new_id()
    deliver("customers/create", sample("customers/create", id=later))
    assert points_of(later) == Balance(0, 0)


def test_refunds_are_totalled_on_the_order_whatever_arrives_first(
    deliver: Deliver, services: Services
) -> None:
    guest_order, member_order, customer = new_id(), new_id(), new_id()
    deliver("refunds/create", refund(new_id(), guest_order, "10.00"))
    deliver("orders/paid", paid_order(guest_order, None, "70.00"))
    deliver("orders/paid", paid_order(member_order, customer, "84.50"))
    deliver("refunds/create", refund(new_id(), member_order, "26.96"))
    deliver("refunds/create", refund(new_id(), member_order, "3.04"))

    with services.db.sessions() as session:
        totals = dict(
            session.execute(
                select(Order.shopify_order_id, Order.refunded_subtotal).where(
                    Order.shopify_order_id.in_((guest_order, member_order))
                )
            ).all()
        )
    assert totals == {guest_order: Decimal("10.00"), member_order: Decimal("30.00")}
