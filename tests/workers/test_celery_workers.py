"""Inbox events and jobs run as Celery tasks on Redis, in real worker processes; a lost
message or a killed worker loses nothing and credits nothing twice."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import redis
import requests
from sqlalchemy import create_engine, func, pool, select, text, update

from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.models import DONE, PROCESSING, WebhookEvent
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.jobs.periodic import AREAS
from shopify_loyalty.points.ledger import Balance
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.webhook_sender import WebhookSender
from shopify_loyalty.workers.celery_app import QUEUE, make_celery
from shopify_loyalty.workers.dispatch import EVENT_TASK, EVENTS_TASK, PERIODIC_TASK
from shopify_loyalty.workers.schedule import beat_schedule
from tests.conftest import new_id
from tests.engine.test_points_earning import paid_order, refund
from tests.live_server import LiveServer
from tests.workers.conftest import WorkerProcess, statuses


def deliver(sender: WebhookSender, shop: str, topic: str, payload: dict) -> int:
    response = sender.deliver(shop, topic, payload)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted"
    event_id: int = response.json()["event"]
    return event_id


def test_deliveries_are_applied_by_a_celery_worker_and_not_by_the_web_process(
    shop: str,
    celery_sender: WebhookSender,
    start_worker: Callable[..., WorkerProcess],
    applied: Callable[..., None],
    points_of: Callable[[int], Balance],
    services: Services,
) -> None:
    customer = new_id()
    for _ in range(5):
        deliver(celery_sender, shop, "orders/paid", paid_order(new_id(), customer, "10.00"))
    time.sleep(1.0)
    assert statuses(services) == {"pending": 5}  # the web side only stored and enqueued

    start_worker("--concurrency", "2")

    applied(5, timeout=90)  # a loaded machine starts the worker slowly
    assert points_of(customer) == Balance(available=0, pending=50)


def queued_events(broker: redis.Redis) -> list[tuple[str, list[int]]]:
    """The inbox messages waiting in the broker's queue: each task and the ids it names."""
    found = []
    for raw in broker.lrange(QUEUE, 0, -1):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        task = message["headers"]["task"]
        if task == EVENT_TASK:
            found.append((task, [args[0]]))
        elif task == EVENTS_TASK:
            found.append((task, list(args[0])))
    return found


def test_deliveries_stored_together_are_announced_together_and_applied_once(
    shop: str,
    celery_sender: WebhookSender,
    start_worker: Callable[..., WorkerProcess],
    applied: Callable[..., None],
    points_of: Callable[[int], Balance],
    services: Services,
    broker: redis.Redis,
) -> None:
    customer = new_id()
    orders = [paid_order(new_id(), customer, "10.00") for _ in range(16)]
    with ThreadPoolExecutor(8) as pool:
        event_ids = list(
            pool.map(lambda order: deliver(celery_sender, shop, "orders/paid", order), orders)
        )

    # Each event is named by exactly one message, whether it went alone or with others.
    messages = queued_events(broker)
    assert sorted(event_id for _, ids in messages for event_id in ids) == sorted(event_ids)
    assert all(len(ids) == 1 for task, ids in messages if task == EVENT_TASK)

    start_worker("--concurrency", "2")
    applied(16, timeout=90)
    assert points_of(customer) == Balance(available=0, pending=160)


def test_a_message_naming_several_events_is_applied_by_a_worker(
    shop: str,
    celery_sender: WebhookSender,
    start_worker: Callable[..., WorkerProcess],
    applied: Callable[..., None],
    points_of: Callable[[int], Balance],
    broker: redis.Redis,
    redis_url: str,
) -> None:
    customer, order = new_id(), new_id()
    event_ids = [
        deliver(celery_sender, shop, "orders/paid", paid_order(new_id(), customer, "30.00")),
        deliver(celery_sender, shop, "refunds/create", refund(new_id(), order, "10.00")),
        deliver(celery_sender, shop, "orders/paid", paid_order(order, customer, "20.00")),
    ]
    broker.delete(QUEUE)  # only the message below is left
    make_celery(redis_url).send_task(EVENTS_TASK, args=(event_ids,))

    start_worker("--concurrency", "1")
    applied(3, timeout=90)
    assert points_of(customer) == Balance(available=0, pending=40)


