"""The delivery log of an endpoint: its newest deliveries, each with its event and attempts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.outbound_webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from shopify_loyalty.program_events.models import ProgramEvent

LOG_SIZE = 50


@dataclass(frozen=True)
class LoggedDelivery:
    delivery: WebhookDelivery
    event: ProgramEvent
    attempts: list[WebhookAttempt]


def delivery_log(
    session: Session, endpoint: WebhookEndpoint, limit: int = LOG_SIZE
) -> list[LoggedDelivery]:
    rows = session.execute(
        select(WebhookDelivery, ProgramEvent)
        .join(ProgramEvent, ProgramEvent.id == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.shop_id == endpoint.shop_id,
            WebhookDelivery.endpoint_id == endpoint.id,
        )
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    ).all()
    attempts: dict[int, list[WebhookAttempt]] = defaultdict(list)
    ids = [delivery.id for delivery, _ in rows]
    if ids:
        for attempt in session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(ids))
            .order_by(WebhookAttempt.number)
        ):
            attempts[attempt.delivery_id].append(attempt)
    return [LoggedDelivery(delivery, event, attempts[delivery.id]) for delivery, event in rows]
