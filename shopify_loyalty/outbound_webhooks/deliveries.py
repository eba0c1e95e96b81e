"""Delivering program events to webhook endpoints: one job per attempt.

A new event gets a delivery for every active endpoint subscribed to its topic (an endpoint
paused at that moment gets a held delivery, sent when it is resumed). Each attempt is a
``webhooks.deliver`` job: it checks the destination again, POSTs the signed JSON, and logs
the attempt. A 2xx answer delivers it; anything else (another status, a timeout, a refused
connection) schedules the next attempt after ``base x 2^(n-1)`` seconds, until
:data:`MAX_ATTEMPTS` attempts have failed. :data:`PAUSE_AFTER_FAILURES` failed attempts in a
row, with no success between them, pause the endpoint. The merchant can redeliver any
delivery from the log, which starts a new round of attempts.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.queue import enqueue, job
from shopify_loyalty.outbound_webhooks.config import retry_base_seconds
from shopify_loyalty.outbound_webhooks.endpoints import endpoints_of_transaction
from shopify_loyalty.outbound_webhooks.models import (
    ACTIVE,
    DELIVERED,
    FAILED,
    HELD,
    PENDING,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from shopify_loyalty.outbound_webhooks.sending import Outcome, post_webhook
from shopify_loyalty.outbound_webhooks.signing import (
    EVENT_ID_HEADER,
    SHOP_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOPIC_HEADER,
    signature,
)
from shopify_loyalty.program_events.models import ProgramEvent
from shopify_loyalty.program_events.recording import event_data
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop

JOB = "webhooks.deliver"
MAX_ATTEMPTS = 8
PAUSE_AFTER_FAILURES = 16
USER_AGENT = "shopify-loyalty-webhooks/1"


def queue_deliveries(session: Session, shop: Shop, event_id: int, topic: str) -> None:
    for endpoint in endpoints_of_transaction(session, shop):
        if topic not in endpoint.topic_list:
            continue
        delivery = WebhookDelivery(
            shop_id=shop.id,
            endpoint_id=endpoint.id,
            event_id=event_id,
            status=PENDING if endpoint.status == ACTIVE else HELD,
            attempts=0,
            round_attempts=0,
            created_at=utcnow(),
        )
        session.add(delivery)
        session.flush()
        if delivery.status == PENDING:
            _queue_attempt(session, shop, delivery, delay=0.0)


def _queue_attempt(session: Session, shop: Shop, delivery: WebhookDelivery, delay: float) -> None:
    run_at = utcnow() + timedelta(seconds=delay)
    delivery.next_attempt_at = run_at
    number = delivery.attempts + 1
    # A job that found its endpoint paused ran without an attempt; the attempt it was for
    # is queued again on resuming, so the key names this queueing, not only the number.
    enqueue(
        session,
        shop,
        JOB,
        {"delivery_id": delivery.id, "attempt": number},
        key=f"{JOB}:{delivery.id}:{number}:{uuid.uuid4().hex[:12]}",
        run_at=run_at,
    )


def redeliver(session: Session, shop: Shop, delivery_id: int) -> WebhookDelivery:
    """Start a new round of attempts for a delivery from the log."""
    delivery = find_delivery(session, shop, delivery_id)
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    assert endpoint is not None
    if delivery.status == PENDING:
        return delivery  # an attempt is already on its way
    delivery.round_attempts = 0
    delivery.delivered_at = None
    if endpoint.status != ACTIVE:
        delivery.status = HELD
        return delivery
    delivery.status = PENDING
    _queue_attempt(session, shop, delivery, delay=0.0)
    return delivery


def restart_held_deliveries(session: Session, shop: Shop, endpoint: WebhookEndpoint) -> None:
    for delivery in session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == HELD
        )
    ):
        delivery.status = PENDING
        delivery.round_attempts = 0
        _queue_attempt(session, shop, delivery, delay=0.0)


def find_delivery(session: Session, shop: Shop, delivery_id: int) -> WebhookDelivery:
    delivery = session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.shop_id == shop.id, WebhookDelivery.id == delivery_id
        )
    )
    if delivery is None:
        from shopify_loyalty.errors import NotFound

        raise NotFound(f"No webhook delivery {delivery_id} in this shop.")
    return delivery


def event_body(shop: Shop, event: ProgramEvent, shopify_customer_id: int) -> bytes:
    """The JSON an endpoint receives; the same bytes on every attempt of the event."""
    body = {
        "id": event.uid,
        "topic": event.topic,
        "shop": shop.domain,
        "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "customer": {
            "id": shopify_customer_id,
            "admin_graphql_api_id": f"gid://shopify/Customer/{shopify_customer_id}",
        },
        "data": event_data(event),
    }
    return json.dumps(body, separators=(",", ":")).encode()


@job(JOB)
def deliver_attempt(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    delivery_id, number = int(payload["delivery_id"]), int(payload["attempt"])
    with services.db.transaction() as session:
        loaded = _load(session, shop_domain, delivery_id)
        if loaded is None:
            return
        shop, delivery, endpoint, event, shopify_customer_id = loaded
        if delivery.status != PENDING or delivery.attempts + 1 != number:
            return  # a redelivery or a resume took over
        if endpoint.status != ACTIVE:
            delivery.status = HELD
            return
        url = endpoint.url
        secret = services.cipher.decrypt(endpoint.secret_encrypted)
        body = event_body(shop, event, shopify_customer_id)
        headers = _headers(secret, body, event, shop)
    outcome = post_webhook(url, body, headers)
    with services.db.transaction() as session:
        loaded = _load(session, shop_domain, delivery_id)
        if loaded is None:
            return
        shop, delivery, endpoint, _event, _customer = loaded
        _record(session, shop, delivery, endpoint, number, outcome)


def _load(
    session: Session, shop_domain: str, delivery_id: int
) -> tuple[Shop, WebhookDelivery, WebhookEndpoint, ProgramEvent, int] | None:
    row = session.execute(
        select(Shop, WebhookDelivery, WebhookEndpoint, ProgramEvent, Customer.shopify_customer_id)
        .join(WebhookDelivery, WebhookDelivery.shop_id == Shop.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(ProgramEvent, ProgramEvent.id == WebhookDelivery.event_id)
        .join(Customer, Customer.id == ProgramEvent.customer_id)
        .where(Shop.domain == shop_domain, WebhookDelivery.id == delivery_id)
        .with_for_update(of=WebhookDelivery)
    ).first()
    return None if row is None else (row[0], row[1], row[2], row[3], row[4])


def _headers(secret: str, body: bytes, event: ProgramEvent, shop: Shop) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        EVENT_ID_HEADER: event.uid,
        TOPIC_HEADER: event.topic,
        SHOP_HEADER: shop.domain,
    }


def _record(
    session: Session,
    shop: Shop,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    number: int,
    outcome: Outcome,
) -> None:
    session.add(
        WebhookAttempt(
            shop_id=shop.id,
            delivery_id=delivery.id,
            number=number,
            succeeded=outcome.succeeded,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            response_excerpt=outcome.excerpt,
            error=outcome.error,
            attempted_at=utcnow(),
        )
    )
    delivery.attempts = number
    delivery.round_attempts += 1
    delivery.next_attempt_at = None
    if outcome.succeeded:
        delivery.status, delivery.delivered_at = DELIVERED, utcnow()
        endpoint.consecutive_failures = 0
        return
    endpoint.consecutive_failures += 1
    if endpoint.status == ACTIVE and endpoint.consecutive_failures >= PAUSE_AFTER_FAILURES:
        from shopify_loyalty.outbound_webhooks.endpoints import pause_endpoint

        pause_endpoint(
            endpoint, f"paused after {endpoint.consecutive_failures} failed attempts in a row"
        )
    if delivery.round_attempts >= MAX_ATTEMPTS:
        delivery.status = FAILED
    elif endpoint.status != ACTIVE:
        delivery.status = HELD
    else:
        delay = retry_base_seconds() * 2 ** (delivery.round_attempts - 1)
        _queue_attempt(session, shop, delivery, delay=delay)
