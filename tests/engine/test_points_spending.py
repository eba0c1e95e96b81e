"""Spending points: never below zero, never the same points twice, and manual adjustments
that always say why and who."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.points.ledger import Balance
from shopify_loyalty.points.spending import InsufficientPoints, debit_points, restore_points
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from tests.conftest import OTHER_SHOP, new_id, sample

Deliver = Callable[..., requests.Response]
RowsFor = Callable[[Session, int], tuple[Shop, Customer]]


def member(deliver: Deliver) -> int:
    """A new customer account, holding the 100-point sign-up bonus."""
    customer = new_id()
    deliver("customers/create", sample("customers/create", id=customer))
    return customer


def test_a_debit_over_the_available_balance_is_refused_with_409(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    points_of: Callable[[int], Balance],
) -> None:
    customer = member(deliver)

    response = http.post(
        f"/admin/api/customers/{customer}/adjustments",
        json={"points": -150, "reason": "Redeemed at the market stall"},
        headers=admin_headers,
    )

    assert response.status_code == 409
    assert response.json() == {
        "error": "insufficient_points",
        "message": "150 points are needed but only 100 are available.",
        "field": "points",
    }
    assert points_of(customer) == Balance(available=100, pending=0)


def test_pending_points_cannot_be_spent(
    deliver: Deliver,
    services: Services,
    shop: str,
    rows_for: RowsFor,
    points_of: Callable[[int], Balance],
) -> None:
    customer = member(deliver)
    order = sample("orders/paid", id=new_id())
    order["customer"]["id"] = customer
    deliver("orders/paid", order)
    assert points_of(customer) == Balance(available=100, pending=84)

    with pytest.raises(InsufficientPoints) as refused, services.db.transaction() as session:
        debit_points(session, *rows_for(session, customer), 101, reason="reward", key="r:1")

    assert (refused.value.needed, refused.value.available) == (101, 100)


def test_a_manual_adjustment_records_who_and_why_and_applies_once_per_key(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    customer = member(deliver)
    headers = {**admin_headers, "Idempotency-Key": "goodwill-7"}

    first = http.post(
        f"/admin/api/customers/{customer}/adjustments",
        json={"points": 25, "reason": "  Parcel arrived late  "},
        headers=headers,
    )
    again = http.post(
        f"/admin/api/customers/{customer}/adjustments",
        json={"points": 25, "reason": "Parcel arrived late"},
        headers=headers,
    )

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["entry"] == again.json()["entry"]
    assert (first.json()["points_balance"], first.json()["points_pending"]) == (125, 0)
    view = customer_view(customer)
    assert view["points_balance"] == 125
    latest = view["ledger"][0]
    assert (latest["points"], latest["reason"], latest["source"]) == (
        25,
        "adjustment",
        "adjustment",
    )
    assert (latest["note"], latest["actor"]) == ("Parcel arrived late", "staff:1")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"points": 10}, "reason", "reason is required: say why the points change"),
        (
            {"points": 10, "reason": "   "},
            "reason",
            "reason is required: say why the points change",
        ),
        (
            {"points": 0, "reason": "x"},
            "points",
            "points must be a whole number from -1000000 to 1000000, not 0",
        ),
        ({"points": "10", "reason": "x"}, "points", "points must be a whole number"),
        ({"points": 1.5, "reason": "x"}, "points", "points must be a whole number"),
        ({"reason": "x"}, "points", "points is required"),
        ({"points": 5, "reason": "x", "expires": "never"}, "expires", None),
    ],
)
def test_an_adjustment_names_the_field_it_cannot_accept(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    body: dict[str, Any],
    field: str,
    message: str | None,
) -> None:
    customer = member(deliver)

    response = http.post(
        f"/admin/api/customers/{customer}/adjustments", json=body, headers=admin_headers
    )

    assert response.status_code == 400
    assert (response.json()["error"], response.json()["field"]) == ("invalid", field)
    if message is not None:
        assert response.json()["message"] == message


def test_an_unknown_customer_is_a_json_404(
    shop: str, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    unknown = new_id()
    expected = {
        "error": "not_found",
        "message": "This shop has no customer with that id.",
        "field": "shopify_customer_id",
    }

    shown = http.get(f"/admin/api/customers/{unknown}", headers=admin_headers)
    adjusted = http.post(
        f"/admin/api/customers/{unknown}/adjustments",
        json={"points": 5, "reason": "x"},
        headers=admin_headers,
    )

    assert (shown.status_code, shown.json()) == (404, expected)
    assert (adjusted.status_code, adjusted.json()) == (404, expected)


def test_another_shop_cannot_see_or_adjust_this_shops_customer(
    deliver: Deliver,
    install: Callable[[str], None],
    http: requests.Session,
    session_token: Callable[..., str],
    points_of: Callable[[int], Balance],
) -> None:
    customer = member(deliver)
    install(OTHER_SHOP)
    rival = {"Authorization": f"Bearer {session_token(OTHER_SHOP)}"}

    shown = http.get(f"/admin/api/customers/{customer}", headers=rival)
    adjusted = http.post(
        f"/admin/api/customers/{customer}/adjustments",
        json={"points": -100, "reason": "x"},
        headers=rival,
    )

    assert (shown.status_code, adjusted.status_code) == (404, 404)
    assert points_of(customer) == Balance(available=100, pending=0)


def test_a_redemption_repeated_under_its_key_spends_once_and_is_restored_once(
    deliver: Deliver,
    services: Services,
    shop: str,
    rows_for: RowsFor,
    points_of: Callable[[int], Balance],
) -> None:
    customer = member(deliver)

    for _ in range(2):
        with services.db.transaction() as session:
            debit_points(session, *rows_for(session, customer), 60, reason="reward", key="k1")
    assert points_of(customer) == Balance(available=40, pending=0)

    restored = []
    for _ in range(2):
        with services.db.transaction() as session:
            shop_row, customer_row = rows_for(session, customer)
            entry = restore_points(session, shop_row, customer_row, "k1", reason="reward_failed")
            restored.append(None if entry is None else (entry.points, entry.reason, entry.source))

    assert restored == [(60, "reward_failed", "redemption"), None]
    assert points_of(customer) == Balance(available=100, pending=0)


def test_two_redemptions_racing_for_the_same_points_cannot_both_win(
    deliver: Deliver,
    services: Services,
    shop: str,
    rows_for: RowsFor,
    points_of: Callable[[int], Balance],
) -> None:
    if services.settings.uses_sqlite:
        pytest.skip(
            "SQLite runs one write transaction at a time (BEGIN IMMEDIATE), so there is no "
            "race to lose; the row lock is proven on PostgreSQL"
        )
    customer = member(deliver)
    first_debited = threading.Event()
    release_first = threading.Event()
    outcomes: dict[str, str] = {}

    def redeem(name: str, hold: bool) -> None:
        try:
            with services.db.transaction() as session:
                shop_row, customer_row = rows_for(session, customer)
                debit_points(session, shop_row, customer_row, 80, reason="reward", key=name)
                if hold:
                    first_debited.set()
                    release_first.wait(10)
            outcomes[name] = "spent"
        except InsufficientPoints:
            outcomes[name] = "refused"

    first = threading.Thread(target=redeem, args=("first", True))
    second = threading.Thread(target=redeem, args=("second", False))
    first.start()
    assert first_debited.wait(10)
    second.start()
    # The second redemption waits on the customer's row while the first is uncommitted.
    second.join(0.5)
    assert second.is_alive()
    release_first.set()
    first.join(10)
    second.join(10)

    assert outcomes == {"first": "spent", "second": "refused"}
    assert points_of(customer) == Balance(available=20, pending=0)
