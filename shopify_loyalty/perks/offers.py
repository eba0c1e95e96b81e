"""Member-only offers: what the merchant sets, validated field by field.

An offer is a code discount (a percentage or an amount off, with an optional minimum order
subtotal and usage limits) that runs from ``starts_at`` to ``ends_at`` and that only the
chosen audiences can use. Saving or ending one queues its sync to Shopify
(:mod:`shopify_loyalty.perks.offer_discounts`); an ended offer keeps its row.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import Conflict, InvalidInput, NotFound
from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.perks.audiences import (
    join_audiences,
    parse_audiences,
    queue_audience_refresh,
    split_audiences,
)
from shopify_loyalty.perks.models import MemberOffer
from shopify_loyalty.perks.time_box import TimeBox, change_perk, end_perk, has_ended, sync_version
from shopify_loyalty.shops.models import Shop

PERCENTAGE = "percentage"
FIXED_AMOUNT = "fixed_amount"
KINDS = (PERCENTAGE, FIXED_AMOUNT)
MAX_AMOUNT = Decimal("1000000")
MAX_USES = 1_000_000
MAX_DAYS = 365
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,63}$")
SYNC_JOB = "perks.sync_offer"

SCHEDULED = "scheduled"
ACTIVE = "active"
ENDED = "ended"


@dataclass(frozen=True)
class OfferFields:
    title: str
    code: str
    kind: str
    value: Decimal
    minimum_subtotal: Decimal | None
    usage_limit: int | None
    once_per_customer: bool
    audiences: list[str]
    starts_at: datetime
    ends_at: datetime


def offer_status(offer: MemberOffer, now: datetime) -> str:
    if has_ended(offer, now):
        return ENDED
    return SCHEDULED if offer.starts_at > now else ACTIVE


def list_offers(session: Session, shop: Shop) -> list[MemberOffer]:
    return list(
        session.scalars(
            select(MemberOffer)
            .where(MemberOffer.shop_id == shop.id)
            .order_by(MemberOffer.starts_at.desc(), MemberOffer.id.desc())
        )
    )


def find_offer(session: Session, shop: Shop, offer_id: int) -> MemberOffer:
    offer = session.scalar(
        select(MemberOffer).where(MemberOffer.shop_id == shop.id, MemberOffer.id == offer_id)
    )
    if offer is None:
        raise NotFound(f"There is no offer {offer_id}.", field="offer_id")
    return offer


def create_offer(session: Session, shop: Shop, data: Mapping[str, Any]) -> MemberOffer:
    now = utcnow()
    fields = parse_offer(session, shop, data, current=None, now=now)
    taken = session.scalar(
        select(MemberOffer.id).where(
            MemberOffer.shop_id == shop.id, MemberOffer.code == fields.code
        )
    )
    if taken is not None:
        raise Conflict(f"code {fields.code} is already used by another offer", field="code")
    offer = MemberOffer(shop_id=shop.id, created_at=now, updated_at=now, **_columns(fields))
    session.add(offer)
    session.flush()
    queue_offer_sync(session, shop, offer)
    return offer


def update_offer(
    session: Session, shop: Shop, offer_id: int, data: Mapping[str, Any]
) -> MemberOffer:
    now = utcnow()
    offer = find_offer(session, shop, offer_id)
    return change_perk(
        session,
        shop,
        OFFERS,
        offer,
        lambda: _columns(parse_offer(session, shop, data, current=offer, now=now)),
        now,
    )


def end_offer(session: Session, shop: Shop, offer_id: int) -> MemberOffer:
    """End the offer now; its Shopify discount is deactivated (ending twice changes nothing)."""
    return end_perk(session, shop, OFFERS, find_offer(session, shop, offer_id), utcnow())


def queue_offer_sync(session: Session, shop: Shop, offer: MemberOffer) -> None:
    version = sync_version(offer)
    enqueue(session, shop, SYNC_JOB, {"offer_id": offer.id}, key=f"{SYNC_JOB}:{offer.id}:{version}")
    queue_audience_refresh(session, shop, f"offer-{offer.id}-{version}")


OFFERS: TimeBox[MemberOffer] = TimeBox("offer", "offer_id", queue_offer_sync)


def parse_offer(
    session: Session,
    shop: Shop,
    data: Mapping[str, Any],
    *,
    current: MemberOffer | None,
    now: datetime,
) -> OfferFields:
    """The offer's fields from ``data`` on top of ``current``; each error names its field."""

    def given(name: str, default: Any) -> Any:
        return data[name] if name in data else default

    if current is not None and "code" in data and str(data["code"]).upper() != current.code:
        raise InvalidInput("code cannot be changed once the offer exists", field="code")
    title = given("title", current.title if current else None)
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 255:
        raise InvalidInput("title must be text of 1 to 255 characters", field="title")
    code = current.code if current else _code(data.get("code"))
    kind = given("kind", current.kind if current else None)
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of: {', '.join(KINDS)}", field="kind")
    value = _decimal(given("value", current.value if current else None), "value")
    if kind == PERCENTAGE and not Decimal(1) <= value <= Decimal(100):
        raise InvalidInput("value must be a percentage from 1 to 100", field="value")
    if kind == FIXED_AMOUNT and not Decimal("0.01") <= value <= MAX_AMOUNT:
        raise InvalidInput(
            f"value must be an amount in {shop.currency} from 0.01 to 1000000", field="value"
        )
    minimum_raw = given("minimum_subtotal", current.minimum_subtotal if current else None)
    minimum = None
    if minimum_raw is not None and minimum_raw != "":
        minimum = _decimal(minimum_raw, "minimum_subtotal")
        if not Decimal("0.01") <= minimum <= MAX_AMOUNT:
            raise InvalidInput(
                f"minimum_subtotal must be an amount in {shop.currency} from 0.01 to 1000000, "
                "or empty for any order",
                field="minimum_subtotal",
            )
    limit = given("usage_limit", current.usage_limit if current else None)
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_USES
    ):
        raise InvalidInput(
            f"usage_limit must be a whole number from 1 to {MAX_USES}, or null for no limit",
            field="usage_limit",
        )
    once = given("once_per_customer", current.once_per_customer if current else False)
    if not isinstance(once, bool):
        raise InvalidInput("once_per_customer must be true or false", field="once_per_customer")
    if "audiences" in data or current is None:
        audiences = parse_audiences(session, shop, data.get("audiences"))
    else:
        audiences = split_audiences(current.audiences)
    starts = _moment(given("starts_at", current.starts_at if current else now), "starts_at")
    ends = _moment(given("ends_at", current.ends_at if current else None), "ends_at")
    if ends <= starts:
        raise InvalidInput("ends_at must be after starts_at", field="ends_at")
    if ends <= now:
        raise InvalidInput("ends_at must be in the future", field="ends_at")
    if ends - starts > timedelta(days=MAX_DAYS):
        raise InvalidInput(
            f"ends_at must be at most {MAX_DAYS} days after starts_at", field="ends_at"
        )
    return OfferFields(
        title=title.strip(),
        code=code,
        kind=kind,
        value=value.quantize(Decimal("0.01")),
        minimum_subtotal=minimum.quantize(Decimal("0.01")) if minimum is not None else None,
        usage_limit=limit,
        once_per_customer=once,
        audiences=audiences,
        starts_at=starts,
        ends_at=ends,
    )


