"""Shared fixtures: a migrated database, the stand-in shop and the app, both on real HTTP.

The app and the stand-in run once per test session in server threads; every test starts
from empty tables. ``LOYALTY_TEST_DATABASE_URL`` selects PostgreSQL (default: SQLite).
"""

from __future__ import annotations

import copy
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, delete, or_, pool, select, text

from shopify_loyalty.app import create_app
from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.models import PENDING, PROCESSING, WebhookEvent
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.migrate import upgrade
from shopify_loyalty.models import Base
from shopify_loyalty.services import EXTENSION_KEY, Services
from shopify_loyalty.settings import Settings, load_settings
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.session_tokens import mint_session_token
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.browser import browser  # noqa: F401  (the fixture, for every test module)
from tests.live_server import LiveServer

API_KEY = "test-api-key"
API_SECRET = "test-api-secret-0123456789abcdef"
SHOP = "loyal-goods.myshopify.com"
OTHER_SHOP = "rival-goods.myshopify.com"
SAMPLES = Path(__file__).resolve().parent.parent / "webhooks" / "samples"


def _reset_database(url: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("LOYALTY_TEST_DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'loyalty.sqlite3'}"
    _reset_database(url)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def standin() -> Iterator[StandinServer]:
    server = StandinServer(API_KEY, API_SECRET)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live(
    database_url: str, standin: StandinServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    server = LiveServer()
    instance = tmp_path_factory.mktemp("instance")
    environ = {
        "SHOPIFY_API_KEY": API_KEY,
        "SHOPIFY_API_SECRET": API_SECRET,
        "APP_URL": server.url,
        "DATABASE_URL": database_url,
        "LOYALTY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "SHOPIFY_ADMIN_URL": standin.admin_url_template,
        "LOYALTY_INSTANCE_PATH": str(instance),
    }
    app = create_app(load_settings(environ))
    server.start(app)
    yield server
    services: Services = app.extensions[EXTENSION_KEY]
    if services.worker is not None:
        services.worker.stop()
    server.stop()
    services.db.dispose()


@pytest.fixture
def services(live: LiveServer) -> Services:
    services: Services = live.app.extensions[EXTENSION_KEY]
    return services


@pytest.fixture
def settings(services: Services) -> Settings:
    return services.settings


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table (and the stand-in) before a test that uses the app."""
    if "live" in request.fixturenames or "services" in request.fixturenames:
        services: Services = request.getfixturevalue("services")
        standin: StandinServer = request.getfixturevalue("standin")
        with services.db.transaction() as session:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(delete(table))
        requests.post(f"{standin.url}/_standin/reset", timeout=5).raise_for_status()
    yield


@pytest.fixture
def http(live: LiveServer) -> requests.Session:
    """An HTTP client for the app; ``http.get("/healthz")`` goes to the live server."""
    return live.client()


@pytest.fixture
def worker_held(services: Services) -> Iterator[None]:
    """The app's own worker stopped, so the test applies the deliveries itself (or keeps
    them due)."""
    assert services.worker is not None
    services.worker.stop()
    try:
        yield
    finally:
        services.worker.start()


@pytest.fixture
def sender(live: LiveServer) -> WebhookSender:
    return WebhookSender(live.url, API_SECRET)


@pytest.fixture
def settle(services: Services) -> Callable[..., None]:
    """Wait until the worker has applied every event and run every job that is due now."""

    def wait(timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if services.worker is not None:
                services.worker.wake()
            with services.db.sessions() as session:
                # Read the clock once the transaction has begun: on SQLite the BEGIN waits for
                # the worker's commit, and jobs queued by it must count as due.
                session.connection()
                now = utcnow()
                busy = session.scalar(
                    select(WebhookEvent.id)
                    .where(
                        or_(
                            (WebhookEvent.status == PENDING)
                            & (WebhookEvent.next_attempt_at <= now),
                            WebhookEvent.status == PROCESSING,
                        )
                    )
                    .limit(1)
                )
                busy_job = session.scalar(
                    select(Job.id)
                    .where(
                        or_(
                            (Job.status == "pending") & (Job.next_attempt_at <= now),
                            Job.status == "running",
                        )
                    )
                    .limit(1)
                )
                session.rollback()
            if busy is None and busy_job is None:
                return
            time.sleep(0.02)
        raise AssertionError("the inbox did not settle in time")

    return wait


@pytest.fixture
def session_token() -> Callable[..., str]:
    def mint(shop: str = SHOP, **overrides: Any) -> str:
        return mint_session_token(shop, API_KEY, API_SECRET, **overrides)

    return mint


@pytest.fixture
def install(
    http: requests.Session, session_token: Callable[..., str], standin: StandinServer
) -> Callable[[str], None]:
    """Install the app into a stand-in shop the embedded way (token exchange). The shops sell
    in euros, like the sample payloads."""

    def run(shop: str = SHOP) -> None:
        requests.patch(
            f"{standin.url}/_standin/shops/{shop}", json={"currency_code": "EUR"}, timeout=5
        ).raise_for_status()
        response = http.get(
            "/admin/api/privacy/exports",
            headers={"Authorization": f"Bearer {session_token(shop)}"},
        )
        assert response.status_code == 200, response.text

    return run


@pytest.fixture
def shop(install: Callable[[str], None]) -> str:
    install(SHOP)
    return SHOP


def sample(topic: str, **changes: Any) -> dict[str, Any]:
    """A realistic payload of the topic (from webhooks/samples), with fields replaced."""
    name = topic.replace("/", "_") + ".json"
    payload: dict[str, Any] = copy.deepcopy(json.loads((SAMPLES / name).read_text()))
    payload.update(changes)
    return payload


def new_id() -> int:
    return 5_000_000_000_000 + uuid.uuid4().int % 1_000_000_000_000
