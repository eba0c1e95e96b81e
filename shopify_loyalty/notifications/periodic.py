"""The notifications' share of the hourly periodic job: tell the shop's recent facts that
no webhook told (expiry warnings, birthdays, anniversaries, tier moves found by the
re-evaluation) and the last chances due now. Runs after the other areas' periodic work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from shopify_loyalty.notifications.outbox import queue_shop_notifications
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop


def run_periodic(services: Services, shop_domain: str, now: datetime) -> int:
    with services.db.transaction() as session:
        shop = session.scalar(select(Shop).where(Shop.domain == shop_domain))
        if shop is None or not shop.is_installed:
            return 0
        return queue_shop_notifications(session, shop, now)
