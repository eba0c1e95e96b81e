"""The paid membership as the widget and the merchant's admin show it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.paid_membership.models import ACTIVE
from shopify_loyalty.paid_membership.perks import Perks, perks_of_level
from shopify_loyalty.paid_membership.rules import MembershipConfig
from shopify_loyalty.paid_membership.status import KnownMembership, membership_state
from shopify_loyalty.programs.config import load
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.rules import TierLevel


def plan_json(config: MembershipConfig) -> dict[str, Any] | None:
    """The paid tier on offer (None while the merchant has named no membership product)."""
    if not config.enabled:
        return None
    return {
        "name": config.name,
        "period_length": config.period_length,
        "period_unit": config.period_unit,
        "discount_percent": _number(config.discount_percent),
        "points_multiplier": _number(config.points_multiplier),
        "free_shipping": config.free_shipping or config.free_express_shipping,
        "free_express_shipping": config.free_express_shipping,
        "join_url": config.join_url,
    }


def membership_json(
    session: Session,
    shop: Shop,
    customer: Customer,
    now: datetime | None = None,
    *,
    known: KnownMembership | None = None,
) -> dict[str, Any]:
    """``status`` (active, ended or none), the plan, when it started and ends; for
    non-members of an offered plan, ``join_url`` leads to the membership product. What is
    ``known`` of the membership is not read again."""
    moment = now or utcnow()
    config = load(session, shop, MembershipConfig)
    state = membership_state(session, shop.id, customer.id, moment, known=known)
    plan = plan_json(config)
    return {
        "status": state.status,
        "plan": plan,
        "started_at": _iso(state.started_at),
        "ends_at": _iso(state.ends_at),
        "join_url": plan["join_url"] if plan and state.status != ACTIVE else None,
    }


def perks_json(perks: Perks) -> dict[str, Any]:
    return {
        "discount_percent": _number(perks.discount_percent),
        "discount_from": perks.discount_from,
        "discount_code": perks.discount_code,
        "points_multiplier": _number(perks.points_multiplier),
        "multiplier_from": perks.multiplier_from,
        "free_shipping": perks.free_shipping,
        "free_express_shipping": perks.free_express_shipping,
        "shipping_code": perks.shipping_code,
    }


def shopper_perks_json(
    session: Session, shop: Shop, customer: Customer, tier: TierLevel | None
) -> dict[str, Any]:
    """The perks in force for a customer whose tier (``tier``) the caller has read."""
    return perks_json(perks_of_level(session, shop, customer, tier))


def membership_history_json(
    session: Session, shop: Shop, customer: Customer, now: datetime | None = None
) -> dict[str, Any]:
    """The membership with every line bought, for the merchant."""
    moment = now or utcnow()
    state = membership_state(session, shop.id, customer.id, moment)
    return {
        **membership_json(session, shop, customer, moment),
        "history": [
            {
                "order_id": period.shopify_order_id,
                "status": period.status(moment),
                "periods_bought": period.bought,
                "periods_refunded": period.refunded,
                "amount": str(period.amount),
                "paid_at": _iso(period.paid_at),
                "starts_at": _iso(period.starts_at),
                "ends_at": _iso(period.ends_at),
                "cancelled_at": _iso(period.cancelled_at),
            }
            for period in reversed(state.periods)
        ],
    }


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
