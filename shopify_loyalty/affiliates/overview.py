"""The merchant's overview of the affiliate program: clicks per affiliate over a period, the
day the program's history begins, and an affiliate's commission ledger, newest first.

Figures on orders, revenue and commission come from reporting.py; this module adds what the
admin pages need besides them, always for one shop.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.models import (
    Affiliate,
    AffiliateClick,
    AffiliateCode,
    AffiliateConversion,
)
from shopify_loyalty.shops.models import Shop


def click_counts(session: Session, shop: Shop, start: datetime, end: datetime) -> dict[int, int]:
    """Clicks on each affiliate's links from ``start`` (included) to ``end`` (excluded)."""
    rows = session.execute(
        select(AffiliateClick.affiliate_id, func.count())
        .where(
            AffiliateClick.shop_id == shop.id,
            AffiliateClick.clicked_at >= start,
            AffiliateClick.clicked_at < end,
        )
        .group_by(AffiliateClick.affiliate_id)
    ).all()
    return {int(affiliate_id): int(count) for affiliate_id, count in rows}


def program_start(session: Session, shop: Shop) -> date | None:
    """The first day of the shop's affiliate history: its first affiliate or, if earlier,
    the first order an affiliate brought (a late webhook can carry an older order)."""
    added = session.scalar(
        select(func.min(Affiliate.created_at)).where(Affiliate.shop_id == shop.id)
    )
    ordered = session.scalar(
        select(func.min(AffiliateConversion.ordered_at)).where(
            AffiliateConversion.shop_id == shop.id
        )
    )
    days = [moment.date() for moment in (added, ordered) if moment is not None]
    return min(days) if days else None


def conversions_of(
    session: Session, shop: Shop, affiliate: Affiliate, limit: int
) -> list[tuple[AffiliateConversion, str]]:
    """The affiliate's latest conversions, newest first, each with its code's text."""
    rows = session.execute(
        select(AffiliateConversion, AffiliateCode.code)
        .join(AffiliateCode, AffiliateCode.id == AffiliateConversion.code_id)
        .where(
            AffiliateConversion.shop_id == shop.id,
            AffiliateConversion.affiliate_id == affiliate.id,
        )
        .order_by(AffiliateConversion.ordered_at.desc(), AffiliateConversion.id.desc())
        .limit(limit)
    ).all()
    return [(conversion, code) for conversion, code in rows]
