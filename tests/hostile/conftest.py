"""Fixtures for the hostile suite: two installed shops, the first with data of every kind
(a member with points, a reward, an affiliate with a code and portal link, a privacy
export, published terms, a survey answer), and a snapshot of everything the first shop owns.

Hypothesis runs few examples by default and more when ``CI`` is set, always bounded in time,
and derandomized: the same examples every run, so a failure is never a matter of luck (change
a strategy to explore further).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from shopify_loyalty.models import Base
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.conftest import API_SECRET, OTHER_SHOP, SHOP, new_id, sample
from tests.engine.conftest import admin_headers, deliver, points_of  # noqa: F401
from tests.live_server import LiveServer
from tests.storefront.conftest import member, proxy  # noqa: F401
from tests.storefront.signing import signed_query

settings.register_profile(
    "hostile",
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "hostile-ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HOSTILE_PROFILE = "hostile-ci" if os.environ.get("CI") else "hostile"

# What the first shop holds that no answer to the second shop may ever contain.
FIRST_NAME = "Annelie"
EMAIL = "annelie.tenant-a@example.com"
AFFILIATE_NAME = "Alpha Partner Agency"
AFFILIATE_EMAIL = "alpha.partner@partners.example"
AFFILIATE_CODE = "ALPHAONLY15"
REWARD_TITLE = "Alpha secret hamper"
TERMS_TEXT = "Alpha shop terms: points never expire."
COMMENT = "Alpha feedback comment"
ENDPOINT_URL = "http://127.0.0.1:9/alpha-hooks/loyalty"


@dataclass
class FirstShop:
    """Ids of the first shop's data, by the name of the route parameter that takes them."""

    domain: str
    shop_id: int
    customer_id: int
    order_id: int
    reward_id: int
    affiliate_id: int
    code_id: int
    code: str
    referral_code: str
    portal_token: str
    export_id: int
    endpoint_id: int

    @property
    def markers(self) -> tuple[str, ...]:
        return (
            FIRST_NAME,
            EMAIL,
            AFFILIATE_NAME,
            AFFILIATE_EMAIL,
            AFFILIATE_CODE,
            REWARD_TITLE,
            TERMS_TEXT,
            COMMENT,
            self.referral_code,
            self.portal_token,
            ENDPOINT_URL,
        )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def embedded_csrf(shop: str) -> str:
    """The CSRF token an embedded page (signed in by session token) carries for ``shop``."""
    message = f"csrf:{shop}:embedded".encode()
    return hmac.new(API_SECRET.encode(), message, hashlib.sha256).hexdigest()


def proxy_url(path: str, shop: str, customer: int | None, query: str = "") -> str:
    return f"{path}?{signed_query(API_SECRET, shop, customer, query)}"


@pytest.fixture
def shopify(live: LiveServer, standin: StandinServer) -> WebhookSender:
    return WebhookSender(live.url, API_SECRET, standin_url=standin.url)


@pytest.fixture
def two_shops(install: Callable[[str], None]) -> tuple[str, str]:
    install(SHOP)
    install(OTHER_SHOP)
    return SHOP, OTHER_SHOP


