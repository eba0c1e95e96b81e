"""POST /webhooks: verified, stored once, answered before processing, applied once."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.signatures import webhook_signature
from tests.conftest import API_SECRET, OTHER_SHOP, sample


def events(services: Services) -> list[WebhookEvent]:
    with services.db.sessions() as session:
        return list(session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


def ledger_rows(services: Services) -> int:
    with services.db.sessions() as session:
        return session.scalar(select(func.count()).select_from(LedgerEntry)) or 0


def signed_headers(body: bytes, shop: str, topic: str = "orders/paid", **extra: str) -> dict:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-Hmac-Sha256": webhook_signature(body, API_SECRET),
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
        **extra,
    }


def test_a_signed_paid_order_is_accepted_then_applied(
    shop: str, sender, settle: Callable[[], None], services: Services
) -> None:
    response = sender.deliver(shop, "orders/paid", sample("orders/paid"))
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    settle()
    [event] = events(services)
    assert (event.topic, event.status, event.attempts) == ("orders/paid", "done", 1)
    assert ledger_rows(services) == 1


def test_a_wrong_hmac_is_401_and_nothing_is_stored(
    shop: str, http: requests.Session, services: Services
) -> None:
    body = json.dumps(sample("orders/paid")).encode()
    headers = signed_headers(body, shop)
    headers["X-Shopify-Hmac-Sha256"] = webhook_signature(body + b" ", API_SECRET)
    response = http.post("/webhooks", data=body, headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_hmac",
        "message": "X-Shopify-Hmac-Sha256 is missing or wrong.",
        "field": None,
    }
    assert events(services) == []


def test_a_missing_hmac_is_401(shop: str, http: requests.Session, services: Services) -> None:
    body = json.dumps(sample("orders/paid")).encode()
    headers = signed_headers(body, shop)
    del headers["X-Shopify-Hmac-Sha256"]
    assert http.post("/webhooks", data=body, headers=headers).status_code == 401
    assert events(services) == []


def test_a_body_that_is_not_json_is_400(shop: str, http: requests.Session, services) -> None:
    body = b"order=1042"
    response = http.post("/webhooks", data=body, headers=signed_headers(body, shop))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"
    assert events(services) == []


def test_a_body_over_two_mebibytes_is_413(shop: str, http: requests.Session, services) -> None:
    body = json.dumps({"note": "x" * (2 * 1024 * 1024)}).encode()
    response = http.post("/webhooks", data=body, headers=signed_headers(body, shop))
    assert response.status_code == 413
    assert events(services) == []


def test_a_malformed_shop_domain_is_400(http: requests.Session, services: Services) -> None:
    body = json.dumps(sample("orders/paid")).encode()
    response = http.post("/webhooks", data=body, headers=signed_headers(body, "evil.com"))
    assert response.status_code == 400
    assert response.json()["field"] == "X-Shopify-Shop-Domain"
    assert events(services) == []


def test_an_unknown_topic_is_acknowledged_and_recorded_as_ignored(
    shop: str, sender, services: Services
) -> None:
    response = sender.deliver(shop, "products/update", {"id": 1})
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    [event] = events(services)
    assert event.status == "ignored"
    assert event.last_error == "topic products/update is not one the app acts on"


def test_a_shop_that_is_not_installed_is_acknowledged_and_ignored(
    sender, settle, services: Services
) -> None:
    response = sender.deliver(OTHER_SHOP, "orders/paid", sample("orders/paid"))
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    settle()
    [event] = events(services)
    assert (event.status, event.last_error) == ("ignored", "shop is not installed")
    assert ledger_rows(services) == 0


def test_the_same_delivery_twice_is_applied_once(shop: str, sender, settle, services) -> None:
    payload = sample("orders/paid")
    first = sender.deliver(shop, "orders/paid", payload, event_id="e-1", webhook_id="w-1")
    second = sender.deliver(shop, "orders/paid", payload, event_id="e-1", webhook_id="w-1")
    assert first.json()["status"] == "accepted"
    assert second.json() == {"status": "duplicate", "event": first.json()["event"]}
    settle()
    assert len(events(services)) == 1
    assert ledger_rows(services) == 1


def test_a_retry_with_a_new_webhook_id_but_the_same_event_id_is_a_duplicate(
    shop: str, sender, settle, services
) -> None:
    payload = sample("orders/paid")
    sender.deliver(shop, "orders/paid", payload, event_id="e-7", webhook_id="w-1")
    again = sender.deliver(shop, "orders/paid", payload, event_id="e-7", webhook_id="w-2")
    assert again.json()["status"] == "duplicate"
    settle()
    assert ledger_rows(services) == 1


def test_one_event_id_on_two_topics_is_two_events(shop: str, sender, settle, services) -> None:
    order = sample("orders/paid")
    sender.deliver(shop, "orders/paid", order, event_id="e-9")
    sender.deliver(shop, "customers/create", sample("customers/create"), event_id="e-9")
    settle()
    assert [e.status for e in events(services)] == ["done", "done"]


def test_twenty_concurrent_copies_are_applied_exactly_once(
    shop: str, sender, settle, services: Services
) -> None:
    payload = sample("orders/paid")

    def deliver(_: int) -> requests.Response:
        return sender.deliver(shop, "orders/paid", payload, event_id="e-20", webhook_id="w-20")

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = [r.json()["status"] for r in pool.map(deliver, range(20))]
    assert sorted(set(statuses)) == ["accepted", "duplicate"]
    assert statuses.count("accepted") == 1
    settle()
    assert len(events(services)) == 1
    assert ledger_rows(services) == 1


def test_an_unusable_payload_is_recorded_as_failed_with_the_reason(
    shop: str, sender, settle, services: Services
) -> None:
    payload = sample("orders/paid", id="not-a-number")
    assert sender.deliver(shop, "orders/paid", payload).status_code == 200
    settle()
    [event] = events(services)
    assert event.status == "failed"
    assert event.last_error == "invalid payload: id: must be a Shopify id"
    assert ledger_rows(services) == 0
