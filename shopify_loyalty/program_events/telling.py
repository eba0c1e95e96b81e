"""Telling a customer's recent facts: the emails to queue and the program events to record.

The end of an order or customer webhook does both, and both read the same week of the
same facts beyond the ledger (reward codes, tier moves, expiry warnings, referrals), so
those are read once and given to each. Queueing messages writes none of those facts, so
the second reader would have found the same rows.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.notifications.facts import ledger_notices, program_notices
from shopify_loyalty.notifications.outbox import RECENT as MESSAGES_RECENT
from shopify_loyalty.notifications.outbox import queue_notices
from shopify_loyalty.points.ledger import Balance
from shopify_loyalty.program_events.recording import RECENT as EVENTS_RECENT
from shopify_loyalty.program_events.recording import recent_facts, record_facts
from shopify_loyalty.shops.models import Shop


def tell_recent_facts(session: Session, shop: Shop, customer: Customer | None) -> None:
    """Queue the messages and record the program events for the customer's recent facts
    (what ``queue_notifications`` and ``record_customer_events`` do one after the other)."""
    if customer is None:
        return
    now = utcnow()
    customers = [customer.id]
    messages_since, events_since = now - MESSAGES_RECENT, now - EVENTS_RECENT
    shared = program_notices(session, shop, messages_since, customers)
    # Messages write no ledger rows: the balances the notices read hold for the events too.
    balances: dict[int, Balance] = {}
    earned = ledger_notices(session, shop, messages_since, customers, balances)
    queue_notices(session, shop, [*earned, *shared])
    facts = recent_facts(
        session,
        shop,
        events_since,
        customers,
        notices=shared if events_since == messages_since else None,
    )
    record_facts(session, shop, facts, events_since, customers, balances)
