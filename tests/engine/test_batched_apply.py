"""Paid orders applied several to a transaction leave exactly what one transaction per event
leaves: the same customers, orders, ledger, stamps, tiers, messages and program events.

The same deliveries go to two shops; the worker applies the first shop's one event per
transaction and the second shop's in batches. A refund and a cancellation among them are
applied on their own, between batches.

A batch reads ahead what its orders look up (reward, referral and affiliate codes, earlier
refunds), so the scenario has orders that depend on an earlier order of the same batch: a
reward code used twice, an affiliate code capped at one order, and a refund that came
before its paid order.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from shopify_loyalty.affiliates.accounts import create_affiliate
from shopify_loyalty.affiliates.models import AffiliateCode
from shopify_loyalty.customers.records import CustomerDetails, record_customer
from shopify_loyalty.db import Base
from shopify_loyalty.inbox.models import DONE, FAILED, PENDING, PROCESSING, WebhookEvent
from shopify_loyalty.inbox.worker import InboxWorker, Result
from shopify_loyalty.referrals.models import ReferralCode
from shopify_loyalty.rewards.models import ISSUED, IssuedCode
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.conftest import sample
from tests.engine.conftest import deliver_all

ONE_AT_A_TIME = "one-at-a-time.myshopify.com"
BATCHED = "batched.myshopify.com"
ANNA, BEN, CARA = 6_100_000_000_001, 6_100_000_000_002, 6_100_000_000_003
# Dora refers Eve and Fred; Gus and Hal come through an affiliate's code.
DORA, EVE, FRED = 6_100_000_000_004, 6_100_000_000_005, 6_100_000_000_006
GUS, HAL = 6_100_000_000_007, 6_100_000_000_008
REWARD_CODE, REFERRAL_CODE, AFFILIATE_CODE = "THANKS-4XK9", "DORA7K2Q", "SPRING15"

# Per table: the columns compared. Customer ids are compared as Shopify ids, and moments
# in stored text are left out: the two shops' events are applied a few seconds apart.
COMPARED = {
    "customers": "shopify_customer_id, email, first_name, last_name",
    "orders": "shopify_order_id, customer_id, name, subtotal, refunded_subtotal, cancelled_at",
    "refunds": "shopify_refund_id, shopify_order_id, subtotal",
    "ledger_entries": "customer_id, points, reason, source, idempotency_key, shopify_order_id",
    "stamp_cards": "customer_id, card_number, collected, completed_cards",
    "stamp_entries": "customer_id, kind, card_number, stamps, idempotency_key, shopify_order_id",
    "tier_memberships": "customer_id, tier_key",
    "tier_moves": "customer_id, from_tier, to_tier, reason, qualifying_value",
    "notification_messages": "customer_id, kind, event_key, recipient, data, status",
    "program_events": "customer_id, topic, event_key, data",
    "issued_codes": "customer_id, code, status, used_shopify_order_id",
    "referrals": "referrer_customer_id, friend_customer_id, shopify_order_id, matched_by, status,"
    " reason, referrer_points",
    "affiliate_conversions": "shopify_order_id, customer_id, matched_by, new_customer,"
    " order_subtotal, refunded_subtotal, commission, status, reason",
    "stamp_orders": "shopify_order_id, customer_id, subtotal, refunds, cancelled_at",
    # Only who has a row: a metafield flush that came due may have run in between.
    "customer_metafield_syncs": "customer_id",
}
CUSTOMER_COLUMNS = {"customer_id", "referrer_customer_id", "friend_customer_id"}
# Keys that name a customer by our own id: "tier_entry:<customer id>:silver".
CUSTOMER_KEY = re.compile(r"^([a-z_.]+):(\d+)(?=:|$)")
MOMENT = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?")
# Reward codes are drawn at random.
CODE = re.compile(r"\bLOY(-[A-Z0-9]{4})+\b")


def paid(order_id: int, customer: int | None, amount: str) -> tuple[str, dict[str, Any]]:
    payload = sample("orders/paid", id=order_id, name=f"#{order_id % 10_000}")
    if customer is None:
        payload["customer"] = None
    else:
        payload["customer"]["id"] = customer
        payload["customer"]["email"] = f"{customer}@example.com"
    payload["subtotal_price"] = payload["current_subtotal_price"] = amount
    payload["subtotal_price_set"]["shop_money"]["amount"] = amount
    return "orders/paid", payload


def with_codes(
    delivery: tuple[str, dict[str, Any]],
    discount: list[str] = [],  # noqa: B006 - never changed
    ref: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """The paid order with these discount codes and ``loyalty_ref`` (no other), from a
    customer whose Shopify account is new (so a referral can convert)."""
    topic, payload = delivery
    payload["discount_codes"] = [{"code": code, "amount": "1.00"} for code in discount]
    payload["note_attributes"] = [] if ref is None else [{"name": "loyalty_ref", "value": ref}]
    payload["landing_site"] = "/"
    payload["customer"]["created_at"] = None
    return topic, payload


def refund(refund_id: int, order_id: int, amount: str) -> tuple[str, dict[str, Any]]:
    payload = sample("refunds/create", id=refund_id, order_id=order_id)
    line = payload["refund_line_items"][0]
    line["subtotal"] = amount
    line["subtotal_set"]["shop_money"]["amount"] = amount
    return "refunds/create", payload


def cancelled(order_id: int, customer: int) -> tuple[str, dict[str, Any]]:
    payload = sample("orders/cancelled", id=order_id)
    payload["customer"]["id"] = customer
    return "orders/cancelled", payload


# Anna orders three times (twice in the first batch), Ben's order comes twice as two
# deliveries, a guest buys, Cara's order is cancelled and Anna's first is part refunded.
# Before them, in one batch: Anna uses a reward code (typed in lower case) that Ben then
# uses again, Eve and Fred come referred by Dora (friend code and link), Gus and Hal use an
# affiliate code good for one order, and Ivy's order was part refunded before it was paid.
SCENARIO = [
    refund(7_200_000_000_009, 7_100_000_000_015, "5.00"),
    with_codes(paid(7_100_000_000_009, ANNA, "30.00"), [f" {REWARD_CODE.lower()} "]),
    with_codes(paid(7_100_000_000_010, BEN, "20.00"), [REWARD_CODE]),
    with_codes(paid(7_100_000_000_011, EVE, "25.00"), [f"friend-{REFERRAL_CODE.lower()}"]),
    with_codes(paid(7_100_000_000_012, FRED, "25.00"), ref=REFERRAL_CODE.lower()),
    with_codes(paid(7_100_000_000_013, GUS, "40.00"), [AFFILIATE_CODE.lower()]),
    with_codes(paid(7_100_000_000_014, HAL, "40.00"), [f"{AFFILIATE_CODE} "], ref="unknown1"),
    with_codes(paid(7_100_000_000_015, 6_100_000_000_009, "30.00"), [AFFILIATE_CODE]),
    paid(7_100_000_000_001, ANNA, "30.00"),
    paid(7_100_000_000_002, BEN, "20.00"),
    paid(7_100_000_000_003, ANNA, "250.00"),
    paid(7_100_000_000_004, None, "15.00"),
    paid(7_100_000_000_005, CARA, "10.00"),
    paid(7_100_000_000_002, BEN, "20.00"),
    refund(7_200_000_000_001, 7_100_000_000_001, "10.00"),
    paid(7_100_000_000_006, ANNA, "40.00"),
    cancelled(7_100_000_000_005, CARA),
    paid(7_100_000_000_007, BEN, "65.00"),
    paid(7_100_000_000_008, CARA, "12.00"),
]


def make_codes(services: Services, shop: str) -> None:
    """The shop's reward code (Dora's), Dora's referral code and an affiliate's code that
    earns on one order only."""
    with services.db.transaction() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        dora = record_customer(
            session,
            shop_row,
            CustomerDetails(shopify_customer_id=DORA, email="dora@example.com", first_name="Dora"),
        )
        assert dora is not None
        session.add_all(
            [
                IssuedCode(
                    shop_id=shop_row.id,
                    customer_id=dora.id,
                    source="redemption",
                    idempotency_key="thanks",
                    code=REWARD_CODE,
                    title="5.00 off",
                    kind="fixed_amount",
                    value=Decimal("5.00"),
                    status=ISSUED,
                ),
                ReferralCode(
                    shop_id=shop_row.id,
                    customer_id=dora.id,
                    code=REFERRAL_CODE,
                    friend_code=f"FRIEND-{REFERRAL_CODE}",
                ),
            ]
        )
        affiliate, _ = create_affiliate(
            session,
            shop_row,
            {
                "name": "Spring Partner",
                "email": "spring@partners.example",
                "commission_kind": "percentage",
                "commission_value": "10",
                "payout_method": "paypal",
                "payout_details": "spring@partners.example",
            },
        )
        session.add(
            AffiliateCode(
                shop_id=shop_row.id,
                affiliate_id=affiliate.id,
                code=AFFILIATE_CODE,
                discount_kind="percentage",
                discount_value=Decimal("15"),
                max_orders=1,
            )
        )


# Members seen first in a batch: Iris's order was part refunded and Jonas's refunded in full
# before their paid events came, Kira's cancelled; Leo's first order lifts him to a tier,
# and Milo's nine orders complete his stamp card (two stamps on joining, ten a card).
IRIS, JONAS, KIRA, LEO, MILO = (6_110_000_000_000 + n for n in range(1, 6))
FIRST_ORDERS = [
    refund(7_210_000_000_001, 7_110_000_000_001, "10.00"),
    refund(7_210_000_000_002, 7_110_000_000_002, "25.00"),
    cancelled(7_110_000_000_003, KIRA),
    paid(7_110_000_000_001, IRIS, "40.00"),
    paid(7_110_000_000_002, JONAS, "25.00"),
    paid(7_110_000_000_003, KIRA, "30.00"),
    paid(7_110_000_000_004, LEO, "300.00"),
    *(paid(7_110_000_000_010 + n, MILO, "20.00") for n in range(9)),
]


def apply_both_ways(
    install: Callable[[str], None],
    sender: WebhookSender,
    services: Services,
    scenario: list[tuple[str, dict[str, Any]]],
    prepare: Callable[[Services, str], None] | None = None,
) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, list[tuple[Any, ...]]]]:
    """The scenario applied to one shop one event per transaction and to another in
    batches (each shop first given ``prepare``): what each shop was left with."""
    results = {}
    for shop, batch_size in ((ONE_AT_A_TIME, 1), (BATCHED, 20)):
        install(shop)
        if prepare is not None:
            prepare(services, shop)
        deliver_all(sender, shop, scenario)
        worker = InboxWorker(services, batch_size=batch_size)
        assert worker.run_until_idle() >= len(scenario)
        results[shop] = snapshot(services, shop)
    return results[ONE_AT_A_TIME], results[BATCHED]


def snapshot(services: Services, shop: str) -> dict[str, list[tuple[Any, ...]]]:
    """What the shop's events left, table by table, in a form two shops can share."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with services.db.sessions() as session:
        shop_id = session.scalar(text("SELECT id FROM shops WHERE domain = :d"), {"d": shop})
        shopify_ids: dict[int, int] = dict(
            session.execute(
                text("SELECT id, shopify_customer_id FROM customers WHERE shop_id = :s"),
                {"s": shop_id},
            ).all()
        )
        for table, columns in COMPARED.items():
            names = [name.strip() for name in columns.split(",")]
            rows_of = Base.metadata.tables[table]
            rows = session.execute(
                select(*(rows_of.c[name] for name in names)).where(rows_of.c.shop_id == shop_id)
            ).all()
            found[table] = sorted(
                (
                    tuple(_comparable(n, v, shopify_ids) for n, v in zip(names, row, strict=True))
                    for row in rows
                ),
                key=repr,
            )
        statuses = session.scalars(
            select(WebhookEvent.status).where(WebhookEvent.shop_domain == shop)
        ).all()
        found["webhook_events"] = sorted((status,) for status in statuses)
    return found


