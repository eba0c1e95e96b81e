"""A batch of paid orders creates its new members and inserts their orders (and guests'),
the stamp rule's notes of them and the members' stamp cards ahead, one statement a table;
each event takes its own rows and leaves what it would have left alone: repeated customers
and orders, known members, a first order that fills a card and a failing event included.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select, text

from shopify_loyalty.inbox.models import DONE, FAILED
from shopify_loyalty.inbox.worker import InboxWorker, Result
from shopify_loyalty.programs.config import save
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.stamps.rules import StampConfig
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.engine.conftest import deliver_all
from tests.engine.test_batched_apply import (
    apply_both_ways,
    event_ids,
    paid,
    statements_sent,
    statuses,
)

NORA, OTTO, PIA, QUIN = (6_140_000_000_000 + n for n in range(1, 5))


def ledger(services: Services) -> list[tuple[int, int, int]]:
    """Every ledger row: the Shopify customer, the order and the points."""
    with services.db.sessions() as session:
        rows = session.execute(
            text(
                "SELECT c.shopify_customer_id, l.shopify_order_id, l.points"
                " FROM ledger_entries AS l JOIN customers AS c ON c.id = l.customer_id"
                " ORDER BY l.shopify_order_id"
            )
        ).all()
    return [tuple(row) for row in rows]


def count(services: Services, query: str) -> int:
    with services.db.sessions() as session:
        return int(session.scalar(text(query)) or 0)


@pytest.mark.usefixtures("worker_held")
def test_new_members_and_guests_orders_in_a_batch_are_inserted_with_one_statement_a_table(
    shop: str, sender: WebhookSender, services: Services
) -> None:
    newcomers = [paid(7_150_000_000_001 + n, 6_150_000_000_001 + n, "10.00") for n in range(4)]
    deliver_all(sender, shop, [*newcomers, paid(7_150_000_000_010, None, "15.00")])

    sent = statements_sent(services, lambda: InboxWorker(services).run_until_idle(limit=1))

    assert statuses(services, event_ids(services, shop)) == [DONE] * 5
    assert len([s for s in sent if s.startswith("INSERT INTO customers")]) == 1
    assert len([s for s in sent if s.startswith("INSERT INTO orders")]) == 1
    for table in ("stamp_orders", "stamp_entries", "stamp_cards"):
        assert len([s for s in sent if s.startswith(f"INSERT INTO {table} ")]) == 1
    assert ledger(services) == [
        (6_150_000_000_001 + n, 7_150_000_000_001 + n, 10) for n in range(4)
    ]
    assert count(services, "SELECT count(*) FROM orders") == 5
    assert count(services, "SELECT count(*) FROM orders WHERE customer_id IS NULL") == 1
    # Each new member's card: the head start and the order's stamp.
    assert count(services, "SELECT count(*) FROM stamp_entries") == 8
    # The stamp rule's notes of each member's order; none of the guest's.
    assert count(services, "SELECT count(*) FROM stamp_orders WHERE paid_at IS NOT NULL") == 4
    assert count(services, "SELECT count(*) FROM stamp_orders") == 4
    # Each card holds what its entries add up to.
    with services.db.sessions() as session:
        cards = session.execute(
            text(
                "SELECT c.collected, sum(e.stamps) FROM stamp_cards AS c"
                " JOIN stamp_entries AS e ON e.customer_id = c.customer_id GROUP BY c.id"
            )
        ).all()
    assert len(cards) == 4 and all(collected == stamps for collected, stamps in cards)


# Nora orders twice, Otto's order comes twice, Pia is a member already whose email changed,
# a guest's order comes twice, and Quin is new and orders once.
REPEATS = [
    paid(7_160_000_000_001, NORA, "20.00"),
    paid(7_160_000_000_002, OTTO, "30.00"),
    paid(7_160_000_000_003, NORA, "40.00"),
    paid(7_160_000_000_004, PIA, "50.00"),
    paid(7_160_000_000_005, None, "15.00"),
    paid(7_160_000_000_002, OTTO, "30.00"),
    paid(7_160_000_000_005, None, "15.00"),
    paid(7_160_000_000_006, QUIN, "60.00"),
]


def pia_is_a_member(services: Services, shop: str) -> None:
    with services.db.transaction() as session:
        session.execute(
            text(
                "INSERT INTO customers (shop_id, shopify_customer_id, email,"
                " accepts_email_marketing, created_at, updated_at)"
                " SELECT id, :pia, 'old@example.com', false, :now, :now FROM shops"
                " WHERE domain = :shop"
            ),
            {"pia": PIA, "shop": shop, "now": "2026-01-01 00:00:00+00:00"},
        )


@pytest.mark.usefixtures("worker_held")
def test_repeated_customers_and_orders_in_a_batch_are_credited_once_as_one_at_a_time(
    install: Callable[[str], None], sender: WebhookSender, services: Services
) -> None:
    one, batched = apply_both_ways(install, sender, services, REPEATS, pia_is_a_member)

    assert batched == one
    assert batched["webhook_events"] == [(DONE,)] * len(REPEATS)
    # Each row: customer, points, reason, source, key, order.
    credited = [(row[0], row[5], row[1]) for row in batched["ledger_entries"]]
    assert sorted(credited) == [
        (NORA, 7_160_000_000_001, 20),
        (NORA, 7_160_000_000_003, 40),
        (OTTO, 7_160_000_000_002, 30),
        (PIA, 7_160_000_000_004, 50),
        (QUIN, 7_160_000_000_006, 60),
    ]
    pia = next(row for row in batched["customers"] if row[0] == PIA)
    assert pia[1] == f"{PIA}@example.com"
    assert len(batched["customers"]) == 4 and len(batched["orders"]) == 6


def cards_of_three(services: Services, shop: str) -> None:
    """Cards of three stamps: a new member's first order fills the first (two stamps on
    joining)."""
    with services.db.transaction() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        save(session, shop_row, StampConfig, {"card_size": 3, "head_start": 2})


@pytest.mark.usefixtures("worker_held")
def test_new_members_whose_first_order_fills_a_card_get_it_completed_as_one_at_a_time(
    install: Callable[[str], None], sender: WebhookSender, services: Services
) -> None:
    orders = [paid(7_180_000_000_001 + n, 6_180_000_000_001 + n, "20.00") for n in range(3)]

    one, batched = apply_both_ways(install, sender, services, orders, cards_of_three)

    assert batched == one
    # Each card: number 2 now with its head start, the first completed and its code issued.
    assert [row[1:] for row in batched["stamp_cards"]] == [(2, 2, 1)] * 3
    assert len(batched["issued_codes"]) == 3


@pytest.mark.usefixtures("worker_held")
def test_an_event_failing_after_its_rows_were_stored_ahead_leaves_none_of_them(
    shop: str, sender: WebhookSender, services: Services
) -> None:
    """Otto's order reads well up to its line items, which its stamp needs: the batch
    fails after his member, order and points were written, and each event is applied
    again alone."""
    broken = paid(7_170_000_000_002, OTTO, "30.00")
    broken[1]["line_items"] = "not a list"
    deliver_all(
        sender,
        shop,
        [paid(7_170_000_000_001, NORA, "20.00"), broken, paid(7_170_000_000_003, PIA, "40.00")],
    )
    events = event_ids(services, shop)

    assert InboxWorker(services).apply_one(events[0]) == Result.DONE

    assert statuses(services, events) == [DONE, FAILED, DONE]
    assert ledger(services) == [(NORA, 7_170_000_000_001, 20), (PIA, 7_170_000_000_003, 40)]
    with services.db.sessions() as session:
        members = session.scalars(
            text("SELECT shopify_customer_id FROM customers ORDER BY shopify_customer_id")
        ).all()
        orders = session.scalars(text("SELECT shopify_order_id FROM orders ORDER BY 1")).all()
    assert members == [NORA, PIA]
    assert orders == [7_170_000_000_001, 7_170_000_000_003]
