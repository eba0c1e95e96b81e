"""What a topic handler is given, and the error it raises for a payload it cannot use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop


class InvalidPayload(ValueError):
    """The payload lacks a field or holds a wrong value; retrying cannot help."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


@dataclass
class WebhookContext:
    session: Session
    shop: Shop
    topic: str
    payload: dict[str, Any]
    event: WebhookEvent
    services: Services

    @property
    def idempotency_prefix(self) -> str:
        return f"{self.topic}:{self.event.event_id or self.event.webhook_id or self.event.id}"


Handler = Callable[[WebhookContext], None]