def _comparable(name: str, value: Any, shopify_ids: dict[int, int]) -> Any:
    if name in CUSTOMER_COLUMNS:
        return shopify_ids.get(value)
    if name == "cancelled_at":
        return value is not None
    if name == "data" and isinstance(value, str):
        data = json.loads(value)
        return json.dumps(_without_moments(data, shopify_ids), sort_keys=True)
    if name == "event_key" and isinstance(value, str):
        # Event keys name rows by our own ids ("ledger:<row id>"), which differ per shop.
        return re.sub(r"\d+", "#", value)
    if name == "idempotency_key" and isinstance(value, str):
        return CUSTOMER_KEY.sub(
            lambda m: f"{m[1]}:customer {shopify_ids.get(int(m[2]), m[2])}", value
        )
    if isinstance(value, str):
        return CODE.sub("<code>", MOMENT.sub("<moment>", value))
    return value


def _without_moments(data: Any, shopify_ids: dict[int, int]) -> Any:
    if isinstance(data, dict):
        return {k: _without_moments(v, shopify_ids) for k, v in data.items()}
    if isinstance(data, list):
        return [_without_moments(v, shopify_ids) for v in data]
    if isinstance(data, str):
        return CODE.sub("<code>", MOMENT.sub("<moment>", data))
    return data


