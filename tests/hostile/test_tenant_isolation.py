"""Tenant isolation: every route, called with the second shop's credentials and the first
shop's ids, neither shows nor changes anything of the first shop."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests
from flask import Flask
from sqlalchemy import select

from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.notifications.unsubscribe_tokens import unsubscribe_token
from shopify_loyalty.services import Services
from shopify_loyalty.standin.webhook_sender import WebhookSender, sign_webhook_body
from tests.conftest import API_SECRET, OTHER_SHOP, SHOP, sample
from tests.hostile.conftest import (
    FirstShop,
    bearer,
    embedded_csrf,
    proxy_url,
    snapshot_of,
)
from tests.hostile.routes import (
    ADMIN_API,
    ADMIN_PAGE,
    CLICK,
    FLOW,
    PROXY,
    ROUTES,
    SECRET_LINK,
    WEBHOOK,
    Probe,
    route_key,
    served_routes,
)

FIXED_PARAMS = {
    "section": "points",
    "name": "new",
    "action": "pause",
    "change": "pause",
    "kind": "welcome",
    "delivery_id": "1",
    "offer_id": "1",
    "window_id": "1",
}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def values_of(first: FirstShop, caller_shop: str) -> dict[str, Any]:
    return {
        "shop": caller_shop,
        "first_shop": first.domain,
        "shopify_customer_id": first.customer_id,
        "customer_id": first.customer_id,
        "order_id": first.order_id,
        "reward_id": first.reward_id,
        "affiliate_id": first.affiliate_id,
        "code_id": first.code_id,
        "export_id": first.export_id,
        "code": first.code,
        "referral_code": first.referral_code,
        "token": first.portal_token,
        "endpoint_id": first.endpoint_id,
    }


def fill(value: Any, values: dict[str, Any]) -> Any:
    """Placeholders replaced: ``"{reward_id}"`` alone becomes the id itself (a number)."""
    if isinstance(value, dict):
        return {key: fill(item, values) for key, item in value.items()}
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole:
            return values[whole.group(1)]
        return PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), value)
    return value


def path_of(rule: str, probe: Probe, values: dict[str, Any]) -> str:
    def param(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in probe.params:
            return str(fill(probe.params[name], values))
        if name in FIXED_PARAMS:
            return FIXED_PARAMS[name]
        return str(values[name])

    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", param, rule)


class Walker:
    """Calls one route as ``caller_shop`` would, with the first shop's ids in it."""

    def __init__(
        self,
        http: requests.Session,
        session_token: Callable[..., str],
        shopify: WebhookSender,
        first: FirstShop,
        caller_shop: str,
    ) -> None:
        self.http = http
        self.session_token = session_token
        self.shopify = shopify
        self.first = first
        self.caller_shop = caller_shop
        self.values = values_of(first, caller_shop)

    def call(self, method: str, rule: str, probe: Probe) -> requests.Response:
        path = path_of(rule, probe, self.values)
        query = fill(probe.query, self.values)
        body = fill(probe.json, self.values)
        form = fill(probe.form, self.values)
        if probe.kind == WEBHOOK:
            return self.webhook(path)
        if probe.kind == FLOW:
            return self.flow_action(path)
        if probe.kind == PROXY or (probe.kind == CLICK and path.startswith("/proxy/")):
            shopper = self.first.customer_id if probe.kind == PROXY else None
            url = proxy_url(path, self.caller_shop, shopper, query)
            return self.http.request(method, url, json=body)
        if probe.kind == SECRET_LINK:
            path = self.secret_link(path)
        url = f"{path}?{query}" if query else path
        headers: dict[str, str] = {}
        if probe.kind in (ADMIN_API, ADMIN_PAGE):
            headers = bearer(self.session_token(self.caller_shop))
        if probe.kind == ADMIN_PAGE and method == "POST":
            form = {**(form or {}), "csrf_token": embedded_csrf(self.caller_shop)}
        files = None
        if probe.data is not None and probe.kind == ADMIN_PAGE:
            files = {"file": ("points.csv", probe.data, "text/csv")}
            form = form or {"csrf_token": embedded_csrf(self.caller_shop)}
        elif probe.data is not None:
            return self.http.request(method, url, data=probe.data.encode(), headers=headers)
        if form is not None:
            return self.http.request(method, url, data=form, files=files, headers=headers)
        return self.http.request(method, url, json=body, headers=headers)

    def secret_link(self, path: str) -> str:
        """A link made for the caller's shop, naming the first shop's customer where it can."""
        if path.startswith("/notifications/unsubscribe/"):
            token = unsubscribe_token(API_SECRET, self.caller_shop, self.first.customer_id)
            return f"/notifications/unsubscribe/{token}"
        if self.caller_shop == self.first.domain:
            return path
        return path.replace(self.first.portal_token, "not-a-portal-token-of-this-shop")

    def flow_action(self, path: str) -> requests.Response:
        """A Flow run for the caller's shop naming the first shop's customer."""
        body = json.dumps(
            {
                "shopify_domain": self.caller_shop,
                "action_run_id": f"walk-{self.caller_shop}",
                "handle": "loyalty-adjust-points",
                "properties": {
                    "customer_id": str(self.first.customer_id),
                    "points": 50,
                    "reason": "Tenant walk",
                },
            }
        ).encode()
        headers = {
            "X-Shopify-Hmac-Sha256": sign_webhook_body(body, API_SECRET),
            "Content-Type": "application/json",
        }
        return self.http.post(path, data=body, headers=headers)

    def webhook(self, path: str) -> requests.Response:
        """Deliveries under the caller's domain that name the first shop's records."""
        first = self.first
        if path == "/webhooks/compliance":
            topic, payload = "shop/redact", {"shop_id": 1, "shop_domain": first.domain}
        else:
            topic = "customers/redact"
            payload = sample(
                "customers/redact",
                shop_domain=first.domain,
                customer={"id": first.customer_id, "email": None, "phone": None},
                orders_to_redact=[first.order_id],
            )
        response = self.shopify.deliver(self.caller_shop, topic, payload)
        cancelled = sample(
            "orders/cancelled", id=first.order_id, customer={"id": first.customer_id}
        )
        self.shopify.deliver(self.caller_shop, "orders/cancelled", cancelled)
        return response


