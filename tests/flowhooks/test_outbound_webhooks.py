"""Outbound webhooks driven by signed Shopify webhooks: the program's events reach a real
HTTP receiver signed with the endpoint's secret (checked here with the README's recipe) and
reach Shopify Flow at the stand-in; a failing receiver gets retries, a receiver that keeps
failing is paused, and deliveries can be sent again from the log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests

from shopify_loyalty.points.periodic import run_periodic as points_periodic
from shopify_loyalty.program_events.periodic import run_periodic as program_events_periodic
from shopify_loyalty.services import Services
from shopify_loyalty.standin.app import StandinServer
from tests.conftest import new_id, sample
from tests.engine.test_stamps_webhooks import paid_order
from tests.flowhooks.conftest import Receiver, register_endpoint
from tests.notifications.conftest import Deliver, ExpiringPoints, member_payload

Wait = Callable[..., Any]


def verify_signature(secret: str, received_headers: dict[str, str], body: bytes) -> bool:
    """The README's recipe: base64 HMAC-SHA256 of "<timestamp>.<raw body>"."""
    timestamp = received_headers["X-Loyalty-Timestamp"]
    if abs(time.time() - int(timestamp)) > 300:
        return False
    expected = base64.b64encode(
        hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).digest()
    ).decode()
    return hmac.compare_digest(expected, received_headers["X-Loyalty-Hmac-Sha256"])


def flow_triggers(standin: StandinServer, shop: str) -> list[dict[str, Any]]:
    snapshot = requests.get(f"{standin.url}/_standin/shops/{shop}", timeout=5).json()
    triggers: list[dict[str, Any]] = snapshot["flow_triggers"]
    return triggers


def topics_received(receiver: Receiver) -> list[str]:
    return sorted(request.json()["topic"] for request in receiver.requests)


def log_of(http: requests.Session, headers: dict[str, str], endpoint_id: int) -> list[Any]:
    response = http.get(f"/admin/api/webhook-endpoints/{endpoint_id}/deliveries", headers=headers)
    assert response.status_code == 200, response.text
    deliveries: list[Any] = response.json()["deliveries"]
    return deliveries


def test_a_paid_order_reaches_flow_and_a_signed_webhook_once(
    deliver: Deliver,
    receiver: Receiver,
    http: requests.Session,
    admin_headers: dict[str, str],
    standin: StandinServer,
    shop: str,
    wait_for: Wait,
) -> None:
    endpoint = register_endpoint(
        http,
        admin_headers,
        receiver.url,
        ["tier.changed", "stamp_card.completed", "points.earned"],
    )
    assert endpoint["secret"].startswith("whsec_")
    customer_id, order_id = new_id(), new_id()
    deliver("customers/create", member_payload(customer_id, locale="en"))
    response = http.put("/admin/api/settings/stamps", json={"card_size": 3}, headers=admin_headers)
    assert response.status_code == 200, response.text

    # 300.00 fills the card (2 head-start stamps + 1) and reaches Silver (250.00).
    order = paid_order(customer_id, order_id, subtotal="300.00")
    deliver("orders/paid", order, event_id="paid-1")
    # Points for joining, for the order and for entering Silver; the full card; the tier.
    expected = [*["points.earned"] * 3, "stamp_card.completed", "tier.changed"]
    wait_for(lambda: topics_received(receiver) == expected)

    by_topic = {request.json()["topic"]: request for request in receiver.requests}
    for request in receiver.requests:
        assert verify_signature(endpoint["secret"], request.headers, request.body)
        assert request.headers["X-Loyalty-Event-Id"] == request.json()["id"]
        assert request.headers["X-Loyalty-Shop-Domain"] == shop
    tier = by_topic["tier.changed"].json()
    assert tier["shop"] == shop
    assert tier["customer"] == {
        "id": customer_id,
        "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
    }
    assert tier["data"]["tier"] == "Silver"
    assert tier["data"]["previous_tier"] is None
    assert tier["data"]["direction"] == "up"
    earned = sorted(
        (r.json()["data"]["reason"], r.json()["data"]["points"])
        for r in receiver.requests
        if r.json()["topic"] == "points.earned"
    )
    assert earned == [("order", 300), ("signup", 100), ("tier_entry", 100)]
    code = by_topic["stamp_card.completed"].json()["data"]["code"]

    triggers = wait_for(
        lambda: len(flow_triggers(standin, shop)) == 2 and flow_triggers(standin, shop)
    )
    by_handle = {trigger["handle"]: trigger["payload"] for trigger in triggers}
    assert by_handle["loyalty-tier-changed"] == {
        "customer_id": customer_id,
        "Tier": "Silver",
        "Previous tier": "",
        "Direction": "up",
    }
    assert by_handle["loyalty-stamp-card-completed"]["customer_id"] == customer_id
    assert by_handle["loyalty-stamp-card-completed"]["Reward code"] == code

    # Shopify's retry of the delivery, another event for the same order, a customer update:
    # no new fact, so nothing new for Flow or the endpoint.
    deliver("orders/paid", order, event_id="paid-1")
    deliver("orders/paid", order, event_id="paid-2")
    deliver("customers/update", member_payload(customer_id, locale="en"))
    time.sleep(0.3)
    assert topics_received(receiver) == expected
    assert len(flow_triggers(standin, shop)) == 2
    # An endpoint that did not subscribe to a topic hears nothing of it.
    assert "reward.issued" not in topics_received(receiver)