@pytest.mark.usefixtures("worker_held")
def test_batched_paid_orders_leave_what_one_transaction_each_leaves(
    install: Callable[[str], None], sender: WebhookSender, services: Services
) -> None:
    one, batched = apply_both_ways(install, sender, services, SCENARIO, make_codes)

    assert one["webhook_events"] == [(DONE,)] * len(SCENARIO)
    # The scenario exercised what it is about: credits and take-backs, stamps, messages.
    assert len(one["ledger_entries"]) >= 8
    assert any(points < 0 for _, points, *_ in one["ledger_entries"])
    assert one["stamp_entries"] and one["notification_messages"] and one["program_events"]
    # The reward code keeps its first order, both friends were referred, the affiliate's
    # code earned on its first order only, and the earlier refund was netted.
    assert [row[1:] for row in one["issued_codes"]] == [(REWARD_CODE, "used", 7_100_000_000_009)]
    assert sorted((row[1], row[4]) for row in one["referrals"]) == [
        (EVE, "converted"),
        (FRED, "converted"),
    ]
    assert sorted((row[0], row[7], row[8]) for row in one["affiliate_conversions"]) == [
        (7_100_000_000_013, "pending", None),
        (7_100_000_000_014, "rejected", "code_order_cap"),
        (7_100_000_000_015, "rejected", "code_order_cap"),
    ]
    assert ("7100000000015", Decimal("5.00")) in {(str(row[0]), row[4]) for row in one["orders"]}
    for table in one:
        assert batched[table] == one[table], table


