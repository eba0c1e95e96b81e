"""Affiliates' exclusive codes: made by the merchant, kept at Shopify by a job, paused and
resumed in one click, and the tracking links that carry them.

A code is 3 to 64 letters, digits, ``-`` or ``_``, stored upper case and matched
case-insensitively, as Shopify matches discount codes. It must be free in the shop: not
another affiliate's code, and not a member's referral code or friend discount (``FRIEND-``
codes are the referral program's), so an order can never name both an affiliate and a
referrer with one value.

At Shopify each code is a basic code discount for everyone (``context: {all: ALL}``) with
its value, minimum order, usage limit, once-per-customer rule and expiry. Every change bumps
the code's ``version`` and queues ``affiliates.sync_code`` keyed on it, so the job runs once
per change, after the change commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import quote

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.accounts import find_affiliate, money_value
from shopify_loyalty.affiliates.models import ACTIVE, FIXED_AMOUNT, PERCENTAGE, AffiliateCode
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import Conflict, InvalidInput, NotFound
from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.referrals.codes import (
    FRIEND_PREFIX,
    find_by_friend_code,
    find_referral_code,
)
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.transaction_memo import (
    lasts_the_transaction,
    read_codes_ahead,
    transaction_memo,
)

SYNC_JOB = "affiliates.sync_code"
CODE_PATTERN = re.compile(r"[A-Z0-9_-]{3,64}")
MAX_USES = 1_000_000
MAX_AMOUNT = Decimal("100000")
# The affiliate code with each text, by (shop id, normalised text), or None when the shop
# has none: read ahead for the paid orders of a batch; codes made in the transaction are
# added (a code's text never changes).
BY_TEXT_MEMO = lasts_the_transaction("affiliates.codes_by_text")

FIELDS = (
    "code",
    "discount_kind",
    "discount_value",
    "minimum_order",
    "usage_limit",
    "once_per_customer",
    "ends_at",
    "max_orders",
    "max_commission",
)


def normalise_code(code: str) -> str:
    return code.strip().upper()


def create_code(
    session: Session, shop: Shop, affiliate_id: int, data: Mapping[str, Any]
) -> AffiliateCode:
    """Give the affiliate a new exclusive code and queue its discount at Shopify."""
    affiliate = find_affiliate(session, shop, affiliate_id)
    if affiliate.status != ACTIVE:
        raise InvalidInput("An archived affiliate gets no new codes.", field="affiliate_id")
    values = checked_code_fields(data)
    code_text = values["code"]
    if find_code(session, shop, code_text) is not None:
        raise Conflict(f"The code {code_text} is already in use.", field="code")
    if (
        find_referral_code(session, shop, code_text) is not None
        or find_by_friend_code(session, shop, code_text) is not None
    ):
        raise Conflict(
            f"The code {code_text} is a member's referral code; choose another.", field="code"
        )
    code = AffiliateCode(
        shop_id=shop.id, affiliate_id=affiliate.id, active=True, version=1, **values
    )
    session.add(code)
    session.flush()
    transaction_memo(session, BY_TEXT_MEMO)[(shop.id, code.code)] = code
    queue_code_sync(session, shop, code)
    return code


def set_code_active(session: Session, shop: Shop, code_id: int, active: bool) -> AffiliateCode:
    """Pause (the Shopify discount is deactivated) or resume a code; repeating is harmless."""
    code = code_by_id(session, shop, code_id)
    if code.active == active:
        return code
    if active:
        affiliate = find_affiliate(session, shop, code.affiliate_id)
        if affiliate.status != ACTIVE:
            raise InvalidInput("The code's affiliate is archived.", field="affiliate_id")
        if code.ends_at is not None and code.ends_at <= utcnow():
            raise InvalidInput("The code has expired.", field="ends_at")
        # Resuming is the merchant's answer to a flag: the flag is cleared.
        code.flagged_at = None
        code.flag_note = None
    code.active = active
    code.version += 1
    session.flush()
    queue_code_sync(session, shop, code)
    return code


def queue_code_sync(session: Session, shop: Shop, code: AffiliateCode) -> None:
    enqueue(
        session,
        shop,
        SYNC_JOB,
        {"code_id": code.id},
        key=f"{SYNC_JOB}:{code.id}:v{code.version}",
    )


def find_code(session: Session, shop: Shop, code: str) -> AffiliateCode | None:
    """The shop's affiliate code with this text, compared case-insensitively."""
    return session.scalar(
        select(AffiliateCode).where(
            AffiliateCode.shop_id == shop.id, AffiliateCode.code == normalise_code(code)
        )
    )


def find_codes(session: Session, shop: Shop, codes: Sequence[str]) -> dict[str, AffiliateCode]:
    """The shop's affiliate codes among ``codes`` (compared case-insensitively), by their
    normalised text; those read ahead (``look_up_codes``) from memory."""
    wanted = {normalise_code(code) for code in codes}
    known: dict[tuple[int, str], AffiliateCode | None] = transaction_memo(session, BY_TEXT_MEMO)
    found = {text: code for text in wanted if (code := known.get((shop.id, text))) is not None}
    unknown = sorted(text for text in wanted if (shop.id, text) not in known)
    if unknown:
        found.update(
            (code.code, code)
            for code in session.scalars(_codes_named(), {"shop_id": shop.id, "codes": unknown})
        )
    return found


def look_up_codes(session: Session, wanted: Iterable[tuple[Shop, str]]) -> None:
    """Read in one query the affiliate codes that several orders name (each with its shop),
    so ``find_codes`` answers them from memory, absent ones too."""
    keys = {(shop.id, normalise_code(code)) for shop, code in wanted}
    read_codes_ahead(session, BY_TEXT_MEMO, keys, _codes_named_in_shops())


