"""Refreshing who is in each audience, early access grants, and the early access tag.

Run when an offer or window is saved, when a window opens or closes, and every hour. It
reads the audiences in use by offers and windows that have not ended, works out their
customers (tiers and segments from our data, paid members from their tag at Shopify),
stores that snapshot, records a grant for every customer in an open window's audiences
(the insights compare their spend), and makes the ``loyalty-early-access`` tag at Shopify
sit on exactly the customers in the audiences of open or coming windows, and gives the
checkout rule the products and collections of the open windows. Every step reads
the current state, so running it twice, late or out of order leaves the same result.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.perks.audiences import (
    PAID_MEMBERS,
    computed_members,
    members_of,
    split_audiences,
    store_members,
)
from shopify_loyalty.perks.checkout_rule import function_config
from shopify_loyalty.perks.checkout_rule_config import configure_checkout_rule
from shopify_loyalty.perks.early_access import EARLY_ACCESS_TAG, live_windows
from shopify_loyalty.perks.models import AudienceMember, EarlyAccessGrant, MemberOffer
from shopify_loyalty.perks.paid_members import PAID_MEMBER_TAG
from shopify_loyalty.segments.tags import change_tags, tagged_customers
from shopify_loyalty.services import Services
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.customer_tags import customer_gid
from shopify_loyalty.tiers.job_shop import shop_for_job

log = logging.getLogger(__name__)


def audiences_in_use(session: Session, shop: Shop, now: datetime) -> set[str]:
    used: set[str] = set()
    for window in live_windows(session, shop, now):
        used.update(split_audiences(window.audiences))
    offers = session.scalars(
        select(MemberOffer.audiences).where(
            MemberOffer.shop_id == shop.id,
            MemberOffer.ended_at.is_(None),
            MemberOffer.ends_at > now,
        )
    )
    for stored in offers:
        used.update(split_audiences(stored))
    return used


def has_perks(session: Session, shop: Shop, now: datetime) -> bool:
    """Whether an hourly refresh has anything to do (perks in use, or a snapshot to clear)."""
    return bool(audiences_in_use(session, shop, now)) or bool(
        session.scalar(select(exists().where(AudienceMember.shop_id == shop.id)))
    )


def refresh_perks(services: Services, shop_domain: str, now: datetime | None = None) -> None:
    moment = now or utcnow()
    with services.db.transaction() as session:
        shop = shop_for_job(session, shop_domain)
        used = audiences_in_use(session, shop, moment)
        rule_config, rule_variables = function_config(live_windows(session, shop, moment), moment)
        tag_audiences = {
            audience
            for window in live_windows(session, shop, moment)
            for audience in split_audiences(window.audiences)
        }
    client = admin_client(services, shop_domain)
    paid: set[int] = set()
    if PAID_MEMBERS in used:
        paid = {int(gid.rsplit("/", 1)[-1]) for gid in tagged_customers(client, PAID_MEMBER_TAG)}
    with services.db.transaction() as session:
        shop = shop_for_job(session, shop_domain)
        store_members(session, shop, computed_members(session, shop, used, paid))
        session.flush()
        _grant_open_windows(session, shop, moment)
        wanted = {
            customer_gid(shopify_id)
            for shopify_id in session.scalars(
                select(Customer.shopify_customer_id).where(
                    Customer.id.in_(members_of(session, shop, tag_audiences))
                )
            )
        }
    tagged = tagged_customers(client, EARLY_ACCESS_TAG)
    change_tags(client, "tagsAdd", EARLY_ACCESS_TAG, sorted(wanted - tagged))
    change_tags(client, "tagsRemove", EARLY_ACCESS_TAG, sorted(tagged - wanted))
    configure_checkout_rule(client, rule_config, rule_variables)
    log.info(
        "perks of %s refreshed: %d audiences, %d customers with early access",
        shop_domain,
        len(used),
        len(wanted),
    )


def _grant_open_windows(session: Session, shop: Shop, now: datetime) -> None:
    for window in live_windows(session, shop, now):
        if window.starts_at > now:
            continue
        members = members_of(session, shop, split_audiences(window.audiences))
        granted = set(
            session.scalars(
                select(EarlyAccessGrant.customer_id).where(
                    EarlyAccessGrant.shop_id == shop.id, EarlyAccessGrant.window_id == window.id
                )
            )
        )
        for customer_id in sorted(members - granted):
            session.add(
                EarlyAccessGrant(
                    shop_id=shop.id, window_id=window.id, customer_id=customer_id, granted_at=now
                )
            )
