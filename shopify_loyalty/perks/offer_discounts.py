"""An offer's code discount at Shopify, limited to its audiences' customer segments.

The sync reads the offer when it runs and makes Shopify match it: it creates the discount
(adopting it when an earlier answer was lost and Shopify says the code is taken), updates
title, value, minimum, limits, dates and segments after an edit, and deactivates it when
the merchant ended the offer. The discount's id is stored as soon as it is known.
"""

from __future__ import annotations

import logging
from typing import Any

from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.queue import PermanentJobError
from shopify_loyalty.perks.audiences import split_audiences
from shopify_loyalty.perks.models import MemberOffer
from shopify_loyalty.perks.offers import PERCENTAGE
from shopify_loyalty.perks.shopify_segments import audience_segment_gid
from shopify_loyalty.services import Services
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.tiers.code_discounts import (
    BASIC,
    create_code_discount,
    percentage_value,
    read_code_discount,
    set_code_discount_active,
    update_code_discount,
)
from shopify_loyalty.tiers.job_shop import shop_for_job

log = logging.getLogger(__name__)


def sync_offer(services: Services, shop_domain: str, offer_id: int) -> None:
    """Make the offer's discount at Shopify match the offer as it is now."""
    offer = _offer(services, shop_domain, offer_id)
    client = admin_client(services, shop_domain)
    found = read_code_discount(client, offer.discount_gid) if offer.discount_gid else None
    if offer.ended_at is not None:
        if found is not None and found.active:
            set_code_discount_active(client, found.gid, False)
        _store(services, offer_id, found.gid if found else offer.discount_gid)
        return
    segments = [
        audience_segment_gid(services, client, shop_domain, audience)
        for audience in split_audiences(offer.audiences)
    ]
    fields = discount_fields(offer, segments)
    if found is None:
        gid = create_code_discount(client, BASIC, fields)
        _store(services, offer_id, gid)
        found = read_code_discount(client, gid)
        if found is None:
            return
    update = {key: value for key, value in fields.items() if key != "code"}
    stale = [segment for segment in found.segment_gids if segment not in segments]
    update["context"] = {"customerSegments": {"add": segments, "remove": stale}}
    update_code_discount(client, BASIC, found.gid, update)
    _store(services, offer_id, found.gid)
    log.info("offer %s of %s in step with discount %s", offer_id, shop_domain, found.gid)


def discount_fields(offer: MemberOffer, segment_gids: list[str]) -> dict[str, Any]:
    """The ``DiscountCodeBasicInput`` of the offer."""
    if offer.kind == PERCENTAGE:
        value: dict[str, Any] = {"percentage": percentage_value(offer.value)}
    else:
        value = {"discountAmount": {"amount": str(offer.value), "appliesOnEachItem": False}}
    minimum = (
        {"subtotal": {"greaterThanOrEqualToSubtotal": str(offer.minimum_subtotal)}}
        if offer.minimum_subtotal is not None
        else None
    )
    return {
        "title": offer.title,
        "code": offer.code,
        "startsAt": offer.starts_at.isoformat(),
        "endsAt": offer.ends_at.isoformat(),
        "context": {"customerSegments": {"add": segment_gids}},
        "customerGets": {"value": value, "items": {"all": True}},
        "minimumRequirement": minimum,
        "usageLimit": offer.usage_limit,
        "appliesOncePerCustomer": offer.once_per_customer,
        "combinesWith": {
            "orderDiscounts": False,
            "productDiscounts": True,
            "shippingDiscounts": True,
        },
    }


def _offer(services: Services, shop_domain: str, offer_id: int) -> MemberOffer:
    with services.db.transaction() as session:
        shop = shop_for_job(session, shop_domain)
        offer = session.get(MemberOffer, offer_id)
        if offer is None or offer.shop_id != shop.id:
            raise PermanentJobError(f"no offer {offer_id} in {shop_domain}")
        session.expunge(offer)
        return offer


def _store(services: Services, offer_id: int, gid: str | None) -> None:
    with services.db.transaction() as session:
        offer = session.get_one(MemberOffer, offer_id)
        offer.discount_gid = gid
        offer.synced_at = utcnow()
