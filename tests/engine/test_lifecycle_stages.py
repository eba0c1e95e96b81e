"""Lifecycle stages, derived from orders and referrals, shown on the admin customer page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy import select

from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.lifecycle.stages import stage_for
from shopify_loyalty.referrals import referral_link
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.conftest import API_SECRET, new_id, sample
from tests.live_server import LiveServer


@pytest.mark.parametrize(
    ("orders", "referrals", "stage"),
    [
        (0, 0, "prospect"),
        (1, 0, "first_time_buyer"),
        (2, 0, "repeat_buyer"),
        (3, 0, "repeat_buyer"),
        (4, 0, "regular"),
        (9, 0, "regular"),
        (0, 1, "recommender"),
        (3, 2, "recommender"),
        (4, 1, "fan"),
    ],
)
def test_the_stage_follows_paid_orders_and_converted_referrals(
    orders: int, referrals: int, stage: str
) -> None:
    assert stage_for(orders, referrals, regular_min_orders=4) == stage


@pytest.fixture
def deliver(
    live: LiveServer, standin: StandinServer, shop: str, settle: Callable[[], None]
) -> Callable[[str, dict[str, Any]], None]:
    sender = WebhookSender(live.url, API_SECRET, standin_url=standin.url)

    def send(topic: str, payload: dict[str, Any]) -> None:
        assert sender.deliver(shop, topic, payload).status_code == 200
        settle()

    return send


@pytest.fixture
def stage_of(
    http: requests.Session, session_token: Callable[..., str], shop: str
) -> Callable[[int], str]:
    def get(customer_id: int) -> str:
        response = http.get(
            f"/admin/api/customers/{customer_id}",
            headers={"Authorization": f"Bearer {session_token(shop)}"},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["lifecycle_stage"])

    return get


def person(customer_id: int, first_name: str) -> dict[str, Any]:
    return {
        "id": customer_id,
        "email": f"{first_name.lower()}-{customer_id}@example.com",
        "first_name": first_name,
        "created_at": utcnow().isoformat(),
    }


def paid_order(customer: dict[str, Any], **changes: Any) -> dict[str, Any]:
    order_id = new_id()
    money = {"shop_money": {"amount": "40.00", "currency_code": "EUR"}}
    fields: dict[str, Any] = {
        "id": order_id,
        "customer": customer,
        "email": customer["email"],
        "subtotal_price_set": money,
        "current_subtotal_price_set": money,
        "discount_codes": [],
        "note_attributes": [],
        "landing_site": "/",
        "created_at": utcnow().isoformat(),
        "processed_at": utcnow().isoformat(),
    }
    fields.update(changes)
    return sample("orders/paid", **fields)


def code_of(services: Services, shop: str, customer_id: int) -> str:
    with services.db.transaction() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        customer = find_customer(session, shop_row, customer_id)
        assert customer is not None
        return referral_link(session, shop_row, customer).rsplit("/", 1)[1]


def test_stages_move_from_prospect_to_regular_then_fan(
    shop: str,
    deliver: Callable[[str, dict[str, Any]], None],
    stage_of: Callable[[int], str],
    services: Services,
) -> None:
    gina_id = new_id()
    gina = person(gina_id, "Gina")
    deliver("customers/create", sample("customers/create", **gina))
    assert stage_of(gina_id) == "prospect"

    seen = []
    orders = []
    for _ in range(4):
        orders.append(paid_order(gina))
        deliver("orders/paid", orders[-1])
        seen.append(stage_of(gina_id))
    assert seen == ["first_time_buyer", "repeat_buyer", "repeat_buyer", "regular"]

    # A test order and the same order delivered again change nothing.
    deliver("orders/paid", paid_order(gina, test=True))
    deliver("orders/paid", orders[-1])
    assert stage_of(gina_id) == "regular"

    code = code_of(services, shop, gina_id)
    deliver(
        "orders/paid",
        paid_order(person(new_id(), "Hugo"), discount_codes=[{"code": f"FRIEND-{code}"}]),
    )
    assert stage_of(gina_id) == "fan"


def test_a_converted_referral_makes_a_recommender_and_a_cancellation_steps_back(
    shop: str,
    deliver: Callable[[str, dict[str, Any]], None],
    stage_of: Callable[[int], str],
    services: Services,
) -> None:
    ivo_id = new_id()
    ivo = person(ivo_id, "Ivo")
    first = paid_order(ivo)
    deliver("orders/paid", first)
    deliver("orders/paid", paid_order(ivo))
    assert stage_of(ivo_id) == "repeat_buyer"

    deliver(
        "orders/cancelled",
        sample(
            "orders/cancelled",
            id=first["id"],
            customer=ivo,
            email=ivo["email"],
            cancelled_at=utcnow().isoformat(),
            created_at=first["created_at"],
        ),
    )
    assert stage_of(ivo_id) == "first_time_buyer"

    code = code_of(services, shop, ivo_id)
    deliver(
        "orders/paid",
        paid_order(
            person(new_id(), "Jule"), note_attributes=[{"name": "loyalty_ref", "value": code}]
        ),
    )
    assert stage_of(ivo_id) == "recommender"


def test_the_merchant_sets_how_many_orders_make_a_regular(
    shop: str,
    http: requests.Session,
    session_token: Callable[..., str],
    deliver: Callable[[str, dict[str, Any]], None],
    stage_of: Callable[[int], str],
) -> None:
    headers = {"Authorization": f"Bearer {session_token(shop)}"}
    refused = http.put(
        "/admin/api/settings/lifecycle", json={"regular_min_orders": 2}, headers=headers
    )
    assert refused.status_code == 400
    assert refused.json()["field"] == "regular_min_orders"
    assert refused.json()["message"] == "regular_min_orders must be a whole number from 3 to 100"

    saved = http.put(
        "/admin/api/settings/lifecycle", json={"regular_min_orders": 3}, headers=headers
    )
    assert saved.status_code == 200, saved.text
    kim_id = new_id()
    kim = person(kim_id, "Kim")
    for _ in range(3):
        deliver("orders/paid", paid_order(kim))
    assert stage_of(kim_id) == "regular"
