"""The affiliates' periodic work: approve commission once the return window has passed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from shopify_loyalty.affiliates.models import APPROVED, PENDING, AffiliateConversion
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop


def approve_due_conversions(services: Services, shop_domain: str, now: datetime) -> int:
    """Approve every pending conversion whose return window ended by ``now``; returns how
    many. Idempotent: an approved, voided or rejected conversion is never touched."""
    with services.db.transaction() as session:
        shop = session.scalar(select(Shop).where(Shop.domain == shop_domain))
        if shop is None:
            return 0
        result = session.execute(
            update(AffiliateConversion)
            .where(
                AffiliateConversion.shop_id == shop.id,
                AffiliateConversion.status == PENDING,
                AffiliateConversion.approve_at <= now,
            )
            .values(status=APPROVED, approved_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def run_periodic(services: Services, shop_domain: str, now: datetime) -> None:
    approve_due_conversions(services, shop_domain, now)
