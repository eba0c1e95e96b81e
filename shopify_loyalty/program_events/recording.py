"""Recording program events from the facts the engine already keeps.

The engine records its facts where they belong (ledger rows, issued codes, tier moves,
expiry reminders, referrals). The places that tell shoppers of them (the end of the order
and customer webhooks, a code reaching Shopify, the hourly periodic job) call
:func:`record_customer_events` or :func:`record_shop_events` too, and those read the same
facts with the notifications' readers (``notifications.facts``) plus the ledger's points
earned and spent. Each new fact becomes one :class:`ProgramEvent`; its delivery to Flow and
to webhook endpoints is queued as jobs in the same transaction, so nothing is sent from a
web request and nothing is sent for a change that rolls back.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.notifications.facts import Notice, program_notices
from shopify_loyalty.notifications.kinds import Kind
from shopify_loyalty.points.ledger import Balance, balance_of
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.points.sources import Source
from shopify_loyalty.program_events.models import ProgramEvent
from shopify_loyalty.program_events.topics import Topic
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.unique_rows import insert_unless_present, insert_values_unless_present

# Facts older than this are not announced: turning integrations on never floods them with
# old news, and a periodic run only reads a week of rows.
RECENT = timedelta(days=7)

EARNING_SOURCES = (Source.ORDER, Source.BONUS, Source.ADJUSTMENT)
KIND_TOPICS: dict[Kind, Topic] = {
    Kind.REWARD_CODE_ISSUED: Topic.REWARD_ISSUED,
    Kind.STAMP_CARD_COMPLETED: Topic.STAMP_CARD_COMPLETED,
    Kind.TIER_UP: Topic.TIER_CHANGED,
    Kind.TIER_DOWN: Topic.TIER_CHANGED,
    Kind.POINTS_EXPIRING: Topic.POINTS_EXPIRING,
    Kind.REFERRAL_CONVERTED: Topic.REFERRAL_CONVERTED,
}


@dataclass(frozen=True)
class Fact:
    topic: Topic
    customer_id: int
    key: str
    data: dict[str, Any] = field(default_factory=dict)


def record_customer_events(session: Session, shop: Shop, customer: Customer | None) -> int:
    """Record the customer's recent facts not recorded yet; returns how many were new."""
    if customer is None:
        return 0
    since = utcnow() - RECENT
    facts = recent_facts(session, shop, since, [customer.id])
    return record_facts(session, shop, facts, since, [customer.id])


def record_shop_events(session: Session, shop: Shop) -> int:
    """Record every recent fact of the shop not recorded yet (the hourly catch-up)."""
    since = utcnow() - RECENT
    return record_facts(session, shop, recent_facts(session, shop, since), since)


def recent_facts(
    session: Session,
    shop: Shop,
    since: datetime,
    customer_ids: Sequence[int] | None = None,
    notices: Sequence[Notice] | None = None,
    entries: Sequence[LedgerEntry] | None = None,
) -> list[Fact]:
    """The facts since ``since``; ``notices`` are the ``program_notices`` and ``entries``
    the ``points_entries`` of the same window when the caller has read them already."""
    if notices is None:
        notices = program_notices(session, shop, since, customer_ids)
    facts = [
        Fact(KIND_TOPICS[n.kind], n.customer_id, n.key, _with_direction(n.kind, n.data))
        for n in notices
        if n.kind in KIND_TOPICS
    ]
    if entries is None:
        entries = points_entries(session, shop, since, customer_ids)
    return [*facts, *points_facts(entries)]


def _with_direction(kind: Kind, data: dict[str, Any]) -> dict[str, Any]:
    if kind is Kind.TIER_UP:
        return {**data, "direction": "up"}
    if kind is Kind.TIER_DOWN:
        return {**data, "direction": "down"}
    return dict(data)


def points_entries(
    session: Session, shop: Shop, since: datetime, customer_ids: Sequence[int] | None
) -> list[LedgerEntry]:
    """The ledger rows told as points earned (orders, bonuses, added by hand) and spent on
    rewards, in id order. They include every row ``notifications.facts.ledger_notices``
    tells of the same window, so a caller telling both reads the ledger once."""
    query = _points_query(customer_ids is not None)
    return list(session.scalars(query, _window(shop, since, customer_ids)))


def points_facts(entries: Iterable[LedgerEntry]) -> list[Fact]:
    """Points earned and spent, per ledger row (from ``points_entries``)."""
    facts = []
    for entry in entries:
        topic = Topic.POINTS_EARNED if entry.points > 0 else Topic.POINTS_SPENT
        facts.append(
            Fact(
                topic,
                entry.customer_id,
                f"ledger:{entry.id}",
                {
                    "points": abs(entry.points),
                    "source": entry.source,
                    "reason": entry.reason,
                    "order_id": entry.shopify_order_id,
                    "available_on": entry.available_at.date().isoformat(),
                },
            )
        )
    return facts