@pytest.fixture
def first_shop(
    two_shops: tuple[str, str],
    http: requests.Session,
    session_token: Callable[..., str],
    shopify: WebhookSender,
    settle: Callable[..., None],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> FirstShop:
    """The first shop with one thing of every kind, made the way the app's users make them."""
    monkeypatch.setenv("LOYALTY_WEBHOOKS_ALLOW_LOOPBACK", "1")  # its webhook endpoint
    headers = bearer(session_token(SHOP))

    def ok(response: requests.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        body: dict[str, Any] = response.json()
        return body

    def send(topic: str, payload: dict[str, Any]) -> None:
        assert shopify.deliver(SHOP, topic, payload).status_code == 200
        settle()

    customer_id = new_id()
    customer = sample(
        "customers/create",
        id=customer_id,
        admin_graphql_api_id=f"gid://shopify/Customer/{customer_id}",
        email=EMAIL,
        first_name=FIRST_NAME,
    )
    send("customers/create", customer)
    ok(
        http.post(
            f"/admin/api/customers/{customer_id}/adjustments",
            json={"points": 900, "reason": "Welcome gift"},
            headers=headers,
        )
    )
    order_id = new_id()
    money = {
        "shop_money": {"amount": "80.00", "currency_code": "EUR"},
        "presentment_money": {"amount": "80.00", "currency_code": "EUR"},
    }
    send(
        "orders/paid",
        sample(
            "orders/paid",
            id=order_id,
            customer=customer,
            email=EMAIL,
            subtotal_price="80.00",
            current_subtotal_price="80.00",
            subtotal_price_set=money,
            current_subtotal_price_set=money,
            total_price="80.00",
        ),
    )
    reward = ok(
        http.post(
            "/admin/api/rewards",
            json={
                "kind": "fixed_amount",
                "value": "7",
                "points_cost": 100,
                "title": REWARD_TITLE,
            },
            headers=headers,
        )
    )
    affiliate = ok(
        http.post(
            "/admin/api/affiliates",
            json={
                "name": AFFILIATE_NAME,
                "email": AFFILIATE_EMAIL,
                "commission_kind": "percentage",
                "commission_value": "10",
                "payout_method": "paypal",
                "payout_details": AFFILIATE_EMAIL,
            },
            headers=headers,
        )
    )
    code = ok(
        http.post(
            f"/admin/api/affiliates/{affiliate['id']}/codes",
            json={"code": AFFILIATE_CODE, "discount_kind": "percentage", "discount_value": "15"},
            headers=headers,
        )
    )
    settle()
    portal = ok(http.post(f"/admin/api/affiliates/{affiliate['id']}/portal-link", headers=headers))
    ok(http.post("/admin/api/terms", json={"locale": "en", "text": TERMS_TEXT}, headers=headers))
    me = ok(http.get(proxy_url("/proxy/api/me", SHOP, customer_id)))
    ok(
        http.post(
            proxy_url("/proxy/api/feedback", SHOP, customer_id),
            json={
                "order_id": str(order_id),
                "satisfaction": "very_satisfied",
                "recommendation_score": 9,
                "comment": COMMENT,
            },
        )
    )
    send(
        "customers/data_request",
        sample(
            "customers/data_request",
            shop_domain=SHOP,
            customer={"id": customer_id, "email": EMAIL, "phone": None},
            orders_requested=[order_id],
            data_request={"id": new_id()},
        ),
    )
    exports = ok(http.get("/admin/api/privacy/exports", headers=headers))
    endpoint = ok(
        http.post(
            "/admin/api/webhook-endpoints",
            json={"url": ENDPOINT_URL, "topics": ["tier.changed"]},
            headers=headers,
        )
    )
    with services.db.sessions() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == SHOP)).one()
        shop_id = shop_row.id
    return FirstShop(
        domain=SHOP,
        shop_id=shop_id,
        customer_id=customer_id,
        order_id=order_id,
        reward_id=int(reward["id"]),
        affiliate_id=int(affiliate["id"]),
        code_id=int(code["id"]),
        code=AFFILIATE_CODE,
        referral_code=str(me["referral"]["code"]),
        portal_token=str(portal["portal_url"]).rstrip("/").rsplit("/", 1)[1],
        export_id=int(exports["exports"][0]["id"]),
        endpoint_id=int(endpoint["id"]),
    )


Snapshot = dict[str, list[tuple[Any, ...]]]
# Tables that hold no shop's data (operations only).
TABLES_OF_NO_SHOP = ("worker_heartbeats",)


def snapshot_of(services: Services, shop_id: int, shop_domain: str) -> Snapshot:
    """Every row the shop owns, in every table, in a comparable form."""
    result: Snapshot = {}
    with services.db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in TABLES_OF_NO_SHOP:
                continue
            if "shop_id" in table.columns:
                where = table.c.shop_id == shop_id
            elif table.name == "shops":
                where = table.c.id == shop_id
            elif "shop_domain" in table.columns:
                where = table.c.shop_domain == shop_domain
            else:
                raise AssertionError(f"table {table.name} names no shop: classify it here")
            rows = session.execute(select(table).where(where).order_by(*table.primary_key))
            result[table.name] = [tuple(row) for row in rows]
        session.rollback()
    return result


def within(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


@pytest.fixture
def app(live: LiveServer) -> Any:
    return live.app
