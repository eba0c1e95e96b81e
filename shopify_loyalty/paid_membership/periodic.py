"""The paid membership's hourly work: end the memberships that ran out, untag them, and
check the paid tier's discounts at Shopify once a day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from shopify_loyalty.paid_membership.discounts import queue_daily_check
from shopify_loyalty.paid_membership.models import ACTIVE, PaidMembership
from shopify_loyalty.paid_membership.rules import MembershipConfig
from shopify_loyalty.paid_membership.status import rebuild_membership
from shopify_loyalty.programs.config import load
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop

BATCH = 500


def run_periodic(services: Services, shop_domain: str, now: datetime) -> int:
    """End every membership whose last period is over as of ``now``; returns how many."""
    ended = 0
    while True:
        with services.db.transaction() as session:
            shop = session.scalars(select(Shop).where(Shop.domain == shop_domain)).one()
            lapsed = session.scalars(
                select(PaidMembership.customer_id)
                .where(
                    PaidMembership.shop_id == shop.id,
                    PaidMembership.status == ACTIVE,
                    PaidMembership.ends_at <= now,
                )
                .order_by(PaidMembership.id)
                .limit(BATCH)
            ).all()
            for customer_id in lapsed:
                if rebuild_membership(session, shop, customer_id, now) != ACTIVE:
                    ended += 1
        if len(lapsed) < BATCH:
            break
    with services.db.transaction() as session:
        shop = session.scalars(select(Shop).where(Shop.domain == shop_domain)).one()
        if shop.is_installed and load(session, shop, MembershipConfig).enabled:
            queue_daily_check(session, shop, now)
    return ended
