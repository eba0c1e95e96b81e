"""The database away for a while: webhooks are refused with 503 and Retry-After (Shopify
retries them) and nothing is stored half; the worker backs off, then takes back at once the
event it had leased when the database went, and applies it once."""

from __future__ import annotations

from collections.abc import Callable

import requests
from sqlalchemy import func, select

from shopify_loyalty.inbox.models import DONE, PROCESSING, WebhookEvent
from shopify_loyalty.inbox.worker import InboxWorker
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import Services
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.conftest import API_SECRET, sample
from tests.faults.conftest import DatabaseOutage, wait_until
from tests.live_server import LiveServer


def events_with_webhook_id(services: Services, webhook_id: str) -> list[WebhookEvent]:
    with services.db.sessions() as session:
        return list(
            session.scalars(select(WebhookEvent).where(WebhookEvent.webhook_id == webhook_id))
        )


def order_credits(services: Services) -> int:
    with services.db.sessions() as session:
        return (
            session.scalar(
                select(func.count()).select_from(LedgerEntry).where(LedgerEntry.reason == "order")
            )
            or 0
        )


def test_webhooks_get_503_with_retry_after_while_the_database_is_away_and_nothing_is_stored(
    shop: str,
    services: Services,
    outage: DatabaseOutage,
    other_app: Callable[..., LiveServer],
    settle: Callable[..., None],
) -> None:
    app = other_app(LOYALTY_WORKER="off", **outage.environ)
    shopify = WebhookSender(app.url, API_SECRET)
    paid = sample("orders/paid")

    outage.cut()
    refused = shopify.deliver(shop, "orders/paid", paid, webhook_id="w-outage", event_id="e-1")
    health = app.client().get("/healthz")
    outage.restore()

    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    assert refused.json() == {
        "error": "database_unavailable",
        "message": "The database cannot be reached; try again shortly.",
        "field": None,
    }
    assert health.status_code == 503
    assert health.headers["Retry-After"] == "5"
    assert health.json()["database"] == {"status": "unavailable", "error": "OperationalError"}
    assert "database" in health.json()["degraded"]
    assert events_with_webhook_id(services, "w-outage") == []

    # Shopify's retry, once the database is back, is taken and applied once.
    again = shopify.deliver(shop, "orders/paid", paid, webhook_id="w-outage", event_id="e-1")
    assert (again.status_code, again.json()["status"]) == (200, "accepted")
    settle()
    assert [event.status for event in events_with_webhook_id(services, "w-outage")] == [DONE]
    assert order_credits(services) == 1
    assert app.client().get("/healthz").json()["database"] == {"status": "ok"}


def test_the_worker_backs_off_then_takes_back_the_event_it_held_when_the_database_went(
    shop: str,
    services: Services,
    outage: DatabaseOutage,
    other_app: Callable[..., LiveServer],
    stop_in_process_worker: Callable[[], None],
) -> None:
    stop_in_process_worker()
    # Its worker pauses after claiming each event: the moment the database goes away. The
    # lease is the default two minutes, far beyond the waits below.
    app = other_app(LOYALTY_FAULT_PAUSE="after_claim=1.5", **outage.environ)
    client = app.client()
    delivered = WebhookSender(app.url, API_SECRET).deliver(
        shop, "orders/paid", sample("orders/paid"), webhook_id="w-held"
    )
    assert delivered.status_code == 200

    def claimed() -> bool:
        return [e.status for e in events_with_webhook_id(services, "w-held")] == [PROCESSING]

    wait_until(claimed, 10, "the worker to claim the event")
    outage.cut()
    try:

        def retrying() -> bool:
            body = client.get("/healthz").json()
            problems = body["worker"].get("problems", [])
            return any(problem.startswith("retrying after:") for problem in problems)

        wait_until(retrying, 15, "the health report to show the worker retrying")
    finally:
        outage.restore()

    def applied() -> bool:
        return [e.status for e in events_with_webhook_id(services, "w-held")] == [DONE]

    wait_until(applied, 20, "the worker to take back its event and apply it")
    [event] = events_with_webhook_id(services, "w-held")
    assert event.attempts == 2
    assert order_credits(services) == 1

    def healthy() -> bool:
        body = client.get("/healthz").json()
        return body["worker"]["status"] == "ok" and body["database"] == {"status": "ok"}

    wait_until(healthy, 15, "the worker to report healthy again")


def test_after_failed_passes_the_worker_waits_longer_each_time_up_to_thirty_seconds(
    services: Services,
) -> None:
    worker = InboxWorker(services)
    pauses = []
    for failures in range(8):
        worker.failed_passes = failures
        pauses.append(worker.pause_before_next_pass())
    assert pauses == [1.0, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_a_healthz_without_the_database_is_503_but_names_what_else_it_knows(
    shop: str, outage: DatabaseOutage, other_app: Callable[..., LiveServer]
) -> None:
    app = other_app(LOYALTY_WORKER="off", **outage.environ)
    outage.cut()
    try:
        response = app.client().get("/healthz")
    finally:
        outage.restore()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["worker"]["in_process"] == "external"
    assert set(body) >= {"database", "worker"}
    assert isinstance(requests.get(f"{app.url}/healthz", timeout=10).json(), dict)