@pytest.mark.usefixtures("worker_held")
def test_first_orders_of_members_seen_first_in_a_batch_leave_what_one_transaction_each_leaves(
    install: Callable[[str], None], sender: WebhookSender, services: Services
) -> None:
    """Members created in a batch: the tier judged on the one order they have, their
    metafields marked stale with the batch's commit, refunds and a cancellation that came
    first, a stamp card completed within the batch."""
    one, batched = apply_both_ways(install, sender, services, FIRST_ORDERS)

    assert one["webhook_events"] == [(DONE,)] * len(FIRST_ORDERS)
    by_customer = {row[0]: row for row in one["stamp_cards"]}
    # Milo: card 1 complete (2 + 8 stamps) and its code issued; card 2 opened with the
    # head start, and his ninth stamp on it.
    assert by_customer[MILO] == (MILO, 2, 3, 1)
    assert [row[:2] for row in one["issued_codes"]] == [(MILO, "<code>")]
    # Leo moved up on his first order; Iris (30.00 net) and Jonas did not.
    assert one["tier_memberships"] == [(LEO, "silver")]
    # Iris's part refund leaves her stamp, Jonas's full refund leaves none, Kira's
    # cancelled order none.
    stamped = {row[0] for row in one["stamp_entries"] if row[1] == "order"}
    assert stamped == {IRIS, LEO, MILO}
    # Every member's metafields were marked stale.
    assert one["customer_metafield_syncs"] == sorted(
        [(customer,) for customer in (IRIS, JONAS, KIRA, LEO, MILO)], key=repr
    )
    for table in one:
        assert batched[table] == one[table], table


@pytest.mark.usefixtures("worker_held")
def test_a_message_applies_the_paid_orders_waiting_beside_its_own_event(
    shop: str, sender: WebhookSender, services: Services
) -> None:
    deliver_all(sender, shop, [paid(7_300_000_000_000 + n, ANNA, "10.00") for n in range(5)])
    deliver_all(sender, shop, [refund(7_400_000_000_001, 7_300_000_000_001, "5.00")])
    events = event_ids(services, shop)
    worker = InboxWorker(services)

    # A refund is applied on its own.
    assert worker.apply_one(events[5]) == Result.DONE
    assert statuses(services, events) == [PENDING] * 5 + [DONE]
    # The message for the third order applies all five, in the order they came.
    assert worker.apply_one(events[2]) == Result.DONE
    assert statuses(services, events) == [DONE] * 6
    # The first order's own message finds it applied.
    assert worker.apply_one(events[0]) == Result.LOST
    with services.db.sessions() as session:
        points = session.scalar(text("SELECT sum(points) FROM ledger_entries"))
    assert points == 5 * 10 - 5


