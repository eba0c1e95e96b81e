"""Telling a customer's recent facts: the emails to queue and the program events to record.

The end of an order or customer webhook does both, and both read the same week of the
same facts beyond the ledger (reward codes, tier moves, expiry warnings, referrals), so
those are read once and given to each. Queueing messages writes none of those facts, so
the second reader would have found the same rows.

When several paid orders are applied in one transaction, the telling is held back and done
once for all their customers (``holding_back``): the queries take a list of customers, so
eighty customers cost about what one does. A customer is told before an event of theirs is
applied, so each of their messages tells the balance right after its own order, as when
every event has its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.notifications.facts import ledger_notices, program_notices
from shopify_loyalty.notifications.outbox import RECENT as MESSAGES_RECENT
from shopify_loyalty.notifications.outbox import queue_notices
from shopify_loyalty.points.ledger import Balance, balances_of
from shopify_loyalty.program_events.recording import RECENT as EVENTS_RECENT
from shopify_loyalty.program_events.recording import (
    points_entries,
    recent_facts,
    record_facts,
)
from shopify_loyalty.shops.models import Shop

HELD_BACK = "program_events.held_back_telling"


class _HeldBack:
    """The customers waiting to be told, per shop, in the order they came."""

    def __init__(self) -> None:
        self.shops: dict[int, Shop] = {}
        # Shop id: {customer id: customer}. Holding the customers keeps them in the
        # session's identity map (it holds them weakly), so telling reads none again.
        self.customers: dict[int, dict[int, Customer]] = {}

    def add(self, shop: Shop, customer: Customer) -> None:
        self.shops[shop.id] = shop
        self.customers.setdefault(shop.id, {})[customer.id] = customer

    def waiting(self, shop: Shop, shopify_customer_id: int) -> bool:
        return any(
            customer.shopify_customer_id == shopify_customer_id
            for customer in self.customers.get(shop.id, {}).values()
        )

    def tell(self, session: Session) -> None:
        for shop_id, customers in self.customers.items():
            _tell(session, self.shops[shop_id], list(customers))
        self.shops.clear()
        self.customers.clear()


@contextmanager
def holding_back(session: Session) -> Iterator[None]:
    """Hold back ``tell_recent_facts`` within the block and tell everyone held back at its
    end (not when the block raises: the transaction is then rolled back anyway)."""
    held = _HeldBack()
    session.info[HELD_BACK] = held
    try:
        yield
        held.tell(session)
    finally:
        session.info.pop(HELD_BACK, None)


def tell_before_event_of(session: Session, shop: Shop, shopify_customer_id: int | None) -> None:
    """An event of this customer is next: if they are held back, tell everyone held back
    now, so their messages do not see what the next event changes."""
    held: _HeldBack | None = session.info.get(HELD_BACK)
    if held is not None and shopify_customer_id is not None:
        if held.waiting(shop, shopify_customer_id):
            held.tell(session)


def tell_recent_facts(session: Session, shop: Shop, customer: Customer | None) -> None:
    """Queue the messages and record the program events for the customer's recent facts
    (what ``queue_notifications`` and ``record_customer_events`` do one after the other)."""
    if customer is None:
        return
    held: _HeldBack | None = session.info.get(HELD_BACK)
    if held is not None:
        held.add(shop, customer)
        return
    _tell(session, shop, [customer.id])


def _tell(session: Session, shop: Shop, customers: list[int]) -> None:
    now = utcnow()
    messages_since, events_since = now - MESSAGES_RECENT, now - EVENTS_RECENT
    shared = program_notices(session, shop, messages_since, customers)
    # Messages write no ledger rows: the balances the notices read hold for the events too.
    # Several customers: their balances in one query rather than one each.
    balances: dict[int, Balance] = (
        balances_of(session, shop, customers) if len(customers) > 1 else {}
    )
    same_window = events_since == messages_since
    # The ledger rows the events tell include those the messages tell: read once.
    week = points_entries(session, shop, events_since, customers) if same_window else None
    earned = ledger_notices(session, shop, messages_since, customers, balances, week)
    queue_notices(session, shop, [*earned, *shared])
    facts = recent_facts(
        session,
        shop,
        events_since,
        customers,
        notices=shared if same_window else None,
        entries=week,
    )
    record_facts(session, shop, facts, events_since, customers, balances)
