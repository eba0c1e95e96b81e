"""Deliveries stored together (PostgreSQL): one statement per batch, the same rows and the
same answers as storing them one by one, and each waiting request answered for itself."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, select, text

from shopify_loyalty.db import Database, utcnow
from shopify_loyalty.inbox.batch_store import Stored, store_deliveries
from shopify_loyalty.inbox.group_commit import GroupCommit
from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.inbox.store import Delivery, Outcome, store_delivery
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import UNINSTALLED, Shop
from shopify_loyalty.workers.dispatch import CeleryDispatcher
from shopify_loyalty.workers.sweeper import REDISPATCH, sweep
from tests.conftest import OTHER_SHOP, SHOP
from tests.recorded_dispatch import RecordedDispatch

NEVER_INSTALLED = "never-here.myshopify.com"


@pytest.fixture
def db(services: Services) -> Database:
    if services.db.engine.dialect.name != "postgresql":
        pytest.skip("deliveries are stored in batches on PostgreSQL only")
    return services.db


def delivery(
    shop: str = SHOP,
    topic: str = "orders/paid",
    *,
    webhook_id: str | None = None,
    event_id: str | None = None,
    body: bytes = b'{"id": 1}',
) -> Delivery:
    return Delivery(
        shop_domain=shop,
        topic=topic,
        event_id=event_id,
        webhook_id=webhook_id if webhook_id is not None else str(uuid.uuid4()),
        api_version="2026-04",
        triggered_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
        body=body,
    )


def psycopg_connection(connection: Connection) -> psycopg.Connection[Any]:
    """The driver's connection under an autocommit SQLAlchemy connection (batches run on it)."""
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    return driver


def stored_rows(db: Database) -> list[tuple[object, ...]]:
    """What the inbox holds, without ids and times (they differ between the two ways)."""
    with db.sessions() as session:
        rows = session.execute(
            select(
                WebhookEvent.shop_domain,
                WebhookEvent.topic,
                WebhookEvent.event_id,
                WebhookEvent.webhook_id,
                WebhookEvent.status,
                WebhookEvent.last_error,
                WebhookEvent.processed_at.is_(None),
                WebhookEvent.payload,
                WebhookEvent.triggered_at,
            ).order_by(WebhookEvent.id)
        )
        return [tuple(row) for row in rows]


def empty_inbox(db: Database) -> None:
    with db.transaction() as session:
        session.execute(text("DELETE FROM webhook_events"))


@pytest.fixture
def shops(install: Callable[[str], None], db: Database) -> None:
    """SHOP installed, OTHER_SHOP installed then uninstalled, NEVER_INSTALLED unknown."""
    install(SHOP)
    install(OTHER_SHOP)
    with db.transaction() as session:
        other = session.scalars(select(Shop).where(Shop.domain == OTHER_SHOP)).one()
        other.status = UNINSTALLED


def mixed_deliveries() -> list[Delivery]:
    first = delivery(webhook_id="w-1", event_id="e-1")
    return [
        first,
        delivery(webhook_id="w-1", event_id="e-9"),  # the same webhook id: a copy of the first
        delivery(webhook_id="w-2", event_id="e-1"),  # the same topic and event id: a copy
        delivery(topic="orders/cancelled", webhook_id="w-3", event_id="e-1"),  # another topic
        delivery(topic="carts/update", webhook_id="w-4"),  # a topic the app ignores
        delivery(OTHER_SHOP, webhook_id="w-5"),  # uninstalled: ignored
        delivery(OTHER_SHOP, "customers/redact", webhook_id="w-6"),  # privacy: still kept
        delivery(NEVER_INSTALLED, "shop/redact", webhook_id="w-7"),  # never installed
        delivery(NEVER_INSTALLED, webhook_id="w-8"),
        delivery(event_id="e-only"),
        delivery(SHOP, webhook_id="w-10", body='{"note": "caf\u00e9 \\" \\\\ ,{}"}'.encode()),
    ]


def test_a_batch_stores_what_one_by_one_would_and_answers_alike(db: Database, shops: None) -> None:
    deliveries = mixed_deliveries()
    with db.single_statements() as connection:
        one_by_one = [store_delivery(connection, item) for item in deliveries]
    rows_one_by_one = stored_rows(db)
    empty_inbox(db)

    with db.single_statements() as connection:
        batched = store_deliveries(psycopg_connection(connection), deliveries)

    assert stored_rows(db) == rows_one_by_one
    assert [outcome for outcome, _ in batched] == [outcome for outcome, _ in one_by_one]
    assert [outcome for outcome, _ in batched] == [
        Outcome.ACCEPTED,
        Outcome.DUPLICATE,
        Outcome.DUPLICATE,
        Outcome.ACCEPTED,
        Outcome.IGNORED,
        Outcome.IGNORED,
        Outcome.ACCEPTED,
        Outcome.IGNORED,
        Outcome.IGNORED,
        Outcome.ACCEPTED,
        Outcome.ACCEPTED,
    ]
    # A copy answers with the id of the row it copies.
    assert batched[1][1] == batched[0][1] == batched[2][1]