@pytest.mark.usefixtures("worker_held")
def test_a_message_whose_event_is_not_due_takes_the_paid_orders_waiting(
    shop: str, sender: WebhookSender, services: Services, database_url: str
) -> None:
    deliver_all(sender, shop, [paid(7_700_000_000_000 + n, ANNA, "10.00") for n in range(4)])
    events = event_ids(services, shop)
    # The first order is applied, the second held by another worker's batch.
    assert InboxWorker(services, batch_size=1).apply_one(events[0]) == Result.DONE
    other = InboxWorker(services, batch_size=1)
    assert other.claim_next() == (events[1], "orders/paid")
    worker = InboxWorker(services)

    # The first order's message finds it applied: the worker, free, applies the two
    # waiting (their own messages might wait behind a busy worker's batch).
    assert worker.apply_one(events[0]) == Result.LOST
    assert statuses(services, events) == [DONE, PROCESSING, DONE, DONE]

    # With nothing waiting, a message whose event is held costs two statements: its claim
    # and the look for waiting orders.
    with statements_and_autocommit(services) as sent:
        assert worker.apply_one(events[1]) == Result.LOST
    claims = [statement for statement, _ in sent if not statement.startswith("BEGIN")]
    assert [statement.split()[0] for statement in claims] == ["UPDATE", "WITH"]
    if database_url.startswith("postgresql"):
        # Each claim is its own transaction: no BEGIN and COMMIT around it.
        assert [autocommit for _, autocommit in sent] == [True, True]
    assert statuses(services, events) == [DONE, PROCESSING, DONE, DONE]
    assert other.apply_batch([events[1]]) == [Result.DONE]
    with services.db.sessions() as session:
        points = session.scalar(text("SELECT sum(points) FROM ledger_entries"))
    assert points == 4 * 10


@contextmanager
def statements_and_autocommit(services: Services) -> Iterator[list[tuple[str, bool]]]:
    """The statements sent in the block, each with whether its connection was in
    autocommit mode (PostgreSQL: no transaction of its own was opened around it)."""
    sent: list[tuple[str, bool]] = []

    def listener(conn: Any, _cur: Any, statement: str, *_: Any) -> None:
        sent.append(
            (statement, bool(getattr(conn.connection.dbapi_connection, "autocommit", False)))
        )

    event.listen(services.db.engine, "before_cursor_execute", listener)
    try:
        yield sent
    finally:
        event.remove(services.db.engine, "before_cursor_execute", listener)


@pytest.mark.usefixtures("worker_held")
def test_a_bad_event_in_a_batch_fails_alone_and_the_others_are_applied(
    shop: str, sender: WebhookSender, services: Services
) -> None:
    broken = paid(7_500_000_000_002, BEN, "10.00")
    broken[1]["customer"]["id"] = "not a number"
    deliver_all(
        sender,
        shop,
        [paid(7_500_000_000_001, ANNA, "10.00"), broken, paid(7_500_000_000_003, CARA, "10.00")],
    )
    events = event_ids(services, shop)
    worker = InboxWorker(services)

    assert worker.apply_one(events[0]) == Result.DONE
    assert statuses(services, events) == [DONE, FAILED, DONE]
    with services.db.sessions() as session:
        error = session.scalar(select(WebhookEvent.last_error).where(WebhookEvent.id == events[1]))
        credited = session.scalars(
            text("SELECT shopify_order_id FROM ledger_entries ORDER BY shopify_order_id")
        ).all()
    assert error is not None and error.startswith("invalid payload")
    assert credited == [7_500_000_000_001, 7_500_000_000_003]


