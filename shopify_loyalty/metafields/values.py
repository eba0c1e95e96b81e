"""The current values of a customer's metafields (see ``specs``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.lifecycle.stages import lifecycle_stage
from shopify_loyalty.points.ledger import balance_of
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.stamps.cards import card_summary
from shopify_loyalty.tiers.membership import tier_name


def current_values(session: Session, shop: Shop, customer: Customer) -> dict[str, str | None]:
    """Each metafield's value as Shopify stores it (text); None: the metafield should not
    exist (a customer without a tier)."""
    return {
        "points_balance": str(balance_of(session, customer).available),
        "tier": tier_name(session, shop, customer),
        "stamps": str(card_summary(session, shop, customer).collected),
        "lifecycle_stage": lifecycle_stage(session, shop, customer),
    }
