"""The hourly part of the metafield mirror: pending points that became spendable change a
balance without any event, so their customers are marked stale."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from shopify_loyalty.metafields.stale import mark_customers_stale
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop

# Longer than the hour between runs, so a late or missed run loses nothing.
LOOKBACK = timedelta(hours=3)


def run_periodic(services: Services, shop_domain: str, now: datetime) -> int:
    with services.db.transaction() as session:
        shop = session.scalar(select(Shop).where(Shop.domain == shop_domain))
        if shop is None or not shop.is_installed:
            return 0
        matured = session.scalars(
            select(LedgerEntry.customer_id)
            .where(
                LedgerEntry.shop_id == shop.id,
                LedgerEntry.available_at > now - LOOKBACK,
                LedgerEntry.available_at <= now,
                LedgerEntry.available_at > LedgerEntry.created_at,
            )
            .distinct()
        )
        return mark_customers_stale(session, shop, list(matured))
