"""Reading and writing ahead for a batch: what its paid orders will each look up or store,
done for all at once.

Each paid order of a batch looks up the reward, referral and affiliate codes it carries and
the refunds that came before it. Read for the whole batch before its first event is
applied, that is one query a kind instead of one per order; the domain functions then answer
from the transaction's memos, which the writers of those rows keep true between events.
Likewise the rows a paid order of a new member stores (the member, the order, the stamp
rule's notes of it, the stamp card and its entries) are stored for the whole batch in one
statement a table, and each event takes its own from a memo.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from shopify_loyalty.inbox.batches import BATCHED_TOPIC
from shopify_loyalty.shops.models import Shop
from webhooks.orders import look_up_paid_orders, record_paid_orders_ahead


def look_up_for_batch(session: Session, events: Iterable[tuple[str, Shop | None, Any]]) -> None:
    """Read ahead for the batch's events (each its topic, shop and parsed payload), after
    their orders are locked so that no refund can still come in between."""
    if paid := _paid_orders(events):
        look_up_paid_orders(session, paid)


def record_ahead_for_batch(
    session: Session, events: Iterable[tuple[str, Shop | None, Any]]
) -> None:
    """Store ahead what the batch's events (each its topic, shop and parsed payload) store
    first; given only the events that will be handed to their handlers, after the lookups."""
    if paid := _paid_orders(events):
        record_paid_orders_ahead(session, paid)


def _paid_orders(
    events: Iterable[tuple[str, Shop | None, Any]],
) -> list[tuple[Shop, dict[str, Any]]]:
    """The shop and payload of each of the events that is a readable paid order."""
    return [
        (shop, payload)
        for topic, shop, payload in events
        if topic == BATCHED_TOPIC and shop is not None and isinstance(payload, dict)
    ]
