"""The paid tier's discounts at Shopify, kept like a tier's (tiers/tier_discounts.py).

A customer segment ``Loyalty paid members`` (``customer_tags CONTAINS
'loyalty-member:paid'``), a percentage code ``LOYALTY-PAID-MEMBER`` limited to it and, with
free shipping, ``LOYALTY-PAID-MEMBER-SHIPPING``, also limited to it: capped at
``standard_shipping_max`` unless free express shipping is on. Saving the ``membership``
settings queues the sync (one per version of the settings), so a change updates the same
discounts at Shopify; the hourly run checks them once a day.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.paid_membership import PAID_MEMBER_TAG
from shopify_loyalty.paid_membership.rules import MembershipConfig
from shopify_loyalty.programs.config import load, section_version
from shopify_loyalty.services import Services
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.job_shop import shop_for_job
from shopify_loyalty.tiers.models import TierDiscount
from shopify_loyalty.tiers.tier_discounts import (
    CODE_PREFIX,
    SegmentDiscounts,
    add_discount_row,
    retire_segment_discounts,
    sync_segment_discounts,
)

# The key of the paid tier's row in tier_discounts; the colon keeps it apart from tier keys.
ROW_KEY = "membership:paid"
SYNC = "paid_membership.sync_discounts"
SEGMENT_NAME = "Loyalty paid members"
CODE = f"{CODE_PREFIX}PAID-MEMBER"


def membership_discounts(config: MembershipConfig) -> SegmentDiscounts:
    return SegmentDiscounts(
        name=config.name,
        segment_name=SEGMENT_NAME,
        tag=PAID_MEMBER_TAG,
        code=CODE,
        discount_percent=config.discount_percent,
        free_shipping=config.free_shipping or config.free_express_shipping,
        max_shipping_price=None if config.free_express_shipping else config.standard_shipping_max,
    )


def sync_key(session: Session, shop: Shop, suffix: str = "") -> str:
    return f"{SYNC}:v{section_version(session, shop, MembershipConfig)}{suffix}"


def queue_membership_discounts_sync(session: Session, shop: Shop) -> None:
    """Queue the sync for the membership settings as they are now (once per version)."""
    enqueue(session, shop, SYNC, {}, key=sync_key(session, shop))


def queue_daily_check(session: Session, shop: Shop, now: datetime) -> None:
    enqueue(session, shop, SYNC, {}, key=sync_key(session, shop, f":{now.date().isoformat()}"))


def sync_membership_discounts(services: Services, shop_domain: str) -> None:
    """Make the paid members' segment and discounts at Shopify match the settings; with no
    membership product set, the discounts made before are deactivated."""
    with services.db.transaction() as session:
        shop = shop_for_job(session, shop_domain)
        config = load(session, shop, MembershipConfig)
        shop_id = shop.id
        row_id = session.scalar(
            select(TierDiscount.id).where(
                TierDiscount.shop_id == shop_id, TierDiscount.tier_key == ROW_KEY
            )
        )
    if not config.enabled:
        if row_id is not None:
            retire_segment_discounts(services, admin_client(services, shop_domain), row_id)
        return
    row_id = row_id or add_discount_row(services, shop_id, ROW_KEY)
    sync_segment_discounts(
        services, admin_client(services, shop_domain), row_id, membership_discounts(config)
    )
