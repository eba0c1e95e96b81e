"""Audiences of perks: VIP tiers, the app's customer segments, and paid members.

An audience is written ``tier:<key>`` (customers tagged ``loyalty-tier:<key>``),
``segment:<name>`` (tagged ``loyalty-segment:<name>``) or ``paid_members`` (tagged
``loyalty-member:paid``). At Shopify each audience is one customer segment on that tag, so
an offer's discount can be limited to it. Here, who is in which audience is a snapshot
refreshed by :func:`refresh_audience_members` (tiers and segments from our own data, paid
members from their tag at Shopify), so the widget, the app proxy and the tags agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.perks.models import AudienceMember, EarlyAccessWindow, MemberOffer
from shopify_loyalty.perks.paid_members import PAID_MEMBER_TAG, active_paid_members
from shopify_loyalty.programs.config import load
from shopify_loyalty.segments.membership import SEGMENT_KINDS, segment_members, segment_tag
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.models import TierMembership
from shopify_loyalty.tiers.rules import TierConfig, tier_tag

PAID_MEMBERS = "paid_members"
TIER = "tier:"
SEGMENT = "segment:"
MAX_AUDIENCES = 10
REFRESH_JOB = "perks.refresh"
TIER_MOVE_BATCH_SECONDS = 5


def allowed_audiences(session: Session, shop: Shop) -> list[str]:
    tiers = [f"{TIER}{level.key}" for level in load(session, shop, TierConfig).tiers]
    return [*tiers, *(f"{SEGMENT}{name}" for name in SEGMENT_KINDS), PAID_MEMBERS]


def parse_audiences(session: Session, shop: Shop, raw: Any) -> list[str]:
    """Validate a list of audiences; an unknown one is refused naming the allowed ones."""
    allowed = allowed_audiences(session, shop)
    if not isinstance(raw, list) or not raw:
        raise InvalidInput(
            f"audiences must be a list of 1 to {MAX_AUDIENCES} of: {', '.join(allowed)}",
            field="audiences",
        )
    if len(raw) > MAX_AUDIENCES:
        raise InvalidInput(f"audiences must hold 1 to {MAX_AUDIENCES} audiences", field="audiences")
    chosen: list[str] = []
    for index, item in enumerate(raw):
        if not isinstance(item, str) or item not in allowed:
            raise InvalidInput(
                f"audiences[{index}] must be one of: {', '.join(allowed)}",
                field=f"audiences[{index}]",
            )
        if item not in chosen:
            chosen.append(item)
    return chosen


def split_audiences(stored: str) -> list[str]:
    return [item for item in stored.split(",") if item]


def join_audiences(audiences: Sequence[str]) -> str:
    return ",".join(audiences)


def audience_tag(audience: str) -> str:
    """The Shopify customer tag that puts a customer in the audience."""
    if audience == PAID_MEMBERS:
        return PAID_MEMBER_TAG
    if audience.startswith(TIER):
        return tier_tag(audience.removeprefix(TIER))
    return segment_tag(audience.removeprefix(SEGMENT))


def audience_label(session: Session, shop: Shop, audience: str) -> str:
    """The audience in the merchant's words: ``Gold tier``, ``Segment: champions``."""
    if audience == PAID_MEMBERS:
        return "Paid members"
    if audience.startswith(TIER):
        level = load(session, shop, TierConfig).level(audience.removeprefix(TIER))
        return f"{level.name} tier" if level else f"Tier {audience.removeprefix(TIER)}"
    return f"Segment: {audience.removeprefix(SEGMENT)}"


def segment_name(session: Session, shop: Shop, audience: str) -> str:
    """The name of the audience's Shopify segment; a tier's is the one the tier sync uses."""
    if audience.startswith(TIER):
        level = load(session, shop, TierConfig).level(audience.removeprefix(TIER))
        if level is not None:
            return f"Loyalty tier: {level.name}"
    if audience == PAID_MEMBERS:
        return "Loyalty paid members"
    return f"Loyalty {audience.replace(':', ': ', 1)}"


def segment_query(audience: str) -> str:
    return f"customer_tags CONTAINS '{audience_tag(audience)}'"


