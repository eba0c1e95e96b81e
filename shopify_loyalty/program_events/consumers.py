"""Who hears of a program event: Shopify Flow (for the topics that have a Flow trigger) and
every active webhook endpoint of the shop subscribed to the topic. Each is a queued job."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shopify_loyalty.program_events.models import ProgramEvent
from shopify_loyalty.shops.models import Shop


def queue_consumers(session: Session, shop: Shop, event: ProgramEvent) -> None:
    from shopify_loyalty.flow.triggers import queue_flow_trigger
    from shopify_loyalty.outbound_webhooks.deliveries import queue_deliveries

    queue_flow_trigger(session, shop, event)
    queue_deliveries(session, shop, event)
