"""Fixtures for the stand-in's own tests: a fresh stand-in per test, over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from flask import Flask, request
from werkzeug.serving import make_server

from shopify_loyalty.standin.app import StandinServer

API_KEY = "standin-test-key"
API_SECRET = "standin-test-secret-5f2a9c0d41e8b7a6c3f2e1d0"
SHOP = "demo-shop.myshopify.com"
API_VERSION = "2026-04"

GraphQL = Callable[..., requests.Response]


@pytest.fixture
def standin() -> Iterator[StandinServer]:
    with StandinServer(API_KEY, API_SECRET) as server:
        yield server


@pytest.fixture
def shop_domain() -> str:
    return SHOP


@pytest.fixture
def access_token(standin: StandinServer) -> str:
    """A live non-expiring Admin API token for the shop (a custom app's token)."""
    return str(standin.control.issue_token(SHOP)["access_token"])


@pytest.fixture
def graphql(standin: StandinServer, access_token: str) -> GraphQL:
    """POST a GraphQL document to the shop's Admin API; returns the raw HTTP response."""

    def post(
        query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> requests.Response:
        return requests.post(
            f"{standin.url}/{SHOP}/admin/api/{API_VERSION}/graphql.json",
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": access_token if token is None else token},
            timeout=10,
        )

    return post


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A tiny app that records every POST it gets, standing in for the loyalty app."""

    url: str
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    app = Flask("receiver")
    box = Receiver(url="")

    @app.post("/webhooks")
    def webhooks() -> tuple[str, int]:
        box.received.append(Received(dict(request.headers), request.get_data()))
        return "", 200

    server = make_server("127.0.0.1", 0, app, threaded=True)
    box.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), daemon=True)
    thread.start()
    yield box
    server.shutdown()
    server.server_close()