@pytest.mark.usefixtures("worker_held")
def test_a_batch_marks_its_members_stale_in_one_statement_and_sums_no_new_members_orders(
    shop: str, sender: WebhookSender, services: Services
) -> None:
    """Five new members and a regular in one batch: one statement marks all six stale (no
    lookup of their rows), and only the regular's orders are summed for the tier."""
    regular = 6_120_000_000_000
    deliver_all(sender, shop, [paid(7_130_000_000_000, regular, "10.00")])
    InboxWorker(services).run_until_idle()
    newcomers = [paid(7_130_000_000_001 + n, 6_120_000_000_001 + n, "10.00") for n in range(5)]
    deliver_all(sender, shop, [*newcomers, paid(7_130_000_000_010, regular, "10.00")])

    sent = statements_sent(services, lambda: InboxWorker(services).run_until_idle(limit=1))

    assert statuses(services, event_ids(services, shop)) == [DONE] * 7
    marks = [statement for statement in sent if "customer_metafield_syncs" in statement]
    assert len(marks) == 1 and marks[0].startswith("INSERT INTO customer_metafield_syncs")
    sums = [statement for statement in sent if "FROM orders" in statement and "sum(" in statement]
    assert len(sums) == 1
    with services.db.sessions() as session:
        stale = session.scalar(
            text("SELECT count(*) FROM customer_metafield_syncs WHERE stale_since IS NOT NULL")
        )
    assert stale == 6


@pytest.mark.usefixtures("worker_held")
def test_a_new_member_applied_alone_is_marked_stale_at_the_end_and_sums_no_orders(
    shop: str, sender: WebhookSender, services: Services
) -> None:
    deliver_all(sender, shop, [paid(7_140_000_000_001, 6_130_000_000_001, "300.00")])

    sent = statements_sent(services, lambda: InboxWorker(services, batch_size=1).run_until_idle(1))

    marks = [statement for statement in sent if "customer_metafield_syncs" in statement]
    assert len(marks) == 1 and marks[0].startswith("INSERT INTO customer_metafield_syncs")
    # After every write of the event, before the event is marked done.
    done = next(
        i
        for i, statement in enumerate(sent)
        if statement.startswith("UPDATE webhook_events") and "processed_at" in statement
    )
    assert sent.index(marks[0]) < done
    assert not [
        statement for statement in sent if "FROM orders" in statement and "sum(" in statement
    ]
    with services.db.sessions() as session:
        tier = session.scalar(text("SELECT tier_key FROM tier_memberships"))
    assert tier == "silver"


