"""Orders brought by affiliate codes and links, through signed webhooks: one conversion per
order with its commission to the cent, reduced by refunds, voided by cancellations, the same
whatever the order of arrival and however often Shopify delivers."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import requests
from sqlalchemy import select

from shopify_loyalty.affiliates.periodic import run_periodic
from shopify_loyalty.affiliates.reporting import AffiliateReturn, affiliate_returns
from shopify_loyalty.db import utcnow
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.webhook_sender import Delivery, WebhookSender
from tests.affiliates.conftest import Api, buyer, cancellation_of, paid_order, refund_of

Deliver = Callable[..., requests.Response]


def summary(rows: list[dict[str, Any]]) -> list[tuple[str, str, str | None, str]]:
    return [(row["matched_by"], row["status"], row["reason"], row["commission"]) for row in rows]


def test_a_code_used_at_checkout_earns_its_percentage_rounded_half_up_to_the_cent(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    deliver: Deliver,
    ledger: Callable[[int], list[dict[str, Any]]],
) -> None:
    anna = make_affiliate(commission_value="12.5")
    make_code(anna["id"], "ANNA15")
    # 84.50 x 12.5 % = 10.5625 -> 10.56; 84.60 x 12.5 % = 10.575 -> 10.58 (half up)
    first = paid_order("84.50", codes=("anna15",), customer=buyer())
    second = paid_order("84.60", codes=("Anna15",), customer=buyer("lena@example.com"))
    deliver("orders/paid", first)
    deliver("orders/paid", second)

    rows = ledger(anna["id"])
    assert summary(rows) == [
        ("discount_code", "pending", None, "10.56"),
        ("discount_code", "pending", None, "10.58"),
    ]
    assert [row["order_id"] for row in rows] == [first["id"], second["id"]]
    assert [row["order_subtotal"] for row in rows] == ["84.50", "84.60"]


def test_the_ref_attribute_and_the_landing_page_name_the_affiliate_too(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    deliver: Deliver,
    ledger: Callable[[int], list[dict[str, Any]]],
) -> None:
    anna = make_affiliate(commission_kind="fixed_amount", commission_value="7.00")
    make_code(anna["id"], "ANNA15")
    deliver("orders/paid", paid_order("40.00", ref="anna15", customer=buyer()))
    deliver(
        "orders/paid",
        paid_order("55.00", landing="/collections?ref=ANNA15", guest_email="g@example.com"),
    )
    deliver(
        "orders/paid",
        paid_order("60.00", ref="NOBODY", landing="/?ref=NOBODY", customer=buyer("x@example.com")),
    )

    assert summary(ledger(anna["id"])) == [
        ("note_attribute", "pending", None, "7.00"),
        ("landing_site", "pending", None, "7.00"),
    ]


def test_refunds_reduce_the_commission_in_proportion_and_a_full_refund_voids_it(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    deliver: Deliver,
    ledger: Callable[[int], list[dict[str, Any]]],
) -> None:
    anna = make_affiliate(commission_value="10")
    bob = make_affiliate(
        name="Bob",
        email="bob@partners.example",
        commission_kind="fixed_amount",
        commission_value="5.00",
    )
    make_code(anna["id"], "ANNA15")
    make_code(bob["id"], "BOB10")
    order = paid_order("100.00", codes=("ANNA15",), customer=buyer())
    fixed = paid_order("90.00", codes=("BOB10",), customer=buyer("ole@example.com"))
    deliver("orders/paid", order)
    deliver("orders/paid", fixed)

    deliver("refunds/create", refund_of(order, "33.33"))
    deliver("refunds/create", refund_of(fixed, "30.00"))
    assert summary(ledger(anna["id"])) == [("discount_code", "pending", None, "6.67")]
    # 5.00 x 60/90 = 3.333... -> 3.33
    assert summary(ledger(bob["id"])) == [("discount_code", "pending", None, "3.33")]
    assert ledger(anna["id"])[0]["refunded_subtotal"] == "33.33"

    deliver("refunds/create", refund_of(order, "66.67"))
    assert summary(ledger(anna["id"])) == [("discount_code", "voided", "order_refunded", "0.00")]


def test_a_cancellation_voids_the_commission(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    deliver: Deliver,
    ledger: Callable[[int], list[dict[str, Any]]],
) -> None:
    anna = make_affiliate()
    make_code(anna["id"], "ANNA15")
    order = paid_order("80.00", codes=("ANNA15",), customer=buyer())
    deliver("orders/paid", order)
    assert summary(ledger(anna["id"])) == [("discount_code", "pending", None, "10.00")]
    deliver("orders/cancelled", cancellation_of(order))
    assert summary(ledger(anna["id"])) == [("discount_code", "voided", "order_cancelled", "0.00")]


def test_duplicates_and_any_order_of_arrival_give_the_same_cents(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    shopify: WebhookSender,
    shop: str,
    settle: Callable[[], None],
    ledger: Callable[[int], list[dict[str, Any]]],
) -> None:
    anna = make_affiliate(commission_value="12.5")
    make_code(anna["id"], "ANNA15")
    refunded = paid_order("84.50", codes=("ANNA15",), customer=buyer())
    cancelled = paid_order("50.00", ref="ANNA15", customer=buyer("b@example.com"))
    kept = paid_order("19.99", codes=("ANNA15",), customer=buyer("c@example.com"))
    deliveries = [
        Delivery(shop, "refunds/create", refund_of(refunded, "26.96")),
        Delivery(shop, "orders/paid", refunded),
        Delivery(shop, "refunds/create", refund_of(refunded, "10.00")),
        Delivery(shop, "orders/cancelled", cancellation_of(cancelled)),
        Delivery(shop, "orders/paid", cancelled),
        Delivery(shop, "orders/paid", kept),
    ]
    # The same order's paid event delivered again under new ids (a resend, not a retry).
    deliveries.append(Delivery(shop, "orders/paid", kept))
    for _, response in shopify.deliver_many(
        deliveries, duplicates=2, shuffle=True, rng=random.Random(5)
    ):
        assert response.status_code == 200
    settle()

    by_order = {row["order_id"]: row for row in ledger(anna["id"])}
    assert len(by_order) == 3
    # (84.50 - 26.96 - 10.00) x 12.5 % = 5.9425 -> 5.94
    assert (by_order[refunded["id"]]["status"], by_order[refunded["id"]]["commission"]) == (
        "pending",
        "5.94",
    )
    assert by_order[refunded["id"]]["refunded_subtotal"] == "36.96"
    assert (by_order[cancelled["id"]]["status"], by_order[cancelled["id"]]["reason"]) == (
        "voided",
        "order_cancelled",
    )
    assert by_order[cancelled["id"]]["commission"] == "0.00"
    # 19.99 x 12.5 % = 2.49875 -> 2.50
    assert by_order[kept["id"]]["commission"] == "2.50"


def test_commission_is_approved_after_the_return_window_then_paid_exactly_once(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    deliver: Deliver,
    ledger: Callable[[int], list[dict[str, Any]]],
    api: Api,
    services: Services,
    shop: str,
) -> None:
    anna = make_affiliate(commission_value="10")
    make_code(anna["id"], "ANNA15")
    first = paid_order("120.00", codes=("ANNA15",), customer=buyer())
    deliver("orders/paid", first)
    deliver("orders/paid", paid_order("30.05", codes=("ANNA15",), customer=buyer("z@example.com")))
    today = utcnow().date()

    run_periodic(services, shop, utcnow() + timedelta(days=13))
    assert [row["status"] for row in ledger(anna["id"])] == ["pending", "pending"]
    assert api("POST", f"/{anna['id']}/payouts", json={"until": str(today)}).json() == {
        "error": "conflict",
        "message": "Nothing is owed to this affiliate up to that date.",
        "field": "until",
    }

    run_periodic(services, shop, utcnow() + timedelta(days=14, minutes=1))
    assert [row["status"] for row in ledger(anna["id"])] == ["approved", "approved"]

    csv = api("GET", f"/payouts.csv?until={today}")
    assert csv.status_code == 200
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert csv.text.splitlines() == [
        "affiliate_id,name,email,payout_method,payout_details,orders,amount,currency,covers_until",
        f"{anna['id']},Anna Influencer,anna@partners.example,paypal,"
        f"anna-payouts@partners.example,2,15.01,{_currency(services, shop)},{today}",
    ]

    paid = api("POST", f"/{anna['id']}/payouts", json={"until": str(today), "reference": "PP-1"})
    again = api("POST", f"/{anna['id']}/payouts", json={"until": str(today)})
    assert paid.status_code == 201 and again.status_code == 200
    assert again.json() == paid.json()
    assert (paid.json()["amount"], paid.json()["conversions"]) == ("15.01", 2)
    assert [row["paid_commission"] for row in ledger(anna["id"])] == ["12.00", "3.01"]
    assert api("GET", f"/payouts.csv?until={today}").text.count("\n") == 1

    # A refund after the payout is clawed back from the next one.
    deliver("refunds/create", refund_of(first, "60.00"))
    assert api("GET", f"/{anna['id']}").json()["approved_commission_owed"] == "-6.00"


def test_the_return_per_affiliate_counts_new_and_returning_customers(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    deliver: Deliver,
    api: Api,
    services: Services,
    shop: str,
) -> None:
    anna = make_affiliate(commission_value="10")
    bob = make_affiliate(name="Bob", email="bob@partners.example")
    make_code(anna["id"], "ANNA15")
    regular = buyer("regular@example.com")
    deliver(
        "orders/paid",
        paid_order("20.00", customer=regular, placed_at=utcnow() - timedelta(days=40)),
    )
    deliver("orders/paid", paid_order("50.00", codes=("ANNA15",), customer=regular))
    deliver(
        "orders/paid", paid_order("70.00", codes=("ANNA15",), customer=buyer("new@example.com"))
    )
    cancelled = paid_order("99.00", codes=("ANNA15",), customer=buyer("gone@example.com"))
    deliver("orders/paid", cancelled)
    deliver("orders/cancelled", cancellation_of(cancelled))

    today = utcnow().date()
    with services.db.sessions() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        returns = affiliate_returns(session, shop_row, today - timedelta(days=1), today)
        earlier = affiliate_returns(session, shop_row, date(2020, 1, 1), date(2020, 1, 31))
    assert returns == [
        AffiliateReturn(
            anna["id"],
            "Anna Influencer",
            2,
            Decimal("120.00"),
            Decimal("12.00"),
            Decimal("0.00"),
            1,
            1,
        ),
        AffiliateReturn(
            bob["id"], "Bob", 0, Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), 0, 0
        ),
    ]
    assert [row.orders for row in earlier] == [0, 0]
    body = api("GET", f"/returns?from={today - timedelta(days=1)}&to={today}").json()
    assert body["affiliates"][0] == {
        "affiliate_id": anna["id"],
        "name": "Anna Influencer",
        "orders": 2,
        "revenue": "120.00",
        "commission_owed": "12.00",
        "commission_paid": "0.00",
        "new_customers": 1,
        "returning_customers": 1,
    }


def _currency(services: Services, shop: str) -> str:
    with services.db.sessions() as session:
        return session.scalars(select(Shop.currency).where(Shop.domain == shop)).one()
