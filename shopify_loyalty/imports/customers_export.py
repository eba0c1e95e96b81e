"""Every customer with their points, stamp card, tier and stages, for a CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.insights.formulas import rounded
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.programs.config import load
from shopify_loyalty.segments.membership import segment_members
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.stamps.models import StampCard
from shopify_loyalty.tiers.models import TierMembership
from shopify_loyalty.tiers.rules import TierConfig

COLUMNS = (
    "shopify_customer_id", "email", "first_name", "last_name", "points_balance",
    "points_pending", "stamps_collected", "stamp_cards_completed", "tier", "lifecycle_stage",
    "rfm_segment", "paid_orders", "revenue", "last_order_at",
)  # fmt: skip


def customer_rows(session: Session, shop: Shop) -> Iterator[dict[str, Any]]:
    """One row per current customer (deleted and redacted customers are left out)."""
    now = utcnow()
    pending = LedgerEntry.available_at > now
    balances = {
        customer_id: (int(available), int(waiting))
        for customer_id, available, waiting in session.execute(
            select(
                LedgerEntry.customer_id,
                func.sum(case((pending, 0), else_=LedgerEntry.points)),
                func.sum(case((pending, LedgerEntry.points), else_=0)),
            )
            .where(LedgerEntry.shop_id == shop.id)
            .group_by(LedgerEntry.customer_id)
        )
    }
    cards = {
        card.customer_id: card
        for card in session.scalars(select(StampCard).where(StampCard.shop_id == shop.id))
    }
    tiers: dict[int, str | None] = {
        customer_id: key
        for customer_id, key in session.execute(
            select(TierMembership.customer_id, TierMembership.tier_key).where(
                TierMembership.shop_id == shop.id
            )
        )
    }
    config = load(session, shop, TierConfig)
    customers = {
        c.id: c for c in session.scalars(select(Customer).where(Customer.shop_id == shop.id))
    }
    for member in segment_members(session, shop, now):
        profile = member.profile
        customer = customers[profile.customer_id]
        available, waiting = balances.get(profile.customer_id, (0, 0))
        card = cards.get(profile.customer_id)
        level = config.level(tiers.get(profile.customer_id))
        yield {
            "shopify_customer_id": profile.shopify_customer_id,
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "points_balance": available,
            "points_pending": waiting,
            "stamps_collected": card.collected if card else 0,
            "stamp_cards_completed": card.completed_cards if card else 0,
            "tier": level.name if level else None,
            "lifecycle_stage": member.lifecycle_stage,
            "rfm_segment": member.rfm_segment,
            "paid_orders": profile.paid_orders,
            "revenue": rounded(profile.revenue),
            "last_order_at": profile.last_order_at.isoformat() if profile.last_order_at else None,
        }
