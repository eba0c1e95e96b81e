"""Perks as the storefront shows them: a shopper's member offers and early access windows
in ``GET /proxy/api/me``, and the early access answer for one product page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.perks.audiences import split_audiences
from shopify_loyalty.perks.early_access import (
    access_for,
    parse_shopify_id,
    split_ids,
    windows_for_shopper,
)
from shopify_loyalty.perks.models import MemberOffer
from shopify_loyalty.perks.offers import ACTIVE, offer_status
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.storefront.texts import discount_headline, fill

MAX_COLLECTIONS = 50


def member_offers(
    session: Session,
    shop: Shop,
    mine: set[str],
    texts: dict[str, str],
    locale: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """Offers running now or still to come; the code only for shoppers in an audience
    (``mine``: the shopper's audiences) and only while the offer runs."""
    offers = session.scalars(
        select(MemberOffer)
        .where(
            MemberOffer.shop_id == shop.id,
            MemberOffer.ended_at.is_(None),
            MemberOffer.ends_at > now,
        )
        .order_by(MemberOffer.starts_at, MemberOffer.id)
    )
    shown = []
    for offer in offers:
        eligible = bool(mine & set(split_audiences(offer.audiences)))
        status = offer_status(offer, now)
        usable = eligible and status == ACTIVE
        shown.append(
            {
                "id": offer.id,
                "title": offer.title,
                "headline": discount_headline(
                    texts, offer.kind, offer.value, shop.currency, locale
                ),
                "minimum_subtotal": str(offer.minimum_subtotal)
                if offer.minimum_subtotal is not None
                else None,
                "status": status,
                "starts_at": offer.starts_at.isoformat(),
                "ends_at": offer.ends_at.isoformat(),
                "eligible": eligible,
                "code": offer.code if usable else None,
                "apply_path": f"/discount/{offer.code}" if usable else None,
                "note": None if eligible else texts["offers_not_eligible"],
            }
        )
    return shown


def early_access_windows(
    session: Session, shop: Shop, mine: set[str], now: datetime
) -> list[dict[str, Any]]:
    """Open and coming windows the shopper (in the audiences ``mine``) has access to."""
    return [
        {
            "id": window.id,
            "title": window.title,
            "status": "open" if window.starts_at <= now else "scheduled",
            "starts_at": window.starts_at.isoformat(),
            "ends_at": window.ends_at.isoformat(),
            "product_ids": [str(i) for i in split_ids(window.product_ids)],
            "collection_ids": [str(i) for i in split_ids(window.collection_ids)],
        }
        for window in windows_for_shopper(session, shop, mine, now)
    ]


def product_access(
    session: Session,
    shop: Shop,
    customer: Customer | None,
    raw_product: str | None,
    raw_collections: str | None,
    texts: dict[str, str],
    now: datetime,
) -> dict[str, Any]:
    """The answer of ``GET /proxy/api/early-access`` for one product page."""
    product_id = parse_shopify_id(raw_product or "")
    if product_id is None:
        raise InvalidInput("product_id must be a Shopify product id", field="product_id")
    collections: list[int] = []
    for item in (raw_collections or "").split(",")[: MAX_COLLECTIONS + 1]:
        if not item:
            continue
        number = parse_shopify_id(item)
        if number is None or len(collections) >= MAX_COLLECTIONS:
            raise InvalidInput(
                f"collection_ids must be up to {MAX_COLLECTIONS} Shopify collection ids, "
                "separated by commas",
                field="collection_ids",
            )
        collections.append(number)
    access = access_for(session, shop, customer, product_id, collections, now)
    message = None
    if not access.allowed and access.window is not None:
        if access.reason == "login_required":
            message = texts["early_access_sign_in"]
        else:
            message = fill(
                texts["early_access_members_only"], date=access.window.ends_at.date().isoformat()
            )
    return {
        "product_id": str(product_id),
        "restricted": access.restricted,
        "allowed": access.allowed,
        "reason": access.reason,
        "ends_at": access.window.ends_at.isoformat() if access.window else None,
        "message": message,
    }
