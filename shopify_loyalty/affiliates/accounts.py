"""The merchant's affiliates: create, change, archive, and the secret portal link.

Every field is checked and a bad one is refused naming it. An affiliate earns either a
percentage (0.01 to 100) of the order subtotal after discounts, or a fixed amount per order
in the shop's currency. Archiving keeps the history (conversions, payouts) and pauses every
code of the affiliate at Shopify.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.models import (
    ACTIVE,
    ARCHIVED,
    FIXED_AMOUNT,
    PERCENTAGE,
    Affiliate,
    AffiliateCode,
)
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import InvalidInput, NotFound
from shopify_loyalty.shops.models import Shop

PAYOUT_METHODS = ("paypal", "bank_transfer", "store_credit", "other")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_FIXED_COMMISSION = Decimal("100000")
PORTAL_PATH = "/a/"

FIELDS = (
    "name",
    "email",
    "commission_kind",
    "commission_value",
    "payout_method",
    "payout_details",
    "shopify_customer_id",
)


def create_affiliate(
    session: Session, shop: Shop, data: Mapping[str, Any]
) -> tuple[Affiliate, str]:
    """Add an affiliate; returns it with its portal token (shown this once)."""
    values = checked_fields(data, partial=False)
    affiliate = Affiliate(shop_id=shop.id, status=ACTIVE, **values)
    token = _new_portal_token(affiliate)
    session.add(affiliate)
    session.flush()
    return affiliate, token


def update_affiliate(
    session: Session, shop: Shop, affiliate_id: int, data: Mapping[str, Any]
) -> Affiliate:
    """Change the given fields; a new commission applies to orders recorded from now on."""
    affiliate = find_affiliate(session, shop, affiliate_id)
    if "commission_value" in data and "commission_kind" not in data:
        data = {**data, "commission_kind": affiliate.commission_kind}
    for key, value in checked_fields(data, partial=True).items():
        setattr(affiliate, key, value)
    affiliate.updated_at = utcnow()
    session.flush()
    return affiliate


def archive_affiliate(session: Session, shop: Shop, affiliate_id: int) -> Affiliate:
    """Stop the affiliate: codes paused (at Shopify too), portal link revoked, history kept."""
    from shopify_loyalty.affiliates.codes import set_code_active

    affiliate = find_affiliate(session, shop, affiliate_id)
    for code in codes_of(session, shop, affiliate):
        if code.active:
            set_code_active(session, shop, code.id, False)
    affiliate.status = ARCHIVED
    affiliate.portal_token_digest = None
    affiliate.updated_at = utcnow()
    session.flush()
    return affiliate


def rotate_portal_link(session: Session, shop: Shop, affiliate_id: int) -> tuple[Affiliate, str]:
    """A new secret portal token; the old link stops working at once."""
    affiliate = find_affiliate(session, shop, affiliate_id)
    if affiliate.status != ACTIVE:
        raise InvalidInput("An archived affiliate has no portal.", field="status")
    token = _new_portal_token(affiliate)
    session.flush()
    return affiliate, token


def affiliate_by_token(session: Session, token: str) -> Affiliate | None:
    """The active affiliate whose portal token this is (across shops: the token is global)."""
    if not token or len(token) > 128:
        return None
    return session.scalar(
        select(Affiliate).where(
            Affiliate.portal_token_digest == token_digest(token), Affiliate.status == ACTIVE
        )
    )


def portal_url(app_url: str, token: str) -> str:
    return f"{app_url.rstrip('/')}{PORTAL_PATH}{token}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_affiliate(session: Session, shop: Shop, affiliate_id: int) -> Affiliate:
    affiliate = session.scalar(
        select(Affiliate).where(Affiliate.shop_id == shop.id, Affiliate.id == affiliate_id)
    )
    if affiliate is None:
        raise NotFound(f"There is no affiliate {affiliate_id}.")
    return affiliate


def list_affiliates(session: Session, shop: Shop) -> list[Affiliate]:
    return list(
        session.scalars(
            select(Affiliate).where(Affiliate.shop_id == shop.id).order_by(Affiliate.id)
        )
    )


def codes_of(session: Session, shop: Shop, affiliate: Affiliate) -> list[AffiliateCode]:
    return list(
        session.scalars(
            select(AffiliateCode)
            .where(AffiliateCode.shop_id == shop.id, AffiliateCode.affiliate_id == affiliate.id)
            .order_by(AffiliateCode.id)
        )
    )


def checked_fields(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """The affiliate fields of ``data``, validated; unknown fields are refused."""
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"{unknown[0]} is not a field of an affiliate.", field=unknown[0])
    values: dict[str, Any] = {}
    if not partial or "name" in data:
        values["name"] = _text(data.get("name"), "name", 200, required=True)
    if not partial or "email" in data:
        email = _text(data.get("email"), "email", 320, required=True)
        if email is None or not EMAIL.fullmatch(email):
            raise InvalidInput("email must be an email address.", field="email")
        values["email"] = email
    if not partial or "commission_kind" in data or "commission_value" in data:
        kind = data.get("commission_kind", PERCENTAGE if not partial else None)
        if kind not in (PERCENTAGE, FIXED_AMOUNT):
            raise InvalidInput(
                "commission_kind must be percentage or fixed_amount.", field="commission_kind"
            )
        if "commission_value" not in data:
            raise InvalidInput("commission_value is required.", field="commission_value")
        values["commission_kind"] = kind
        values["commission_value"] = commission_value(kind, data.get("commission_value"))
    if not partial or "payout_method" in data:
        method = data.get("payout_method", "other")
        if method not in PAYOUT_METHODS:
            raise InvalidInput(
                f"payout_method must be one of {', '.join(PAYOUT_METHODS)}.",
                field="payout_method",
            )
        values["payout_method"] = method
    if not partial or "payout_details" in data:
        values["payout_details"] = _text(data.get("payout_details"), "payout_details", 2000)
    if not partial or "shopify_customer_id" in data:
        customer_id = data.get("shopify_customer_id")
        if customer_id is not None and (
            isinstance(customer_id, bool)
            or not isinstance(customer_id, int)
            or not 0 < customer_id < 2**63
        ):
            raise InvalidInput(
                "shopify_customer_id must be a Shopify customer id or null.",
                field="shopify_customer_id",
            )
        values["shopify_customer_id"] = customer_id
    return values


def commission_value(kind: str, raw: Any) -> Decimal:
    """A percentage from 0.01 to 100, or an amount from 0.01 to 100000, to the cent."""
    value = money_value(raw, "commission_value")
    limit = Decimal("100") if kind == PERCENTAGE else MAX_FIXED_COMMISSION
    if not Decimal("0.01") <= value <= limit:
        raise InvalidInput(
            f"commission_value must be from 0.01 to {limit}.", field="commission_value"
        )
    return value


def money_value(raw: Any, field: str) -> Decimal:
    """A decimal given as a string or number, with at most two decimal places."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise InvalidInput(f"{field} must be a number.", field=field)
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as error:
        raise InvalidInput(f"{field} must be a number.", field=field) from error
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise InvalidInput(f"{field} must have at most two decimal places.", field=field)
    return value.quantize(Decimal("0.01"))


def _text(raw: Any, field: str, limit: int, *, required: bool = False) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise InvalidInput(f"{field} is required.", field=field)
        return None
    if not isinstance(raw, str):
        raise InvalidInput(f"{field} must be text.", field=field)
    text = raw.strip()
    if len(text) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters.", field=field)
    return text


def _new_portal_token(affiliate: Affiliate) -> str:
    token = secrets.token_urlsafe(24)
    affiliate.portal_token_digest = token_digest(token)
    affiliate.portal_link_made_at = utcnow()
    return token