def test_a_batch_recognises_deliveries_stored_before(db: Database, shops: None) -> None:
    earlier = delivery(webhook_id="w-old", event_id="e-old")
    with db.single_statements() as connection:
        _, earlier_id = store_delivery(connection, earlier)
        results = store_deliveries(
            psycopg_connection(connection),
            [
                delivery(webhook_id="w-old"),
                delivery(event_id="e-old"),
                delivery(webhook_id="w-new"),
            ],
        )
    assert results[:2] == [(Outcome.DUPLICATE, earlier_id), (Outcome.DUPLICATE, earlier_id)]
    assert results[2][0] is Outcome.ACCEPTED
    assert len(stored_rows(db)) == 2


@pytest.fixture
def held_webhook_id(db: Database) -> Iterator[Callable[[bool], None]]:
    """A transaction holding an uncommitted inbox row with webhook id ``w-held``: a batch
    meeting it waits until the returned function commits (True) or rolls it back (False)."""
    connection = db.engine.connect()
    transaction = connection.begin()
    connection.execute(
        text(
            "INSERT INTO webhook_events (shop_domain, topic, webhook_id, payload, status,"
            " attempts, received_at, next_attempt_at) VALUES"
            " (:shop, 'orders/paid', 'w-held', '{}', 'pending', 0, now(), now())"
        ),
        {"shop": SHOP},
    )

    def release(commit: bool) -> None:
        if commit:
            transaction.commit()
        else:
            transaction.rollback()

    yield release
    if transaction.is_active:
        transaction.rollback()
    connection.close()


def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.01)


Answers = dict[int, "Stored | Exception"]


def stored(answers: Answers, index: int) -> Stored:
    answer = answers[index]
    assert not isinstance(answer, Exception), answer
    return answer


def store_in_threads(
    group: GroupCommit, deliveries: list[Delivery]
) -> tuple[list[threading.Thread], Answers]:
    answers: Answers = {}

    def run(index: int, item: Delivery) -> None:
        try:
            answers[index] = group.store(item)
        except Exception as error:  # noqa: BLE001 (the test looks at it)
            answers[index] = error

    threads = [
        threading.Thread(target=run, args=(index, item)) for index, item in enumerate(deliveries)
    ]
    return threads, answers


def test_requests_arriving_while_a_batch_is_stored_go_together_in_the_next(
    db: Database, shops: None, held_webhook_id: Callable[[bool], None]
) -> None:
    group = GroupCommit(db)
    blocked = delivery(webhook_id="w-held")
    others = [delivery(webhook_id=f"w-{number}") for number in range(12)]
    threads, answers = store_in_threads(group, [blocked, *others])
    threads[0].start()
    wait_until(lambda: group.batches == 1)  # its statement waits on the held row
    for thread in threads[1:]:
        thread.start()
    wait_until(lambda: len(group._queue) == len(others))
    held_webhook_id(True)
    for thread in threads:
        thread.join(10)

    assert stored(answers, 0)[0] is Outcome.DUPLICATE
    accepted = [stored(answers, index) for index in range(1, len(others) + 1)]
    assert all(outcome is Outcome.ACCEPTED for outcome, _ in accepted)
    assert len({event_id for _, event_id in accepted}) == len(others)
    assert (group.batches, group.batched) == (2, 1 + len(others))


def test_a_delivery_the_database_refuses_fails_alone(
    db: Database, shops: None, held_webhook_id: Callable[[bool], None]
) -> None:
    announced = RecordedDispatch()
    group = GroupCommit(db, dispatcher=announced)
    refused = delivery(webhook_id="w-nul", body=b'{"note": "\x00"}')  # PostgreSQL refuses NUL
    good = [delivery(webhook_id=f"w-good-{number}") for number in range(3)]
    threads, answers = store_in_threads(group, [delivery(webhook_id="w-held"), refused, *good])
    threads[0].start()
    wait_until(lambda: group.batches == 1)
    for thread in threads[1:]:
        thread.start()
    wait_until(lambda: len(group._queue) == 4)
    held_webhook_id(False)
    for thread in threads:
        thread.join(10)

    assert stored(answers, 0)[0] is Outcome.ACCEPTED
    assert isinstance(answers[1], Exception)
    assert [stored(answers, index)[0] for index in (2, 3, 4)] == [Outcome.ACCEPTED] * 3
    webhook_ids = {row[3] for row in stored_rows(db)}
    assert webhook_ids == {"w-held", "w-good-0", "w-good-1", "w-good-2"}
    # The batch stored by its statement is announced by one message; those stored one by
    # one after the refusal by a message each.
    assert announced.together == [[stored(answers, 0)[1]]]
    assert announced.events == [stored(answers, index)[1] for index in (2, 3, 4)]


