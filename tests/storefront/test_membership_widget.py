"""The widget's view of the paid membership: status, end date, the perks in force (the
better of the earned tier and the paid tier), and for non-members the offer to join."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests

from tests.conftest import new_id
from tests.engine.test_paid_membership import PRODUCT, membership_line, order_with, other_line
from tests.storefront.conftest import ProxyClient

Deliver = Callable[..., requests.Response]


def configure(http: requests.Session, headers: dict[str, str]) -> None:
    tiers = http.put(
        "/admin/api/settings/tiers",
        json={
            "tiers": [
                {
                    "name": "Gold",
                    "threshold": "100.00",
                    "discount_percent": "20",
                    "points_multiplier": "1.5",
                }
            ]
        },
        headers=headers,
    )
    assert tiers.status_code == 200, tiers.text
    membership = http.put(
        "/admin/api/settings/membership",
        json={
            "product_ids": [str(PRODUCT)],
            "product_handle": "vip-club",
            "name": "VIP Club",
            "discount_percent": "10",
            "points_multiplier": "2",
            "free_shipping": True,
        },
        headers=headers,
    )
    assert membership.status_code == 200, membership.text


def test_a_paid_gold_member_sees_the_membership_and_the_better_of_each_perk(
    proxy: ProxyClient,
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
) -> None:
    configure(http, admin_headers)
    customer = new_id()
    paid_at = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    deliver(
        "orders/paid", order_with(customer, [membership_line(price="49.00"), other_line()], paid_at)
    )
    deliver("orders/paid", order_with(customer, [other_line()]))

    body = proxy.get("/api/me", customer).json()

    assert body["tier"]["name"] == "Gold"
    assert body["membership"] == {
        "status": "active",
        "plan": {
            "name": "VIP Club",
            "period_length": 12,
            "period_unit": "months",
            "discount_percent": "10",
            "points_multiplier": "2",
            "free_shipping": True,
            "free_express_shipping": False,
            "join_url": "/products/vip-club",
        },
        "started_at": paid_at.isoformat(),
        "ends_at": datetime(2027, 11, 20, 10, 0, tzinfo=UTC).isoformat(),
        "join_url": None,
    }
    assert body["perks"] == {
        "discount_percent": "20",
        "discount_from": "tier",
        "discount_code": "LOYALTY-GOLD",
        "points_multiplier": "2",
        "multiplier_from": "paid_membership",
        "free_shipping": True,
        "free_express_shipping": True,
        "shipping_code": "LOYALTY-PAID-MEMBER-SHIPPING",
    }


def test_a_shopper_without_membership_is_offered_to_join(
    proxy: ProxyClient, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    configure(http, admin_headers)
    customer = new_id()

    body = proxy.get("/api/me", customer).json()

    membership: dict[str, Any] = body["membership"]
    assert (membership["status"], membership["ends_at"], membership["join_url"]) == (
        "none",
        None,
        "/products/vip-club",
    )
    assert body["perks"] == {
        "discount_percent": "0",
        "discount_from": None,
        "discount_code": None,
        "points_multiplier": "1",
        "multiplier_from": None,
        "free_shipping": False,
        "free_express_shipping": False,
        "shipping_code": None,
    }
    program = proxy.get("/api/program").json()
    assert program["membership"]["name"] == "VIP Club"
    assert program["membership"]["join_url"] == "/products/vip-club"


def test_without_a_membership_product_there_is_no_plan(proxy: ProxyClient) -> None:
    body = proxy.get("/api/me", new_id()).json()
    assert body["membership"] == {
        "status": "none",
        "plan": None,
        "started_at": None,
        "ends_at": None,
        "join_url": None,
    }
    assert proxy.get("/api/program").json()["membership"] is None
