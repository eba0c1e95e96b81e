"""Claiming inbox events: a lease (owner and expiry) taken by a conditional UPDATE.

An event is due when it is pending and its time has come, when its worker's lease ran out
(the worker died or stalled), or when it is leased by the claiming worker itself: a worker
applies one batch at a time, so such an event was cut short (the database went away
mid-event) and is taken back at once instead of after the lease.

A worker claims for every message it gets, most of them finding their event taken by a
batch already, so the statements are built once, values bound at execution: building them
cost more than sending them. Each claim is one conditional UPDATE, atomic on its own, so
it runs on an autocommit connection (:meth:`~shopify_loyalty.db.Database.single_statements`):
no BEGIN and COMMIT round trips around it.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Select,
    Update,
    and_,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from shopify_loyalty.inbox.batches import BATCHED_TOPIC
from shopify_loyalty.inbox.models import PENDING, PROCESSING, WebhookEvent

# Bounds a batch when no event of another topic is due.
_AFTER_EVERY_ID = 2**63 - 1


def due_events(now: Any, events: Any = WebhookEvent) -> ColumnElement[bool]:
    """Events any worker may claim at ``now``: pending and due, or processing on a lapsed
    lease (its worker died or stalled)."""
    return or_(
        and_(events.status == PENDING, events.next_attempt_at <= now),
        and_(events.status == PROCESSING, events.lease_until < now),
    )


def _due(events: Any = WebhookEvent) -> ColumnElement[bool]:
    """Due at ``:now`` for the worker ``:owner`` (see the module's docstring)."""
    now: BindParameter[datetime] = bindparam("now")
    return or_(
        due_events(now, events),
        and_(events.status == PROCESSING, events.lease_owner == bindparam("owner")),
    )


def _leased() -> dict[str, Any]:
    return {
        "status": PROCESSING,
        "lease_owner": bindparam("owner"),
        "lease_until": bindparam("until"),
        "attempts": WebhookEvent.attempts + 1,
    }


@cache
def _oldest_statement() -> Select[int]:
    return select(WebhookEvent.id).where(_due()).order_by(WebhookEvent.id).limit(20)


@cache
def _claim_statement() -> Update:
    return (
        update(WebhookEvent)
        .where(WebhookEvent.id == bindparam("wanted"), _due())
        .values(_leased())
        .returning(WebhookEvent.topic)
        .execution_options(synchronize_session=False)
    )


@cache
def _claim_more_statement(size: int) -> Update:
    due_paid = and_(_due(), WebhookEvent.topic == BATCHED_TOPIC)
    # Only paid orders that came before every other due event: a batch must not apply a
    # paid order ahead of, say, an earlier update of its customer.
    other = aliased(WebhookEvent)
    first_other = func.coalesce(
        select(func.min(other.id))
        .where(_due(other), other.topic != BATCHED_TOPIC)
        .scalar_subquery(),
        _AFTER_EVERY_ID,
    )
    # A CTE, not ``IN (subquery)``: PostgreSQL may run a subquery again for each row it
    # updates, and with SKIP LOCKED and LIMIT that claims more than the limit.
    waiting = (
        select(WebhookEvent.id)
        .where(due_paid, WebhookEvent.id != bindparam("wanted"), WebhookEvent.id < first_other)
        .order_by(WebhookEvent.id)
        .limit(size)
        .with_for_update(skip_locked=True)
        .cte("waiting")
    )
    return (
        update(WebhookEvent)
        .where(WebhookEvent.id == waiting.c.id, due_paid)
        .values(_leased())
        .returning(WebhookEvent.id)
        .execution_options(synchronize_session=False)
    )


def oldest_due(connection: Connection, owner: str, now: datetime) -> list[int]:
    """Up to twenty due events, oldest first (not claimed: another worker may be first)."""
    return list(connection.scalars(_oldest_statement(), {"now": now, "owner": owner}))


def claim(
    connection: Connection, event_id: int, owner: str, now: datetime, until: datetime
) -> str | None:
    """Lease the event to ``owner`` until ``until`` if it is due; its topic, or None."""
    values = {"wanted": event_id, "owner": owner, "now": now, "until": until}
    topic: str | None = connection.scalar(_claim_statement(), values)
    return topic


def claim_paid_orders(
    connection: Connection, size: int, owner: str, now: datetime, until: datetime, besides: int = 0
) -> list[int]:
    """Lease up to ``size`` due paid orders (not ``besides``), oldest first, none past an
    earlier due event of another topic, skipping rows other workers are claiming."""
    values = {"wanted": besides, "owner": owner, "now": now, "until": until}
    return list(connection.scalars(_claim_more_statement(size), values))
