"""What an affiliate sees in their portal: their codes and links, and their own figures.

Only the affiliate's own rows are read, and nothing about the customers they brought (no
names, emails or order numbers): counts and amounts per month, and their payouts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.accounts import codes_of
from shopify_loyalty.affiliates.codes import tracking_link
from shopify_loyalty.affiliates.models import (
    PENDING,
    PERCENTAGE,
    ZERO,
    Affiliate,
    AffiliateCode,
    AffiliateConversion,
)
from shopify_loyalty.affiliates.payouts import payouts_of
from shopify_loyalty.affiliates.reporting import MonthFigures, monthly_figures
from shopify_loyalty.shops.models import Shop


@dataclass(frozen=True)
class PortalCode:
    code: str
    offer: str
    link: str
    active: bool


@dataclass(frozen=True)
class PortalPayout:
    covers_until: str
    amount: Decimal
    paid_at: str


@dataclass(frozen=True)
class PortalPage:
    shop_domain: str
    currency: str
    name: str
    commission: str
    codes: list[PortalCode]
    months: list[MonthFigures]
    pending: Decimal
    approved_unpaid: Decimal
    paid: Decimal
    payouts: list[PortalPayout]


def portal_page(session: Session, shop: Shop, affiliate: Affiliate) -> PortalPage:
    owed = session.execute(
        select(
            AffiliateConversion.status,
            func.coalesce(
                func.sum(AffiliateConversion.commission - AffiliateConversion.paid_commission),
                ZERO,
            ),
        )
        .where(
            AffiliateConversion.shop_id == shop.id,
            AffiliateConversion.affiliate_id == affiliate.id,
        )
        .group_by(AffiliateConversion.status)
    ).all()
    by_status = {status: Decimal(str(amount)) for status, amount in owed}
    payouts = payouts_of(session, shop, affiliate.id)
    return PortalPage(
        shop_domain=shop.domain,
        currency=shop.currency,
        name=affiliate.name,
        commission=commission_terms(affiliate.commission_kind, affiliate.commission_value, shop),
        codes=[
            PortalCode(code.code, offer_of(code, shop), tracking_link(shop, code), code.active)
            for code in codes_of(session, shop, affiliate)
        ],
        months=monthly_figures(session, shop, affiliate),
        pending=_cents(by_status.get(PENDING, ZERO)),
        approved_unpaid=_cents(
            sum((amount for status, amount in by_status.items() if status != PENDING), ZERO)
        ),
        paid=_cents(sum((payout.amount for payout in payouts), ZERO)),
        payouts=[
            PortalPayout(p.covers_until.isoformat(), p.amount, p.paid_at.date().isoformat())
            for p in payouts
        ],
    )


def commission_terms(kind: str, value: Decimal, shop: Shop) -> str:
    if kind == PERCENTAGE:
        return f"{value.normalize():f}% of each order's subtotal after discounts"
    return f"{value} {shop.currency} per order"


def offer_of(code: AffiliateCode, shop: Shop) -> str:
    if code.discount_kind == PERCENTAGE:
        offer = f"{code.discount_value.normalize():f}% off"
    else:
        offer = f"{code.discount_value} {shop.currency} off"
    if code.minimum_order is not None:
        offer += f" orders of {code.minimum_order} {shop.currency} or more"
    return offer


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))