def test_a_receiver_that_fails_first_gets_a_retry_that_succeeds(
    deliver: Deliver,
    receiver: Receiver,
    http: requests.Session,
    admin_headers: dict[str, str],
    wait_for: Wait,
) -> None:
    endpoint = register_endpoint(http, admin_headers, receiver.url, ["points.earned"])
    receiver.statuses.extend([500])

    deliver("customers/create", member_payload(new_id(), locale="en"))

    [delivery] = wait_for(
        lambda: [
            d for d in log_of(http, admin_headers, endpoint["id"]) if d["status"] == "delivered"
        ]
    )
    assert [(a["number"], a["status_code"], a["succeeded"]) for a in delivery["attempts"]] == [
        (1, 500, False),
        (2, 200, True),
    ]
    assert delivery["attempts"][0]["response_excerpt"] == '{"ok": false, "status": 500}'
    assert all(a["latency_ms"] >= 0 for a in delivery["attempts"])
    first, second = receiver.requests
    # The same event, byte for byte, with the same id; each attempt signed afresh.
    assert first.body == second.body
    assert first.headers["X-Loyalty-Event-Id"] == second.headers["X-Loyalty-Event-Id"]
    assert verify_signature(endpoint["secret"], second.headers, second.body)


def test_an_endpoint_that_keeps_failing_is_paused_and_resumes_with_what_it_missed(
    deliver: Deliver,
    receiver: Receiver,
    http: requests.Session,
    admin_headers: dict[str, str],
    wait_for: Wait,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOYALTY_WEBHOOKS_RETRY_BASE_SECONDS", "0.01")
    endpoint = register_endpoint(http, admin_headers, receiver.url, ["points.earned"])
    receiver.default_status = 503
    customer_id = new_id()

    # Two facts (the welcome bonus and the order's points), 8 attempts each: 16 failures.
    deliver("customers/create", member_payload(customer_id, locale="en"))
    deliver("orders/paid", paid_order(customer_id, new_id(), subtotal="20.00"))

    def paused() -> dict[str, Any] | None:
        shown = http.get(f"/admin/api/webhook-endpoints/{endpoint['id']}", headers=admin_headers)
        body: dict[str, Any] = shown.json()
        return body if body["status"] == "paused" else None

    shown = wait_for(paused)
    assert shown["paused_reason"] == "paused after 16 failed attempts in a row"
    assert sorted(d["status"] for d in shown["deliveries"]) == ["failed", "failed"]
    assert all(len(d["attempts"]) == 8 for d in shown["deliveries"])
    assert len(receiver.requests) == 16

    # While paused, a new fact waits without being sent.
    deliver("orders/paid", paid_order(customer_id, new_id(), subtotal="30.00"))
    statuses = sorted(d["status"] for d in log_of(http, admin_headers, endpoint["id"]))
    assert statuses == ["failed", "failed", "paused"]
    assert len(receiver.requests) == 16

    # The receiver is fixed: resuming sends what waited, and a failed one is sent again
    # from the log.
    receiver.default_status = 200
    response = http.put(
        f"/admin/api/webhook-endpoints/{endpoint['id']}",
        json={"status": "active"},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active"
    failed = next(d for d in log_of(http, admin_headers, endpoint["id"]) if d["status"] == "failed")
    response = http.post(
        f"/admin/api/webhook-endpoints/{endpoint['id']}/deliveries/{failed['id']}/redeliver",
        headers=admin_headers,
    )
    assert response.status_code == 202, response.text

    def settled() -> list[str] | None:
        statuses = sorted(d["status"] for d in log_of(http, admin_headers, endpoint["id"]))
        return statuses if statuses == ["delivered", "delivered", "failed"] else None

    wait_for(settled)
    redelivered = next(
        d for d in log_of(http, admin_headers, endpoint["id"]) if d["id"] == failed["id"]
    )
    assert len(redelivered["attempts"]) == 9
    assert redelivered["attempts"][-1]["status_code"] == 200


def test_a_rotated_secret_signs_the_next_delivery(
    deliver: Deliver,
    receiver: Receiver,
    http: requests.Session,
    admin_headers: dict[str, str],
    wait_for: Wait,
) -> None:
    endpoint = register_endpoint(http, admin_headers, receiver.url, ["points.earned"])
    response = http.post(
        f"/admin/api/webhook-endpoints/{endpoint['id']}/rotate-secret", headers=admin_headers
    )
    assert response.status_code == 200, response.text
    rotated = response.json()["secret"]
    assert rotated != endpoint["secret"]
    listed = http.get("/admin/api/webhook-endpoints", headers=admin_headers).json()
    assert "secret" not in listed["endpoints"][0]

    deliver("customers/create", member_payload(new_id(), locale="en"))

    [request] = wait_for(lambda: list(receiver.requests))
    assert verify_signature(rotated, request.headers, request.body)
    assert not verify_signature(endpoint["secret"], request.headers, request.body)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.216.34/hooks", "url must be an https:// address"),
        ("ftp://93.184.216.34/hooks", "url must be an https:// address"),
        (
            "https://10.0.0.8/hooks",
            "url must reach a public address; 10.0.0.8 resolves to 10.0.0.8",
        ),
        (
            "https://169.254.169.254/latest/meta-data",
            "url must reach a public address; 169.254.169.254 resolves to 169.254.169.254",
        ),
        (
            "https://127.0.0.1:8443/hooks",
            "url must reach a public address; 127.0.0.1 resolves to 127.0.0.1",
        ),
        (
            "https://[::ffff:192.168.1.2]/hooks",
            "url must reach a public address; ::ffff:192.168.1.2 resolves to ::ffff:c0a8:102",
        ),
        ("https://localhost/hooks", "url must reach a public address; localhost resolves to"),
        ("https://user:pw@93.184.216.34/hooks", "url must not carry a user name or password"),
    ],
)
def test_endpoints_must_be_public_https_addresses(
    http: requests.Session,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    message: str,
) -> None:
    monkeypatch.delenv("LOYALTY_WEBHOOKS_ALLOW_LOOPBACK", raising=False)

    response = http.post(
        "/admin/api/webhook-endpoints",
        json={"url": url, "topics": ["tier.changed"]},
        headers=admin_headers,
    )

    assert response.status_code == 400, response.text
    assert response.json()["field"] == "url"
    assert response.json()["message"].startswith(message)
    assert http.get("/admin/api/webhook-endpoints", headers=admin_headers).json()["endpoints"] == []


