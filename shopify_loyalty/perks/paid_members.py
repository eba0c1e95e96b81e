"""Paid members as an audience: customers with an active paid membership here, or carrying
the paid membership's Shopify tag (which the paid membership keeps in step)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.paid_membership import PAID_MEMBER_TAG
from shopify_loyalty.paid_membership.models import ACTIVE, PaidMembership
from shopify_loyalty.shops.models import Shop

__all__ = ["PAID_MEMBER_TAG", "active_paid_members"]


def active_paid_members(session: Session, shop: Shop) -> set[int]:
    """Our customer ids whose paid membership is active now."""
    return set(
        session.scalars(
            select(PaidMembership.customer_id).where(
                PaidMembership.shop_id == shop.id, PaidMembership.status == ACTIVE
            )
        )
    )
