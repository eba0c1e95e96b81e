"""Telling several customers at once (the end of a batch of paid orders) queues the messages
and records the program events that telling each on their own does, with fewer statements.

Each test stores its facts and tells them twice in one transaction: held back and told
together inside a savepoint that is then rolled back, and one customer at a time.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.notifications.models import SWITCHED_OFF, NotificationMessage
from shopify_loyalty.notifications.switches import EmailMessages
from shopify_loyalty.points.models import ExpiryReminder, LedgerEntry
from shopify_loyalty.points.sources import BIRTHDAY_BONUS, ORDER_REASON
from shopify_loyalty.program_events.models import ProgramEvent
from shopify_loyalty.program_events.telling import holding_back, tell_recent_facts
from shopify_loyalty.programs.config import save
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.models import TierMove
from shopify_loyalty.unique_rows import insert_unless_present

FACT_TABLES = ("issued_codes", "tier_moves", "points_expiry_reminders", "referrals")


def customer_with_ledger(session: Session, owner: Shop, shopify_id: int) -> Customer:
    """A customer with points from an order and a birthday, points spent on a reward and
    points added by hand (the rows told as messages, events, or both)."""
    customer = insert_unless_present(
        session,
        Customer(shop_id=owner.id, shopify_customer_id=shopify_id, email=f"c{shopify_id}@ex.com"),
    )
    assert customer is not None
    rows = [
        ("order", ORDER_REASON, 40, 7_000_000 + shopify_id),
        ("bonus", BIRTHDAY_BONUS, 15, None),
        ("redemption", "reward", -20, None),
        ("adjustment", "goodwill", 5, None),
    ]
    for source, reason, points, order_id in rows:
        session.add(
            LedgerEntry(
                shop_id=owner.id,
                customer_id=customer.id,
                points=points,
                reason=reason,
                source=source,
                idempotency_key=f"telling:{shopify_id}:{source}",
                shopify_order_id=order_id,
                available_at=utcnow() - timedelta(minutes=1),
            )
        )
    session.flush()
    return customer


def told(session: Session, owner: Shop) -> tuple[list[Any], list[Any]]:
    """The shop's messages and program events, in a form two tellings can share."""
    messages = session.execute(
        select(
            NotificationMessage.customer_id,
            NotificationMessage.kind,
            NotificationMessage.event_key,
            NotificationMessage.recipient,
            NotificationMessage.locale,
            NotificationMessage.data,
            NotificationMessage.status,
            NotificationMessage.skip_reason,
        ).where(NotificationMessage.shop_id == owner.id)
    ).all()
    events = session.execute(
        select(
            ProgramEvent.customer_id, ProgramEvent.topic, ProgramEvent.event_key, ProgramEvent.data
        ).where(ProgramEvent.shop_id == owner.id)
    ).all()
    return sorted(map(tuple, messages)), sorted(map(tuple, events))


def tell_together_then_one_by_one(
    session: Session, owner: Shop, customers: list[Customer], statements: list[str] | None = None
) -> tuple[tuple[list[Any], list[Any]], tuple[list[Any], list[Any]]]:
    """What telling ``customers`` together leaves, and what telling each alone leaves;
    ``statements`` gets those sent while telling them together."""
    nested = session.begin_nested()
    connection = session.connection()

    def count(*args: Any) -> None:
        if statements is not None:
            statements.append(args[2])

    with holding_back(session):
        for customer in customers:
            tell_recent_facts(session, owner, customer)
        event.listen(connection, "before_cursor_execute", count)
    event.remove(connection, "before_cursor_execute", count)
    together = told(session, owner)
    nested.rollback()
    for customer in customers:
        tell_recent_facts(session, owner, session.get(Customer, customer.id))
    return together, told(session, owner)


def shop_row(session: Session, shop: str) -> Shop:
    return session.scalars(select(Shop).where(Shop.domain == shop)).one()


def test_a_batch_without_codes_tier_moves_warnings_or_referrals_reads_none_of_them(
    services: Services, shop: str
) -> None:
    with services.db.transaction() as session:
        owner = shop_row(session, shop)
        customers = [customer_with_ledger(session, owner, n) for n in (1, 2, 3)]
        statements: list[str] = []
        together, one_by_one = tell_together_then_one_by_one(session, owner, customers, statements)
        session.rollback()

    assert together == one_by_one
    messages, events = together
    assert sorted(kind for _, kind, *_ in messages) == sorted(["birthday", "points_earned"] * 3)
    assert sorted(topic for _, topic, *_ in events) == sorted(
        ["points.earned"] * 9 + ["points.spent"] * 3
    )
    # One statement asks whether any of the four kinds of facts exist; the ledger's week
    # is read once for messages and events, besides the balances.
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert sum(any(table in s for table in FACT_TABLES) for s in reads) == 1
    assert sum("FROM ledger_entries" in s for s in reads) == 2
    # The shop's settings once (the first read in this transaction), then: which facts
    # exist, balances, the week's ledger, its orders' names, messages told, messages
    # queued, events known, events recorded, webhook endpoints.
    assert sum("FROM program_configs" in s for s in reads) == 1
    assert len(statements) == 10, statements


def test_customers_with_an_expiry_warning_or_a_tier_move_are_told_as_one_by_one(
    services: Services, shop: str
) -> None:
    with services.db.transaction() as session:
        owner = shop_row(session, shop)
        warned, moved, plain = (customer_with_ledger(session, owner, n) for n in (4, 5, 6))
        session.add_all(
            [
                ExpiryReminder(
                    shop_id=owner.id,
                    customer_id=warned.id,
                    points=40,
                    last_activity_at=utcnow() - timedelta(days=300),
                    expires_at=utcnow() + timedelta(days=30),
                ),
                TierMove(
                    shop_id=owner.id,
                    customer_id=moved.id,
                    from_tier=None,
                    to_tier="gold",
                    reason="order",
                    qualifying_value=Decimal("250.00"),
                ),
            ]
        )
        session.flush()
        statements: list[str] = []
        together, one_by_one = tell_together_then_one_by_one(
            session, owner, [warned, moved, plain], statements
        )
        warned_id, moved_id = warned.id, moved.id
        session.rollback()

    assert together == one_by_one
    messages, events = together
    kinds = {(customer, kind) for customer, kind, *_ in messages}
    assert (warned_id, "points_expiring") in kinds and (moved_id, "tier_up") in kinds
    topics = {(customer, topic) for customer, topic, *_ in events}
    assert (warned_id, "points.expiring") in topics and (moved_id, "tier.changed") in topics
    # Besides the statement asking which exist, the two kinds found are read; codes and
    # referrals are not.
    reads = [s for s in statements if not s.startswith("SELECT EXISTS")]
    assert len(reads) < len(statements)
    assert sum("FROM tier_moves" in s for s in reads) == 1
    assert sum("FROM points_expiry_reminders" in s for s in reads) == 1
    assert not any("FROM issued_codes" in s or "FROM referrals" in s for s in reads)


def test_messages_switched_off_are_skipped_in_a_batch_and_the_events_recorded(
    services: Services, shop: str
) -> None:
    with services.db.transaction() as session:
        owner = shop_row(session, shop)
        save(session, owner, EmailMessages, {"points_earned": False, "birthday": False})
        customers = [customer_with_ledger(session, owner, n) for n in (7, 8)]
        together, one_by_one = tell_together_then_one_by_one(session, owner, customers)
        session.rollback()

    assert together == one_by_one
    messages, events = together
    assert len(messages) == 4
    assert {(status, reason) for *_, status, reason in messages} == {("skipped", SWITCHED_OFF)}
    assert len(events) == 8
