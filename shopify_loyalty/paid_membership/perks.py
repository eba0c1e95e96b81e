"""The perks in force for a customer: the better of their earned tier and the paid tier.

Each perk is taken on its own: the higher discount, the higher points multiplier, free
shipping when either gives it (free express shipping likewise). At Shopify both tiers'
discount codes stay usable by the customer; they do not combine, so the checkout takes one,
and the widget names the better.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.paid_membership.discounts import membership_discounts
from shopify_loyalty.paid_membership.rules import MembershipConfig
from shopify_loyalty.paid_membership.status import is_paid_member
from shopify_loyalty.programs.config import load
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.membership import current_level
from shopify_loyalty.tiers.rules import TierLevel
from shopify_loyalty.tiers.tier_discounts import SegmentDiscounts, tier_discounts_of

TIER = "tier"
PAID = "paid_membership"


@dataclass(frozen=True)
class Perks:
    """What the customer gets; each ``*_from`` names where it comes from (tier or
    paid_membership; None when neither gives it)."""

    discount_percent: Decimal
    discount_from: str | None
    discount_code: str | None
    points_multiplier: Decimal
    multiplier_from: str | None
    free_shipping: bool
    free_express_shipping: bool
    shipping_code: str | None


def best_of(
    tier: SegmentDiscounts | None,
    tier_multiplier: Decimal | None,
    paid: SegmentDiscounts | None,
    paid_multiplier: Decimal | None,
    paid_express: bool = False,
) -> Perks:
    """The stacking rule: each perk from whichever tier gives more (the tier on a tie)."""
    discount, discount_from, code = Decimal(0), None, None
    for source, spec in ((TIER, tier), (PAID, paid)):
        if spec is not None and spec.discount_percent > discount:
            discount, discount_from, code = spec.discount_percent, source, spec.code
    multiplier, multiplier_from = Decimal(1), None
    for source, value in ((TIER, tier_multiplier), (PAID, paid_multiplier)):
        if value is not None and value > multiplier:
            multiplier, multiplier_from = value, source
    shipping = [spec for spec in (paid, tier) if spec is not None and spec.free_shipping]
    # Free shipping at any rate (a tier's, or the paid tier's express) beats a capped one.
    shipping.sort(key=lambda spec: spec.max_shipping_price is not None)
    return Perks(
        discount_percent=discount,
        discount_from=discount_from,
        discount_code=code,
        points_multiplier=multiplier,
        multiplier_from=multiplier_from,
        free_shipping=bool(shipping),
        free_express_shipping=paid_express
        or any(spec.max_shipping_price is None for spec in shipping),
        shipping_code=shipping[0].shipping_code if shipping else None,
    )


def perks_in_force(
    session: Session, shop: Shop, customer: Customer, at: datetime | None = None
) -> Perks:
    return perks_of_level(session, shop, customer, current_level(session, shop, customer), at)


def perks_of_level(
    session: Session,
    shop: Shop,
    customer: Customer,
    level: TierLevel | None,
    at: datetime | None = None,
) -> Perks:
    """The perks in force for a customer at tier ``level`` (None: no tier)."""
    moment = at or utcnow()
    config = load(session, shop, MembershipConfig)
    paid = config.enabled and is_paid_member(session, shop.id, customer.id, moment)
    return best_of(
        tier_discounts_of(level) if level is not None else None,
        level.points_multiplier if level is not None else None,
        membership_discounts(config) if paid else None,
        config.points_multiplier if paid else None,
        paid_express=paid and config.free_express_shipping,
    )


def best_points_multiplier(
    session: Session, shop: Shop, customer: Customer, at: datetime | None
) -> Decimal:
    """The multiplier points are earned with on an order paid at ``at``."""
    return perks_in_force(session, shop, customer, at).points_multiplier
