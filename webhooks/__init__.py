"""Webhook topics: one module per topic family, each a table from topic to domain call."""

from __future__ import annotations

from shopify_loyalty.inbox.context import Handler
from webhooks import app, compliance, customers, orders

COMPLIANCE_TOPICS = frozenset(compliance.HANDLERS)

HANDLERS: dict[str, Handler] = {
    **orders.HANDLERS,
    **customers.HANDLERS,
    **compliance.HANDLERS,
    **app.HANDLERS,
}
