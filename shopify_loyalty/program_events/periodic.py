"""The program events' share of the hourly periodic job: record the facts no webhook told
(expiry warnings, tier moves found by the re-evaluation, birthdays and anniversaries)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from shopify_loyalty.program_events.recording import record_shop_events
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop


def run_periodic(services: Services, shop_domain: str, now: datetime) -> int:
    with services.db.transaction() as session:
        shop = session.scalar(select(Shop).where(Shop.domain == shop_domain))
        if shop is None or not shop.is_installed:
            return 0
        return record_shop_events(session, shop)