# Both statements are built once for each shape (the whole shop, or some customers), with
# the shop, the moment and the customers bound at execution: building them cost more than
# running them.


def _window(shop: Shop, since: datetime, customer_ids: Sequence[int] | None) -> dict[str, Any]:
    values: dict[str, Any] = {"shop_id": shop.id, "since": since}
    if customer_ids is not None:
        values["customer_ids"] = list(customer_ids)
    return values


@cache
def _points_query(scoped: bool) -> Select[LedgerEntry]:
    query = select(LedgerEntry).where(
        LedgerEntry.shop_id == bindparam("shop_id"),
        LedgerEntry.created_at >= bindparam("since", type_=LedgerEntry.created_at.type),
        (
            (LedgerEntry.points > 0) & LedgerEntry.source.in_([s.value for s in EARNING_SOURCES])
            | (LedgerEntry.points < 0) & (LedgerEntry.source == Source.REDEMPTION)
        ),
    )
    if scoped:
        query = query.where(LedgerEntry.customer_id.in_(bindparam("customer_ids", expanding=True)))
    return query.order_by(LedgerEntry.id)


@cache
def _known_query(scoped: bool) -> Select[str]:
    query = select(ProgramEvent.event_key).where(
        ProgramEvent.shop_id == bindparam("shop_id"),
        ProgramEvent.created_at >= bindparam("since", type_=ProgramEvent.created_at.type),
    )
    if scoped:
        query = query.where(ProgramEvent.customer_id.in_(bindparam("customer_ids", expanding=True)))
    return query


def record_facts(
    session: Session,
    shop: Shop,
    facts: Iterable[Fact],
    since: datetime,
    customer_ids: Sequence[int] | None = None,
    balances: dict[int, Balance] | None = None,
) -> int:
    """Record the facts (of ``customer_ids``, all recorded at or after ``since``) whose
    events are new; returns how many were. ``balances`` are customers' balances read
    already in this transaction (see ``notifications.facts.ledger_notices``)."""
    facts = list(facts)
    if not facts:
        return 0
    # An event is recorded after its fact, so one query finds every fact already told.
    query = _known_query(customer_ids is not None)
    known = set(session.scalars(query, _window(shop, since, customer_ids)))
    balances = {} if balances is None else balances
    events = []
    for fact in facts:
        key = f"{fact.topic.value}:{fact.key}"
        if key not in known:
            known.add(key)
            if (values := _event_values(session, shop, fact, balances)) is not None:
                events.append(values)
    # All in one statement; a fact another worker recorded a moment ago is left out. No
    # object is made of the events: their consumers want only their ids and topics.
    stored = insert_values_unless_present(session, ProgramEvent, events, ("topic",))
    for event_id, topic in stored:
        _queue_consumers(session, shop, event_id, topic)
    return len(stored)


def record_fact(
    session: Session, shop: Shop, fact: Fact, balances: dict[int, Balance] | None = None
) -> ProgramEvent | None:
    """The new event for the fact, with its deliveries queued; None when it was recorded
    before."""
    values = _event_values(session, shop, fact, {} if balances is None else balances)
    stored = None if values is None else insert_unless_present(session, ProgramEvent(**values))
    if stored is None:
        # Another worker recorded the same fact a moment ago.
        return None
    _queue_consumers(session, shop, stored.id, stored.topic)
    return stored


def _queue_consumers(session: Session, shop: Shop, event_id: int, topic: str) -> None:
    # Imported here: the consumers read program events, and program events name them.
    from shopify_loyalty.program_events.consumers import queue_consumers

    queue_consumers(session, shop, event_id, topic)


def _event_values(
    session: Session, shop: Shop, fact: Fact, balances: dict[int, Balance]
) -> dict[str, Any] | None:
    """The columns of the event telling the fact (not stored yet); None for a customer
    not of the shop. ``balances`` are those read so far, and get those read here."""
    key = f"{fact.topic.value}:{fact.key}"
    customer = session.get(Customer, fact.customer_id)
    if customer is None or customer.shop_id != shop.id:
        return None
    data = dict(fact.data)
    if fact.topic in (Topic.POINTS_EARNED, Topic.POINTS_SPENT):
        if customer.id not in balances:
            balances[customer.id] = balance_of(session, customer)
        balance = balances[customer.id]
        data["balance"], data["pending"] = balance.available, balance.pending
    return {
        "shop_id": shop.id,
        "customer_id": customer.id,
        "uid": str(uuid.uuid4()),
        "topic": fact.topic.value,
        "event_key": key,
        "data": json.dumps(data, default=str),
        "created_at": utcnow(),
    }


def event_data(event: ProgramEvent) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(event.data or "{}")
    return data