def order_lock_key(shop_id: int, shopify_order_id: int) -> int:
    """The advisory lock key points.locks.serialize_order_events takes for an order."""
    digest = hashlib.blake2b(f"order:{shop_id}:{shopify_order_id}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def event_row(services: Services, event_id: int) -> WebhookEvent:
    with services.db.sessions() as session:
        event = session.get(WebhookEvent, event_id)
        assert event is not None
        return event


def test_a_worker_killed_in_the_middle_of_an_event_loses_nothing_and_credits_once(
    shop: str,
    celery_sender: WebhookSender,
    start_worker: Callable[..., WorkerProcess],
    points_of: Callable[[int], Balance],
    services: Services,
) -> None:
    customer, order = new_id(), new_id()
    with services.db.sessions() as session:
        shop_id = session.scalars(select(Shop.id).where(Shop.domain == shop)).one()
    holder = create_engine(services.settings.database_url, poolclass=pool.NullPool)
    worker = start_worker("--concurrency", "1")
    with holder.connect() as connection:
        # Hold the order's lock: the worker claims the event, opens its transaction and
        # waits inside it, in the middle of applying the event.
        connection.execute(
            text("SELECT pg_advisory_lock(:k)"), {"k": order_lock_key(shop_id, order)}
        )
        event_id = deliver(celery_sender, shop, "orders/paid", paid_order(order, customer, "42.00"))
        wait_for(lambda: event_row(services, event_id).status == PROCESSING)
        time.sleep(0.5)
        worker.kill()
        connection.execute(text("SELECT pg_advisory_unlock_all()"))
    holder.dispose()

    time.sleep(0.5)
    stuck = event_row(services, event_id)
    assert (stuck.status, stuck.attempts) == (PROCESSING, 1)
    assert points_of(customer) == Balance(0, 0)

    # Its lease runs out (as LEASE after the crash), and another worker with beat starts.
    with services.db.transaction() as session:
        session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == event_id)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
    start_worker("--concurrency", "1", "--beat")

    wait_for(lambda: event_row(services, event_id).status == DONE, timeout=40)
    assert event_row(services, event_id).attempts == 2
    assert points_of(customer) == Balance(available=0, pending=42)
    with services.db.sessions() as session:
        entries = session.scalar(select(func.count()).where(LedgerEntry.shopify_order_id == order))
    assert entries == 1


def test_a_lost_message_is_sent_again_by_the_sweeper(
    shop: str,
    celery_sender: WebhookSender,
    start_worker: Callable[..., WorkerProcess],
    points_of: Callable[[int], Balance],
    services: Services,
    broker,
) -> None:
    customer = new_id()
    event_id = deliver(celery_sender, shop, "orders/paid", paid_order(new_id(), customer, "7.00"))
    broker.flushdb()  # the message is gone, as if Redis had lost it
    with services.db.transaction() as session:  # and it was sent long enough ago
        session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == event_id)
            .values(received_at=utcnow() - timedelta(minutes=5))
        )

    start_worker("--concurrency", "1", "--beat")

    wait_for(lambda: event_row(services, event_id).status == DONE, timeout=40)
    assert points_of(customer) == Balance(available=0, pending=7)


def test_two_workers_apply_refunds_before_their_paid_orders_to_the_right_balance(
    shop: str,
    celery_sender: WebhookSender,
    start_worker: Callable[..., WorkerProcess],
    applied: Callable[..., None],
    points_of: Callable[[int], Balance],
) -> None:
    start_worker("--concurrency", "2")
    start_worker("--concurrency", "2")
    customers = [new_id() for _ in range(12)]
    for customer in customers:
        order = new_id()
        deliver(celery_sender, shop, "refunds/create", refund(new_id(), order, "26.96"))
        deliver(celery_sender, shop, "orders/paid", paid_order(order, customer, "84.50"))

    applied(24, timeout=60)

    assert {points_of(customer) for customer in customers} == {Balance(available=0, pending=58)}


def test_the_beat_schedule_holds_the_sweeper_the_pruning_and_every_periodic_area() -> None:
    schedule = beat_schedule()
    assert schedule["sweep"]["task"] == "loyalty.sweep"
    for area in AREAS:
        entry = schedule[f"periodic.{area}"]
        assert (entry["task"], entry["args"]) == (PERIODIC_TASK, (area,))
    assert schedule["prune"]["task"] == "loyalty.prune_finished"
    assert set(schedule) == {"sweep", "prune", *(f"periodic.{area}" for area in AREAS)}


def test_the_periodic_task_queues_each_area_once_an_hour_and_a_worker_runs_it(
    shop: str,
    start_worker: Callable[..., WorkerProcess],
    services: Services,
    redis_url: str,
) -> None:
    start_worker("--concurrency", "1")
    sender = make_celery(redis_url)
    for area in AREAS:
        sender.send_task(PERIODIC_TASK, args=(area,))
        sender.send_task(PERIODIC_TASK, args=(area,))  # twice in one hour: queued once

    def jobs() -> list[tuple[str, str]]:
        with services.db.sessions() as session:
            return [
                (job.kind, job.status)
                for job in session.scalars(select(Job).where(Job.kind.like("periodic.%")))
            ]

    wait_for(lambda: len(jobs()) == len(AREAS) and all(s == "done" for _, s in jobs()))
    assert sorted(kind for kind, _ in jobs()) == sorted(f"periodic.{area}" for area in AREAS)


def test_healthz_reports_the_broker(celery_app_server: LiveServer) -> None:
    response = requests.get(f"{celery_app_server.url}/healthz", timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["broker"] == {"status": "ok"}
    assert body["worker"]["in_process"] == "celery"
