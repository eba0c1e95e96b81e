"""The paid membership in the merchant's admin: the settings form, the customer page and
the insights (paid members, new and churned members, membership revenue)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests

from shopify_loyalty.db import utcnow
from tests.admin.signed_in import csrf_of
from tests.conftest import new_id
from tests.engine.test_paid_membership import (
    PRODUCT,
    membership_line,
    order_with,
    other_line,
    refund_of,
)

Deliver = Callable[..., requests.Response]


@pytest.fixture
def membership_settings(http: requests.Session, admin_headers: dict[str, str]) -> None:
    response = http.put(
        "/admin/api/settings/membership",
        json={"product_ids": [PRODUCT]},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text


def test_the_membership_settings_form_saves_and_shows_a_bad_id_beside_its_field(
    shop: str,
    http: requests.Session,
    session_token: Callable[..., str],
    admin_headers: dict[str, str],
) -> None:
    page = http.get("/admin/settings/membership", params={"id_token": session_token(shop)})
    assert page.status_code == 200
    form: dict[str, Any] = {
        "csrf_token": csrf_of(page.text),
        "id_token": session_token(shop),
        "name": "Inner Circle",
        "product_ids": f'["gid://shopify/Product/{PRODUCT}"]',
        "variant_ids": "[]",
        "product_handle": "inner-circle",
        "period_length": "1",
        "period_unit": "years",
        "discount_percent": "15",
        "points_multiplier": "2",
        "free_shipping": "on",
        "standard_shipping_max": "",
    }

    saved = http.post("/admin/settings/membership", data=form)

    assert saved.status_code == 200, saved.text[:500]
    stored = http.get("/admin/api/settings/membership", headers=admin_headers).json()["settings"]
    assert (stored["name"], stored["product_ids"], stored["period_unit"]) == (
        "Inner Circle",
        [PRODUCT],
        "years",
    )
    assert stored["free_express_shipping"] is False
    refused = http.post(
        "/admin/settings/membership",
        data={**form, "id_token": session_token(shop), "product_ids": '["socks"]'},
    )
    assert refused.status_code == 400
    assert re.search(r'id="product_ids-error">product_ids\[0\] must be a Shopify id', refused.text)


def test_the_customer_page_shows_the_membership_and_its_history(
    shop: str,
    http: requests.Session,
    session_token: Callable[..., str],
    deliver: Deliver,
    membership_settings: None,
) -> None:
    customer = new_id()
    order = order_with(customer, [membership_line(quantity=2)])
    deliver("orders/paid", order)

    page = http.get(f"/admin/customers/{customer}", params={"id_token": session_token(shop)})

    assert page.status_code == 200
    assert "Paid membership" in page.text
    assert f"<td>{order['id']}</td><td>active</td>" in page.text


def test_the_insights_count_paid_members_churn_and_membership_revenue(
    shop: str,
    http: requests.Session,
    admin_headers: dict[str, str],
    deliver: Deliver,
    membership_settings: None,
) -> None:
    now = utcnow()
    first, last = (now - timedelta(days=20)).date(), now.date()
    joined, lapsing, stacked = new_id(), new_id(), new_id()
    deliver("orders/paid", order_with(joined, [membership_line()], now - timedelta(days=5)))
    # Bought a year before ten days ago: ran out during the period, not renewed.
    deliver(
        "orders/paid",
        order_with(lapsing, [membership_line()], now - timedelta(days=10 + 366)),
    )
    line = membership_line(quantity=2)
    order = order_with(stacked, [line, other_line()], now - timedelta(days=3))
    deliver("orders/paid", order)
    deliver("refunds/create", refund_of(order, line, 1))

    response = http.get(
        "/admin/api/kpis",
        params={"from": first.isoformat(), "to": last.isoformat()},
        headers=admin_headers,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["paid_membership"] == {
        "paid_members_at_start": 1,
        "paid_members_at_end": 2,
        "new_paid_members": 2,
        "churned_paid_members": 1,
        "paid_member_churn_rate": "100.00",
        "membership_revenue": "98.00",
    }
    assert "churned_paid_members" in body["definitions"]
    page = http.get(
        "/admin/insights",
        params={"from": first.isoformat(), "to": last.isoformat()},
        headers=admin_headers,
    )
    assert page.status_code == 200
    assert "Churned paid members" in page.text
