"""Whether a customer is a paid member, and the cached membership row kept in step.

:func:`is_paid_member` answers from the purchases themselves, for any moment. The
``paid_memberships`` row is rebuilt after every change to a customer's purchases and by the
hourly expiry run; whenever it turns active or ended, the sync of the customer's
``loyalty-member:paid`` tag at Shopify is queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.paid_membership.models import ACTIVE, ENDED, PaidMembership
from shopify_loyalty.paid_membership.periods import Period, customer_periods, run_at
from shopify_loyalty.shops.models import Shop

SYNC_TAG = "paid_membership.sync_tag"


def is_paid_member(session: Session, shop_id: int, customer_id: int, at: datetime) -> bool:
    """Whether the customer (our ``customers.id``) holds a paid membership period at ``at``."""
    return any(period.covers(at) for period in customer_periods(session, shop_id, customer_id))


@dataclass(frozen=True)
class MembershipState:
    """What the customer's purchases add up to at one moment."""

    status: str  # active, ended, or none (never bought one that counts)
    started_at: datetime | None
    ends_at: datetime | None
    periods: tuple[Period, ...]


@dataclass(frozen=True)
class KnownMembership:
    """What a caller has read of the customer's membership already: the stored row (or
    None), and whether any paid membership line of theirs is stored."""

    row: PaidMembership | None
    bought_any: bool


def membership_state(
    session: Session,
    shop_id: int,
    customer_id: int,
    at: datetime,
    *,
    known: KnownMembership | None = None,
) -> MembershipState:
    """What the purchases add up to at ``at``; what is ``known`` is not read again."""
    bought_any = known is None or known.bought_any
    periods = tuple(customer_periods(session, shop_id, customer_id)) if bought_any else ()
    run = run_at(periods, at)
    if run is not None:
        return MembershipState(ACTIVE, run[0], run[1], periods)
    row = known.row if known is not None else find_membership(session, shop_id, customer_id)
    if row is not None:
        return MembershipState(ENDED, row.started_at, row.ends_at, periods)
    counted = [p for p in periods if p.ends_at is not None and p.ends_at <= at]
    if counted:
        return MembershipState(ENDED, counted[-1].starts_at, counted[-1].ends_at, periods)
    return MembershipState("none", None, None, periods)


def find_membership(session: Session, shop_id: int, customer_id: int) -> PaidMembership | None:
    return session.scalar(
        select(PaidMembership).where(
            PaidMembership.shop_id == shop_id, PaidMembership.customer_id == customer_id
        )
    )


def rebuild_membership(session: Session, shop: Shop, customer_id: int, now: datetime) -> str:
    """Bring the customer's membership row in line with their purchases as of ``now``;
    returns its status. A membership that ends early (refund, cancellation) ends ``now``."""
    periods = customer_periods(session, shop.id, customer_id)
    row = find_membership(session, shop.id, customer_id)
    run = run_at(periods, now)
    if run is None and row is None and not any(p.ends_at is not None for p in periods):
        return "none"
    if row is None:
        row = PaidMembership(shop_id=shop.id, customer_id=customer_id, status=ENDED)
        session.add(row)
    before = row.status if row.id is not None else None
    if run is not None:
        row.status, row.started_at, row.ends_at = ACTIVE, run[0], run[1]
    else:
        over = [p for p in periods if p.ends_at is not None and p.ends_at <= now]
        if row.status == ACTIVE or row.ends_at is None:
            # The last period ran out, or a refund took the current one away (then: now).
            last_end = max((p.ends_at for p in over if p.ends_at is not None), default=now)
            row.ends_at = min(row.ends_at or last_end, last_end, now)
            if row.started_at is None and over:
                row.started_at = over[-1].starts_at
        row.status = ENDED
    row.updated_at = now
    session.flush()
    if row.status != before:
        enqueue(
            session,
            shop,
            SYNC_TAG,
            {"customer_id": customer_id},
            key=f"{SYNC_TAG}:{customer_id}:{row.status}:{now.isoformat()}",
        )
    return row.status
