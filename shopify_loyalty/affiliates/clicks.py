"""Counting clicks on affiliates' links: one row per visit, nothing about the visitor."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.codes import find_code, shop_landing
from shopify_loyalty.affiliates.models import ACTIVE, Affiliate, AffiliateClick
from shopify_loyalty.errors import NotFound
from shopify_loyalty.shops.models import Shop


def record_click(session: Session, shop_domain: str, code_text: str) -> str:
    """Count a click on the code's link; returns where to send the visitor (the shop, with
    the code applied and the ``ref`` kept). Unknown shops and codes are a 404; a paused
    code's click still counts and lands on the shop without the discount."""
    shop = session.scalar(select(Shop).where(Shop.domain == shop_domain.strip().lower()))
    if shop is None or not shop.is_installed:
        raise NotFound("There is no such shop.")
    code = find_code(session, shop, code_text)
    if code is None:
        raise NotFound("There is no such code.")
    affiliate = session.get_one(Affiliate, code.affiliate_id)
    if affiliate.status != ACTIVE:
        raise NotFound("There is no such code.")
    session.add(AffiliateClick(shop_id=shop.id, affiliate_id=affiliate.id, code_id=code.id))
    if not code.active:
        return f"https://{shop.domain}/"
    return shop_landing(shop, code)