def settle_delayed_work(services: Services, settle: Callable[..., None]) -> None:
    """Wait until the work the first shop's own changes scheduled a few seconds ahead (such
    as the debounced customer metafield writes) has run, so the walk sees only its own."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        settle()
        with services.db.sessions() as session:
            soon = session.scalar(
                select(Job.id)
                .where(
                    Job.status == "pending", Job.next_attempt_at <= utcnow() + timedelta(seconds=10)
                )
                .limit(1)
            )
            session.rollback()
        if soon is None:
            return
        time.sleep(0.2)
    raise AssertionError("the first shop's delayed work did not finish")


def leaked(response: requests.Response, first: FirstShop, sent: str) -> list[str]:
    """The first shop's markers in the answer (those the caller sent itself aside)."""
    text = response.text + " ".join(f"{k}: {v}" for k, v in response.headers.items())
    return [marker for marker in first.markers if marker in text and marker not in sent]


def test_no_route_lets_a_second_shop_read_or_change_the_first_shops_data(
    app: Flask,
    first_shop: FirstShop,
    http: requests.Session,
    session_token: Callable[..., str],
    shopify: WebhookSender,
    settle: Callable[..., None],
    services: Services,
) -> None:
    walker = Walker(http, session_token, shopify, first_shop, OTHER_SHOP)
    settle_delayed_work(services, settle)
    before = snapshot_of(services, first_shop.shop_id, first_shop.domain)
    problems: list[str] = []

    for method, rule in served_routes(app):
        key = route_key(method, rule)
        probe = ROUTES.get(key)
        assert probe is not None, f"{key} is not in tests/hostile/routes.py"
        response = walker.call(method, rule, probe)
        settle()
        sent = f"{response.request.url} {response.request.body!r}"
        if response.status_code >= 500:
            problems.append(f"{key}: {response.status_code} {response.text[:200]}")
        if found := leaked(response, first_shop, sent):
            problems.append(f"{key} showed the first shop's {found}")
        after = snapshot_of(services, first_shop.shop_id, first_shop.domain)
        changed = [table for table in before if before[table] != after[table]]
        if changed:
            problems.append(f"{key} changed the first shop's {changed}")
            before = after

    assert problems == []


def test_the_walk_sees_the_first_shops_data_when_it_asks_as_that_shop(
    first_shop: FirstShop,
    http: requests.Session,
    session_token: Callable[..., str],
    shopify: WebhookSender,
) -> None:
    """The control: the same calls with the first shop's own credentials do show its data,
    so the walk above would notice a route that leaks."""
    walker = Walker(http, session_token, shopify, first_shop, SHOP)
    unseen = []
    for key, probe in ROUTES.items():
        if not probe.shows_own_data:
            continue
        method, rule = key.split(" ", 1)
        response = walker.call(method, rule, probe)
        assert response.status_code == 200, f"{key}: {response.status_code} {response.text[:300]}"
        if not leaked(response, first_shop, sent=""):
            unseen.append(key)

    assert unseen == [], unseen
