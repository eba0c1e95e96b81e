"""Duplicate, out-of-order and concurrent deliveries, in one process or across two worker
processes: the ledger, stamps, tiers, referrals and affiliates end exactly as after one
clean delivery of each event."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.jobs.periodic import queue_periodic_work
from shopify_loyalty.services import Services
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.webhook_sender import Delivery, WebhookSender
from tests.conftest import API_SECRET
from tests.faults.conftest import WorkerProcess, start_afresh
from tests.faults.traffic import Traffic, check_the_scenario_did_something, outcome
from tests.live_server import LiveServer

COPIES = 20


@pytest.fixture
def shopify(live: LiveServer, standin: StandinServer) -> WebhookSender:
    return WebhookSender(live.url, API_SECRET, standin_url=standin.url)


def send(shopify: WebhookSender, delivery: Delivery) -> requests.Response:
    return shopify.deliver(
        delivery.shop,
        delivery.topic,
        delivery.payload,
        event_id=delivery.event_id,
        webhook_id=delivery.webhook_id,
        triggered_at=delivery.triggered_at,
    )


def clean_run(
    traffic: Traffic,
    services: Services,
    shopify: WebhookSender,
    settle: Callable[..., None],
    http: requests.Session,
    token: str,
) -> dict[str, Any]:
    code = traffic.set_up(services, shopify, settle, http, token)
    for delivery in traffic.deliveries(code):
        assert send(shopify, delivery).status_code == 200
        settle()
    result = outcome(services, http, token, traffic)
    check_the_scenario_did_something(result, traffic)
    return result


def at_once(shopify: WebhookSender, delivery: Delivery, copies: int) -> list[int]:
    """``copies`` threads post the same delivery, released together by a barrier."""
    start = threading.Barrier(copies)

    def post(_: int) -> int:
        start.wait(timeout=10)
        return send(
            WebhookSender(shopify.url[: -len("/webhooks")], API_SECRET), delivery
        ).status_code

    with ThreadPoolExecutor(copies) as pool:
        return list(pool.map(post, range(copies)))


def stored_events(services: Services) -> int:
    with services.db.sessions() as session:
        return session.scalar(select(func.count()).select_from(WebhookEvent)) or 0


def test_twenty_copies_at_once_and_refunds_before_their_orders_apply_like_one_clean_run(
    shop: str,
    services: Services,
    standin: StandinServer,
    install: Callable[[str], None],
    shopify: WebhookSender,
    settle: Callable[..., None],
    http: requests.Session,
    session_token: Callable[..., str],
) -> None:
    traffic = Traffic()
    expected = clean_run(traffic, services, shopify, settle, http, session_token())

    start_afresh(services, standin, install)
    code = traffic.set_up(services, shopify, settle, http, session_token())
    before = stored_events(services)
    deliveries = traffic.deliveries(code)
    # Backwards: the cancellation and refunds before their orders, the orders before
    # their customers; and the big order once more as a second event.
    backwards = [*reversed(deliveries), traffic.second_event_for_the_big_order(deliveries)]
    for delivery in backwards:
        statuses = at_once(shopify, delivery, COPIES)
        assert sorted(set(statuses)) == [200], statuses
    settle(timeout=60)

    assert stored_events(services) - before == len(backwards)
    assert outcome(services, http, session_token(), traffic) == expected


def test_two_worker_processes_apply_shuffled_duplicates_exactly_once(
    shop: str,
    services: Services,
    standin: StandinServer,
    install: Callable[[str], None],
    shopify: WebhookSender,
    settle: Callable[..., None],
    http: requests.Session,
    session_token: Callable[..., str],
    worker_processes: Callable[..., WorkerProcess],
    stop_in_process_worker: Callable[[], None],
) -> None:
    traffic = Traffic()
    expected = clean_run(traffic, services, shopify, settle, http, session_token())

    start_afresh(services, standin, install)
    code = traffic.set_up(services, shopify, settle, http, session_token())
    # This hour's periodic work runs now, not when a worker finds the inbox empty halfway
    # through the traffic: a tier re-evaluation there could catch Ben between a refund and
    # his next order, below Silver, and rightly withdraw his pending entry reward, which the
    # clean run (orders in their own order) never does. Keyed on the hour, it is queued once.
    queue_periodic_work(services)
    settle()
    stop_in_process_worker()
    workers = [worker_processes(), worker_processes()]
    for worker in workers:
        worker.wait_for_output("inbox worker running")
    deliveries = traffic.deliveries(code)
    copies = [d for d in deliveries for _ in range(4)]
    copies.append(traffic.second_event_for_the_big_order(deliveries))
    random.Random(8).shuffle(copies)
    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(lambda d: send(shopify, d).status_code, copies))
    assert set(statuses) == {200}
    settle(timeout=60)

    assert outcome(services, http, session_token(), traffic) == expected
    with services.db.sessions() as session:
        owners = session.scalars(select(WebhookEvent.status).distinct()).all()
    assert set(owners) == {"done"}
    assert all(worker.process.poll() is None for worker in workers)
