"""The friend's welcome discount at Shopify: one code per referrer, ``FRIEND-<code>``.

Anyone may use it (the friend has no account yet), once per customer; its value and minimum
order come from the referral settings. The sync creates it (adopting it when an earlier
attempt already did), updates it when the settings changed, and deactivates it while
referrals are turned off. The terms last written are stored on the code row, so a change
of settings queues work only for the codes that need it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.programs.config import load
from shopify_loyalty.referrals.codes import queue_friend_discount_sync, settings_version
from shopify_loyalty.referrals.models import ReferralCode
from shopify_loyalty.referrals.rules import ReferralConfig
from shopify_loyalty.rewards.spec import FIXED_AMOUNT, FREE_SHIPPING, PERCENTAGE
from shopify_loyalty.services import Services
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.code_discounts import (
    BASIC,
    CodeDiscount,
    create_code_discount,
    delete_code_discount,
    percentage_value,
    read_code_discount,
    set_code_discount_active,
    update_code_discount,
)
from shopify_loyalty.tiers.code_discounts import FREE_SHIPPING as FREE_SHIPPING_KIND
from shopify_loyalty.tiers.job_shop import shop_for_job

BATCH = 500


def sync_friend_discount(services: Services, shop_domain: str, referral_code_id: int) -> None:
    """Make the referrer's friend discount at Shopify match the referral settings."""
    with services.db.transaction() as session:
        shop = shop_for_job(session, shop_domain)
        row = session.scalar(
            select(ReferralCode).where(
                ReferralCode.shop_id == shop.id, ReferralCode.id == referral_code_id
            )
        )
        if row is None:
            return
        config = load(session, shop, ReferralConfig)
        gid, friend_code = row.discount_gid, row.friend_code
    client = admin_client(services, shop_domain)
    kind = FREE_SHIPPING_KIND if config.friend_discount_kind == FREE_SHIPPING else BASIC
    found = read_code_discount(client, gid) if gid else None
    if found is not None and found.kind != kind:
        # The merchant switched between free shipping and money off: Shopify cannot turn
        # one kind into the other, so the old discount is deleted and a new one made.
        delete_code_discount(client, found.gid)
        found = None
    if not config.enabled:
        if found is not None and found.active:
            set_code_discount_active(client, found.gid, False)
        _store(services, referral_code_id, found.gid if found else gid, False, config)
        return
    fields = friend_discount_fields(config, friend_code, utcnow())
    if found is None:
        gid = create_code_discount(client, kind, fields)
        _store(services, referral_code_id, gid, True, config)
        found = read_code_discount(client, gid)
        if found is None:
            return
    if not _matches(found, config, fields):
        update = {key: value for key, value in fields.items() if key not in ("code", "startsAt")}
        update_code_discount(client, kind, found.gid, update)
    if not found.active:
        set_code_discount_active(client, found.gid, True)
    _store(services, referral_code_id, found.gid, True, config)


def queue_program_sync(session: Session, shop: Shop) -> None:
    """Queue the update of the friend discounts for the referral settings as they are now."""
    enqueue(
        session,
        shop,
        "referrals.sync_program",
        {},
        key=f"referrals.sync_program:v{settings_version(session, shop)}",
    )


def queue_all_friend_discounts(services: Services, shop_domain: str) -> int:
    """Queue the sync of every friend discount whose terms differ from the settings."""
    queued = 0
    after = 0
    while True:
        with services.db.transaction() as session:
            shop = shop_for_job(session, shop_domain)
            config = load(session, shop, ReferralConfig)
            rows = session.scalars(
                select(ReferralCode)
                .where(
                    ReferralCode.shop_id == shop.id,
                    ReferralCode.id > after,
                    (ReferralCode.discount_terms.is_(None))
                    | (ReferralCode.discount_terms != config.discount_terms),
                )
                .order_by(ReferralCode.id)
                .limit(BATCH)
            ).all()
            for row in rows:
                queue_friend_discount_sync(session, shop, row, config)
            queued += len(rows)
        if len(rows) < BATCH:
            return queued
        after = rows[-1].id


def friend_discount_fields(
    config: ReferralConfig, friend_code: str, now: datetime
) -> dict[str, Any]:
    """The discount input for ``discountCode{Basic,FreeShipping}Create``/``Update``."""
    reward = config.friend_reward
    fields: dict[str, Any] = {
        "title": f"{reward.title} ({friend_code})",
        "code": friend_code,
        "startsAt": now.isoformat(),
        "context": {"all": "ALL"},
        "appliesOncePerCustomer": True,
        "usageLimit": None,
        "minimumRequirement": (
            {"subtotal": {"greaterThanOrEqualToSubtotal": str(reward.minimum_order)}}
            if reward.minimum_order is not None
            else None
        ),
        "combinesWith": {
            "orderDiscounts": False,
            "productDiscounts": False,
            "shippingDiscounts": reward.kind != FREE_SHIPPING,
        },
    }
    if reward.kind == FREE_SHIPPING:
        fields["destination"] = {"all": True}
        fields["combinesWith"]["orderDiscounts"] = True
    elif reward.kind == PERCENTAGE:
        fields["customerGets"] = {
            "value": {"percentage": percentage_value(reward.value)},
            "items": {"all": True},
        }
    elif reward.kind == FIXED_AMOUNT:
        fields["customerGets"] = {
            "value": {"discountAmount": {"amount": str(reward.value), "appliesOnEachItem": False}},
            "items": {"all": True},
        }
    return fields


def _matches(found: CodeDiscount, config: ReferralConfig, fields: dict[str, Any]) -> bool:
    minimum = config.friend_discount_minimum_order
    if found.title != fields["title"] or not found.applies_once_per_customer:
        return False
    if found.segment_gids or found.customer_gids:
        return False
    if (found.minimum_subtotal is None) != (minimum is None) or (
        minimum is not None and found.minimum_subtotal != minimum
    ):
        return False
    if config.friend_discount_kind == PERCENTAGE:
        wanted = config.friend_discount_value / Decimal(100)
        return found.percentage is not None and abs(found.percentage - wanted) < Decimal("1e-5")
    if config.friend_discount_kind == FIXED_AMOUNT:
        return found.amount is not None and found.amount == config.friend_discount_value
    return True


def _store(
    services: Services,
    referral_code_id: int,
    gid: str | None,
    active: bool,
    config: ReferralConfig,
) -> None:
    with services.db.transaction() as session:
        row = session.get_one(ReferralCode, referral_code_id)
        row.discount_gid = gid
        row.discount_active = active
        row.discount_terms = config.discount_terms
        row.discount_synced_at = utcnow()
