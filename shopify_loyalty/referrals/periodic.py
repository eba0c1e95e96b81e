"""The referrals' periodic work: catch up friend discounts with the latest settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from shopify_loyalty.referrals.friend_discount import queue_program_sync
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop


def run_periodic(services: Services, shop_domain: str, now: datetime) -> None:
    """Queue the friend-discount update for the current settings version (a no-op job when
    every discount already matches; once per version, however often this runs)."""
    with services.db.transaction() as session:
        shop = session.scalars(select(Shop).where(Shop.domain == shop_domain)).one()
        if shop.is_installed:
            queue_program_sync(session, shop)