def test_many_concurrent_requests_each_get_their_own_answer(db: Database, shops: None) -> None:
    group = GroupCommit(db, max_batch=8)
    deliveries = [delivery(webhook_id=f"w-{number % 40}") for number in range(80)]
    threads, answers = store_in_threads(group, deliveries)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    results = [stored(answers, index) for index in range(80)]
    by_webhook: dict[str, set[int | None]] = {}
    for item, (_, event_id) in zip(deliveries, results, strict=True):
        by_webhook.setdefault(item.webhook_id or "", set()).add(event_id)
    # The two copies of each delivery answer with the one row stored for it.
    assert all(len(ids) == 1 for ids in by_webhook.values())
    outcomes = sorted(outcome.value for outcome, _ in results)
    assert outcomes.count("accepted") == 40 and outcomes.count("duplicate") == 40
    assert len(stored_rows(db)) == 40
    assert group.batched == 80


def test_a_batch_on_a_connection_the_database_ended_is_stored_on_a_new_one(
    db: Database, shops: None
) -> None:
    group = GroupCommit(db)
    assert group.store(delivery(webhook_id="w-before"))[0] is Outcome.ACCEPTED
    # Only this group's session is ended: other apps on the database (the suite's live app)
    # have batch connections of their own, which must be left alone.
    ended = backend_pid(group)
    with db.engine.connect() as connection:
        cut = connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": ended})
    assert cut is True

    # The request is answered, not turned away: the batch goes again on a new connection.
    assert group.store(delivery(webhook_id="w-cut"))[0] is Outcome.ACCEPTED
    assert backend_pid(group) != ended
    assert group.store(delivery(webhook_id="w-cut"))[0] is Outcome.DUPLICATE
    group.close()

    rows = stored_rows(db)
    assert len(rows) == 2 and {row[3] for row in rows} == {"w-before", "w-cut"}


def backend_pid(group: GroupCommit) -> int:
    pid: int = group._connection.run(lambda connection: connection.info.backend_pid)
    return pid


def test_a_batch_is_announced_by_one_message_naming_its_accepted_events(
    db: Database, shops: None, held_webhook_id: Callable[[bool], None]
) -> None:
    announced = RecordedDispatch()
    group = GroupCommit(db, dispatcher=announced)
    blocked = delivery(webhook_id="w-held")
    accepted = [delivery(webhook_id=f"w-{number}") for number in range(8)]
    # A copy and an ignored topic are stored in the same batch but need no worker.
    others = [delivery(webhook_id="w-0"), delivery(topic="carts/update", webhook_id="w-cart")]
    threads, answers = store_in_threads(group, [blocked, *accepted, *others])
    threads[0].start()
    wait_until(lambda: group.batches == 1)
    for thread in threads[1:]:
        thread.start()
    wait_until(lambda: len(group._queue) == len(accepted) + len(others))
    held_webhook_id(True)
    for thread in threads:
        thread.join(10)

    assert group.batches == 2
    assert [stored(answers, len(accepted) + n)[0] for n in (1, 2)] == [
        Outcome.DUPLICATE,
        Outcome.IGNORED,
    ]
    # The first batch held only a copy: nothing to announce. The second, one message.
    ids = [stored(answers, index)[1] for index in range(1, len(accepted) + 1)]
    assert announced.together == [ids]
    assert announced.events == []


def test_a_delivery_stored_alone_is_announced_alone(db: Database, shops: None) -> None:
    announced = RecordedDispatch()
    group = GroupCommit(db, dispatcher=announced)
    # Without a webhook id or an event id a delivery cannot join a batch.
    alone = Delivery(SHOP, "orders/paid", None, None, None, None, b'{"id": 2}')
    outcome, event_id = group.store(alone)

    assert outcome is Outcome.ACCEPTED
    assert (announced.events, announced.together) == ([event_id], [])


@pytest.mark.usefixtures("worker_held")
def test_with_the_broker_away_deliveries_are_stored_and_the_sweeper_sends_them_later(
    db: Database, shops: None, services: Services
) -> None:
    # Nothing listens on port 1: every send fails.
    group = GroupCommit(db, dispatcher=CeleryDispatcher("redis://127.0.0.1:1/0"))
    threads, answers = store_in_threads(
        group, [delivery(webhook_id=f"w-away-{number}") for number in range(6)]
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    results = [stored(answers, index) for index in range(6)]
    assert {outcome for outcome, _ in results} == {Outcome.ACCEPTED}
    # No message went out: once the window for a message in flight has passed, the sweeper
    # sends one for each event.
    swept = RecordedDispatch()
    sweep(services, swept, now=utcnow() + REDISPATCH + timedelta(seconds=1))
    assert {event_id for _, event_id in results} <= set(swept.events)