@cache
def _codes_named() -> Select[AffiliateCode]:
    # Built once, values bound at execution: building it cost more than sending it.
    return select(AffiliateCode).where(
        AffiliateCode.shop_id == bindparam("shop_id"),
        AffiliateCode.code.in_(bindparam("codes", expanding=True)),
    )


@cache
def _codes_named_in_shops() -> Select[AffiliateCode]:
    return select(AffiliateCode).where(
        AffiliateCode.shop_id.in_(bindparam("shop_ids", expanding=True)),
        AffiliateCode.code.in_(bindparam("codes", expanding=True)),
    )


def code_by_id(session: Session, shop: Shop, code_id: int) -> AffiliateCode:
    code = session.scalar(
        select(AffiliateCode).where(AffiliateCode.shop_id == shop.id, AffiliateCode.id == code_id)
    )
    if code is None:
        raise NotFound(f"There is no affiliate code {code_id}.")
    return code


def tracking_link(shop: Shop, code: AffiliateCode) -> str:
    """The storefront link that the widget turns into the ``loyalty_ref`` cart attribute."""
    return f"https://{shop.domain}/?ref={quote(code.code)}"


def click_link(app_url: str, shop: Shop, code: AffiliateCode) -> str:
    """The counted link: it records the click, then applies the code at the shop."""
    return f"{app_url.rstrip('/')}/a/click/{quote(code.code)}?shop={shop.domain}"


def shop_landing(shop: Shop, code: AffiliateCode) -> str:
    """Shopify's discount link: applies the code, then lands on the home page with the ref."""
    target = quote(f"/?ref={code.code}", safe="")
    return f"https://{shop.domain}/discount/{quote(code.code)}?redirect={target}"


def discount_fields(code: AffiliateCode, title: str, now: datetime) -> dict[str, Any]:
    """The ``DiscountCodeBasicInput`` for the code."""
    if code.discount_kind == PERCENTAGE:
        value: dict[str, Any] = {"percentage": float(code.discount_value / Decimal(100))}
    else:
        value = {"discountAmount": {"amount": str(code.discount_value), "appliesOnEachItem": False}}
    return {
        "title": title,
        "code": code.code,
        "startsAt": now.isoformat(),
        "endsAt": code.ends_at.isoformat() if code.ends_at else None,
        "context": {"all": "ALL"},
        "customerGets": {"value": value, "items": {"all": True}},
        "appliesOncePerCustomer": code.once_per_customer,
        "usageLimit": code.usage_limit,
        "minimumRequirement": (
            {"subtotal": {"greaterThanOrEqualToSubtotal": str(code.minimum_order)}}
            if code.minimum_order is not None
            else None
        ),
        "combinesWith": {
            "orderDiscounts": False,
            "productDiscounts": False,
            "shippingDiscounts": True,
        },
    }


def checked_code_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The code fields of ``data``, validated, each refusal naming its field."""
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"{unknown[0]} is not a field of a code.", field=unknown[0])
    raw_code = data.get("code")
    if not isinstance(raw_code, str) or not CODE_PATTERN.fullmatch(normalise_code(raw_code)):
        raise InvalidInput("code must be 3 to 64 letters, digits, - or _.", field="code")
    code = normalise_code(raw_code)
    if code.startswith(FRIEND_PREFIX):
        raise InvalidInput(f"Codes starting with {FRIEND_PREFIX} are referral codes.", field="code")
    kind = data.get("discount_kind", PERCENTAGE)
    if kind not in (PERCENTAGE, FIXED_AMOUNT):
        raise InvalidInput(
            "discount_kind must be percentage or fixed_amount.", field="discount_kind"
        )
    if "discount_value" not in data:
        raise InvalidInput("discount_value is required.", field="discount_value")
    value = money_value(data["discount_value"], "discount_value")
    limit = Decimal("100") if kind == PERCENTAGE else MAX_AMOUNT
    if not Decimal("0.01") <= value <= limit:
        raise InvalidInput(f"discount_value must be from 0.01 to {limit}.", field="discount_value")
    once = data.get("once_per_customer", True)
    if not isinstance(once, bool):
        raise InvalidInput("once_per_customer must be true or false.", field="once_per_customer")
    return {
        "code": code,
        "discount_kind": kind,
        "discount_value": value,
        "minimum_order": _optional_amount(data, "minimum_order"),
        "usage_limit": _optional_count(data, "usage_limit"),
        "once_per_customer": once,
        "ends_at": _optional_future(data, "ends_at"),
        "max_orders": _optional_count(data, "max_orders"),
        "max_commission": _optional_amount(data, "max_commission"),
    }


def _optional_amount(data: Mapping[str, Any], field: str) -> Decimal | None:
    if data.get(field) is None:
        return None
    value = money_value(data[field], field)
    if not Decimal("0.01") <= value <= MAX_AMOUNT:
        raise InvalidInput(f"{field} must be from 0.01 to {MAX_AMOUNT}, or null.", field=field)
    return value


def _optional_count(data: Mapping[str, Any], field: str) -> int | None:
    raw = data.get(field)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_USES:
        raise InvalidInput(
            f"{field} must be a whole number from 1 to {MAX_USES}, or null.", field=field
        )
    return raw


def _optional_future(data: Mapping[str, Any], field: str) -> datetime | None:
    raw = data.get(field)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InvalidInput(f"{field} must be an ISO 8601 time with its zone.", field=field)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidInput(
            f"{field} must be an ISO 8601 time with its zone.", field=field
        ) from error
    if moment.tzinfo is None:
        raise InvalidInput(f"{field} must be an ISO 8601 time with its zone.", field=field)
    if moment <= utcnow():
        raise InvalidInput(f"{field} must be in the future.", field=field)
    return moment
