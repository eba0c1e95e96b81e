"""Storing a verified delivery in the inbox, exactly once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Executable,
    String,
    bindparam,
    case,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError

from shopify_loyalty.db import UTCDateTime, utcnow
from shopify_loyalty.inbox.dispatch import applies_after_uninstall, is_known_topic
from shopify_loyalty.inbox.models import IGNORED, PENDING, WebhookEvent
from shopify_loyalty.shops.models import INSTALLED, Shop
from shopify_loyalty.unique_rows import insert_ignoring_conflicts

NOT_INSTALLED = "shop is not installed"
UNINSTALLED_REASON = "shop has uninstalled the app"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


@dataclass(frozen=True)
class Delivery:
    shop_domain: str
    topic: str
    event_id: str | None
    webhook_id: str | None
    api_version: str | None
    triggered_at: datetime | None
    body: bytes


def store_delivery(connection: Connection, delivery: Delivery) -> tuple[Outcome, int | None]:
    """Insert the delivery, or recognise it as a duplicate by event or webhook id.

    Unknown topics and shops that are not installed are kept as ``ignored`` so an operator
    can see them; they are never applied. This is one statement (``INSERT ... ON CONFLICT
    DO NOTHING RETURNING`` on PostgreSQL and SQLite, the shop's state read by a subquery),
    so on an autocommit connection the receiver answers after a single round trip; only a
    duplicate costs a second.
    """
    kind = topic_kind(delivery.topic)
    statement = _insert_statement(connection.dialect.name, kind)
    params: dict[str, Any] = {
        "shop_domain": delivery.shop_domain,
        "topic": delivery.topic,
        "event_id": delivery.event_id,
        "webhook_id": delivery.webhook_id,
        "api_version": delivery.api_version,
        "triggered_at": delivery.triggered_at,
        "payload": delivery.body.decode("utf-8"),
        "now": utcnow(),
    }
    if kind == UNKNOWN_TOPIC:
        params["reason"] = unknown_topic_reason(delivery.topic)
    else:
        params["shop"] = delivery.shop_domain
    if connection.dialect.name in ("postgresql", "sqlite"):
        inserted = connection.execute(statement, params).first()
    else:
        try:
            with connection.begin_nested():
                inserted = connection.execute(statement, params).first()
        except IntegrityError:
            inserted = None  # a concurrent copy of the same delivery won the insert
    if inserted is None:
        return Outcome.DUPLICATE, find_duplicate(connection, delivery)
    event_id, status = inserted
    return (Outcome.IGNORED if status == IGNORED else Outcome.ACCEPTED), event_id


UNKNOWN_TOPIC, PRIVACY_TOPIC, SHOP_TOPIC = "unknown", "privacy", "shop"


def topic_kind(topic: str) -> str:
    """How a topic's deliveries are kept: unknown, privacy (kept after uninstall) or shop."""
    if not is_known_topic(topic):
        return UNKNOWN_TOPIC
    return PRIVACY_TOPIC if applies_after_uninstall(topic) else SHOP_TOPIC


def unknown_topic_reason(topic: str) -> str | None:
    """Why a delivery of ``topic`` is ignored, when the app does not act on the topic."""
    return None if is_known_topic(topic) else f"topic {topic} is not one the app acts on"


@cache
def _insert_statement(dialect: str, kind: str) -> Executable:
    """The inbox insert for one kind of topic, built once per process and reused (its SQL
    is compiled once); the row's status comes from the shop's state in the same statement.

    Privacy topics are kept for a shop that has uninstalled; other topics only for an
    installed shop; unknown topics are kept as ignored.
    """
    columns = WebhookEvent.__table__.c
    now = bindparam("now", type_=UTCDateTime())
    values: dict[str, Any] = {
        name: bindparam(name, type_=columns[name].type)
        for name in ("shop_domain", "topic", "event_id", "webhook_id", "api_version")
        + ("triggered_at", "payload")
    }
    values |= {"attempts": 0, "received_at": now, "next_attempt_at": now}
    if kind == UNKNOWN_TOPIC:
        values |= {
            "status": IGNORED,
            "last_error": bindparam("reason", type_=String()),
            "processed_at": now,
        }
    else:
        shop_status = (
            select(Shop.status)
            .where(Shop.domain == bindparam("shop", type_=String()))
            .scalar_subquery()
        )
        missing = shop_status.is_(None)
        ignored = missing if kind == PRIVACY_TOPIC else or_(missing, shop_status != INSTALLED)
        values |= {
            "status": case((ignored, literal(IGNORED)), else_=literal(PENDING)),
            "last_error": case(
                (missing, literal(NOT_INSTALLED)),
                (ignored, literal(UNINSTALLED_REASON)),
                else_=literal(None, String),
            ),
            "processed_at": case((ignored, now), else_=literal(None, UTCDateTime)),
        }
    returning = (WebhookEvent.id, WebhookEvent.status)
    if dialect in ("postgresql", "sqlite"):
        return insert_ignoring_conflicts(dialect, WebhookEvent).values(values).returning(*returning)
    return insert(WebhookEvent).values(values).returning(*returning)


def find_duplicate(connection: Connection, delivery: Delivery) -> int | None:
    keys: list[ColumnElement[bool]] = []
    if delivery.event_id:
        keys.append(
            (WebhookEvent.topic == delivery.topic) & (WebhookEvent.event_id == delivery.event_id)
        )
    if delivery.webhook_id:
        keys.append(WebhookEvent.webhook_id == delivery.webhook_id)
    if not keys:
        return None
    return connection.scalar(
        select(WebhookEvent.id)
        .where(WebhookEvent.shop_domain == delivery.shop_domain, or_(*keys))
        .limit(1)
    )


def parse_json_object(body: bytes) -> dict[str, object] | None:
    """The body as a JSON object in UTF-8 (what Shopify sends), or None when it is not one.

    ``json.loads`` would also take UTF-16 and UTF-32, which the inbox could not store as
    text, and nesting deeper than Python's recursion limit raises RecursionError.
    """
    try:
        value = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
