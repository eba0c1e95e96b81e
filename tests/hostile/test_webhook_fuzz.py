"""Fuzzing ``POST /webhooks`` with validly signed hostile payloads of every topic the app
subscribes to: never a server error, every event ends applied, ignored or failed with the
reason, and the ledger keeps its invariants after every example."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.inbox.models import DONE, FAILED, IGNORED, WebhookEvent
from shopify_loyalty.points.ledger import balance_of
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import Services
from shopify_loyalty.stamps.models import StampCard
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.conftest import SHOP, new_id, sample
from tests.hostile.conftest import HOSTILE_PROFILE, bearer
from tests.hostile.fuzzing import encoded, mutated_payload
from webhooks import HANDLERS

# Topics that end the shop's install are fuzzed apart (once applied, the shop is gone).
ENDING_TOPICS = ("app/uninstalled", "shop/redact")
TOPICS = sorted(topic for topic in HANDLERS if topic not in ENDING_TOPICS)
FINAL = (DONE, IGNORED, FAILED)


def check_event(services: Services, event_id: int | None) -> None:
    """The event ended applied or ignored, or failed for its payload, not for our code."""
    assert event_id is not None
    with services.db.sessions() as session:
        event = session.get(WebhookEvent, event_id)
        assert event is not None
        assert event.status in FINAL, (event.status, event.last_error, event.payload[:300])
        if event.status == FAILED:
            assert (event.last_error or "").startswith("invalid payload: "), event.last_error


def check_ledger(services: Services) -> None:
    """No balance below zero, no order taking back more than it earned, no row without a
    customer of its own shop, no stamp card out of range."""
    with services.db.sessions() as session:
        for customer in session.scalars(select(Customer)):
            balance = balance_of(session, customer)
            assert balance.available >= 0 and balance.total >= 0, (customer.id, balance)
        per_order = session.execute(
            select(LedgerEntry.shopify_order_id, func.sum(LedgerEntry.points))
            .where(LedgerEntry.shopify_order_id.is_not(None))
            .group_by(LedgerEntry.shop_id, LedgerEntry.customer_id, LedgerEntry.shopify_order_id)
        ).all()
        assert all(total >= 0 for _order, total in per_order), per_order
        orphans = session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .outerjoin(Customer, Customer.id == LedgerEntry.customer_id)
            .where((Customer.id.is_(None)) | (Customer.shop_id != LedgerEntry.shop_id))
        )
        assert orphans == 0
        for card in session.scalars(select(StampCard)):
            assert card.collected >= 0 and card.completed_cards >= 0


def deliver_raw(
    sender: WebhookSender, topic: str, body: bytes, shop: str = SHOP
) -> requests.Response:
    return sender.deliver(shop, topic, body)


def test_mutated_payloads_of_every_topic_never_break_the_app_or_the_ledger(
    shop: str,
    sender: WebhookSender,
    settle: Callable[..., None],
    services: Services,
) -> None:
    member = new_id()
    sender.deliver(shop, "customers/create", sample("customers/create", id=member))
    settle()

    @settings(settings.get_profile(HOSTILE_PROFILE))
    @given(data=st.data(), topic=st.sampled_from(TOPICS))
    def run(data: st.DataObject, topic: str) -> None:
        payload = data.draw(mutated_payload(topic, member))
        response = deliver_raw(sender, topic, encoded(payload))
        assert response.status_code == 200, response.text
        settle()
        check_event(services, response.json()["event"])
        check_ledger(services)

    run()


def test_random_json_of_every_topic_is_refused_or_recorded(
    shop: str, sender: WebhookSender, settle: Callable[..., None], services: Services
) -> None:
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    )

    @settings(settings.get_profile(HOSTILE_PROFILE))
    @given(topic=st.sampled_from(TOPICS), value=json_values)
    def run(topic: str, value: Any) -> None:
        response = deliver_raw(sender, topic, encoded(value))
        if isinstance(value, dict):
            assert response.status_code == 200, response.text
            settle()
            check_event(services, response.json()["event"])
        else:
            assert response.status_code == 400, response.text
        check_ledger(services)

    run()


def test_topics_that_end_the_install_survive_hostile_payloads(
    install: Callable[[str], None],
    sender: WebhookSender,
    settle: Callable[..., None],
    services: Services,
) -> None:
    install(SHOP)

    @settings(settings.get_profile(HOSTILE_PROFILE), max_examples=6)
    @given(data=st.data(), topic=st.sampled_from(ENDING_TOPICS))
    def run(data: st.DataObject, topic: str) -> None:
        payload = data.draw(mutated_payload(topic, new_id()))
        response = deliver_raw(sender, topic, encoded(payload))
        assert response.status_code == 200, response.text
        settle()
        check_event(services, response.json()["event"])

    run()


def test_hostile_bodies_are_refused_without_a_server_error(
    shop: str, sender: WebhookSender, services: Services
) -> None:
    bodies = {
        "deep nesting": b"[" * 100_000 + b"]" * 100_000,
        "deep object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        "utf-16": json.dumps({"id": 1}).encode("utf-16"),
        "invalid utf-8": b'{"id": "\xff\xfe"}',
        "raw NUL": b'{"id": 1, "note": "a\x00b"}',
        "a huge number": b'{"id": ' + b"9" * 5000 + b"}",
        "not an object": b"[1, 2, 3]",
        "empty": b"",
    }
    for name, body in bodies.items():
        response = deliver_raw(sender, "orders/paid", body)
        assert response.status_code == 400, (name, response.status_code, response.text)
        assert response.json()["error"] == "invalid_json", name
    with services.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


def test_hostile_headers_are_refused_or_cut_to_size(
    shop: str, sender: WebhookSender, settle: Callable[..., None], services: Services
) -> None:
    body = encoded(sample("customers/create", id=new_id()))
    long_topic = sender.deliver(shop, "customers/" + "x" * 500, body)
    long_version = sender.deliver(
        shop, "customers/create", body, extra_headers={"X-Shopify-API-Version": "2026-04" * 20}
    )
    long_shop = sender.deliver("a" * 300 + ".myshopify.com", "customers/create", body)
    odd_ids = sender.deliver(
        shop, "customers/update", body, event_id="é" * 300, webhook_id="\u00ff" * 300
    )

    assert (long_topic.status_code, long_topic.json()["status"]) == (200, "ignored")
    assert long_version.status_code == 200, long_version.text
    assert long_shop.status_code == 400
    assert odd_ids.status_code == 200, odd_ids.text
    settle()
    check_event(services, long_version.json()["event"])


def test_an_invalid_payload_is_recorded_as_failed_naming_the_field(
    shop: str, sender: WebhookSender, settle: Callable[..., None], services: Services
) -> None:
    payload = sample("orders/paid", id=new_id(), subtotal_price={"amount": "1e999"})
    payload["current_subtotal_price"] = {"amount": "1e999"}

    response = sender.deliver(shop, "orders/paid", payload)

    assert response.status_code == 200
    settle()
    with services.db.sessions() as session:
        event = session.get(WebhookEvent, response.json()["event"])
        assert event is not None
        assert event.status == FAILED
        assert event.last_error is not None and "subtotal_price" in event.last_error


def test_the_admin_view_of_a_fuzzed_member_still_answers(
    shop: str,
    sender: WebhookSender,
    settle: Callable[..., None],
    http: requests.Session,
    session_token: Callable[..., str],
) -> None:
    member = new_id()
    payload = sample(
        "customers/create", id=member, first_name="\ud800\x00<b>x</b>", last_name="💳" * 300
    )
    sender.deliver(shop, "customers/create", encoded(payload))
    settle()

    response = http.get(f"/admin/api/customers/{member}", headers=bearer(session_token(shop)))

    assert response.status_code == 200, response.text
