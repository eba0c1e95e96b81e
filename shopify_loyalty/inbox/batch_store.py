"""Storing many verified deliveries in the inbox with one statement (PostgreSQL).

The rules are those of :func:`shopify_loyalty.inbox.store.store_delivery`, row by row: a
delivery already stored (same shop and webhook id, or same shop, topic and event id) is a
duplicate, unknown topics are kept as ignored, a shop that is not installed gets its
deliveries kept as ignored (privacy topics only when the shop was never installed). One
``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING RETURNING`` stores the batch;
a batch costs one round trip and one commit whatever its size. It runs straight on psycopg:
at thousands of deliveries a second SQLAlchemy's execution and result objects around this
one statement cost more than building its parameters.

A delivery can only be matched to its inserted row by its ids, so every delivery here has a
webhook id or an event id (the caller stores the others one by one).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import psycopg

from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.models import IGNORED, PENDING
from shopify_loyalty.inbox.store import (
    NOT_INSTALLED,
    SHOP_TOPIC,
    UNINSTALLED_REASON,
    UNKNOWN_TOPIC,
    Delivery,
    Outcome,
    topic_kind,
    unknown_topic_reason,
)
from shopify_loyalty.shops.models import INSTALLED

Stored = tuple[Outcome, int | None]

# The row a delivery copies, when it was stored before this batch (or by a batch alongside).
_DUPLICATE_OF = """
    SELECT id FROM webhook_events
    WHERE shop_domain = %s AND (webhook_id = %s OR (topic = %s AND event_id = %s))
    LIMIT 1
"""


def is_batchable(delivery: Delivery) -> bool:
    """Whether the delivery can be told apart from others in a batch by its ids."""
    return bool(delivery.webhook_id or delivery.event_id)


def store_deliveries(
    connection: psycopg.Connection[Any], deliveries: Sequence[Delivery]
) -> list[Stored]:
    """Store ``deliveries`` (all batchable) in one statement; one result per delivery.

    Within the batch the first of two copies of a delivery is the one stored, the other a
    duplicate of it. Run it on an autocommit connection: the statement is its transaction.
    """
    if not all(is_batchable(delivery) for delivery in deliveries):
        raise ValueError("every delivery in a batch needs a webhook id or an event id")
    params: dict[str, object] = {
        name: [getattr(delivery, name) for delivery in deliveries]
        for name in ("shop_domain", "topic", "event_id", "webhook_id", "api_version")
    }
    params["payload"] = [delivery.body.decode("utf-8") for delivery in deliveries]
    params["kind"] = [topic_kind(delivery.topic) for delivery in deliveries]
    params["triggered_at"] = [delivery.triggered_at for delivery in deliveries]
    params["reason"] = [unknown_topic_reason(delivery.topic) for delivery in deliveries]
    params["now"] = utcnow()
    with connection.cursor() as cursor:
        rows = cursor.execute(_statement(), params).fetchall()
        # Each row: id, status, shop_domain, topic, event_id, webhook_id.
        by_webhook = {(row[2], row[5]): row for row in rows if row[5]}
        by_event = {(row[2], row[3], row[4]): row for row in rows if row[4]}
        results: list[Stored] = []
        claimed: set[int] = set()
        for delivery in deliveries:
            row = by_webhook.get((delivery.shop_domain, delivery.webhook_id)) or by_event.get(
                (delivery.shop_domain, delivery.topic, delivery.event_id)
            )
            if row is not None and row[0] not in claimed:
                claimed.add(row[0])
                results.append((Outcome.IGNORED if row[1] == IGNORED else Outcome.ACCEPTED, row[0]))
            elif row is not None:
                results.append((Outcome.DUPLICATE, row[0]))
            else:
                results.append((Outcome.DUPLICATE, _duplicate_of(cursor, delivery)))
    return results


def _duplicate_of(cursor: psycopg.Cursor[Any], delivery: Delivery) -> int | None:
    found = cursor.execute(
        _DUPLICATE_OF,
        (delivery.shop_domain, delivery.webhook_id, delivery.topic, delivery.event_id),
    ).fetchone()
    return found[0] if found is not None else None


@cache
def _statement() -> str:
    """The batch insert, built once. Rows keep the batch's order, so ids follow arrival."""
    ignored = (
        f"d.kind = '{UNKNOWN_TOPIC}' OR s.status IS NULL"
        f" OR (d.kind = '{SHOP_TOPIC}' AND s.status <> '{INSTALLED}')"
    )
    return f"""
        INSERT INTO webhook_events (
            shop_domain, topic, event_id, webhook_id, api_version, triggered_at, payload,
            attempts, received_at, next_attempt_at, status, last_error, processed_at
        )
        SELECT
            d.shop_domain, d.topic, d.event_id, d.webhook_id, d.api_version, d.triggered_at,
            d.payload, 0, %(now)s, %(now)s,
            CASE WHEN {ignored} THEN '{IGNORED}' ELSE '{PENDING}' END,
            CASE
                WHEN d.kind = '{UNKNOWN_TOPIC}' THEN d.reason
                WHEN s.status IS NULL THEN '{NOT_INSTALLED}'
                WHEN d.kind = '{SHOP_TOPIC}' AND s.status <> '{INSTALLED}'
                    THEN '{UNINSTALLED_REASON}'
            END,
            CASE WHEN {ignored} THEN %(now)s::timestamptz END
        FROM unnest(
            %(shop_domain)b::text[], %(topic)b::text[], %(event_id)b::text[],
            %(webhook_id)b::text[], %(api_version)b::text[], %(triggered_at)b::timestamptz[],
            %(payload)b::text[], %(kind)b::text[], %(reason)b::text[]
        ) WITH ORDINALITY AS d(
            shop_domain, topic, event_id, webhook_id, api_version, triggered_at, payload,
            kind, reason, position
        )
        LEFT JOIN shops AS s ON s.domain = d.shop_domain AND d.kind <> '{UNKNOWN_TOPIC}'
        ORDER BY d.position
        ON CONFLICT DO NOTHING
        RETURNING id, status, shop_domain, topic, event_id, webhook_id
    """  # noqa: S608 (only this module's constants are formatted in; values are bound)
