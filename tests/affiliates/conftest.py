"""Fixtures for the affiliate tests: the merchant's API in one call, affiliates and codes
made through it, and paid orders, refunds and cancellations delivered as signed webhooks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Unpack

import pytest
import requests

from shopify_loyalty.db import utcnow
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.webhook_sender import DeliveryIds, WebhookSender
from tests.conftest import API_SECRET, new_id, sample
from tests.live_server import LiveServer

Api = Callable[..., requests.Response]


@pytest.fixture
def shopify(live: LiveServer, standin: StandinServer) -> WebhookSender:
    return WebhookSender(live.url, API_SECRET, standin_url=standin.url)


@pytest.fixture
def deliver(
    shopify: WebhookSender, shop: str, settle: Callable[[], None]
) -> Callable[..., requests.Response]:
    """Send a signed webhook to the installed shop and wait until the worker applied it."""

    def send(topic: str, payload: dict[str, Any], **ids: Unpack[DeliveryIds]) -> requests.Response:
        response = shopify.deliver(shop, topic, payload, **ids)
        assert response.status_code == 200, response.text
        settle()
        return response

    return send


@pytest.fixture
def api(http: requests.Session, session_token: Callable[..., str], shop: str) -> Api:
    """``api("POST", "/affiliates", json=...)``: the merchant's affiliate API of ``shop``
    (or of ``as_shop``)."""

    def call(method: str, path: str, *, as_shop: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {session_token(as_shop or shop)}"}
        return http.request(method, f"/admin/api/affiliates{path}", headers=headers, **kwargs)

    return call


@pytest.fixture
def make_affiliate(api: Api) -> Callable[..., dict[str, Any]]:
    def make(**fields: Any) -> dict[str, Any]:
        body = {
            "name": "Anna Influencer",
            "email": "anna@partners.example",
            "commission_kind": "percentage",
            "commission_value": "12.5",
            "payout_method": "paypal",
            "payout_details": "anna-payouts@partners.example",
            **fields,
        }
        response = api("POST", "", json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    return make


@pytest.fixture
def make_code(api: Api, settle: Callable[[], None]) -> Callable[..., dict[str, Any]]:
    def make(affiliate_id: int, code: str = "ANNA15", **fields: Any) -> dict[str, Any]:
        body = {"code": code, "discount_kind": "percentage", "discount_value": "15", **fields}
        response = api("POST", f"/{affiliate_id}/codes", json=body)
        assert response.status_code == 201, response.text
        settle()
        result: dict[str, Any] = response.json()
        return result

    return make


@pytest.fixture
def ledger(api: Api) -> Callable[[int], list[dict[str, Any]]]:
    """The affiliate's conversions, oldest first."""

    def read(affiliate_id: int) -> list[dict[str, Any]]:
        response = api("GET", f"/{affiliate_id}/conversions")
        assert response.status_code == 200, response.text
        return list(reversed(response.json()["conversions"]))

    return read


def buyer(email: str = "maria.keller@example.com", **fields: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "email": email,
        "first_name": "Maria",
        "last_name": "Keller",
        "created_at": "2026-03-02T09:15:40+01:00",
        **fields,
    }


def paid_order(
    subtotal: str,
    *,
    codes: tuple[str, ...] = (),
    ref: str | None = None,
    landing: str = "/",
    customer: dict[str, Any] | None = None,
    guest_email: str | None = None,
    placed_at: datetime | None = None,
) -> dict[str, Any]:
    """A paid order in EUR of ``subtotal`` after discounts, with codes and a ref."""
    order_id = new_id()
    money = {
        "shop_money": {"amount": subtotal, "currency_code": "EUR"},
        "presentment_money": {"amount": subtotal, "currency_code": "EUR"},
    }
    moment = (placed_at or utcnow()).isoformat()
    person = customer if customer is not None else None
    email = person["email"] if person else guest_email
    return sample(
        "orders/paid",
        id=order_id,
        name=f"#{order_id % 100000}",
        customer=person,
        email=email,
        contact_email=email,
        subtotal_price=subtotal,
        current_subtotal_price=subtotal,
        subtotal_price_set=money,
        current_subtotal_price_set=money,
        total_price=subtotal,
        discount_codes=[{"code": code, "amount": "1.00", "type": "percentage"} for code in codes],
        note_attributes=[{"name": "loyalty_ref", "value": ref}] if ref else [],
        landing_site=landing,
        created_at=moment,
        processed_at=moment,
    )


def refund_of(order: dict[str, Any], goods: str) -> dict[str, Any]:
    """A refund giving back ``goods`` of the order's subtotal."""
    money = {
        "shop_money": {"amount": goods, "currency_code": "EUR"},
        "presentment_money": {"amount": goods, "currency_code": "EUR"},
    }
    line = {
        "id": new_id(),
        "line_item_id": new_id(),
        "quantity": 1,
        "subtotal": float(goods),
        "subtotal_set": money,
        "total_tax": 0,
    }
    return sample(
        "refunds/create",
        id=new_id(),
        order_id=order["id"],
        refund_line_items=[line],
        order_adjustments=[],
        transactions=[],
        created_at=utcnow().isoformat(),
        processed_at=utcnow().isoformat(),
    )


def cancellation_of(order: dict[str, Any]) -> dict[str, Any]:
    return sample(
        "orders/cancelled",
        **{
            key: order[key]
            for key in (
                "id",
                "name",
                "customer",
                "email",
                "subtotal_price",
                "subtotal_price_set",
                "total_price",
                "created_at",
            )
        },
        cancelled_at=utcnow().isoformat(),
        cancel_reason="customer",
    )