def statements_sent(services: Services, call: Callable[[], object]) -> list[str]:
    """The SQL statements this thread sent during ``call``."""
    sent: list[str] = []
    here = threading.current_thread()

    def listener(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if threading.current_thread() is here:
            sent.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        event.remove(services.db.engine, "before_cursor_execute", listener)
    return sent


def event_ids(services: Services, shop: str) -> list[int]:
    with services.db.sessions() as session:
        return list(
            session.scalars(
                select(WebhookEvent.id)
                .where(WebhookEvent.shop_domain == shop)
                .order_by(WebhookEvent.id)
            )
        )


def statuses(services: Services, events: list[int]) -> list[str]:
    with services.db.sessions() as session:
        found = dict(
            session.execute(
                select(WebhookEvent.id, WebhookEvent.status).where(WebhookEvent.id.in_(events))
            ).all()
        )
    return [found[event_id] for event_id in events]


@pytest.mark.usefixtures("worker_held")
def test_workers_racing_through_a_backlog_of_repeat_customers_credit_each_order_once(
    shop: str, sender: WebhookSender, services: Services, database_url: str
) -> None:
    """Four workers at once on 120 paid orders of six customers, each order delivered
    twice: batches share customers (locks taken in different orders) and duplicates."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite applies one write transaction at a time")
    customers = [6_200_000_000_000 + n for n in range(6)]
    orders = [
        paid(7_600_000_000_000 + n, customers[n % len(customers)], "10.00") for n in range(120)
    ]
    deliver_all(sender, shop, [*orders, *reversed(orders)])
    workers = [InboxWorker(services) for _ in range(4)]
    with ThreadPoolExecutor(len(workers)) as pool:
        list(pool.map(lambda worker: worker.run_until_idle(), workers))

    with services.db.sessions() as session:
        waiting = session.scalar(select(func.count()).where(WebhookEvent.status != DONE))
        credited = {
            customer: (int(points), count)
            for customer, points, count in session.execute(
                text(
                    "SELECT c.shopify_customer_id, sum(l.points), count(*)"
                    " FROM ledger_entries l JOIN customers c ON c.id = l.customer_id"
                    " WHERE l.shopify_order_id IS NOT NULL GROUP BY c.shopify_customer_id"
                )
            )
        }
    assert waiting == 0
    # Twenty orders of 10.00 each: ten points an order, credited once.
    assert credited == {customer: (20 * 10, 20) for customer in customers}


@pytest.mark.usefixtures("worker_held")
def test_a_message_naming_several_events_applies_each_once_and_none_ahead_of_an_earlier(
    shop: str, sender: WebhookSender, services: Services, database_url: str
) -> None:
    """Two paid orders, a refund of the first, two more paid orders: one message naming
    them all applies the first two together, then the refund, then the last two."""
    first, second, third, fourth = (7_800_000_000_000 + n for n in range(4))
    deliver_all(
        sender,
        shop,
        [
            paid(first, ANNA, "30.00"),
            paid(second, BEN, "20.00"),
            refund(7_900_000_000_001, first, "10.00"),
            paid(third, ANNA, "40.00"),
            paid(fourth, CARA, "10.00"),
        ],
    )
    events = event_ids(services, shop)
    worker = InboxWorker(services)

    with statements_and_autocommit(services) as sent:
        results = worker.apply_each([events[4], *events])  # named twice: applied once

    assert results == [Result.DONE] * 6
    assert statuses(services, events) == [DONE] * 5
    applied_at = processed_at(services, events)
    assert applied_at == sorted(applied_at)
    if database_url.startswith("postgresql"):
        # Five claims (each its own statement): the first order and the second beside
        # it, the refund, the third order and the fourth beside it. No event was claimed
        # again, though the message names it.
        assert sum(autocommit for _, autocommit in sent) == 5
    with services.db.sessions() as session:
        points = session.scalar(text("SELECT sum(points) FROM ledger_entries"))
    assert points == 30 + 20 - 10 + 40 + 10


def processed_at(services: Services, events: list[int]) -> list[Any]:
    with services.db.sessions() as session:
        found = dict(
            session.execute(
                select(WebhookEvent.id, WebhookEvent.processed_at).where(
                    WebhookEvent.id.in_(events)
                )
            ).all()
        )
    return [found[event_id] for event_id in events]


@pytest.mark.usefixtures("worker_held")
def test_workers_racing_through_messages_naming_several_events_apply_each_once(
    shop: str, sender: WebhookSender, services: Services, database_url: str
) -> None:
    """Four workers at once, each given messages of eight events; every event is named by
    two messages of different workers (as a batch's message and the sweeper's)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite applies one write transaction at a time")
    customers = [6_300_000_000_000 + n for n in range(6)]
    orders = [
        paid(7_810_000_000_000 + n, customers[n % len(customers)], "10.00") for n in range(96)
    ]
    deliver_all(sender, shop, orders)
    events = event_ids(services, shop)
    messages = [events[start : start + 8] for start in range(0, len(events), 8)]
    shifted = [events[start : start + 8] for start in range(4, len(events), 8)] + [events[:4]]
    workers = [InboxWorker(services) for _ in range(4)]
    given = [messages[n::2] if n < 2 else list(reversed(shifted[n % 2 :: 2])) for n in range(4)]

    def run(worker: InboxWorker, its_messages: list[list[int]]) -> list[tuple[int, Result]]:
        results: list[tuple[int, Result]] = []
        for message in its_messages:
            results.extend(zip(message, worker.apply_each(message), strict=True))
        return results

    with ThreadPoolExecutor(len(workers)) as pool:
        outcomes = [pair for found in pool.map(run, workers, given) for pair in found]

    # Every event was named twice; no two messages applied the same one (a message's
    # batches also apply events that only other messages name).
    assert sorted(event_id for event_id, _ in outcomes) == sorted(events * 2)
    applied = [event_id for event_id, result in outcomes if result == Result.DONE]
    assert len(applied) == len(set(applied))
    assert statuses(services, events) == [DONE] * len(events)
    with services.db.sessions() as session:
        credited = session.execute(
            text(
                "SELECT count(*), count(DISTINCT shopify_order_id), sum(points)"
                " FROM ledger_entries WHERE shopify_order_id IS NOT NULL"
            )
        ).one()
    assert tuple(credited) == (96, 96, 96 * 10)