def computed_members(
    session: Session, shop: Shop, audiences: Iterable[str], paid_member_ids: set[int]
) -> dict[str, set[int]]:
    """Our customer ids in each audience now. Paid members are those with an active paid
    membership here and those whose Shopify ids (``paid_member_ids``) carry the tag."""
    wanted = list(dict.fromkeys(audiences))
    members: dict[str, set[int]] = {audience: set() for audience in wanted}
    live = select(Customer).where(
        Customer.shop_id == shop.id, Customer.deleted_at.is_(None), Customer.redacted_at.is_(None)
    )
    if any(a.startswith(TIER) for a in wanted):
        rows = session.execute(
            select(TierMembership.customer_id, TierMembership.tier_key)
            .join(Customer, Customer.id == TierMembership.customer_id)
            .where(TierMembership.shop_id == shop.id, Customer.deleted_at.is_(None))
        )
        for customer_id, key in rows:
            audience = f"{TIER}{key}"
            if audience in members:
                members[audience].add(customer_id)
    if any(a.startswith(SEGMENT) for a in wanted):
        for member in segment_members(session, shop, utcnow()):
            for name in (member.rfm_segment, member.lifecycle_stage):
                audience = f"{SEGMENT}{name}"
                if name and audience in members:
                    members[audience].add(member.profile.customer_id)
    if PAID_MEMBERS in members:
        tagged = (
            {
                customer.id
                for customer in session.scalars(
                    live.where(Customer.shopify_customer_id.in_(paid_member_ids))
                )
            }
            if paid_member_ids
            else set()
        )
        members[PAID_MEMBERS] = tagged | active_paid_members(session, shop)
    return members


def store_members(session: Session, shop: Shop, members: dict[str, set[int]]) -> None:
    """Replace the snapshot of every audience in ``members`` (and drop audiences not used)."""
    current: dict[str, set[int]] = {}
    for row in session.scalars(select(AudienceMember).where(AudienceMember.shop_id == shop.id)):
        current.setdefault(row.audience, set()).add(row.customer_id)
    for audience, ids in current.items():
        gone = ids - members.get(audience, set())
        if gone:
            session.execute(
                delete(AudienceMember).where(
                    AudienceMember.shop_id == shop.id,
                    AudienceMember.audience == audience,
                    AudienceMember.customer_id.in_(gone),
                )
            )
    for audience, ids in members.items():
        for customer_id in sorted(ids - current.get(audience, set())):
            session.add(AudienceMember(shop_id=shop.id, audience=audience, customer_id=customer_id))


def audiences_of(session: Session, shop: Shop, customer: Customer | None) -> set[str]:
    """The audiences the customer is in as of the last refresh (none for a guest)."""
    if customer is None:
        return set()
    return set(
        session.scalars(_audiences_query(), {"shop_id": shop.id, "customer_id": customer.id})
    )


@cache
def _audiences_query() -> Select[str]:
    # Built once, values bound at execution: building it cost more than sending it.
    return select(AudienceMember.audience).where(
        AudienceMember.shop_id == bindparam("shop_id"),
        AudienceMember.customer_id == bindparam("customer_id"),
    )


def audiences_column(shop_id: Any, customer_id: Any) -> Any:
    """The audiences of the customer ``customer_id`` names (a column of an enclosing query),
    as one scalar subquery of their names joined as :func:`join_audiences` joins them (null
    for none): for a query that reads them with other rows of the customer."""
    return (
        select(func.aggregate_strings(AudienceMember.audience, ","))
        .where(AudienceMember.shop_id == shop_id, AudienceMember.customer_id == customer_id)
        .scalar_subquery()
    )


def members_of(session: Session, shop: Shop, audiences: Iterable[str]) -> set[int]:
    """Our customer ids in any of the audiences, as of the last refresh."""
    chosen = list(audiences)
    if not chosen:
        return set()
    return set(
        session.scalars(
            select(AudienceMember.customer_id).where(
                AudienceMember.shop_id == shop.id, AudienceMember.audience.in_(chosen)
            )
        )
    )


def queue_audience_refresh(session: Session, shop: Shop, reason: str) -> None:
    """Queue a refresh of the audiences, grants and tags (see perks/refresh.py)."""
    key = f"{REFRESH_JOB}:{reason}:{utcnow().isoformat()}"
    enqueue(session, shop, REFRESH_JOB, {}, key=key)


def queue_refresh_after_tier_move(session: Session, shop: Shop, now: datetime) -> None:
    """A tier move changes the tier audiences: when perks are in use, refresh a few seconds
    later, once for all the moves of those seconds (a burst of orders is one refresh)."""
    offers = select(MemberOffer.id).where(
        MemberOffer.shop_id == shop.id, MemberOffer.ended_at.is_(None), MemberOffer.ends_at > now
    )
    windows = select(EarlyAccessWindow.id).where(
        EarlyAccessWindow.shop_id == shop.id,
        EarlyAccessWindow.ended_at.is_(None),
        EarlyAccessWindow.ends_at > now,
    )
    if session.scalar(offers.limit(1)) is None and session.scalar(windows.limit(1)) is None:
        return
    start = int(now.timestamp()) // TIER_MOVE_BATCH_SECONDS * TIER_MOVE_BATCH_SECONDS
    run_at = datetime.fromtimestamp(start + TIER_MOVE_BATCH_SECONDS, tz=UTC)
    key = f"{REFRESH_JOB}:tier-moves:{run_at.isoformat()}"
    enqueue(session, shop, REFRESH_JOB, {}, key=key, run_at=run_at)
