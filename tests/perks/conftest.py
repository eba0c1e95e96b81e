"""Fixtures for member perks: the merchant's API, customers in tiers, paid members tagged
at the stand-in shop, and the stand-in's state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from shopify_loyalty.db import utcnow
from shopify_loyalty.perks.paid_members import PAID_MEMBER_TAG
from shopify_loyalty.standin.app import StandinServer
from tests.conftest import new_id
from tests.engine.conftest import admin_headers, deliver  # noqa: F401  (fixtures)
from tests.engine.test_stamps_webhooks import customer_payload, paid_order
from tests.storefront.conftest import ProxyClient, proxy  # noqa: F401  (fixtures)

Deliver = Callable[..., requests.Response]


def moment(delta: timedelta) -> str:
    return (utcnow() + delta).isoformat()


def shop_state(standin: StandinServer, shop: str) -> dict[str, Any]:
    state: dict[str, Any] = requests.get(f"{standin.url}/_standin/shops/{shop}", timeout=5).json()
    return state


def discount_with_code(state: dict[str, Any], code: str) -> dict[str, Any]:
    found = [d for d in state["discounts"] if d["code"] == code]
    assert len(found) == 1, state["discounts"]
    return found[0]


def segment_ids(state: dict[str, Any]) -> dict[str, str]:
    return {segment["query"]: segment["id"] for segment in state["segments"]}


def customer_tags(state: dict[str, Any], customer_id: int) -> list[str]:
    for customer in state["customers"]:
        if customer["id"] == f"gid://shopify/Customer/{customer_id}":
            return list(customer["tags"])
    return []


class MerchantApi:
    """The merchant's JSON API with a fresh session token on every call."""

    def __init__(self, http: requests.Session, headers: dict[str, str]) -> None:
        self.http = http
        self.headers = headers

    def get(self, path: str) -> requests.Response:
        return self.http.get(f"/admin/api{path}", headers=self.headers)

    def post(self, path: str, body: Any = None) -> requests.Response:
        return self.http.post(f"/admin/api{path}", json=body, headers=self.headers)

    def put(self, path: str, body: Any) -> requests.Response:
        return self.http.put(f"/admin/api{path}", json=body, headers=self.headers)


@pytest.fixture
def merchant(http: requests.Session, admin_headers: dict[str, str]) -> MerchantApi:  # noqa: F811
    return MerchantApi(http, admin_headers)


@pytest.fixture
def customer_with_spend(
    deliver: Deliver,  # noqa: F811
    standin: StandinServer,
    shop: str,
) -> Callable[..., int]:
    """A customer (at Shopify and here) who joined and paid one order of ``subtotal``
    (750.00 reaches Gold, 250.00 Silver, "0" no order); returns their Shopify id."""

    def make(subtotal: str, placed: datetime | None = None) -> int:
        customer_id = new_id()
        requests.post(
            f"{standin.url}/_standin/shops/{shop}/customers",
            json={"id": customer_id, "email": f"shopper-{customer_id}@example.com"},
            timeout=5,
        ).raise_for_status()
        deliver("customers/create", customer_payload(customer_id))
        if subtotal != "0":
            order = paid_order(customer_id, new_id(), subtotal=subtotal)
            if placed is not None:
                order["created_at"] = placed.isoformat()
                order["processed_at"] = placed.isoformat()
            deliver("orders/paid", order)
        return customer_id

    return make


@pytest.fixture
def gold_member(customer_with_spend: Callable[..., int]) -> int:
    """A customer whose one order of 750.00 reached Gold."""
    return customer_with_spend("750.00")


@pytest.fixture
def regular_shopper(customer_with_spend: Callable[..., int]) -> int:
    """A customer whose one order of 40.00 reached no tier."""
    return customer_with_spend("40.00")


def widget_me(proxy: ProxyClient, customer: int, query: str = "") -> dict[str, Any]:  # noqa: F811
    """What the widget's ``GET /proxy/api/me`` tells the logged-in shopper."""
    response = proxy.get("/api/me", customer, query=query)
    assert response.status_code == 200, response.text
    me: dict[str, Any] = response.json()
    return me


@pytest.fixture
def paid_member(
    standin: StandinServer, shop: str, customer_with_spend: Callable[..., int]
) -> Callable[[], int]:
    """A customer without a tier who carries the paid membership tag at Shopify."""

    def make() -> int:
        customer_id = customer_with_spend("0")
        response = requests.post(
            f"{standin.url}/_standin/shops/{shop}/customers",
            json={"id": customer_id, "tags": [PAID_MEMBER_TAG]},
            timeout=5,
        )
        response.raise_for_status()
        return customer_id

    return make


def offer_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Gold week: 20% off",
        "code": "GOLDWEEK",
        "kind": "percentage",
        "value": "20",
        "minimum_subtotal": "50.00",
        "usage_limit": 500,
        "once_per_customer": True,
        "audiences": ["tier:gold", "paid_members"],
        "starts_at": moment(-timedelta(hours=1)),
        "ends_at": moment(timedelta(days=7)),
    }
    body.update(changes)
    return body


def window_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Winter collection preview",
        "product_ids": ["7001"],
        "collection_ids": ["gid://shopify/Collection/9001"],
        "audiences": ["tier:gold"],
        "starts_at": moment(-timedelta(hours=1)),
        "ends_at": moment(timedelta(days=2)),
    }
    body.update(changes)
    return body
