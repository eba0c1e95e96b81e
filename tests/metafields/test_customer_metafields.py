"""The customer's program data reaches Shopify as customer metafields in the app's
namespace: definitions at install, one debounced write per burst of events, only changed
values, at most 25 metafields per metafieldsSet call, all asserted at the stand-in shop."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from shopify_loyalty.metafields.definitions import create_definitions
from shopify_loyalty.services import Services
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.webhook_sender import Delivery, WebhookSender
from tests.conftest import API_SECRET, new_id, sample
from tests.engine.test_stamps_webhooks import paid_order
from tests.live_server import LiveServer

Writes = Callable[..., list[dict[str, Any]]]
NAMESPACE = "$app:loyalty"


@pytest.fixture
def shopify(live: LiveServer, standin: StandinServer) -> WebhookSender:
    """Deliveries whose customers and orders also exist at the stand-in shop."""
    return WebhookSender(live.url, API_SECRET, standin_url=standin.url)


def shop_state(standin: StandinServer, shop: str) -> dict[str, Any]:
    response = requests.get(f"{standin.url}/_standin/shops/{shop}", timeout=10)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def writes(standin: StandinServer, shop: str, settle: Callable[..., None]) -> Writes:
    """The metafieldsSet calls the stand-in accepted, once ``count`` of them arrived and
    the flush delay has passed again without another one."""

    def read(count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            settle()
            found: list[dict[str, Any]] = shop_state(standin, shop)["metafield_writes"]
            if len(found) >= count:
                time.sleep(4.0)
                settle()
                final: list[dict[str, Any]] = shop_state(standin, shop)["metafield_writes"]
                return final
            time.sleep(0.2)
        raise AssertionError(f"expected {count} metafieldsSet calls in time")

    return read


def customer_payload(customer_id: int) -> dict[str, Any]:
    return sample(
        "customers/create",
        id=customer_id,
        admin_graphql_api_id=f"gid://shopify/Customer/{customer_id}",
        email=f"shopper-{customer_id}@example.com",
    )


def values_of(call: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (entry["ownerId"].rsplit("/", 1)[1], entry["key"]): entry["value"]
        for entry in call["metafields"]
    }


def test_installing_defines_the_four_customer_metafields_once(
    shop: str, standin: StandinServer, services: Services
) -> None:
    definitions = shop_state(standin, shop)["metafield_definitions"]

    assert sorted((d["owner_type"], d["namespace"], d["key"], d["type"]) for d in definitions) == [
        ("CUSTOMER", NAMESPACE, "lifecycle_stage", "single_line_text_field"),
        ("CUSTOMER", NAMESPACE, "points_balance", "number_integer"),
        ("CUSTOMER", NAMESPACE, "stamps", "number_integer"),
        ("CUSTOMER", NAMESPACE, "tier", "single_line_text_field"),
    ]
    assert {d["access"]["admin"] for d in definitions} == {"MERCHANT_READ"}
    # A reinstall meets Shopify's TAKEN and counts the definitions as there.
    assert create_definitions(admin_client(services, shop)) == []
    assert len(shop_state(standin, shop)["metafield_definitions"]) == 4


def test_a_burst_of_events_for_one_customer_is_written_once_with_the_final_values(
    shopify: WebhookSender, shop: str, writes: Writes
) -> None:
    customer_id, order_id = new_id(), new_id()
    order = paid_order(customer_id, order_id, subtotal="40.00")

    # A new member, their paid order, and Shopify's retry and a second event of the order.
    shopify.deliver_many(
        [
            Delivery(shop, "customers/create", customer_payload(customer_id)),
            Delivery(shop, "orders/paid", order, event_id="paid-a"),
            Delivery(shop, "orders/paid", order, event_id="paid-b"),
        ],
        duplicates=1,
    )

    [call] = writes(1)
    assert call["metafields"][0]["namespace"] == NAMESPACE
    assert values_of(call) == {
        # 100 welcome points; the order's 40 are pending for the return window.
        (str(customer_id), "points_balance"): "100",
        # Two head-start stamps and the order's stamp.
        (str(customer_id), "stamps"): "3",
        (str(customer_id), "lifecycle_stage"): "first_time_buyer",
    }
    assert {entry["type"] for entry in call["metafields"]} == {
        "number_integer",
        "single_line_text_field",
    }


def test_only_the_values_that_changed_are_written_again(
    shopify: WebhookSender, shop: str, writes: Writes, standin: StandinServer
) -> None:
    customer_id = new_id()
    shopify.deliver(shop, "customers/create", customer_payload(customer_id))
    writes(1)

    shopify.deliver(shop, "orders/paid", paid_order(customer_id, new_id(), subtotal="20.00"))
    shopify.deliver(shop, "customers/update", customer_payload(customer_id))

    first, second = writes(2)
    assert values_of(first) == {
        (str(customer_id), "points_balance"): "100",
        (str(customer_id), "stamps"): "2",
        (str(customer_id), "lifecycle_stage"): "prospect",
    }
    assert values_of(second) == {
        (str(customer_id), "stamps"): "3",
        (str(customer_id), "lifecycle_stage"): "first_time_buyer",
    }
    [customer] = [
        c for c in shop_state(standin, shop)["customers"] if c["id"].endswith(str(customer_id))
    ]
    assert customer["metafields"] == {
        f"{NAMESPACE}.points_balance": {"type": "number_integer", "value": "100"},
        f"{NAMESPACE}.stamps": {"type": "number_integer", "value": "3"},
        f"{NAMESPACE}.lifecycle_stage": {
            "type": "single_line_text_field",
            "value": "first_time_buyer",
        },
    }


def test_many_customers_are_written_25_metafields_a_call(
    shopify: WebhookSender, shop: str, writes: Writes
) -> None:
    customers = [new_id() for _ in range(9)]

    shopify.deliver_many(
        [Delivery(shop, "customers/create", customer_payload(c)) for c in customers]
    )

    calls = writes(2)
    assert [len(call["metafields"]) for call in calls] == [25, 2]
    written = {owner for call in calls for (owner, _key) in values_of(call)}
    assert written == {str(c) for c in customers}


def test_a_customer_unknown_at_shopify_does_not_hold_back_the_others(
    sender: WebhookSender, shopify: WebhookSender, shop: str, writes: Writes
) -> None:
    known, unknown = new_id(), new_id()
    # ``sender`` delivers without recording the customer at the stand-in shop.
    shopify.deliver_many(
        [
            Delivery(shop, "customers/create", customer_payload(known)),
        ]
    )
    sender.deliver(shop, "customers/create", customer_payload(unknown))

    [call] = writes(1)
    assert {owner for (owner, _key) in values_of(call)} == {str(known)}