def test_a_public_https_endpoint_is_registered_with_known_topics_only(
    http: requests.Session, admin_headers: dict[str, str]
) -> None:
    response = http.post(
        "/admin/api/webhook-endpoints",
        json={"url": "https://93.184.216.34/hooks", "topics": ["tier.changed", "points.burnt"]},
        headers=admin_headers,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "topics"
    assert "'points.burnt' is not one of tier.changed" in response.json()["message"]

    made = register_endpoint(http, admin_headers, "https://93.184.216.34/hooks", ["tier.changed"])

    assert made["status"] == "active"
    assert made["topics"] == ["tier.changed"]
    shown = http.get(f"/admin/api/webhook-endpoints/{made['id']}", headers=admin_headers).json()
    assert "secret" not in shown
    assert shown["deliveries"] == []


def test_a_data_request_lists_the_customers_program_events(
    deliver: Deliver, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    customer_id = 7418203938302  # the customer of the customers/data_request sample
    deliver("customers/create", member_payload(customer_id, locale="en"))
    deliver("customers/data_request", sample("customers/data_request"))

    [listed] = http.get("/admin/api/privacy/exports", headers=admin_headers).json()["exports"]
    body = http.get(f"/admin/api/privacy/exports/{listed['id']}", headers=admin_headers).json()

    [event] = body["program_events"]
    assert event["topic"] == "points.earned"
    assert event["data"]["points"] == 100
    assert event["data"]["reason"] == "signup"


def test_points_added_by_hand_and_a_redemption_reach_the_endpoint_and_flow(
    deliver: Deliver,
    receiver: Receiver,
    http: requests.Session,
    admin_headers: dict[str, str],
    standin: StandinServer,
    shop: str,
    wait_for: Wait,
) -> None:
    register_endpoint(
        http, admin_headers, receiver.url, ["points.earned", "points.spent", "reward.issued"]
    )
    customer_id = new_id()
    deliver("customers/create", member_payload(customer_id, locale="en"))
    response = http.post(
        f"/admin/api/customers/{customer_id}/adjustments",
        json={"points": 400, "reason": "Welcome gift"},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    rewards = http.get("/admin/api/rewards", headers=admin_headers).json()["rewards"]
    reward = next(reward for reward in rewards if reward["points_cost"] == 500)

    response = http.post(
        f"/admin/api/customers/{customer_id}/redemptions",
        json={"reward_id": reward["id"]},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    code = response.json()["code"]

    expected = ["points.earned", "points.earned", "points.spent", "reward.issued"]
    wait_for(lambda: topics_received(receiver) == expected)
    by_topic = {request.json()["topic"]: request.json()["data"] for request in receiver.requests}
    assert by_topic["points.spent"]["points"] == 500
    assert by_topic["points.spent"]["balance"] == 0
    assert by_topic["reward.issued"]["code"] == code
    [trigger] = wait_for(lambda: flow_triggers(standin, shop))
    assert trigger == {
        "handle": "loyalty-reward-issued",
        "payload": {
            "customer_id": customer_id,
            "Reward code": code,
            "Reward title": reward["title"],
            "Points spent": 500,
        },
        "received_at": trigger["received_at"],
    }


def test_a_retry_due_while_the_merchant_paused_the_endpoint_is_sent_on_resuming(
    deliver: Deliver,
    receiver: Receiver,
    http: requests.Session,
    admin_headers: dict[str, str],
    wait_for: Wait,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOYALTY_WEBHOOKS_RETRY_BASE_SECONDS", "1.5")
    endpoint = register_endpoint(http, admin_headers, receiver.url, ["points.earned"])
    path = f"/admin/api/webhook-endpoints/{endpoint['id']}"
    receiver.statuses.extend([503])
    deliver("customers/create", member_payload(new_id(), locale="en"))
    wait_for(lambda: [d for d in log_of(http, admin_headers, endpoint["id"]) if d["attempts"]])

    paused = http.put(path, json={"status": "paused"}, headers=admin_headers)
    assert paused.status_code == 200, paused.text
    assert paused.json()["paused_reason"] == "paused by the merchant"
    [held] = wait_for(
        lambda: [d for d in log_of(http, admin_headers, endpoint["id"]) if d["status"] == "paused"],
    )
    assert len(held["attempts"]) == 1
    assert len(receiver.requests) == 1

    resumed = http.put(path, json={"status": "active"}, headers=admin_headers)
    assert resumed.status_code == 200, resumed.text

    [delivered] = wait_for(
        lambda: [
            d for d in log_of(http, admin_headers, endpoint["id"]) if d["status"] == "delivered"
        ]
    )
    assert [a["status_code"] for a in delivered["attempts"]] == [503, 200]


def test_the_expiry_warning_of_the_periodic_work_reaches_flow_and_the_endpoint_once(
    member_with_expiring_points: Callable[[], ExpiringPoints],
    receiver: Receiver,
    http: requests.Session,
    admin_headers: dict[str, str],
    services: Services,
    standin: StandinServer,
    shop: str,
    wait_for: Wait,
) -> None:
    register_endpoint(http, admin_headers, receiver.url, ["points.expiring"])
    member = member_with_expiring_points()
    customer_id, ends, remind_at = member.customer_id, member.ends, member.remind_at

    points_periodic(services, shop, remind_at)
    first = program_events_periodic(services, shop, remind_at)
    again = program_events_periodic(services, shop, remind_at + timedelta(hours=1))

    assert (first, again) == (1, 0)
    [request] = wait_for(lambda: list(receiver.requests))
    assert request.json()["data"] == {"points": 100, "expires_on": ends.date().isoformat()}
    [trigger] = wait_for(lambda: flow_triggers(standin, shop))
    assert trigger["handle"] == "loyalty-points-expiring"
    assert trigger["payload"] == {
        "customer_id": customer_id,
        "Points": 100,
        "Expires on": ends.date().isoformat(),
    }


def test_an_https_endpoint_gets_the_event_over_a_verified_connection(
    deliver: Deliver,
    tls_receiver_for: Callable[[list[str], list[str]], Receiver],
    http: requests.Session,
    admin_headers: dict[str, str],
    wait_for: Wait,
) -> None:
    receiver = tls_receiver_for(["localhost"], ["127.0.0.1"])
    assert receiver.url.startswith("https://127.0.0.1:")
    endpoint = register_endpoint(http, admin_headers, receiver.url, ["points.earned"])

    deliver("customers/create", member_payload(new_id(), locale="en"))

    [request] = wait_for(lambda: list(receiver.requests))
    assert request.path == "/hooks"
    assert request.headers["Host"] == receiver.url.removeprefix("https://").removesuffix("/hooks")
    assert verify_signature(endpoint["secret"], request.headers, request.body)


def test_an_https_endpoint_whose_certificate_names_another_host_is_not_trusted(
    deliver: Deliver,
    tls_receiver_for: Callable[[list[str], list[str]], Receiver],
    http: requests.Session,
    admin_headers: dict[str, str],
    wait_for: Wait,
) -> None:
    receiver = tls_receiver_for(["shop-crm.example"], [])
    endpoint = register_endpoint(http, admin_headers, receiver.url, ["points.earned"])

    deliver("customers/create", member_payload(new_id(), locale="en"))

    [delivery] = wait_for(
        lambda: [d for d in log_of(http, admin_headers, endpoint["id"]) if len(d["attempts"]) >= 2]
    )
    first = delivery["attempts"][0]
    assert first["status_code"] is None
    assert first["error"] == "SSLError: hostname '127.0.0.1' doesn't match 'shop-crm.example'"
    assert receiver.requests == []
