"""Storing a verified delivery in the inbox, exactly once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.dispatch import applies_after_uninstall, is_known_topic
from shopify_loyalty.inbox.models import IGNORED, PENDING, WebhookEvent
from shopify_loyalty.shops.models import Shop


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


def store_delivery(session: Session, delivery: Delivery) -> tuple[Outcome, int | None]:
    """Insert the delivery, or recognise it as a duplicate by event or webhook id.

    Unknown topics and shops that are not installed are kept as ``ignored`` so an operator
    can see them; they are never applied.
    """
    existing = _find_duplicate(session, delivery)
    if existing is not None:
        return Outcome.DUPLICATE, existing
    status, reason = PENDING, None
    if not is_known_topic(delivery.topic):
        status, reason = IGNORED, f"topic {delivery.topic} is not one the app acts on"
    else:
        shop = session.scalar(select(Shop).where(Shop.domain == delivery.shop_domain))
        if shop is None:
            status, reason = IGNORED, "shop is not installed"
        elif not shop.is_installed and not applies_after_uninstall(delivery.topic):
            status, reason = IGNORED, "shop has uninstalled the app"
    event = WebhookEvent(
        shop_domain=delivery.shop_domain,
        topic=delivery.topic,
        event_id=delivery.event_id,
        webhook_id=delivery.webhook_id,
        api_version=delivery.api_version,
        triggered_at=delivery.triggered_at,
        payload=delivery.body.decode("utf-8"),
        status=status,
        last_error=reason,
        next_attempt_at=utcnow(),
        processed_at=utcnow() if status == IGNORED else None,
    )
    session.add(event)
    try:
        session.commit()
    except IntegrityError:
        # A concurrent copy of the same delivery won the insert.
        session.rollback()
        return Outcome.DUPLICATE, _find_duplicate(session, delivery)
    return (Outcome.IGNORED if status == IGNORED else Outcome.ACCEPTED), event.id


def _find_duplicate(session: Session, delivery: Delivery) -> int | None:
    keys: list[ColumnElement[bool]] = []
    if delivery.event_id:
        keys.append(
            (WebhookEvent.topic == delivery.topic) & (WebhookEvent.event_id == delivery.event_id)
        )
    if delivery.webhook_id:
        keys.append(WebhookEvent.webhook_id == delivery.webhook_id)
    if not keys:
        return None
    return session.scalar(
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
