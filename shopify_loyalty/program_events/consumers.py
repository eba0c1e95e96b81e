"""Who hears of a program event: Shopify Flow (for the topics that have a Flow trigger) and
every active webhook endpoint of the shop subscribed to the topic. Each is a queued job."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shopify_loyalty.shops.models import Shop


def queue_consumers(session: Session, shop: Shop, event_id: int, topic: str) -> None:
    """Queue the jobs telling the stored event (its id and topic are all they need: the
    jobs read the event when they run)."""
    from shopify_loyalty.flow.triggers import queue_flow_trigger
    from shopify_loyalty.outbound_webhooks.deliveries import queue_deliveries

    queue_flow_trigger(session, shop, event_id, topic)
    queue_deliveries(session, shop, event_id, topic)
