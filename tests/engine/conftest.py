"""Fixtures for the loyalty engine tests: signed deliveries applied in one line, the
merchant's view of a customer, and a customer's points read from the ledger."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.points.ledger import Balance, balance_of
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.webhook_sender import WebhookSender


def deliver_all(sender: WebhookSender, shop: str, deliveries: list[tuple[str, Any]]) -> None:
    """Store signed deliveries, each with ids of its own, without waiting for a worker."""
    for topic, payload in deliveries:
        response = sender.deliver(
            shop, topic, payload, event_id=str(uuid.uuid4()), webhook_id=str(uuid.uuid4())
        )
        assert response.status_code == 200, response.text


@pytest.fixture
def deliver(
    sender: WebhookSender, settle: Callable[..., None], shop: str
) -> Callable[..., requests.Response]:
    """Send a signed webhook to the installed shop and wait until the worker applied it."""

    def send(topic: str, payload: dict[str, Any], **ids: Any) -> requests.Response:
        response = sender.deliver(shop, topic, payload, **ids)
        assert response.status_code == 200, response.text
        settle()
        return response

    return send


@pytest.fixture
def admin_headers(session_token: Callable[..., str], shop: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {session_token(shop)}"}


@pytest.fixture
def customer_view(
    http: requests.Session, admin_headers: dict[str, str]
) -> Callable[[int], dict[str, Any]]:
    """``GET /admin/api/customers/<id>`` as the merchant; asserts a 200."""

    def view(shopify_customer_id: int) -> dict[str, Any]:
        response = http.get(f"/admin/api/customers/{shopify_customer_id}", headers=admin_headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return view


@pytest.fixture
def points_of(services: Services, shop: str) -> Callable[..., Balance]:
    """A customer's balance as the ledger has it now, or ``at`` another moment (zero for a
    customer not yet seen)."""

    def read(shopify_customer_id: int, at: datetime | None = None) -> Balance:
        with services.db.sessions() as session:
            shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
            customer = find_customer(session, shop_row, shopify_customer_id)
            return balance_of(session, customer, at=at) if customer else Balance(0, 0)

    return read


@pytest.fixture
def rows_for(shop: str) -> Callable[[Session, int], tuple[Shop, Customer]]:
    """The installed shop's row and one of its customers' rows, in ``session``."""

    def load(session: Session, shopify_customer_id: int) -> tuple[Shop, Customer]:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        customer = find_customer(session, shop_row, shopify_customer_id)
        assert customer is not None, f"no customer {shopify_customer_id}"
        return shop_row, customer

    return load
