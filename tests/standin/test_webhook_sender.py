"""Signed webhook deliveries, straight from the sender or through the stand-in's shop."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import uuid
from datetime import UTC, datetime

from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.webhook_sender import Delivery, WebhookSender, sign_webhook_body

SECRET = "webhook-secret-for-signing-0123456789"
ORDER = {"id": 820982911946154508, "email": "jon@example.com", "total_price": "403.00"}


def expected_signature(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"id":1,"note":"caf\xc3\xa9"}'

    assert sign_webhook_body(body, SECRET) == expected_signature(body)


def test_a_delivery_carries_shopifys_headers_and_a_matching_signature(
    receiver, shop_domain
) -> None:
    sender = WebhookSender(receiver.url, SECRET)

    response = sender.deliver(shop_domain, "orders/paid", ORDER)

    assert response.status_code == 200
    [got] = receiver.received
    assert got.body == json.dumps(ORDER, separators=(",", ":")).encode()
    assert got.headers["X-Shopify-Hmac-Sha256"] == expected_signature(got.body)
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Shopify-Topic"] == "orders/paid"
    assert got.headers["X-Shopify-Shop-Domain"] == shop_domain
    assert got.headers["X-Shopify-Api-Version"] == "2026-04"
    uuid.UUID(got.headers["X-Shopify-Webhook-Id"])
    uuid.UUID(got.headers["X-Shopify-Event-Id"])
    triggered = datetime.fromisoformat(got.headers["X-Shopify-Triggered-At"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - triggered).total_seconds()) < 5


def test_raw_bytes_go_out_untouched_and_a_bad_signature_can_be_forced(
    receiver, shop_domain
) -> None:
    sender = WebhookSender(receiver.url, SECRET)
    raw = b'{ "id" : 1 }'

    sender.deliver(shop_domain, "orders/paid", raw, event_id="evt-1")
    sender.deliver(shop_domain, "orders/paid", raw, hmac_override="forged")

    signed, forged = receiver.received
    assert signed.body == raw
    assert signed.headers["X-Shopify-Hmac-Sha256"] == expected_signature(raw)
    assert signed.headers["X-Shopify-Event-Id"] == "evt-1"
    assert forged.headers["X-Shopify-Hmac-Sha256"] == "forged"


def test_duplicates_repeat_the_same_ids_and_body(receiver, shop_domain) -> None:
    sender = WebhookSender(receiver.url, SECRET)
    deliveries = [Delivery(shop_domain, "orders/paid", {**ORDER, "id": n}) for n in range(3)]

    sent = sender.deliver_many(deliveries, duplicates=1, shuffle=True, rng=random.Random(7))

    assert len(sent) == len(receiver.received) == 6
    by_event: dict[str, set[tuple[str, bytes]]] = {}
    for got in receiver.received:
        key = (got.headers["X-Shopify-Webhook-Id"], got.body)
        by_event.setdefault(got.headers["X-Shopify-Event-Id"], set()).add(key)
    assert len(by_event) == 3
    assert all(len(copies) == 1 for copies in by_event.values())


def test_the_stand_in_delivers_to_its_subscribers_and_knows_the_customer(
    standin: StandinServer, receiver, graphql, shop_domain
) -> None:
    graphql(
        "mutation($s: WebhookSubscriptionInput!) { webhookSubscriptionCreate("
        "topic: CUSTOMERS_CREATE, webhookSubscription: $s) { userErrors { message } } }",
        {"s": {"uri": f"{receiver.url}/webhooks", "format": "JSON"}},
    )
    customer = {"id": 706405506930370084, "email": "bob@example.com", "tags": "newsletter"}

    answer = standin.control.deliver(shop_domain, "customers/create", customer)

    assert [d["status"] for d in answer["deliveries"]] == [200]
    [got] = receiver.received
    assert got.headers["X-Shopify-Hmac-Sha256"] == expected_signature(
        got.body, standin.state.api_secret
    )
    assert got.headers["X-Shopify-Event-Id"] == answer["event_id"]
    assert json.loads(got.body) == customer
    known = standin.control.shop(shop_domain)["customers"]
    assert [(c["email"], c["tags"]) for c in known] == [("bob@example.com", ["newsletter"])]


def test_a_sender_tied_to_the_stand_in_records_what_it_announces(
    standin: StandinServer, receiver, shop_domain
) -> None:
    sender = WebhookSender(receiver.url, SECRET, standin_url=standin.url)

    sender.deliver(shop_domain, "orders/paid", {**ORDER, "customer": {"id": 5, "email": "a@b.c"}})

    state = standin.control.shop(shop_domain)
    assert state["orders"] == 1
    assert [c["id"] for c in state["customers"]] == ["gid://shopify/Customer/5"]
