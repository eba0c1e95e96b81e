"""Fixtures for the storefront: requests signed like Shopify's app proxy, and members."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from shopify_loyalty.points.ledger import Balance
from tests.conftest import API_SECRET, new_id
from tests.engine.conftest import admin_headers, deliver, points_of  # noqa: F401
from tests.engine.test_stamps_webhooks import customer_payload
from tests.storefront.signing import signed_query

Deliver = Callable[..., requests.Response]


class ProxyClient:
    """Calls ``/proxy/...`` as the shop's app proxy forwards a storefront request."""

    def __init__(self, http: requests.Session, shop: str) -> None:
        self.http = http
        self.shop = shop

    def url(
        self, path: str, customer: int | None, query: str = "", timestamp: int | None = None
    ) -> str:
        signed = signed_query(API_SECRET, self.shop, customer, query, timestamp=timestamp)
        return f"/proxy{path}?{signed}"

    def get(
        self, path: str, customer: int | None = None, query: str = "", **kwargs: Any
    ) -> requests.Response:
        return self.http.get(self.url(path, customer, query), **kwargs)

    def post(
        self, path: str, customer: int | None, body: Any = None, query: str = "", **kwargs: Any
    ) -> requests.Response:
        return self.http.post(self.url(path, customer, query), json=body, **kwargs)


@pytest.fixture
def proxy(http: requests.Session, shop: str) -> ProxyClient:
    return ProxyClient(http, shop)


@pytest.fixture
def member(
    deliver: Deliver,  # noqa: F811
    http: requests.Session,
    admin_headers: dict[str, str],  # noqa: F811
    points_of: Callable[[int], Balance],  # noqa: F811
) -> Callable[[int], int]:
    """A customer who joined (signup bonus, head-start stamps) and holds ``points`` available
    points; returns their Shopify id."""

    def make(points: int) -> int:
        customer_id = new_id()
        deliver("customers/create", customer_payload(customer_id))
        missing = points - points_of(customer_id).available
        if missing:
            response = http.post(
                f"/admin/api/customers/{customer_id}/adjustments",
                json={"points": missing, "reason": "Welcome gift"},
                headers=admin_headers,
            )
            assert response.status_code == 201, response.text
        return customer_id

    return make