def offer_json(offer: MemberOffer, now: datetime) -> dict[str, Any]:
    return {
        "id": offer.id,
        "title": offer.title,
        "code": offer.code,
        "kind": offer.kind,
        "value": str(offer.value),
        "minimum_subtotal": str(offer.minimum_subtotal)
        if offer.minimum_subtotal is not None
        else None,
        "usage_limit": offer.usage_limit,
        "once_per_customer": offer.once_per_customer,
        "audiences": split_audiences(offer.audiences),
        "starts_at": offer.starts_at.isoformat(),
        "ends_at": offer.ends_at.isoformat(),
        "ended_at": offer.ended_at.isoformat() if offer.ended_at else None,
        "status": offer_status(offer, now),
        "shopify_discount_id": offer.discount_gid,
        "synced_at": offer.synced_at.isoformat() if offer.synced_at else None,
    }


def _columns(fields: OfferFields) -> dict[str, Any]:
    return {
        "title": fields.title,
        "code": fields.code,
        "kind": fields.kind,
        "value": fields.value,
        "minimum_subtotal": fields.minimum_subtotal,
        "usage_limit": fields.usage_limit,
        "once_per_customer": fields.once_per_customer,
        "audiences": join_audiences(fields.audiences),
        "starts_at": fields.starts_at,
        "ends_at": fields.ends_at,
    }


def _code(raw: Any) -> str:
    if raw is None or raw == "":
        return f"MEMBERS-{secrets.token_hex(4).upper()}"
    code = str(raw).strip().upper()
    if not CODE_PATTERN.match(code):
        raise InvalidInput(
            "code must be 3 to 64 letters, digits, dashes or underscores", field="code"
        )
    return code


def _decimal(raw: Any, field: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise InvalidInput(f"{field} must be a number", field=field)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise InvalidInput(f"{field} must be a number", field=field) from None
    if not value.is_finite():
        raise InvalidInput(f"{field} must be a number", field=field)
    return value


def parse_moment(raw: Any, field: str) -> datetime:
    return _moment(raw, field)


def _moment(raw: Any, field: str) -> datetime:
    if isinstance(raw, datetime):
        return raw
    message = f"{field} must be a date and time with its offset, like 2026-12-01T09:00:00Z"
    if not isinstance(raw, str):
        raise InvalidInput(message, field=field)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(message, field=field) from None
    if moment.tzinfo is None:
        raise InvalidInput(message, field=field)
    return moment.astimezone(UTC)
