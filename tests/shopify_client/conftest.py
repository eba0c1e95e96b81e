"""Fixtures for the outbound Shopify client: a fresh stand-in per test and real settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from cryptography.fernet import Fernet

from shopify_loyalty.settings import Settings, load_settings
from shopify_loyalty.shopify.admin_client import AdminClient
from shopify_loyalty.shopify.oauth_client import TokenGrant, exchange_code
from shopify_loyalty.standin.app import StandinServer

API_KEY = "client-test-key"
API_SECRET = "client-test-secret-8d3b6e1f0a9c4d7e2b5a8f1c"
SHOP = "corner-store.myshopify.com"
APP_URL = "https://loyalty.example"


@pytest.fixture
def standin() -> Iterator[StandinServer]:
    with StandinServer(API_KEY, API_SECRET, app_url=APP_URL) as server:
        yield server


@pytest.fixture
def shop_domain() -> str:
    return SHOP


@pytest.fixture
def settings(standin: StandinServer, tmp_path: Path) -> Settings:
    """Settings as the app reads them, with SHOPIFY_ADMIN_URL pointing at the stand-in."""
    return load_settings(
        {
            "SHOPIFY_API_KEY": API_KEY,
            "SHOPIFY_API_SECRET": API_SECRET,
            "APP_URL": APP_URL,
            "SHOPIFY_ADMIN_URL": standin.admin_url_template,
            "LOYALTY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        },
        instance_path=tmp_path,
    )


def authorization_code(standin: StandinServer, shop: str) -> str:
    """Walk the authorize step as a merchant's browser would and take the callback's code."""
    response = requests.get(
        f"{standin.url}/{shop}/admin/oauth/authorize",
        params={
            "client_id": API_KEY,
            "scope": "read_orders,write_customers,write_discounts",
            "redirect_uri": f"{APP_URL}/auth/callback",
            "state": "nonce",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))["code"]


@pytest.fixture
def code_for(standin: StandinServer) -> Callable[[str], str]:
    """A fresh authorization code for a shop, as the install callback receives it."""
    return lambda shop: authorization_code(standin, shop)


@pytest.fixture
def install(standin: StandinServer, settings: Settings) -> Callable[..., TokenGrant]:
    """Install the app on a shop through the authorization code grant; returns the grant."""

    def run(shop: str = SHOP) -> TokenGrant:
        return exchange_code(settings, shop, authorization_code(standin, shop))

    return run


class RecordingSleep:
    """Records every wait instead of sleeping; ``then`` runs after each (time "passes")."""

    def __init__(self) -> None:
        self.durations: list[float] = []
        self.then: Callable[[float], Any] | None = None

    def __call__(self, seconds: float) -> None:
        self.durations.append(seconds)
        if self.then is not None:
            self.then(seconds)


@pytest.fixture
def sleeps() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def make_client(
    settings: Settings, install: Callable[..., TokenGrant], sleeps: RecordingSleep
) -> Callable[..., AdminClient]:
    """An AdminClient for a freshly installed shop, sleeping through :class:`RecordingSleep`."""

    def build(shop: str = SHOP, **options: Any) -> AdminClient:
        token = options.pop("access_token", None) or install(shop).access_token
        options.setdefault("sleep", sleeps)
        return AdminClient(settings, shop, token, **options)

    return build
