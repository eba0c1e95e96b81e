"""The tiers' periodic work: re-evaluate every member, and check the tier discounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.membership import ReevaluationSummary, reevaluate_tiers
from shopify_loyalty.tiers.tier_discounts import program_sync_key


def run_periodic(services: Services, shop_domain: str, now: datetime) -> ReevaluationSummary:
    """Move members up or down as of ``now`` and queue a daily check of the tier discounts
    at Shopify (one per day: it recreates what a merchant deleted by mistake)."""
    summary = reevaluate_tiers(services, shop_domain, now)
    with services.db.transaction() as session:
        shop = session.scalars(select(Shop).where(Shop.domain == shop_domain)).one()
        if shop.is_installed:
            key = program_sync_key(session, shop, suffix=f":{now.date().isoformat()}")
            enqueue(session, shop, "tiers.sync_program", {}, key=key)
    return summary
